//! Feeds as the poller knows them: the config's `[[feed]]` tables with the
//! `[poll]` defaults applied.

use std::borrow::Cow;
use std::time::Duration;

use crate::config::{BacklogMode, Config, CronSchedule, feed_title};
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
    /// Display name: the configured one, else the feed's own title once
    /// known (see [`FeedSpec::titled`]), else the URL's host and path.
    pub name: String,
    /// Whether the config names the feed (its title then never does).
    pub named: bool,
    /// Poll interval (for interval-driven feeds; also the base of backoff).
    pub interval: Duration,
    /// Cron schedule, for cron-driven feeds.
    pub schedule: Option<CronSchedule>,
    /// What the first poll alerts.
    pub backlog: Backlog,
    /// Items processed per poll at most, newest first.
    pub max_items: usize,
    /// Watch lists whose `feeds`/`tags` leave this feed out: its items
    /// never match them.
    pub unwatched: Vec<String>,
    /// Sinks whose `feeds`/`tags` leave this feed out: its alerts never
    /// reach them.
    pub unrouted: Vec<String>,
    /// Whether each new item's article is fetched and matched (`full_text`).
    pub full_text: bool,
    /// How long a poll waits for its articles.
    pub article_timeout: Duration,
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
                    named: feed.name.is_some(),
                    interval: config.interval_of(feed),
                    schedule: feed.schedule.clone(),
                    backlog: match mode {
                        BacklogMode::All => Backlog::All,
                        BacklogMode::Window => Backlog::Within(window),
                    },
                    max_items: feed.max_items.unwrap_or(config.poll.max_items),
                    unwatched: config.lists_not_for(feed),
                    unrouted: config.sinks_not_for(feed),
                    full_text: feed.full_text.unwrap_or(config.poll.full_text),
                    article_timeout: feed
                        .article_timeout
                        .unwrap_or(config.poll.article_timeout)
                        .0,
                }
            })
            .collect()
    }

    /// The feed as called by its own `title` (from its document or its
    /// stored state) when the config gives it no name.
    pub fn titled(&self, title: Option<&str>) -> Cow<'_, FeedSpec> {
        match title.filter(|_| !self.named).and_then(feed_title) {
            Some(name) if name != self.name => Cow::Owned(FeedSpec {
                name,
                ..self.clone()
            }),
            _ => Cow::Borrowed(self),
        }
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
