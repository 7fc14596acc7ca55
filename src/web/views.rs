//! What a feed's state and a story look like to people and programs: the
//! one shape `newswatch feeds --json`, `newswatch stories --json`, the API
//! and the status page share.

use serde::Serialize;

use crate::clock::from_millis;
use crate::config::FeedConfig;
use crate::model::{SourceSeen, rfc3339};
use crate::store::{FeedState, StoryListing};

/// One feed with what the store knows of it.
#[derive(Debug, Clone, Serialize)]
pub struct FeedView {
    /// Its display name.
    pub name: String,
    /// Its configured URL.
    pub url: String,
    /// The URL polled now (differs after a permanent redirect).
    pub polled_url: String,
    /// Last poll (RFC 3339).
    pub last_poll: Option<String>,
    /// Last status ("200", "304", "timeout" ...).
    pub last_status: Option<String>,
    /// Whether an ETag is kept for it.
    pub etag: bool,
    /// Next poll (RFC 3339).
    pub next_due: Option<String>,
    /// Failures in a row.
    pub failures: i64,
    /// Why it is disabled, if it is.
    pub disabled: Option<String>,
    /// The last error, if the last poll failed.
    pub last_error: Option<String>,
    /// Items read from the last document parsed.
    pub items: Option<i64>,
    /// Items that document held that could not be read.
    pub items_dropped: i64,
}

impl FeedView {
    /// The configured `feed`, with its stored `state` if any; an unnamed
    /// feed is called by its own title once it has been fetched.
    pub fn of(feed: &FeedConfig, state: Option<&FeedState>) -> FeedView {
        let time = |ms: Option<i64>| ms.map(|ms| rfc3339(from_millis(ms)));
        let url = feed.url.as_str();
        FeedView {
            name: feed.name_with_title(state.and_then(|s| s.title.as_deref())),
            url: url.to_string(),
            polled_url: state.map_or_else(|| url.to_string(), |s| s.current_url.clone()),
            last_poll: time(state.and_then(|s| s.last_poll_at)),
            last_status: state.and_then(|s| s.last_status.clone()),
            etag: state.is_some_and(|s| s.etag.is_some()),
            next_due: time(state.and_then(|s| s.next_due_at)),
            failures: state.map_or(0, |s| s.failures),
            disabled: state.and_then(|s| s.disabled_reason.clone()),
            last_error: state.and_then(|s| s.last_error.clone()),
            items: state.and_then(|s| s.items_found),
            items_dropped: state.map_or(0, |s| s.items_dropped),
        }
    }
}

/// One story as the store knows it.
#[derive(Debug, Clone, Serialize)]
pub struct StoryView {
    /// Its id.
    pub story: String,
    /// Its headline as first alerted.
    pub title: String,
    /// First copy recorded (RFC 3339).
    pub first_seen_at: String,
    /// Latest copy recorded (RFC 3339).
    pub last_seen_at: String,
    /// How many feeds carried it.
    pub source_count: usize,
    /// The feeds, with when each first carried it.
    pub sources: Vec<SourceSeen>,
    /// Lists alerted so far.
    pub lists: Vec<String>,
    /// Sinks that had it.
    pub sinks: Vec<String>,
    /// When it broke, if it did.
    pub breaking_at: Option<String>,
}

impl StoryView {
    /// The view of a listed story.
    pub fn of(listing: &StoryListing) -> StoryView {
        let story = &listing.story;
        StoryView {
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
