//! One poll of one feed: fetch, parse, match, and the record the dedup
//! stage will write. Failures are logged with the feed's name and URL and
//! end up in the feed's state; they never stop anything else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::feeds::FeedSpec;
use super::health;
use crate::config::{DedupConfig, PollConfig};
use crate::fetch::{FetchError, FetchOutcome, FetchedBody, Fetcher, Validators};
use crate::fulltext::ArticleCache;
use crate::matcher::Matcher;
use crate::redact::public_url;
use crate::schedule::NextPoll;
use crate::service::metrics::metrics;
use crate::sink::SinkConfig;
use crate::store::{
    ArchivedItem, FeedState, FetchedContent, HealthChange, NewAlert, PollFailure, PollRecord,
    Store, StoryRules,
};
use articles::Articles;
use items::Matched;

mod articles;
mod items;

/// What every poll needs; shared by all poll tasks.
pub struct PollContext {
    /// The HTTP side.
    pub fetcher: Fetcher,
    /// Compiled watch lists.
    pub matcher: Arc<Matcher>,
    /// Feed state comes from here.
    pub store: Store,
    /// Sinks, for routing alerts and events.
    pub sinks: Vec<SinkConfig>,
    /// Limits and server-hint bounds.
    pub poll: PollConfig,
    /// Story matching settings.
    pub dedup: DedupConfig,
    /// Whether every item read goes to the archive (`[archive]`).
    pub archive: bool,
    /// Story rules every record carries.
    pub rules: StoryRules,
    /// At most `concurrency` fetches at once.
    pub permits: Arc<Semaphore>,
    /// At most `per_host` fetches per host at once.
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Validators of article pages fetched lately (`full_text`).
    article_cache: ArticleCache,
}

/// How a poll went, for summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// New content was fetched and parsed.
    Fetched,
    /// 304, or a 200 with the same body as last time.
    Unchanged,
    /// The fetch or the parse failed.
    Failed,
}

/// A finished poll: what to write, and how it went.
#[derive(Debug)]
pub struct PollReport {
    /// The feed's index.
    pub feed: usize,
    /// What the dedup stage writes.
    pub record: PollRecord,
    /// How it went.
    pub outcome: PollOutcome,
}

/// Bodies larger than this are parsed on the blocking pool, so a big or
/// hostile document never holds up a runtime worker (and with it the
/// health endpoint, the watchdog and the deliveries).
const OFF_WORKER_BYTES: usize = 256 * 1024;

/// What a fetch and parse produced, recorded in the feed's state.
struct Attempt {
    outcome: PollOutcome,
    alerts: Vec<NewAlert>,
    silent: Vec<(String, Vec<String>)>,
    /// Every item read, for the archive.
    archive: Vec<ArchivedItem>,
    /// Retry-After after a failure; max-age after a success.
    server_delay: Option<Duration>,
    /// The health event the feed's state raised, if any.
    health: Option<HealthChange>,
}

impl Attempt {
    /// A poll that alerts nothing: unchanged content, or a failure.
    fn empty(
        outcome: PollOutcome,
        server_delay: Option<Duration>,
        health: Option<HealthChange>,
    ) -> Attempt {
        Attempt {
            outcome,
            alerts: Vec::new(),
            silent: Vec::new(),
            archive: Vec::new(),
            server_delay,
            health,
        }
    }
}

impl PollContext {
    /// The context for a config's `[poll]` settings.
    pub fn new(
        fetcher: Fetcher,
        matcher: Arc<Matcher>,
        store: Store,
        sinks: Vec<SinkConfig>,
        poll: PollConfig,
        dedup: DedupConfig,
        rules: StoryRules,
    ) -> Self {
        PollContext {
            permits: Arc::new(Semaphore::new(poll.concurrency)),
            hosts: Mutex::new(HashMap::new()),
            article_cache: ArticleCache::default(),
            fetcher,
            matcher,
            store,
            sinks,
            poll,
            dedup,
            archive: false,
            rules,
        }
    }

    /// Polls one feed. Never fails: a failure is a report too.
    pub async fn poll(self: &Arc<Self>, feed: &FeedSpec) -> PollReport {
        self.poll_from(feed, None).await
    }

    /// Polls one feed whose stored state the caller already read (`None`:
    /// read it here).
    pub async fn poll_from(
        self: &Arc<Self>,
        feed: &FeedSpec,
        known: Option<FeedState>,
    ) -> PollReport {
        let mut state = match known {
            Some(state) => state,
            None => self.load_state(feed).await,
        };
        let titled = feed.titled(state.title.as_deref());
        let feed = titled.as_ref();
        // Host slot first, then a global one: a task waiting for its host
        // never holds a global slot that another host could use.
        let permits = self.acquire(&state.current_url).await;
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let first_poll = state.never_succeeded();
        let fetch_started = std::time::Instant::now();
        let fetched = self
            .fetcher
            .fetch_feed(&feed.id, &state.current_url, &validators(&state))
            .await;
        metrics().fetch_took(fetch_started.elapsed());
        let mut attempt = match fetched {
            Ok(FetchOutcome::NotModified(hints)) => {
                let health = state.on_not_modified(now_ms);
                Attempt::empty(PollOutcome::Unchanged, hints.max_age, health)
            }
            Ok(FetchOutcome::Fetched(body)) => {
                self.fetched(feed, &mut state, body, first_poll, now_ms, permits)
                    .await
            }
            Err(error) => self.fetch_failed(feed, &mut state, &error, now_ms),
        };
        let events = health::events(
            attempt.health.take(),
            feed,
            &state.current_url,
            now,
            &self.sinks,
        );
        state.schedule_next(|state| self.next_due(feed, state, &attempt, now));
        // Stored as the fleet's schedule will read it: a cron activation
        // that passed while this poll ran is skipped.
        if let Some(next) = state.next_due_at {
            state.next_due_at = feed.cadence().after_poll(next, crate::clock::now_ms());
        }
        PollReport {
            feed: feed.index,
            outcome: attempt.outcome,
            record: PollRecord {
                state,
                alerts: attempt.alerts,
                silent: attempt.silent,
                events,
                archive: attempt.archive,
                now_ms,
                rules: self.rules,
            },
        }
    }

    async fn load_state(&self, feed: &FeedSpec) -> FeedState {
        let fresh = || FeedState::fresh(&feed.id);
        match self.store.feed_state(&feed.id).await {
            Ok(Some(state)) => state,
            Ok(None) => fresh(),
            Err(error) => {
                tracing::error!(feed = %feed.name, error = %error, "cannot read feed state");
                fresh()
            }
        }
    }

    async fn acquire(&self, url: &str) -> Vec<OwnedSemaphorePermit> {
        let host = crate::http::host_key(url);
        let host_permits = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(
                hosts
                    .entry(host)
                    .or_insert_with(|| Arc::new(Semaphore::new(self.poll.per_host))),
            )
        };
        let mut held = Vec::with_capacity(2);
        // The semaphores are never closed, so acquiring cannot fail.
        if let Ok(permit) = host_permits.acquire_owned().await {
            held.push(permit);
        }
        if let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await {
            held.push(permit);
        }
        held
    }

    async fn fetched(
        self: &Arc<Self>,
        feed: &FeedSpec,
        state: &mut FeedState,
        mut body: FetchedBody,
        first_poll: bool,
        now_ms: i64,
        permits: Vec<OwnedSemaphorePermit>,
    ) -> Attempt {
        if let Some(moved) = body.moved_to.take() {
            tracing::warn!(feed = %feed.name, from = %public_url(&state.current_url), to = %public_url(&moved), "feed moved permanently; polling the new address from now on");
            state.on_moved(moved);
        }
        let hash = body_hash(&body.bytes);
        if state.is_same_body(&hash) {
            let Validators {
                etag,
                last_modified,
            } = body.validators;
            let health = state.on_same_body(body.status, etag, last_modified, now_ms);
            return Attempt::empty(PollOutcome::Unchanged, body.hints.max_age, health);
        }
        let big = body.bytes.len() > OFF_WORKER_BYTES;
        let (bytes, content_type) = (std::mem::take(&mut body.bytes), body.content_type.take());
        let url = state.current_url.clone();
        let parsed = self
            .on_cpu(big, feed, "parse", move |context, feed| {
                context.parse_items(feed, &url, &bytes, content_type.as_deref())
            })
            .await;
        let matched = match parsed {
            Err(message) => Err(message),
            Ok(mut parsed) => {
                // An unnamed feed is called by its title from its first
                // fetch on.
                let titled = feed.titled(parsed.title.as_deref());
                let feed = titled.as_ref();
                parsed.report(feed, &state.current_url);
                let mut articles = Articles::default();
                let mut big = big;
                if feed.full_text {
                    // The feed's permits go once it is parsed: each
                    // article takes its own host's (articles.rs).
                    drop(permits);
                    articles = self
                        .fetch_articles(feed, &state.current_url, &mut parsed.items, first_poll)
                        .await;
                    // Articles of up to 256 KiB each.
                    big = true;
                }
                self.on_cpu(big, feed, "match", move |context, feed| {
                    Ok(context.match_items(feed, parsed, &articles, first_poll))
                })
                .await
            }
        };
        match matched {
            Ok(Matched {
                census,
                alerts,
                silent,
                archive,
                refresh_hint,
                title,
            }) => {
                let content = FetchedContent {
                    status: body.status,
                    etag: body.validators.etag,
                    last_modified: body.validators.last_modified,
                    body_hash: hash,
                    items_found: census.found,
                    items_dropped: census.dropped,
                    refresh_hint,
                    title,
                };
                let health = state.on_fetched(content, now_ms);
                Attempt {
                    outcome: PollOutcome::Fetched,
                    alerts,
                    silent,
                    archive,
                    server_delay: body.hints.max_age.max(refresh_hint),
                    health,
                }
            }
            Err(message) => {
                let failure = PollFailure {
                    status: "parse error".to_string(),
                    error: message,
                };
                log_failure(state, feed, &failure);
                let health = state.on_failure(failure, now_ms, self.poll.unhealthy_after.0);
                Attempt::empty(PollOutcome::Failed, None, health)
            }
        }
    }

    /// Runs CPU work (parsing, matching) in place for ordinary feeds: one
    /// parses in about a millisecond, and handing each to the blocking pool
    /// cost more in thread switches than the parse itself (profiled at
    /// 10,000 feeds). `big` work (a body over [`OFF_WORKER_BYTES`], fetched
    /// articles) goes to the blocking pool all the same, so it never holds
    /// up a runtime worker. `what` names the task if it fails.
    async fn on_cpu<T: Send + 'static>(
        self: &Arc<Self>,
        big: bool,
        feed: &FeedSpec,
        what: &'static str,
        work: impl FnOnce(&PollContext, &FeedSpec) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        if !big {
            return work(self, feed);
        }
        let (context, feed) = (Arc::clone(self), feed.clone());
        tokio::task::spawn_blocking(move || work(&context, &feed))
            .await
            .unwrap_or_else(|error| Err(format!("the {what} task failed: {error}")))
    }

    fn fetch_failed(
        &self,
        feed: &FeedSpec,
        state: &mut FeedState,
        error: &FetchError,
        now_ms: i64,
    ) -> Attempt {
        let status = match error {
            FetchError::Status { status, .. } => format!("HTTP {status}"),
            _ => "fetch error".to_string(),
        };
        let failure = PollFailure {
            status,
            error: error.to_string(),
        };
        let unhealthy_after = self.poll.unhealthy_after.0;
        let health = if error.is_gone() {
            let disabled_at = Utc::now();
            tracing::warn!(feed = %feed.name, url = %public_url(&state.current_url), "feed is gone (410); disabled until `newswatch feeds --reset` or a new URL in the config");
            log_failure(state, feed, &failure);
            state.on_gone(failure, now_ms, unhealthy_after, disabled_at)
        } else {
            log_failure(state, feed, &failure);
            state.on_failure(failure, now_ms, unhealthy_after)
        };
        Attempt::empty(PollOutcome::Failed, error.retry_after(), health)
    }

    fn next_due(
        &self,
        feed: &FeedSpec,
        state: &FeedState,
        attempt: &Attempt,
        now: chrono::DateTime<Utc>,
    ) -> i64 {
        let failures = u32::try_from(state.failures).unwrap_or(u32::MAX);
        let server_delay = if attempt.outcome == PollOutcome::Failed {
            attempt.server_delay
        } else {
            attempt.server_delay.max(state.refresh_hint())
        };
        NextPoll {
            interval: feed.interval,
            jitter: self.poll.jitter,
            failures,
            max_backoff: self.poll.max_backoff.0,
            server_delay,
            max_server_delay: self.poll.max_server_delay.0,
            cron_next_ms: feed
                .schedule
                .as_ref()
                .and_then(|s| s.next_after(now))
                .map(|t| t.timestamp_millis()),
        }
        .due_after(now.timestamp_millis())
    }
}

/// Says in the log that a poll failed, before the state counts it.
fn log_failure(state: &FeedState, feed: &FeedSpec, failure: &PollFailure) {
    tracing::warn!(
        feed = %feed.name,
        url = %public_url(&state.current_url),
        failures = state.failures + 1,
        error = %failure.error,
        "poll failed; will retry later"
    );
}

/// The validators for a feed's next conditional GET.
fn validators(state: &FeedState) -> Validators {
    Validators {
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
    }
}

/// Hex SHA-256 of a body, to spot a 200 that repeats the last one.
fn body_hash(bytes: &[u8]) -> String {
    crate::model::hex(&Sha256::digest(bytes))
}
