//! The poller: launches polls when feeds are due (each poll then waits for
//! a per-host and a global slot), and stops launching when shutdown is
//! asked for. In-flight polls
//! are abandoned then: nothing is written until the pipeline has a report.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::mpsc::{Sender, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;
use tokio_cron_scheduler::JobScheduler;
use tokio_util::sync::CancellationToken;

use super::IDLE_WAIT;
use super::feeds::FeedSpec;
use super::poll::{PollContext, PollReport};
use crate::clock::now_ms;
use crate::config::PollConfig;
use crate::schedule::{Timers, first_poll_at, start_cron};
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

/// The daemon's poller.
pub struct Poller {
    context: Arc<PollContext>,
    feeds: Vec<FeedSpec>,
    timers: Timers,
    in_flight: Vec<bool>,
    /// Feeds due but not started, past `live_limit` tasks.
    waiting: VecDeque<usize>,
    live_limit: usize,
    task_feeds: HashMap<tokio::task::Id, usize>,
    reports: Sender<PollReport>,
    done: UnboundedReceiver<(usize, i64)>,
    cron_due: UnboundedReceiver<usize>,
    // Kept so the cron jobs keep firing; shut down when the poller stops.
    cron: Option<JobScheduler>,
    _cron_sender: UnboundedSender<usize>,
}

impl Poller {
    /// Sets every interval feed's first due time (from the store, spread)
    /// and starts the cron jobs.
    pub async fn start(
        context: Arc<PollContext>,
        feeds: Vec<FeedSpec>,
        poll: &PollConfig,
        reports: Sender<PollReport>,
        done: UnboundedReceiver<(usize, i64)>,
    ) -> anyhow::Result<Poller> {
        let stored = context.store.feed_states().await?;
        let now = now_ms();
        let mut timers = Timers::new(feeds.len());
        let mut cron_jobs = Vec::new();
        let longest = poll.max_backoff.0.max(poll.max_server_delay.0);
        for feed in &feeds {
            if let Some(reason) = disabled(&stored, feed) {
                tracing::info!(feed = %feed.name, reason, "feed disabled; not polled");
                continue;
            }
            match &feed.schedule {
                Some(schedule) => cron_jobs.push((feed.index, schedule.expression.clone())),
                None => {
                    let due = stored.get(&feed.id).and_then(|s| s.next_due_at);
                    timers.set(
                        feed.index,
                        first_poll_at(now, due, feed.interval, poll.startup_spread.0, longest),
                    );
                }
            }
        }
        let (cron_sender, cron_due) = tokio::sync::mpsc::unbounded_channel();
        let cron = start_cron(&cron_jobs, cron_sender.clone()).await?;
        Ok(Poller {
            context,
            in_flight: vec![false; feeds.len()],
            task_feeds: HashMap::new(),
            waiting: VecDeque::new(),
            live_limit: live_task_limit(poll),
            feeds,
            timers,
            reports,
            done,
            cron_due,
            cron,
            _cron_sender: cron_sender,
        })
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut tasks = JoinSet::new();
        loop {
            let wait = self.timers.next_due().map_or(IDLE_WAIT, |at| {
                std::time::Duration::from_millis((at - now_ms()).max(0) as u64)
            });
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                Some((feed, next_due)) = self.done.recv() => {
                    if let Some(flag) = self.in_flight.get_mut(feed) {
                        *flag = false;
                    }
                    if self.feeds.get(feed).is_some_and(|f| f.schedule.is_none()) {
                        self.timers.set(feed, next_due);
                    }
                }
                Some(feed) = self.cron_due.recv() => self.launch(feed, &mut tasks),
                _ = tokio::time::sleep(wait) => {
                    for feed in self.timers.pop_due(now_ms()) {
                        self.launch(feed, &mut tasks);
                    }
                }
                Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    self.reap(joined);
                    self.start_waiting(&mut tasks);
                }
            }
        }
        if let Some(mut cron) = self.cron.take()
            && let Err(error) = cron.shutdown().await
        {
            tracing::warn!(error = %error, "cron scheduler did not stop cleanly");
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
            if let Some(spec) = self.feeds.get(feed).filter(|f| f.schedule.is_none()) {
                self.timers
                    .set(feed, now_ms() + spec.interval.as_millis() as i64);
            }
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
