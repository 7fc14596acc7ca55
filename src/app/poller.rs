//! The poller: claims due feeds from the fleet's schedule, launches their
//! polls when they are due (each poll then waits for a per-host and a
//! global slot), and stops launching when shutdown is asked for. In-flight
//! polls are abandoned then: nothing is written until the pipeline has a
//! report, and their leases are given back.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{Sender, UnboundedReceiver};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::feeds::FeedSpec;
use super::fleet;
use super::pipeline::Written;
use super::poll::{PollContext, PollReport};
use crate::clock::Clock;
use crate::config::PollConfig;
use crate::schedule::{Scheduler, Startup};
use crate::service::heartbeat::Heartbeat;
use crate::service::metrics::metrics;
use crate::store::{ClaimRequest, FeedState, Registration};

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

/// A feed's row as this daemon registers it: its host, and its due time,
/// `scheduled` (the fleet's) kept while other members are alive, else its
/// first due time after a start from the stored one; none while disabled
/// (410) or when its cron schedule never fires again.
fn registration_row(
    feed: &FeedSpec,
    stored: &HashMap<String, FeedState>,
    scheduled: Option<i64>,
    alone: bool,
    scheduler: &Scheduler,
    startup: &Startup,
) -> (String, String, Option<i64>) {
    let state = stored.get(&feed.id);
    let url = state.map_or(feed.id.as_str(), |s| s.current_url.as_str());
    let host = crate::http::host_key(url);
    if let Some(reason) = disabled(stored, feed) {
        tracing::info!(feed = %feed.name, reason, "feed disabled; not polled");
        return (feed.id.clone(), host, None);
    }
    let due = match scheduled {
        Some(due) if !alone => Some(due),
        kept => {
            let stored_due = kept.or_else(|| state.and_then(|s| s.next_due_at));
            let first = scheduler.first_due(feed.index, stored_due, startup);
            if first.is_none() {
                tracing::warn!(feed = %feed.name, "the feed's cron schedule never fires again; not polled");
            }
            first
        }
    };
    (feed.id.clone(), host, due)
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

/// The longest the poller goes without claiming due feeds from the
/// fleet's schedule (another member's expired leases show up this late).
const CLAIM_EVERY: Duration = Duration::from_secs(1);

/// The shortest time between two claims prompted by due times: a feed
/// starts at most this late, and a member makes at most four claims a
/// second for them. Feeds are claimed once due, not ahead: a lease counts
/// against its host's budget, so it is held only while the feed is polled.
const CLAIM_GAP: Duration = Duration::from_millis(250);

/// At most this many feeds per claim.
const CLAIM_BATCH: usize = 512;

/// The daemon's poller. The fleet's schedule in the store says when each
/// feed is due (store/leases.rs); the poller claims the due feeds it has
/// room for, in batches, when the next one is due (at most [`CLAIM_GAP`]
/// late) and at least every [`CLAIM_EVERY`], sets them on its scheduling
/// engine (the cache of its own leases, which launches them in due
/// order), and renews its leases while they poll. A written poll settles
/// its lease (the pipeline's transaction moves the feed's due time on).
pub struct Poller {
    context: Arc<PollContext>,
    feeds: Vec<FeedSpec>,
    by_id: HashMap<String, usize>,
    scheduler: Scheduler,
    /// Feeds this instance leased and has not yet seen written.
    leased: Vec<bool>,
    held: usize,
    in_flight: Vec<bool>,
    /// Feeds due but not started, past `live_limit` tasks.
    waiting: VecDeque<usize>,
    live_limit: usize,
    task_feeds: HashMap<tokio::task::Id, usize>,
    reports: Sender<PollReport>,
    /// Word of each poll the pipeline took.
    done: UnboundedReceiver<Written>,
    lease: Duration,
    per_host: usize,
    /// Feeds claimed that this instance's config does not have (another
    /// member's): never claimed again.
    foreign: Vec<String>,
    next_claim: tokio::time::Instant,
    /// The last claim was cut short (by its size or a host's budget):
    /// claim again as soon as there is room.
    eager: bool,
    next_renewal: tokio::time::Instant,
    /// A claim that hangs on the store shows on it.
    heartbeat: Heartbeat,
}

impl Poller {
    /// Registers the config's feeds in the fleet's schedule: alone on the
    /// database (or on a SQLite file), each feed's first due time comes
    /// from its stored one (a backoff or a server's delay survives a
    /// restart, a cron firing missed while down is not made up, and
    /// feeds with no time ahead start spread over `startup_spread`); with
    /// other members alive, their schedule stands and only feeds new to it
    /// are added.
    pub async fn start(
        context: Arc<PollContext>,
        feeds: Vec<FeedSpec>,
        poll: &PollConfig,
        reports: Sender<PollReport>,
        done: UnboundedReceiver<Written>,
        heartbeat: Heartbeat,
    ) -> anyhow::Result<Poller> {
        let store = context.store.clone();
        let stored = store.feed_states().await?;
        let cadences = feeds.iter().map(FeedSpec::cadence).collect();
        let scheduler = Scheduler::new(cadences, Clock::System);
        let startup = Startup {
            spread: poll.startup_spread.0,
            longest: poll.max_backoff.0.max(poll.max_server_delay.0),
        };
        let this_host = fleet::host_name();
        let sole = store.is_sole_daemon();
        let me = store.instance().to_string();
        store
            .register_feeds(|members, schedule| {
                let now = crate::clock::now_ms();
                let alone = sole
                    || !members
                        .iter()
                        .any(|m| m.instance_id != me && fleet::is_alive(m, now, &this_host));
                let rows = (feeds.iter())
                    .map(|feed| {
                        let row = schedule.get(&feed.id).and_then(|r| r.due_at);
                        registration_row(feed, &stored, row, alone, &scheduler, &startup)
                    })
                    .collect();
                Registration {
                    rows,
                    keep_only: alone,
                }
            })
            .await?;
        let now = tokio::time::Instant::now();
        let lease = fleet::lease_period(poll);
        Ok(Poller {
            context,
            by_id: feeds.iter().map(|f| (f.id.clone(), f.index)).collect(),
            leased: vec![false; feeds.len()],
            held: 0,
            in_flight: vec![false; feeds.len()],
            task_feeds: HashMap::new(),
            waiting: VecDeque::new(),
            live_limit: live_task_limit(poll),
            feeds,
            scheduler,
            reports,
            done,
            lease,
            per_host: poll.per_host,
            foreign: Vec::new(),
            next_claim: now,
            eager: false,
            next_renewal: now + lease / 3,
            heartbeat,
        })
    }

    /// Runs until `shutdown` is cancelled. The leases still held then are
    /// the caller's to give back, once the pipeline has written what it
    /// has.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                Some(written) = self.done.recv() => self.written(written),
                _ = tokio::time::sleep_until(self.next_claim) => self.claim().await,
                _ = tokio::time::sleep_until(self.next_renewal) => self.renew().await,
                due = self.scheduler.due() => {
                    for feed in due {
                        self.launch(feed, &mut tasks);
                    }
                }
                Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    self.reap(joined).await;
                    self.start_waiting(&mut tasks);
                }
            }
        }
        tasks.abort_all();
    }

    /// The pipeline took a poll: written, its lease was settled with it;
    /// not written, the lease is given back here, due as the poll computed.
    fn written(&mut self, written: Written) {
        let feed = match written {
            Written::Recorded(feed) => feed,
            Written::Failed(feed, due) => {
                if let Some(spec) = self.feeds.get(feed) {
                    let (store, id) = (self.context.store.clone(), spec.id.clone());
                    // The store just failed: this may wait; the loop does not.
                    tokio::spawn(async move {
                        if let Err(error) = store.release_feed(&id, due).await {
                            tracing::warn!(feed = %crate::redact::public_url(&id), error = %error, "cannot give back the lease of an unwritten poll; it expires on its own");
                        }
                    });
                }
                feed
            }
        };
        if let Some(flag) = self.in_flight.get_mut(feed) {
            *flag = false;
        }
        if let Some(leased) = self.leased.get_mut(feed)
            && std::mem::take(leased)
        {
            self.held -= 1;
        }
        if self.eager {
            self.next_claim = tokio::time::Instant::now();
        }
    }

    /// Room for more leases: enough to keep every fetch slot busy, with
    /// as many again waiting for a slot. No more: a lease holds its host's
    /// budget for the whole fleet, and one daemon holding more than it can
    /// fetch would keep the others off a busy host.
    fn room(&self) -> usize {
        self.context
            .poll
            .concurrency
            .saturating_mul(2)
            .saturating_sub(self.held)
            .min(CLAIM_BATCH)
    }

    /// Claims due feeds from the schedule and sets them on the engine.
    async fn claim(&mut self) {
        let room = self.room();
        let now = tokio::time::Instant::now();
        self.next_claim = now + CLAIM_EVERY;
        if room == 0 {
            // Claimed again when a poll is written.
            self.eager = true;
            return;
        }
        let now_ms = crate::clock::now_ms();
        let request = ClaimRequest {
            now_ms,
            lease_until_ms: self.held_until(now_ms),
            limit: room,
            per_host: self.per_host,
            skip: &self.foreign,
        };
        let claiming = self.heartbeat.claiming();
        let claimed = self.context.store.claim_feeds(&request).await;
        drop(claiming);
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(error = %error, "cannot claim due feeds; trying again shortly");
                return;
            }
        };
        self.eager = claimed.feeds.len() >= room || claimed.host_limited;
        if claimed.feeds.len() >= room {
            self.next_claim = now;
        } else if let Some(next_due) = claimed.next_due {
            // Claim again when the next feed is due (within the bounds).
            let wait = Duration::from_millis(u64::try_from(next_due - now_ms).unwrap_or(0));
            self.next_claim = now + wait.clamp(CLAIM_GAP, CLAIM_EVERY);
        }
        metrics().feeds_claimed(claimed.feeds.len());
        for (id, due) in claimed.feeds {
            let Some(&feed) = self.by_id.get(&id) else {
                // Another member's feed: given back, and left to it.
                tracing::debug!(feed = %crate::redact::public_url(&id), "claimed a feed this config does not have; leaving it to the others");
                if let Err(error) = self.context.store.release_feed(&id, None).await {
                    tracing::warn!(error = %error, "cannot give back a feed lease");
                }
                self.foreign.push(id);
                continue;
            };
            if !std::mem::replace(&mut self.leased[feed], true) {
                self.held += 1;
            }
            self.scheduler.lease(feed, due);
        }
    }

    /// Until when a lease taken or renewed at `now_ms` holds: the lease
    /// period less one claim interval, so that the others, claiming at
    /// least that often, take a dead member's feeds within one lease
    /// period of its last renewal.
    fn held_until(&self, now_ms: i64) -> i64 {
        now_ms + self.lease.saturating_sub(CLAIM_EVERY).as_millis() as i64
    }

    /// Extends the leases of the feeds this instance still holds.
    async fn renew(&mut self) {
        self.next_renewal = tokio::time::Instant::now() + self.lease / 3;
        let held: Vec<String> = (self.leased.iter().enumerate())
            .filter(|(_, leased)| **leased)
            .filter_map(|(feed, _)| self.feeds.get(feed).map(|f| f.id.clone()))
            .collect();
        if held.is_empty() {
            return;
        }
        let until = self.held_until(crate::clock::now_ms());
        if let Err(error) = self.context.store.renew_feed_leases(&held, until).await {
            tracing::warn!(error = %error, "cannot renew the feed leases");
        }
    }

    /// Forgets a finished task; if it died, its feed is given back due
    /// again (an interval from now, or its next activation), so one bad
    /// poll never silences a feed.
    async fn reap(&mut self, joined: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
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
        let Some(feed) = self.task_feeds.remove(&id) else {
            return;
        };
        self.in_flight[feed] = false;
        if std::mem::take(&mut self.leased[feed]) {
            self.held -= 1;
        }
        let due = self.scheduler.retry_after_lost(feed);
        if let Some(spec) = self.feeds.get(feed)
            && let Err(error) = self.context.store.release_feed(&spec.id, due).await
        {
            tracing::warn!(feed = %spec.name, error = %error, "cannot give back the lease of a lost poll; it expires on its own");
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
