//! The pipeline loop: takes finished polls, writes each in one transaction
//! (feed state, seen marks, alerts, deliveries), wakes the sinks that got
//! work, and tells the poller when the feed is due again. It stops when
//! every poll sender is gone and the channel is drained.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Notify;
use tokio::sync::mpsc::{Receiver, UnboundedSender};

use super::poll::{PollOutcome, PollReport};
use crate::service::metrics::{PollKind, metrics};

/// How often the pipeline shows it is alive when no poll arrives.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
use crate::store::Store;

/// Totals of what the pipeline wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PipelineReport {
    /// Polls that fetched new content.
    pub fetched: u64,
    /// Polls that found nothing new.
    pub unchanged: u64,
    /// Polls that failed.
    pub failed: u64,
    /// New alerts recorded.
    pub alerts: u64,
}

/// Runs the pipeline until `polls` closes.
pub async fn run(
    store: Store,
    mut polls: Receiver<PollReport>,
    wakers: HashMap<String, Arc<Notify>>,
    done: Option<UnboundedSender<(usize, i64)>>,
) -> PipelineReport {
    let mut report = PipelineReport::default();
    let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        // The heartbeat shows the loop is alive, not stuck in a store write;
        // the watchdog and /healthz read it.
        metrics().beat();
        let poll = tokio::select! {
            poll = polls.recv() => match poll {
                Some(poll) => poll,
                None => break,
            },
            _ = heartbeat.tick() => continue,
        };
        match poll.outcome {
            PollOutcome::Fetched => report.fetched += 1,
            PollOutcome::Unchanged => report.unchanged += 1,
            PollOutcome::Failed => report.failed += 1,
        }
        metrics().poll(match poll.outcome {
            PollOutcome::Fetched => PollKind::Fetched,
            PollOutcome::Unchanged => PollKind::Unchanged,
            PollOutcome::Failed => PollKind::Failed,
        });
        let feed_id = poll.record.state.feed_id.clone();
        match store.record_poll(&poll.record).await {
            Ok(fresh) => {
                report.alerts += fresh.len() as u64;
                for alert in &fresh {
                    metrics().alert(&alert.lists);
                    tracing::info!(feed = %alert.feed, lists = %alert.lists.join(","), title = %alert.title, "alert");
                }
                // Wake every sink that may have got something; a spurious
                // wake costs one outbox query.
                let record = &poll.record;
                let named = record
                    .alerts
                    .iter()
                    .flat_map(|a| a.sinks.iter().chain(&a.update_sinks))
                    .chain(record.events.iter().flat_map(|e| e.sinks.iter()));
                for sink in named {
                    if let Some(wake) = wakers.get(sink) {
                        wake.notify_one();
                    }
                }
            }
            Err(error) => {
                // Nothing was marked seen: the items alert on a later poll.
                tracing::error!(feed = %feed_id, error = %error, "cannot record the poll");
            }
        }
        if let (Some(done), Some(next)) = (&done, poll.record.state.next_due_at) {
            let _ = done.send((poll.feed, next));
        }
    }
    report
}
