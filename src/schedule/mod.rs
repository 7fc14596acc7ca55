//! Scheduling: when each feed is due. One engine times every feed: a heap
//! of due times ([`Scheduler`]) holding interval feeds and cron feeds alike.
//! An interval feed's next time is its interval plus jitter; a cron feed's
//! is its schedule's next activation (croner). Failures back off
//! exponentially, servers' delays are a floor, and the due time a poll
//! computes is stored, so a restart keeps it.

pub mod cron_words;
mod engine;

use std::time::Duration;

pub use crate::clock::Clock;
pub use engine::{Cadence, Scheduler, Startup, Timers};

/// The longest a failing feed waits between attempts (unless its interval is longer).
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// When a feed polled at `now_ms` is due next: its interval plus jitter on
/// success; on failure, the interval doubled per consecutive failure, capped
/// at [`MAX_BACKOFF`] (or the interval, if longer).
pub fn next_poll_after(now_ms: i64, interval: Duration, jitter: f64, failures: u32) -> i64 {
    next_poll_with_cap(now_ms, interval, jitter, failures, MAX_BACKOFF)
}

/// Everything that decides when a feed is polled next.
#[derive(Debug, Clone, Copy)]
pub struct NextPoll {
    /// The feed's interval (and the base of its backoff).
    pub interval: Duration,
    /// Jitter fraction.
    pub jitter: f64,
    /// Consecutive failures, 0 after a success.
    pub failures: u32,
    /// Backoff never exceeds this (unless the interval does).
    pub max_backoff: Duration,
    /// What the server or feed asked for: `Retry-After` after a failure;
    /// `Cache-Control: max-age`, `<ttl>` or `sy:updatePeriod` after a success.
    pub server_delay: Option<Duration>,
    /// Server delays are honoured up to this long.
    pub max_server_delay: Duration,
    /// The next cron activation, for cron feeds (after a success).
    pub cron_next_ms: Option<i64>,
}

impl NextPoll {
    /// The next due time (ms) for a poll that ended at `now_ms`: the usual
    /// time (interval, cron or backoff), but never before the server's delay.
    pub fn due_after(&self, now_ms: i64) -> i64 {
        let usual = match self.cron_next_ms {
            Some(cron) if self.failures == 0 => cron,
            _ => next_poll_with_cap(
                now_ms,
                self.interval,
                self.jitter,
                self.failures,
                self.max_backoff,
            ),
        };
        let floor = self.server_delay.map_or(now_ms, |d| {
            now_ms + d.min(self.max_server_delay).as_millis() as i64
        });
        usual.max(floor)
    }
}

fn next_poll_with_cap(
    now_ms: i64,
    interval: Duration,
    jitter: f64,
    failures: u32,
    max_backoff: Duration,
) -> i64 {
    let base = if failures == 0 {
        interval
    } else {
        let cap = max_backoff.max(interval);
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        interval.saturating_mul(factor).min(cap)
    };
    let spread = base.mul_f64(jitter.clamp(0.0, 1.0) * fastrand::f64());
    now_ms + (base + spread).as_millis() as i64
}

/// When a feed is first polled after start-up: its stored due time if that
/// is still ahead (so a backoff or a server's Retry-After survives a
/// restart), but never later than `longest` from now (the longest delay
/// the config allows); else a random point within `spread` (at most the
/// interval), so a start does not poll everything at once.
pub fn first_poll_at(
    now_ms: i64,
    stored_due: Option<i64>,
    interval: Duration,
    spread: Duration,
    longest: Duration,
) -> i64 {
    match stored_due {
        Some(due) if due > now_ms => due.min(now_ms + longest.max(interval).as_millis() as i64),
        _ => {
            let window = spread.min(interval).as_millis() as u64;
            now_ms + fastrand::u64(0..=window) as i64
        }
    }
}

/// When a cron feed is first polled after start-up: its stored due time if
/// that is still ahead (a backoff or a server's Retry-After survives a
/// restart, as for interval feeds), but never later than `longest` from now
/// or its next activation, whichever is later; else its next activation
/// (`next_activation`, `None` when the schedule never fires again). A firing
/// missed while the daemon was down is not made up, as cron does not.
pub fn first_cron_poll_at(
    now_ms: i64,
    stored_due: Option<i64>,
    next_activation: Option<i64>,
    longest: Duration,
) -> Option<i64> {
    match stored_due {
        Some(due) if due > now_ms => {
            let latest = (now_ms + longest.as_millis() as i64).max(next_activation.unwrap_or(0));
            Some(due.min(latest))
        }
        _ => next_activation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let minute = Duration::from_secs(60);
        let at = |failures| next_poll_after(0, minute, 0.0, failures);
        assert_eq!(at(0), 60_000);
        assert_eq!(at(1), 60_000);
        assert_eq!(at(2), 120_000);
        assert_eq!(at(3), 240_000);
        assert_eq!(at(30), MAX_BACKOFF.as_millis() as i64);
        let jittered = next_poll_after(0, minute, 0.5, 0);
        assert!((60_000..=90_000).contains(&jittered));
    }

    fn plan(failures: u32, server_delay: Option<Duration>) -> NextPoll {
        NextPoll {
            interval: Duration::from_secs(60),
            jitter: 0.0,
            failures,
            max_backoff: Duration::from_secs(600),
            server_delay,
            max_server_delay: Duration::from_secs(3600),
            cron_next_ms: None,
        }
    }

    #[test]
    fn server_delays_are_a_floor_within_bounds() {
        assert_eq!(plan(0, None).due_after(0), 60_000);
        // max-age or <ttl> longer than the interval pushes the poll out.
        assert_eq!(
            plan(0, Some(Duration::from_secs(300))).due_after(0),
            300_000
        );
        // A shorter one does not pull it in.
        assert_eq!(plan(0, Some(Duration::from_secs(10))).due_after(0), 60_000);
        // Retry-After beyond the backoff wins, up to the configured bound.
        assert_eq!(
            plan(1, Some(Duration::from_secs(120))).due_after(0),
            120_000
        );
        assert_eq!(
            plan(1, Some(Duration::from_secs(86_400))).due_after(0),
            3_600_000
        );
        // Backoff is capped by max_backoff.
        assert_eq!(plan(10, None).due_after(0), 600_000);
    }

    #[test]
    fn cron_feeds_follow_their_schedule_unless_failing() {
        let mut cron = plan(0, None);
        cron.cron_next_ms = Some(5_000);
        assert_eq!(cron.due_after(0), 5_000);
        cron.failures = 2;
        assert_eq!(cron.due_after(0), 120_000);
    }

    #[test]
    fn first_polls_respect_stored_times_and_spread_the_rest() {
        let interval = Duration::from_secs(900);
        let spread = Duration::from_secs(60);
        let longest = Duration::from_secs(3600);
        let first = |due| first_poll_at(0, Some(due), interval, spread, longest);
        assert_eq!(first(5_000), 5_000);
        // A backoff beyond the interval is kept...
        assert_eq!(first(2_000_000), 2_000_000);
        // ...but a stored time beyond any delay the config allows is capped.
        assert_eq!(first(10_000_000), 3_600_000);
        for _ in 0..100 {
            let at = first_poll_at(1_000, Some(500), interval, spread, longest);
            assert!((1_000..=61_000).contains(&at));
        }
    }

    #[test]
    fn first_cron_polls_respect_stored_times_else_wait_for_the_schedule() {
        let longest = Duration::from_secs(3600);
        let hourly = Some(3_000_000);
        let first = |due| first_cron_poll_at(1_000, due, hourly, longest);
        // Nothing stored, or a time that passed while down: the next activation.
        assert_eq!(first(None), hourly);
        assert_eq!(first(Some(500)), hourly);
        // A success stored the next activation; a failure stored a backoff.
        assert_eq!(first(Some(3_000_000)), hourly);
        assert_eq!(first(Some(120_000)), Some(120_000));
        // A stored time beyond any delay the config allows is capped...
        assert_eq!(first(Some(90_000_000)), Some(3_601_000));
        // ...but never before the next activation of a schedule sparser than that.
        let daily = Some(80_000_000);
        assert_eq!(
            first_cron_poll_at(1_000, Some(86_000_000), daily, longest),
            daily
        );
        // A schedule that never fires again polls only for a stored time.
        assert_eq!(first_cron_poll_at(1_000, None, None, longest), None);
        assert_eq!(
            first_cron_poll_at(1_000, Some(9_000), None, longest),
            Some(9_000)
        );
    }
}
