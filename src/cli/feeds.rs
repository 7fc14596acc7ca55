//! `newswatch feeds`: every configured feed with what the store knows of
//! it, so an operator sees at a glance which feeds work, which fail and
//! which are disabled; `--reset URL` forgets one feed's state.

use super::{Failure, output};
use crate::config::Config;
use crate::store::Store;
use crate::text::clip::clip;
use crate::web::views::FeedView;

/// Lists the feeds, or resets one.
pub async fn run(
    config: &Config,
    store: &Store,
    json: bool,
    reset: Option<&str>,
) -> Result<(), Failure> {
    if let Some(url) = reset {
        let known = config.feeds.iter().any(|f| f.url.as_str() == url);
        if !known {
            return Err(
                anyhow::anyhow!("no feed with URL {url} in {}", config.path.display()).into(),
            );
        }
        let removed = store.reset_feed(url).await.map_err(anyhow::Error::from)?;
        let what = if removed {
            "state forgotten; it will be polled as new"
        } else {
            "had no stored state"
        };
        return output::line(&format!("{url}: {what}"));
    }
    let states = store.feed_states().await.map_err(anyhow::Error::from)?;
    let lines: Vec<FeedView> = config
        .feeds
        .iter()
        .map(|feed| {
            let state = states.get(feed.url.as_str());
            FeedView::of(feed, state)
        })
        .collect();
    if json {
        for line in &lines {
            output::line(&serde_json::to_string(line).map_err(anyhow::Error::from)?)?;
        }
        return Ok(());
    }
    output::line(&format!(
        "{:<32}  {:<20}  {:<16}  {:<4}  {:<20}  {:>4}  {}",
        "FEED", "LAST POLL", "STATUS", "ETAG", "NEXT DUE", "FAIL", "NOTE"
    ))?;
    for line in &lines {
        let note = line
            .disabled
            .clone()
            .or_else(|| line.last_error.clone())
            .or_else(|| {
                (line.items_dropped > 0).then(|| {
                    let held = line.items.unwrap_or(0) + line.items_dropped;
                    format!("{} of {held} items could not be read", line.items_dropped)
                })
            })
            .or_else(|| {
                (line.polled_url != line.url).then(|| format!("moved to {}", line.polled_url))
            })
            .unwrap_or_default();
        output::line(&format!(
            "{:<32}  {:<20}  {:<16}  {:<4}  {:<20}  {:>4}  {}",
            clip(&line.name, 32),
            line.last_poll.as_deref().unwrap_or("never"),
            clip(line.last_status.as_deref().unwrap_or("-"), 16),
            if line.etag { "yes" } else { "no" },
            line.next_due
                .as_deref()
                .unwrap_or(if line.disabled.is_some() {
                    "disabled"
                } else {
                    "at start"
                }),
            line.failures,
            note
        ))?;
    }
    Ok(())
}
