//! `newswatch stories`: recent stories as the store knows them (sources
//! with their times, lists, first and last seen, whether breaking fired),
//! so an operator sees what the dedup stage made of the news. Reads only.

use serde::Serialize;

use super::{Failure, output};
use crate::clock::{from_millis, now_ms};
use crate::model::{SourceSeen, rfc3339};
use crate::store::{Store, StoryListing};
use crate::text::clip::clip;

/// Characters of a headline in the table.
const TITLE: usize = 100;

/// One story's object (`--json`).
#[derive(Serialize)]
struct StoryLine {
    story: String,
    title: String,
    first_seen_at: String,
    last_seen_at: String,
    source_count: usize,
    sources: Vec<SourceSeen>,
    lists: Vec<String>,
    sinks: Vec<String>,
    breaking_at: Option<String>,
}

impl StoryLine {
    fn of(listing: &StoryListing) -> StoryLine {
        let story = &listing.story;
        StoryLine {
            story: story.id.clone(),
            title: story.title.clone(),
            first_seen_at: rfc3339(from_millis(story.created_at)),
            last_seen_at: rfc3339(from_millis(listing.last_seen_at)),
            source_count: story.sources.len(),
            sources: story.sources_seen(),
            lists: story.lists.clone(),
            sinks: story.sinks.clone(),
            breaking_at: story.breaking_at.map(|at| rfc3339(from_millis(at))),
        }
    }
}

/// Lists the stories seen within `since`, at most `limit`.
pub async fn run(
    store: &Store,
    since: std::time::Duration,
    limit: i64,
    json: bool,
) -> Result<(), Failure> {
    let since_ms = now_ms().saturating_sub(i64::try_from(since.as_millis()).unwrap_or(i64::MAX));
    let listed = store
        .recent_stories(since_ms, limit)
        .await
        .map_err(anyhow::Error::from)?;
    for listing in &listed {
        let line = StoryLine::of(listing);
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
