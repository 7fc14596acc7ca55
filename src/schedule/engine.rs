//! The one scheduling engine: every feed's next due time on one heap,
//! whether it comes from an interval or from a cron schedule, read against
//! an injectable wall clock so that tests can run the engine on tokio's
//! paused clock.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{first_cron_poll_at, first_poll_at};
use crate::clock::Clock;
use crate::config::CronSchedule;

/// The longest the engine sleeps before reading the wall clock again. The
/// sleep runs on the monotonic clock, so after a suspend or a clock step a
/// due feed (a cron activation above all) is late by at most this much.
const RECHECK: Duration = Duration::from_secs(60);

/// Due times of feeds (by feed index), in wall-clock milliseconds: a
/// min-heap where moving a feed's time leaves the old entry behind, to be
/// dropped when it reaches the top.
#[derive(Debug, Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    due_at: Vec<Option<i64>>,
}

impl Timers {
    /// Timers for `feeds` feeds, none set.
    pub fn new(feeds: usize) -> Self {
        Timers {
            heap: BinaryHeap::with_capacity(feeds),
            due_at: vec![None; feeds],
        }
    }

    /// Sets (or moves) a feed's due time.
    pub fn set(&mut self, feed: usize, at_ms: i64) {
        if let Some(slot) = self.due_at.get_mut(feed) {
            *slot = Some(at_ms);
            self.heap.push(Reverse((at_ms, feed)));
        }
    }

    /// The earliest due time, if any feed is waiting.
    pub fn next_due(&mut self) -> Option<i64> {
        self.drop_stale();
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Removes and returns the feeds due at `now_ms`, earliest first.
    pub fn pop_due(&mut self, now_ms: i64) -> Vec<usize> {
        let mut due = Vec::new();
        while let Some(at) = self.next_due() {
            if at > now_ms {
                break;
            }
            if let Some(Reverse((_, feed))) = self.heap.pop() {
                self.due_at[feed] = None;
                due.push(feed);
            }
        }
        due
    }

    /// Drops heap entries that a later `set` replaced.
    fn drop_stale(&mut self) {
        while let Some(Reverse((at, feed))) = self.heap.peek() {
            if self.due_at.get(*feed).copied().flatten() == Some(*at) {
                break;
            }
            self.heap.pop();
        }
    }
}

/// How a feed's due times come about.
#[derive(Debug, Clone)]
pub enum Cadence {
    /// Every so often (plus jitter), counted from the last poll.
    Interval(Duration),
    /// At a cron schedule's activations.
    Cron(CronSchedule),
}

impl Cadence {
    /// The due time to keep for a poll that computed `next_due` and ended
    /// at `now_ms`: as computed, except that a cron feed whose computed
    /// time passed while it was being polled waits for its next activation
    /// instead of polling again at once, as a cron daemon skips activations
    /// that come while a job still runs. `None`: the schedule never fires
    /// again.
    pub fn after_poll(&self, next_due: i64, now_ms: i64) -> Option<i64> {
        match self {
            Cadence::Cron(_) if next_due < now_ms => self.next_activation(now_ms),
            _ => Some(next_due),
        }
    }

    /// The first activation strictly after `after_ms`, for a cron cadence.
    fn next_activation(&self, after_ms: i64) -> Option<i64> {
        let Cadence::Cron(schedule) = self else {
            return None;
        };
        let after = DateTime::<Utc>::from_timestamp_millis(after_ms)?;
        schedule.next_after(after).map(|at| at.timestamp_millis())
    }
}

/// How first polls after start-up are placed.
#[derive(Debug, Clone, Copy)]
pub struct Startup {
    /// Interval feeds with no stored time ahead start within this window
    /// (at most their interval), so a start does not poll everything at once.
    pub spread: Duration,
    /// No stored due time is honoured further ahead than this: the longest
    /// delay the config allows.
    pub longest: Duration,
}

/// The scheduling engine for a set of feeds, by index. It holds each feed's
/// next due time while the feed waits; the caller takes due feeds off with
/// [`Scheduler::due`], polls them, and hands the time the poll computed
/// back with [`Scheduler::polled`]. A feed being polled has no time here,
/// so it never fires twice at once.
#[derive(Debug)]
pub struct Scheduler {
    timers: Timers,
    cadences: Vec<Cadence>,
    clock: Clock,
}

impl Scheduler {
    /// An engine for feeds `0..cadences.len()`, none of them due yet.
    pub fn new(cadences: Vec<Cadence>, clock: Clock) -> Scheduler {
        Scheduler {
            timers: Timers::new(cadences.len()),
            cadences,
            clock,
        }
    }

    /// The clock the engine reads.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Sets a feed's first due time after start-up from its stored one (see
    /// [`Scheduler::first_due`]) and returns it; `None` for a cron schedule
    /// that never fires again (the feed is not polled).
    pub fn start(
        &mut self,
        feed: usize,
        stored_due: Option<i64>,
        startup: &Startup,
    ) -> Option<i64> {
        let first = self.first_due(feed, stored_due, startup);
        if let Some(at) = first {
            self.timers.set(feed, at);
        }
        first
    }

    /// A feed's first due time after start-up, from its stored one (see
    /// [`first_poll_at`] and [`first_cron_poll_at`]); `None` for a cron
    /// schedule that never fires again, or a feed the engine does not know.
    pub fn first_due(
        &self,
        feed: usize,
        stored_due: Option<i64>,
        startup: &Startup,
    ) -> Option<i64> {
        let cadence = self.cadences.get(feed)?;
        let now = self.clock.now_ms();
        match cadence {
            Cadence::Interval(interval) => Some(first_poll_at(
                now,
                stored_due,
                *interval,
                startup.spread,
                startup.longest,
            )),
            Cadence::Cron(_) => first_cron_poll_at(
                now,
                stored_due,
                cadence.next_activation(now),
                startup.longest,
            ),
        }
    }

    /// Sets a feed's due time as given: a feed this instance leased from
    /// the fleet's schedule, due then.
    pub fn lease(&mut self, feed: usize, at_ms: i64) {
        if feed < self.cadences.len() {
            self.timers.set(feed, at_ms);
        }
    }

    /// Sets the next due time of a feed whose poll ended, as the poll
    /// computed (and stored) it, by [`Cadence::after_poll`]: its interval,
    /// its next activation, a backoff or a server's delay.
    pub fn polled(&mut self, feed: usize, next_due: i64) {
        let Some(cadence) = self.cadences.get(feed) else {
            return;
        };
        if let Some(at) = cadence.after_poll(next_due, self.clock.now_ms()) {
            self.timers.set(feed, at);
        }
    }

    /// When a feed whose poll died without a report is due again, so one
    /// bad poll never silences a feed: an interval from now, or the next
    /// activation.
    pub fn retry_after_lost(&self, feed: usize) -> Option<i64> {
        let cadence = self.cadences.get(feed)?;
        let now = self.clock.now_ms();
        match cadence {
            Cadence::Interval(interval) => Some(now.saturating_add(interval.as_millis() as i64)),
            Cadence::Cron(_) => cadence.next_activation(now),
        }
    }

    /// Sets the next due time of a feed whose poll died without a report
    /// ([`Scheduler::retry_after_lost`]).
    pub fn poll_lost(&mut self, feed: usize) {
        if let Some(at) = self.retry_after_lost(feed) {
            self.timers.set(feed, at);
        }
    }

    /// The earliest due time of any waiting feed.
    pub fn next_due(&mut self) -> Option<i64> {
        self.timers.next_due()
    }

    /// Waits until some feeds are due and takes them off, earliest first.
    /// Pending for ever while no feed waits. Cancel-safe: feeds leave the
    /// heap only when the future completes.
    pub async fn due(&mut self) -> Vec<usize> {
        loop {
            let now = self.clock.now_ms();
            let wait = match self.timers.next_due() {
                Some(at) if at <= now => return self.timers.pop_due(now),
                Some(at) => {
                    Duration::from_millis(at.saturating_sub(now).unsigned_abs()).min(RECHECK)
                }
                None => return std::future::pending().await,
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_pop_in_order_and_forget_replaced_times() {
        let mut timers = Timers::new(3);
        timers.set(0, 300);
        timers.set(1, 100);
        timers.set(2, 200);
        timers.set(2, 500); // moved later
        assert_eq!(timers.next_due(), Some(100));
        assert_eq!(timers.pop_due(350), vec![1, 0]);
        assert_eq!(timers.next_due(), Some(500));
        assert!(timers.pop_due(499).is_empty());
        assert_eq!(timers.pop_due(500), vec![2]);
        assert_eq!(timers.next_due(), None);
    }

    /// 2026-03-01T12:00:00.500Z: half a second past a whole second.
    const START_MS: i64 = 1_772_366_400_500;

    const STARTUP: Startup = Startup {
        spread: Duration::ZERO,
        longest: Duration::from_secs(3600),
    };

    fn cron(expression: &str) -> Cadence {
        Cadence::Cron(CronSchedule::parse(expression).expect("a valid schedule"))
    }

    /// The time a successful poll at `now` computes, as `PollContext` does.
    fn after_success(cadence: &Cadence, now: i64) -> i64 {
        match cadence {
            Cadence::Interval(interval) => now + interval.as_millis() as i64,
            Cadence::Cron(_) => cadence.next_activation(now).expect("a next activation"),
        }
    }

    /// Runs the engine until `until` (ms after start), polling each due feed
    /// at once; returns (feed, ms after start) per activation.
    async fn run(scheduler: &mut Scheduler, until: i64) -> Vec<(usize, i64)> {
        let clock = scheduler.clock();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(until as u64 + 1);
        let mut fired = Vec::new();
        while let Ok(due) = tokio::time::timeout_at(deadline, scheduler.due()).await {
            let now = clock.now_ms();
            for feed in due {
                fired.push((feed, now - START_MS));
                let next = after_success(&scheduler.cadences[feed], now);
                scheduler.polled(feed, next);
            }
        }
        fired
    }

    #[tokio::test(start_paused = true)]
    async fn interval_and_cron_feeds_fire_from_one_heap_in_due_order() {
        let mut scheduler = Scheduler::new(
            vec![
                Cadence::Interval(Duration::from_secs(90)),
                cron("0 * * * * *"),
                cron("*/10 * * * * *"),
                Cadence::Interval(Duration::from_secs(60)),
            ],
            Clock::following_tokio(START_MS),
        );
        // A stored time ahead; the next activations; nothing stored, no spread.
        let stored = Some(START_MS + 30_000);
        assert_eq!(scheduler.start(0, stored, &STARTUP), stored);
        assert_eq!(scheduler.start(1, None, &STARTUP), Some(START_MS + 59_500));
        assert_eq!(scheduler.start(2, None, &STARTUP), Some(START_MS + 9_500));
        assert_eq!(scheduler.start(3, None, &STARTUP), Some(START_MS));
        assert_eq!(scheduler.next_due(), Some(START_MS));

        let fired = run(&mut scheduler, 60_000).await;
        assert_eq!(
            fired,
            vec![
                (3, 0),
                (2, 9_500),
                (2, 19_500),
                (2, 29_500),
                (0, 30_000),
                (2, 39_500),
                (2, 49_500),
                // Due together: in feed order.
                (1, 59_500),
                (2, 59_500),
                (3, 60_000),
            ]
        );
        assert_eq!(scheduler.next_due(), Some(START_MS + 69_500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cron_feed_keeps_a_backoff_but_skips_activations_missed_while_polling() {
        let clock = Clock::following_tokio(START_MS);
        let mut scheduler = Scheduler::new(
            vec![
                cron("*/10 * * * * *"),
                Cadence::Interval(Duration::from_secs(10)),
            ],
            clock,
        );
        scheduler.start(0, None, &STARTUP);
        scheduler.start(1, Some(START_MS + 9_500), &STARTUP);
        assert_eq!(scheduler.due().await, vec![0, 1]);
        assert_eq!(clock.now_ms(), START_MS + 9_500);
        // Both polls take 25 s; the times they computed at their start passed.
        tokio::time::advance(Duration::from_secs(25)).await;
        scheduler.polled(0, START_MS + 19_500);
        scheduler.polled(1, START_MS + 19_500);
        // The interval feed is due at once, as always; the cron feed waits
        // for its next activation.
        assert_eq!(scheduler.due().await, vec![1]);
        assert_eq!(scheduler.next_due(), Some(START_MS + 39_500));
        assert_eq!(scheduler.due().await, vec![0]);
        assert_eq!(clock.now_ms(), START_MS + 39_500);
        // A failed poll's backoff (or a server's delay) is kept, off schedule.
        scheduler.polled(0, START_MS + 45_000);
        assert_eq!(scheduler.next_due(), Some(START_MS + 45_000));
    }

    #[tokio::test(start_paused = true)]
    async fn lost_polls_and_restarts_keep_every_feed_scheduled() {
        let clock = Clock::following_tokio(START_MS);
        let mut scheduler = Scheduler::new(
            vec![
                cron("0 0 * * * *"),
                Cadence::Interval(Duration::from_secs(60)),
                cron("0 0 * * * *"),
            ],
            clock,
        );
        // A cron feed's stored backoff survives a restart; a stored time
        // that passed while down is not made up.
        assert_eq!(
            scheduler.start(0, Some(START_MS + 120_000), &STARTUP),
            Some(START_MS + 120_000)
        );
        assert_eq!(
            scheduler.start(2, Some(START_MS - 1_000), &STARTUP),
            Some(START_MS + 3_599_500)
        );
        // A poll that died is retried: an interval from now, or at the next
        // activation.
        scheduler.poll_lost(1);
        assert_eq!(scheduler.next_due(), Some(START_MS + 60_000));
        assert_eq!(scheduler.due().await, vec![1]);
        assert_eq!(scheduler.due().await, vec![0]);
        scheduler.poll_lost(0);
        assert_eq!(scheduler.due().await, vec![0, 2]);
        assert_eq!(clock.now_ms(), START_MS + 3_599_500);
        // Nothing waits: the engine waits for a poll to end, for ever if need be.
        let idle = tokio::time::timeout(Duration::from_secs(86_400), scheduler.due()).await;
        assert!(idle.is_err(), "no feed is due while none waits");
        // A feed the engine does not know is ignored.
        scheduler.polled(7, START_MS);
        scheduler.poll_lost(7);
        assert_eq!(scheduler.start(7, None, &STARTUP), None);
        assert_eq!(scheduler.next_due(), None);
    }
}
