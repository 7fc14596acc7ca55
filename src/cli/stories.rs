//! `newswatch stories`: recent stories as the store knows them (sources
//! with their times, lists, first and last seen, whether breaking fired),
//! so an operator sees what the dedup stage made of the news. Reads only.

use super::{Failure, output};
use crate::clock::ms_ago;
use crate::store::Store;
use crate::text::clip::clip;
use crate::web::views::StoryView;

/// Characters of a headline in the table.
const TITLE: usize = 100;

/// Lists the stories seen within `since`, at most `limit`.
pub async fn run(
    store: &Store,
    since: std::time::Duration,
    limit: i64,
    json: bool,
) -> Result<(), Failure> {
    let since_ms = ms_ago(since);
    let listed = store
        .recent_stories(since_ms, limit)
        .await
        .map_err(anyhow::Error::from)?;
    for listing in &listed {
        let line = StoryView::of(listing);
        if json {
            output::line(&serde_json::to_string(&line).map_err(anyhow::Error::from)?)?;
            continue;
        }
        let breaking = line
            .breaking_at
            .as_deref()
            .map(|at| format!("  BREAKING at {at}"))
            .unwrap_or_default();
        output::line(&format!(
            "{}  first {}  last {}  {} sources  [{}]{breaking}\n    {}",
            line.story,
            line.first_seen_at,
            line.last_seen_at,
            line.source_count,
            line.lists.join(","),
            clip(&line.title, TITLE).replace(['\n', '\r'], " ")
        ))?;
    }
    if !json && listed.is_empty() {
        output::line("no stories in that time")?;
    }
    Ok(())
}
