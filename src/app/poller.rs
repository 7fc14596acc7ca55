//! The poller: launches polls when feeds are due (each poll then waits for
//! a per-host and a global slot), and stops launching when shutdown is
//! asked for. In-flight polls
//! are abandoned then: nothing is written until the pipeline has a report.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::mpsc::{Sender, UnboundedReceiver};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::feeds::FeedSpec;
use super::poll::{PollContext, PollReport};
use crate::clock::Clock;
use crate::config::PollConfig;
use crate::schedule::{Scheduler, Startup};
use crate::store::FeedState;

/// Polls every feed once (for `newswatch once`), then drops `reports`.
/// Disabled feeds (410 Gone) are skipped.
pub async fn poll_all_once(
    context: &Arc<PollContext>,
    feeds: &[FeedSpec],
    reports: Sender<PollReport>,
) -> anyhow::Result<()> {
    let mut stored = context.store.feed_states().await?;
    let mut tasks = JoinSet::new();
    let live = live_task_limit(&context.poll);
    for feed in feeds.iter().cloned() {
        if let Some(reason) = disabled(&stored, &feed) {
            tracing::info!(feed = %feed.name, reason, "feed disabled; not polled");
            continue;
        }
        // A poll's future is large; only so many exist at once.
        while tasks.len() >= live {
            reap_one(&mut tasks).await;
        }
        // The states were read in one query; each poll takes its own.
        let known = stored
            .remove(&feed.id)
            .or_else(|| Some(FeedState::fresh(&feed.id)));
        tasks.spawn(poll_task(Arc::clone(context), feed, known, reports.clone()));
    }
    drop(reports);
    while !tasks.is_empty() {
        reap_one(&mut tasks).await;
    }
    Ok(())
}

async fn reap_one(tasks: &mut JoinSet<()>) {
    if let Some(Err(error)) = tasks.join_next().await {
        tracing::error!(error = %error, "a poll task failed");
    }
}

/// How many poll tasks may exist at once: enough to keep every fetch slot
/// busy while others wait for their host.
fn live_task_limit(poll: &PollConfig) -> usize {
    poll.concurrency.saturating_mul(4).max(16)
}

/// Why a feed is disabled, if the store says it is.
fn disabled<'a>(stored: &'a HashMap<String, FeedState>, feed: &FeedSpec) -> Option<&'a str> {
    stored
        .get(&feed.id)
        .and_then(|s| s.disabled_reason.as_deref())
}

async fn poll_task(
    context: Arc<PollContext>,
    feed: FeedSpec,
    known: Option<FeedState>,
    reports: Sender<PollReport>,
) {
    let report = context.poll_from(&feed, known).await;
    // The pipeline is gone only during shutdown; the poll is then moot.
    let _ = reports.send(report).await;
}

/// The daemon's poller: takes due feeds off the one scheduling engine,
/// which times interval and cron feeds alike, and launches their polls.
pub struct Poller {
    context: Arc<PollContext>,
    feeds: Vec<FeedSpec>,
    scheduler: Scheduler,
    in_flight: Vec<bool>,
    /// Feeds due but not started, past `live_limit` tasks.
    waiting: VecDeque<usize>,
    live_limit: usize,
    task_feeds: HashMap<tokio::task::Id, usize>,
    reports: Sender<PollReport>,
    /// Each written poll's feed and next due time.
    done: UnboundedReceiver<(usize, i64)>,
}

impl Poller {
    /// Sets every feed's first due time: its stored one if still ahead,
    /// else a spread start (interval feeds) or its next activation (cron).
    pub async fn start(
        context: Arc<PollContext>,
        feeds: Vec<FeedSpec>,
        poll: &PollConfig,
        reports: Sender<PollReport>,
        done: UnboundedReceiver<(usize, i64)>,
    ) -> anyhow::Result<Poller> {
        let stored = context.store.feed_states().await?;
        let cadences = feeds.iter().map(FeedSpec::cadence).collect();
        let mut scheduler = Scheduler::new(cadences, Clock::System);
        let startup = Startup {
            spread: poll.startup_spread.0,
            longest: poll.max_backoff.0.max(poll.max_server_delay.0),
        };
        for feed in &feeds {
            if let Some(reason) = disabled(&stored, feed) {
                tracing::info!(feed = %feed.name, reason, "feed disabled; not polled");
                continue;
            }
            let due = stored.get(&feed.id).and_then(|s| s.next_due_at);
            if scheduler.start(feed.index, due, &startup).is_none() {
                tracing::warn!(feed = %feed.name, "the feed's cron schedule never fires again; not polled");
            }
        }
        Ok(Poller {
            context,
            in_flight: vec![false; feeds.len()],
            task_feeds: HashMap::new(),
            waiting: VecDeque::new(),
            live_limit: live_task_limit(poll),
            feeds,
            scheduler,
            reports,
            done,
        })
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                Some((feed, next_due)) = self.done.recv() => {
                    if let Some(flag) = self.in_flight.get_mut(feed) {
                        *flag = false;
                    }
                    self.scheduler.polled(feed, next_due);
                }
                due = self.scheduler.due() => {
                    for feed in due {
                        self.launch(feed, &mut tasks);
                    }
                }
                Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    self.reap(joined);
                    self.start_waiting(&mut tasks);
                }
            }
        }
        tasks.abort_all();
    }

    /// Forgets a finished task; if it died, its feed is freed and rescheduled
    /// so one bad poll never silences a feed.
    fn reap(&mut self, joined: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
        let id = match joined {
            Ok((id, ())) => {
                self.task_feeds.remove(&id);
                return;
            }
            Err(error) => {
                tracing::error!(error = %error, "a poll task failed");
                error.id()
            }
        };
        if let Some(feed) = self.task_feeds.remove(&id) {
            self.in_flight[feed] = false;
            self.scheduler.poll_lost(feed);
        }
    }

    fn launch(&mut self, feed: usize, tasks: &mut JoinSet<()>) {
        let Some(spec) = self.feeds.get(feed) else {
            return;
        };
        if std::mem::replace(&mut self.in_flight[feed], true) {
            tracing::debug!(feed = %spec.name, "still polling; skipping this activation");
            return;
        }
        // A poll's future is large: past the limit, feeds wait their turn
        // in a queue of indexes instead.
        if tasks.len() >= self.live_limit {
            self.waiting.push_back(feed);
            return;
        }
        self.spawn(feed, tasks);
    }

    /// Starts waiting polls while there is room.
    fn start_waiting(&mut self, tasks: &mut JoinSet<()>) {
        while tasks.len() < self.live_limit {
            let Some(feed) = self.waiting.pop_front() else {
                break;
            };
            self.spawn(feed, tasks);
        }
    }

    fn spawn(&mut self, feed: usize, tasks: &mut JoinSet<()>) {
        let Some(spec) = self.feeds.get(feed).cloned() else {
            return;
        };
        let handle = tasks.spawn(poll_task(
            Arc::clone(&self.context),
            spec,
            None,
            self.reports.clone(),
        ));
        self.task_feeds.insert(handle.id(), feed);
    }
}
