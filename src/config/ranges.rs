//! The range of every number and duration in the config. A value outside
//! its range is a config error (`check` exits 78 at the key), never a
//! panic or a feed that is silently never polled: a semaphore of
//! `usize::MAX` permits panics, a window of 300,000 years overflows the
//! date arithmetic, a zero timeout fails every fetch. The ranges are in the
//! README's configuration section.

use std::time::Duration;

use super::{ArchiveConfig, DaemonConfig, DedupConfig, FeedConfig, PollConfig, SignalsConfig};
use crate::sink::SinkConfig;
use crate::units::human_seconds as human;

use crate::units::{DAY, HOUR, MINUTE, YEAR};

const SECOND: u64 = 1;

/// A key and why its value is out of range.
pub type OutOfRange = (&'static str, String);

/// One duration's range, in seconds.
fn duration(key: &'static str, value: Duration, min: u64, max: u64) -> Option<OutOfRange> {
    let seconds = value.as_secs();
    (value < Duration::from_secs(min) || seconds > max).then(|| {
        (
            key,
            format!("{key} must be between {} and {}", human(min), human(max)),
        )
    })
}

/// One count's range.
fn count(key: &'static str, value: u64, min: u64, max: u64) -> Option<OutOfRange> {
    (!(min..=max).contains(&value)).then(|| (key, format!("{key} must be between {min} and {max}")))
}

/// `[poll]`: every key out of its range.
pub fn poll(poll: &PollConfig) -> Vec<OutOfRange> {
    [
        duration("interval", poll.interval.0, SECOND, 30 * DAY),
        duration("connect_timeout", poll.connect_timeout.0, SECOND, HOUR),
        duration("read_timeout", poll.read_timeout.0, SECOND, HOUR),
        duration("timeout", poll.timeout.0, SECOND, HOUR),
        duration("startup_spread", poll.startup_spread.0, 0, 30 * DAY),
        duration("max_backoff", poll.max_backoff.0, SECOND, 30 * DAY),
        duration("max_server_delay", poll.max_server_delay.0, 0, 30 * DAY),
        duration("unhealthy_after", poll.unhealthy_after.0, 0, YEAR),
        duration("backlog_window", poll.backlog_window.0, 0, 100 * YEAR),
        count("concurrency", poll.concurrency as u64, 1, 4096),
        count("per_host", poll.per_host as u64, 1, 1024),
        count("max_items", poll.max_items as u64, 1, 100_000),
        count("max_body", poll.max_body.0, 1024, 1 << 30),
        count("max_article", poll.max_article.0, 1024, 1 << 30),
        duration("article_timeout", poll.article_timeout.0, SECOND, HOUR),
        (!(0.0..=1.0).contains(&poll.jitter))
            .then(|| ("jitter", "jitter must be between 0.0 and 1.0".into())),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `[daemon]`: every key out of its range.
pub fn daemon(daemon: &DaemonConfig) -> Vec<OutOfRange> {
    [
        duration("shutdown_grace", daemon.shutdown_grace.0, 0, HOUR),
        duration("stuck_after", daemon.stuck_after.0, 2 * SECOND, DAY),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `[dedup]`: every key out of its range.
pub fn dedup(dedup: &DedupConfig) -> Vec<OutOfRange> {
    [
        duration("window", dedup.window.0, 0, YEAR),
        duration("retention", dedup.retention.0, MINUTE, 10 * YEAR),
        duration("update_period", dedup.update_period.0, 0, 30 * DAY),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `[archive]`: every key out of its range (0 turns it off).
pub fn archive(archive: &ArchiveConfig) -> Vec<OutOfRange> {
    [duration("retention", archive.retention.0, 0, 10 * YEAR)]
        .into_iter()
        .flatten()
        .collect()
}

/// `[signals]`: every key out of its range.
pub fn signals(signals: &SignalsConfig) -> Vec<OutOfRange> {
    let factor = (!(1.0..=1000.0).contains(&signals.spike_factor)).then(|| {
        (
            "spike_factor",
            "spike_factor must be between 1.0 and 1000.0".to_string(),
        )
    });
    [
        count("breaking_sources", signals.breaking_sources, 2, 10_000),
        duration(
            "breaking_window",
            signals.breaking_window.0,
            MINUTE,
            30 * DAY,
        ),
        duration("spike_window", signals.spike_window.0, MINUTE, 30 * DAY),
        duration("spike_baseline", signals.spike_baseline.0, HOUR, YEAR),
        count("spike_min", signals.spike_min, 1, 1_000_000),
        factor,
        duration("spike_cooldown", signals.spike_cooldown.0, 0, YEAR),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A `[[feed]]`'s own settings: every key out of its range.
pub fn feed(feed: &FeedConfig) -> Vec<OutOfRange> {
    let never_fires = feed
        .schedule
        .as_ref()
        .filter(|schedule| schedule.next_after(chrono::Utc::now()).is_none())
        .map(|schedule| {
            (
                "schedule",
                format!("schedule {:?} never fires", schedule.expression),
            )
        });
    [
        feed.interval
            .and_then(|interval| duration("interval", interval.0, SECOND, 30 * DAY)),
        feed.backlog_window
            .and_then(|window| duration("backlog_window", window.0, 0, 100 * YEAR)),
        feed.max_items
            .and_then(|max| count("max_items", max as u64, 1, 100_000)),
        feed.article_timeout
            .and_then(|timeout| duration("article_timeout", timeout.0, SECOND, HOUR)),
        never_fires,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A `[[sink]]`'s shared settings: every key out of its range (a `retry`
/// list is blamed once, for its first bad delay).
pub fn sink(sink: &SinkConfig) -> Vec<OutOfRange> {
    // No list and no event: the sink would never hear of anything.
    let deaf = (sink.lists().is_some_and(<[String]>::is_empty) && sink.events.is_empty())
        .then(|| {
            (
                "lists",
                "lists = [] with no events sends nothing; name a list, leave lists out for all, or add events".into(),
            )
        });
    let retry = sink
        .retry
        .iter()
        .flatten()
        .find_map(|delay| duration("retry", delay.0, 0, 30 * DAY))
        .or_else(|| {
            sink.retry
                .as_ref()
                .is_some_and(|r| r.len() > 100)
                .then(|| ("retry", "retry lists at most 100 delays".into()))
        });
    [
        deaf,
        retry,
        sink.digest
            .and_then(|period| duration("digest", period.0, MINUTE, DAY)),
        sink.max_per_minute
            .and_then(|rate| count("max_per_minute", u64::from(rate), 1, 6000)),
    ]
    .into_iter()
    .flatten()
    .collect()
}
