//! Feeds as the poller knows them: the config's `[[feed]]` tables with the
//! `[poll]` defaults applied.

use std::time::Duration;

use crate::config::{BacklogMode, Config, CronSchedule};
use crate::schedule::Cadence;

/// What a feed's first poll alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backlog {
    /// Every matching item.
    All,
    /// Matching items published within this window; the rest are marked
    /// seen silently.
    Within(Duration),
}

/// A feed, ready to poll.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// Position in the config (the scheduling engine's key).
    pub index: usize,
    /// The configured URL: the feed's identity in the store.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Poll interval (for interval-driven feeds; also the base of backoff).
    pub interval: Duration,
    /// Cron schedule, for cron-driven feeds.
    pub schedule: Option<CronSchedule>,
    /// What the first poll alerts.
    pub backlog: Backlog,
    /// Items processed per poll at most, newest first.
    pub max_items: usize,
}

impl FeedSpec {
    /// The feeds of a config, in order.
    pub fn all(config: &Config) -> Vec<FeedSpec> {
        config
            .feeds
            .iter()
            .enumerate()
            .map(|(index, feed)| {
                let mode = feed.backlog.unwrap_or(config.poll.backlog);
                let window = feed.backlog_window.unwrap_or(config.poll.backlog_window).0;
                FeedSpec {
                    index,
                    id: feed.url.as_str().to_string(),
                    name: feed.display_name(),
                    interval: config.interval_of(feed),
                    schedule: feed.schedule.clone(),
                    backlog: match mode {
                        BacklogMode::All => Backlog::All,
                        BacklogMode::Window => Backlog::Within(window),
                    },
                    max_items: feed.max_items.unwrap_or(config.poll.max_items),
                }
            })
            .collect()
    }

    /// How the scheduling engine times this feed: by its cron schedule if
    /// it has one, else by its interval.
    pub fn cadence(&self) -> Cadence {
        match &self.schedule {
            Some(schedule) => Cadence::Cron(schedule.clone()),
            None => Cadence::Interval(self.interval),
        }
    }
}
