//! 5,000 feeds whose cron schedules fire in the same second: every one of
//! them is activated. The scheduler's activation channel (200 by default)
//! would drop most of them; ours is sized to the number of jobs.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use newswatch::schedule::start_cron;

const FEEDS: usize = 5000;

// One thread: the scheduler queues every activation before its runner
// gets to run, the worst case for a small channel.
#[tokio::test(flavor = "current_thread")]
async fn five_thousand_feeds_due_at_once_are_all_activated() {
    let (sender, mut activations) = tokio::sync::mpsc::unbounded_channel();
    // One firing, a few seconds ahead (adding 5,000 jobs takes a moment),
    // at a fixed second of the day: a dropped activation never comes back.
    let at = Utc::now() + chrono::Duration::seconds(8);
    let expression = format!("{} {} {} * * *", at.second(), at.minute(), at.hour());
    let jobs: Vec<(usize, String)> = (0..FEEDS).map(|feed| (feed, expression.clone())).collect();
    let added = Instant::now();
    let scheduler = start_cron(&jobs, sender).await.expect("cron scheduler");
    let setup = added.elapsed();
    assert!(
        Utc::now() < at,
        "adding the jobs took {setup:?}; the firing time already passed"
    );

    let mut seen = HashSet::new();
    let mut activations_received = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < FEEDS {
        match tokio::time::timeout_at(deadline, activations.recv()).await {
            Ok(Some(feed)) => {
                activations_received += 1;
                seen.insert(feed);
            }
            Ok(None) | Err(_) => break,
        }
    }
    if let Some(mut scheduler) = scheduler {
        let _ = scheduler.shutdown().await;
    }
    eprintln!(
        "{FEEDS} cron jobs added in {setup:?}; {activations_received} activations, {} feeds",
        seen.len()
    );
    assert_eq!(seen.len(), FEEDS, "every feed was activated");
    assert_eq!(activations_received, FEEDS, "each exactly once");
}
