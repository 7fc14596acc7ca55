//! Signals: what newswatch notices across items rather than in one. A
//! story that many feeds pick up fast, and a watch list busier than its
//! own usual. Each goes to the sinks that asked for it, through the outbox.

use serde::Serialize;

/// A story many feeds carried within a short time: for sinks with
/// `events = ["story_breaking"]`. Sent at most once per story.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StoryBreaking {
    /// Always "story_breaking".
    #[serde(rename = "type")]
    pub kind: String,
    /// Stable event id (time-ordered UUID).
    pub id: String,
    /// The story's id, as in its alerts.
    pub story: String,
    /// The story's headline, as first alerted.
    pub title: String,
    /// The link of the copy that made it break, if any.
    pub link: Option<String>,
    /// Every list its copies matched.
    pub lists: Vec<String>,
    /// Every feed that carried it, in the order they did.
    pub sources: Vec<SourceSeen>,
    /// The alert of its first copy.
    pub first_alert: String,
    /// The breaking window, in seconds: this many sources within it.
    pub window_seconds: u64,
    /// When newswatch noticed (RFC 3339).
    pub detected_at: String,
}

/// A feed that carried a story, and when it first did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SourceSeen {
    /// The feed's name.
    pub feed: String,
    /// When its first copy was recorded (RFC 3339).
    pub first_seen_at: String,
}

/// A watch list much busier than its own baseline: for sinks with
/// `events = ["list_spike"]`. Quiet for the cool-down after.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ListSpike {
    /// Always "list_spike".
    #[serde(rename = "type")]
    pub kind: String,
    /// Stable event id (time-ordered UUID).
    pub id: String,
    /// The watch list.
    pub list: String,
    /// Matched items of the list within the window.
    pub count: u64,
    /// The window, in seconds.
    pub window_seconds: u64,
    /// The list's usual matched items per hour, over the baseline.
    pub baseline_per_hour: f64,
    /// The stories with the most items in the window, most first.
    pub top_stories: Vec<SpikeStory>,
    /// When newswatch noticed (RFC 3339).
    pub detected_at: String,
}

/// One of a spike's top stories.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SpikeStory {
    /// The story's id.
    pub story: String,
    /// Its headline, as first alerted.
    pub title: String,
    /// Its items within the window.
    pub items: u64,
    /// Feeds that carried it so far.
    pub sources: u64,
}

impl StoryBreaking {
    /// The `type` of a breaking story event.
    pub const KIND: &'static str = "story_breaking";
}

impl ListSpike {
    /// The `type` of a list spike event.
    pub const KIND: &'static str = "list_spike";
}
