//! 5,000 feeds whose cron schedules fire in the same second: every one of
//! them is activated, once per firing, at that second. Cron feeds used to
//! be driven by tokio-cron-scheduler, whose activation channel dropped runs
//! that fired together; now they wait on the daemon's one scheduling
//! engine like interval feeds. The engine runs here on tokio's paused
//! clock, so two days of firings take milliseconds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use newswatch::config::CronSchedule;
use newswatch::schedule::{Cadence, Clock, NextPoll, Scheduler, Startup};

const FEEDS: usize = 5000;

/// 2026-03-01T12:00:00.400Z: the wall clock when the engine starts.
const START_MS: i64 = 1_772_366_400_400;

/// Every day at 12:00:08 UTC, a few seconds after the start.
const SCHEDULE: &str = "8 0 12 * * *";
const FIRST_MS: i64 = START_MS + 7_600;
const DAY_MS: i64 = 86_400_000;

// One thread, as the old test had: every activation is queued before any
// poll runs, the worst case for anything that could drop them.
#[tokio::test(start_paused = true)]
async fn five_thousand_feeds_due_at_once_are_all_activated() {
    let took = Instant::now();
    let schedule = CronSchedule::parse(SCHEDULE).expect("a valid schedule");
    let clock = Clock::following_tokio(START_MS);
    let mut scheduler = Scheduler::new(vec![Cadence::Cron(schedule.clone()); FEEDS], clock);
    let startup = Startup {
        spread: Duration::from_secs(60),
        longest: Duration::from_secs(6 * 3600),
    };
    for feed in 0..FEEDS {
        assert_eq!(scheduler.start(feed, None, &startup), Some(FIRST_MS));
    }

    // Just short of two days: two firings, each at a fixed second of the
    // day, so a dropped activation never comes back.
    let deadline = tokio::time::Instant::now() + Duration::from_millis(2 * DAY_MS as u64 - 1);
    let mut activations: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    while let Ok(due) = tokio::time::timeout_at(deadline, scheduler.due()).await {
        let now = clock.now_ms();
        let now_date = chrono::DateTime::from_timestamp_millis(now).expect("a time in range");
        for feed in due {
            activations.entry(now).or_default().push(feed);
            // The poll succeeds and computes its next time as the daemon's does.
            let next = NextPoll {
                interval: Duration::from_secs(900),
                jitter: 0.1,
                failures: 0,
                max_backoff: startup.longest,
                server_delay: None,
                max_server_delay: startup.longest,
                cron_next_ms: schedule.next_after(now_date).map(|t| t.timestamp_millis()),
            }
            .due_after(now);
            scheduler.polled(feed, next);
        }
    }

    let received: usize = activations.values().map(Vec::len).sum();
    eprintln!(
        "{FEEDS} cron feeds, two days on the paused clock in {:?}; {received} activations at {:?}",
        took.elapsed(),
        activations
            .keys()
            .map(|at| at - START_MS)
            .collect::<Vec<_>>()
    );
    let times: Vec<i64> = activations.keys().copied().collect();
    assert_eq!(
        times,
        vec![FIRST_MS, FIRST_MS + DAY_MS],
        "every activation at 12:00:08.000"
    );
    let everyone: Vec<usize> = (0..FEEDS).collect();
    for (at, mut feeds) in activations {
        assert_eq!(feeds.len(), FEEDS, "each feed once at {at}");
        feeds.sort_unstable();
        assert_eq!(feeds, everyone, "every feed activated at {at}");
    }
}
