//! The pipeline loop: takes finished polls, writes each in one transaction
//! (feed state, seen marks, alerts, deliveries), wakes the sinks that got
//! work, and tells the poller which feeds' polls are written. It stops when
//! every poll sender is gone and the channel is drained.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Notify;
use tokio::sync::mpsc::{Receiver, UnboundedSender};

use super::poll::{PollOutcome, PollReport};
use crate::service::heartbeat::Heartbeat;
use crate::service::metrics::{PollKind, metrics};
use crate::store::{PollRecord, Signals, Store};

/// How many waiting polls are written in one transaction at most.
const BATCH: usize = 64;

/// How often the pipeline shows it is alive when no poll arrives: half the
/// shortest allowed `stuck_after`.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
const _: () =
    assert!(2 * HEARTBEAT_EVERY.as_millis() <= crate::config::MIN_STUCK_AFTER.as_millis());

/// Word to the poller about a poll the pipeline took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Written: the feed's lease was settled in the same transaction.
    Recorded(usize),
    /// Not written (the store failed): the feed's lease is to be given
    /// back, due at the time the poll computed, and its items alert on a
    /// later poll.
    Failed(usize, Option<i64>),
}

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
    /// Matching items of first polls taken as backlog: marked seen
    /// without an alert, being older than the feed's backlog window.
    pub backlog: u64,
}

impl std::ops::AddAssign for PipelineReport {
    fn add_assign(&mut self, other: Self) {
        self.fetched += other.fetched;
        self.unchanged += other.unchanged;
        self.failed += other.failed;
        self.alerts += other.alerts;
        self.backlog += other.backlog;
    }
}

/// Runs the pipeline until `polls` closes.
pub async fn run(
    store: Store,
    signals: Signals,
    mut polls: Receiver<PollReport>,
    wakers: HashMap<String, Arc<Notify>>,
    done: Option<UnboundedSender<Written>>,
    heartbeat: Heartbeat,
) -> PipelineReport {
    let mut report = PipelineReport::default();
    let mut beat_timer = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        // The heartbeat shows the loop is alive, not stuck in a store write;
        // the watchdog and /healthz read it.
        heartbeat.beat();
        let first = tokio::select! {
            poll = polls.recv() => match poll {
                Some(poll) => poll,
                None => break,
            },
            _ = beat_timer.tick() => continue,
        };
        // Whatever else is already waiting goes into the same transaction.
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match polls.try_recv() {
                Ok(poll) => batch.push(poll),
                Err(_) => break,
            }
        }
        let mut feeds = Vec::with_capacity(batch.len());
        let mut records = Vec::with_capacity(batch.len());
        for poll in batch {
            count(&mut report, poll.outcome);
            feeds.push(poll.feed);
            records.push(poll.record);
        }
        let written = store.record_polls(&records, &signals).await;
        metrics().store_write(written.as_ref().map(|_| ()).map_err(ToString::to_string));
        match &written {
            Ok(recorded) => {
                for (record, fresh) in records.iter().zip(&recorded.alerts) {
                    announce(&mut report, fresh);
                    report.backlog += record.silent.len() as u64;
                    wake_sinks(record, &wakers);
                }
                wake(recorded.signalled.iter(), &wakers);
            }
            Err(error) => {
                // Nothing was marked seen: the items alert on a later poll.
                let ids: Vec<String> = records
                    .iter()
                    .map(|r| crate::redact::public_url(&r.state.feed_id))
                    .collect();
                tracing::error!(feeds = %ids.join(" "), error = %error, "cannot record the polls");
            }
        }
        if let Some(done) = &done {
            let written = written.is_ok();
            for (feed, record) in feeds.into_iter().zip(&records) {
                let _ = done.send(if written {
                    Written::Recorded(feed)
                } else {
                    Written::Failed(feed, record.state.next_due_at)
                });
            }
        }
    }
    report
}

fn count(report: &mut PipelineReport, outcome: PollOutcome) {
    let kind = match outcome {
        PollOutcome::Fetched => {
            report.fetched += 1;
            PollKind::Fetched
        }
        PollOutcome::Unchanged => {
            report.unchanged += 1;
            PollKind::Unchanged
        }
        PollOutcome::Failed => {
            report.failed += 1;
            PollKind::Failed
        }
    };
    metrics().poll(kind);
}

fn announce(report: &mut PipelineReport, fresh: &[crate::model::Alert]) {
    report.alerts += fresh.len() as u64;
    for alert in fresh {
        metrics().alert(&alert.lists);
        tracing::info!(feed = %alert.feed, lists = %alert.lists.join(","), title = %alert.title, "alert");
    }
}

/// Wakes every sink that may have got something; a spurious wake costs
/// one outbox query.
fn wake_sinks(record: &PollRecord, wakers: &HashMap<String, Arc<Notify>>) {
    let named = record
        .alerts
        .iter()
        .flat_map(|a| a.sinks.iter().chain(&a.update_sinks))
        .chain(record.events.iter().flat_map(|e| e.sinks.iter()));
    wake(named, wakers);
}

/// Wakes the named sinks' workers.
fn wake<'a>(named: impl Iterator<Item = &'a String>, wakers: &HashMap<String, Arc<Notify>>) {
    for sink in named {
        if let Some(wake) = wakers.get(sink) {
            wake.notify_one();
        }
    }
}
