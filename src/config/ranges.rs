//! The range of every number and duration in the config. A value outside
//! its range is a config error (`check` exits 78 at the key), never a
//! panic or a feed that is silently never polled: a semaphore of
//! `usize::MAX` permits panics, a window of 300,000 years overflows the
//! date arithmetic, a zero timeout fails every fetch. The ranges are in the
//! README's configuration section.

use std::time::Duration;

use super::{DaemonConfig, DedupConfig, FeedConfig, PollConfig};
use crate::sink::SinkConfig;

const SECOND: u64 = 1;
const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;

/// A key and why its value is out of range.
pub type OutOfRange = (&'static str, String);

/// One duration's range, in seconds.
fn duration(key: &'static str, value: Duration, min: u64, max: u64) -> Result<(), OutOfRange> {
    let seconds = value.as_secs();
    if value < Duration::from_secs(min) || seconds > max {
        return Err((
            key,
            format!("{key} must be between {} and {}", human(min), human(max)),
        ));
    }
    Ok(())
}

/// One count's range.
fn count(key: &'static str, value: u64, min: u64, max: u64) -> Result<(), OutOfRange> {
    if !(min..=max).contains(&value) {
        return Err((key, format!("{key} must be between {min} and {max}")));
    }
    Ok(())
}

/// A bound as the config would write it: "30days", "1year", "0s".
fn human(seconds: u64) -> String {
    for (unit, name) in [(YEAR, "year"), (DAY, "day"), (HOUR, "h"), (MINUTE, "min")] {
        if seconds >= unit && seconds.is_multiple_of(unit) {
            let n = seconds / unit;
            let plural = if n > 1 && unit >= DAY { "s" } else { "" };
            return format!("{n}{name}{plural}");
        }
    }
    format!("{seconds}s")
}

/// `[poll]`.
pub fn poll(poll: &PollConfig) -> Result<(), OutOfRange> {
    duration("interval", poll.interval.0, SECOND, 30 * DAY)?;
    duration("connect_timeout", poll.connect_timeout.0, SECOND, HOUR)?;
    duration("read_timeout", poll.read_timeout.0, SECOND, HOUR)?;
    duration("timeout", poll.timeout.0, SECOND, HOUR)?;
    duration("startup_spread", poll.startup_spread.0, 0, 30 * DAY)?;
    duration("max_backoff", poll.max_backoff.0, SECOND, 30 * DAY)?;
    duration("max_server_delay", poll.max_server_delay.0, 0, 30 * DAY)?;
    duration("unhealthy_after", poll.unhealthy_after.0, 0, YEAR)?;
    duration("backlog_window", poll.backlog_window.0, 0, 100 * YEAR)?;
    count("concurrency", poll.concurrency as u64, 1, 4096)?;
    count("per_host", poll.per_host as u64, 1, 1024)?;
    count("max_items", poll.max_items as u64, 1, 100_000)?;
    count("max_body", poll.max_body.0, 1024, 1 << 30)?;
    if !(0.0..=1.0).contains(&poll.jitter) {
        return Err(("jitter", "jitter must be between 0.0 and 1.0".into()));
    }
    Ok(())
}

/// `[daemon]`.
pub fn daemon(daemon: &DaemonConfig) -> Result<(), OutOfRange> {
    duration("shutdown_grace", daemon.shutdown_grace.0, 0, HOUR)?;
    duration("stuck_after", daemon.stuck_after.0, 2 * SECOND, DAY)
}

/// `[dedup]`.
pub fn dedup(dedup: &DedupConfig) -> Result<(), OutOfRange> {
    duration("window", dedup.window.0, 0, YEAR)?;
    duration("retention", dedup.retention.0, MINUTE, 10 * YEAR)?;
    duration("update_period", dedup.update_period.0, 0, 30 * DAY)
}

/// A `[[feed]]`'s own settings.
pub fn feed(feed: &FeedConfig) -> Result<(), OutOfRange> {
    if let Some(interval) = feed.interval {
        duration("interval", interval.0, SECOND, 30 * DAY)?;
    }
    if let Some(window) = feed.backlog_window {
        duration("backlog_window", window.0, 0, 100 * YEAR)?;
    }
    if let Some(max) = feed.max_items {
        count("max_items", max as u64, 1, 100_000)?;
    }
    if let Some(schedule) = &feed.schedule
        && schedule.next_after(chrono::Utc::now()).is_none()
    {
        return Err((
            "schedule",
            format!("schedule {:?} never fires", schedule.expression),
        ));
    }
    Ok(())
}

/// A `[[sink]]`'s shared settings.
pub fn sink(sink: &SinkConfig) -> Result<(), OutOfRange> {
    // No list and no event: the sink would never hear of anything.
    if sink.lists().is_some_and(<[String]>::is_empty) && sink.events.is_empty() {
        return Err((
            "lists",
            "lists = [] with no events sends nothing; name a list, leave lists out for all, or add events".into(),
        ));
    }
    for delay in sink.retry.iter().flatten() {
        duration("retry", delay.0, 0, 30 * DAY)?;
    }
    if sink.retry.as_ref().is_some_and(|r| r.len() > 100) {
        return Err(("retry", "retry lists at most 100 delays".into()));
    }
    if let Some(period) = sink.digest {
        duration("digest", period.0, MINUTE, DAY)?;
    }
    if let Some(rate) = sink.max_per_minute {
        count("max_per_minute", u64::from(rate), 1, 6000)?;
    }
    Ok(())
}
