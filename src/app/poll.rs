//! One poll of one feed: fetch, parse, match, and the record the dedup
//! stage will write. Failures are logged with the feed's name and URL and
//! end up in the feed's state; they never stop anything else.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::config::{Config, CronSchedule};
use crate::fetch::{FetchOutcome, Fetcher, Validators};
use crate::matcher::{MatchScratch, Matcher};
use crate::model::{Alert, Item};
use crate::parse::parse_feed;
use crate::schedule::next_poll_after;
use crate::sink::SinkConfig;
use crate::store::{FeedState, NewAlert, PollRecord, Store};

/// A feed as the poller knows it.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// Position in the config (used by the timers).
    pub index: usize,
    /// The configured URL: the feed's identity in the store.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Poll interval (for interval-driven feeds; also the base of backoff).
    pub interval: Duration,
    /// Cron schedule, for cron-driven feeds.
    pub schedule: Option<CronSchedule>,
}

impl FeedSpec {
    /// The feeds of a config, in order.
    pub fn all(config: &Config) -> Vec<FeedSpec> {
        config
            .feeds
            .iter()
            .enumerate()
            .map(|(index, feed)| FeedSpec {
                index,
                id: feed.url.as_str().to_string(),
                name: feed.display_name(),
                interval: config.interval_of(feed),
                schedule: feed.schedule.clone(),
            })
            .collect()
    }
}

/// What every poll needs; shared by all poll tasks.
pub struct PollContext {
    /// The HTTP side.
    pub fetcher: Fetcher,
    /// Compiled watch lists.
    pub matcher: Arc<Matcher>,
    /// Feed state comes from here.
    pub store: Store,
    /// Sinks, for routing alerts.
    pub sinks: Vec<SinkConfig>,
    /// Jitter fraction for the next due time.
    pub jitter: f64,
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

impl PollContext {
    /// Polls one feed. Never fails: a failure is a report too.
    pub async fn poll(&self, feed: &FeedSpec) -> PollReport {
        let now = Utc::now();
        let mut state = match self.store.feed_state(&feed.id).await {
            Ok(Some(state)) => state,
            Ok(None) => FeedState {
                feed_id: feed.id.clone(),
                current_url: feed.id.clone(),
                ..FeedState::default()
            },
            Err(error) => {
                tracing::error!(feed = %feed.name, error = %error, "cannot read feed state");
                FeedState {
                    feed_id: feed.id.clone(),
                    current_url: feed.id.clone(),
                    ..FeedState::default()
                }
            }
        };
        state.last_poll_at = Some(now.timestamp_millis());
        let validators = Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        };
        let (outcome, alerts) = match self.fetcher.fetch(&state.current_url, &validators).await {
            Ok(FetchOutcome::NotModified) => {
                succeed(&mut state, "304", now.timestamp_millis());
                (PollOutcome::Unchanged, Vec::new())
            }
            Ok(FetchOutcome::Fetched(body)) => {
                let hash = body_hash(&body.bytes);
                if state.body_hash.as_deref() == Some(hash.as_str()) {
                    state.etag = body.validators.etag;
                    state.last_modified = body.validators.last_modified;
                    succeed(&mut state, "200 unchanged", now.timestamp_millis());
                    (PollOutcome::Unchanged, Vec::new())
                } else {
                    match self
                        .parse_and_match(feed, &state.current_url, body.bytes, body.content_type)
                        .await
                    {
                        Ok(alerts) => {
                            state.etag = body.validators.etag;
                            state.last_modified = body.validators.last_modified;
                            state.body_hash = Some(hash);
                            succeed(&mut state, &body.status.to_string(), now.timestamp_millis());
                            (PollOutcome::Fetched, alerts)
                        }
                        Err(message) => {
                            fail(&mut state, feed, "parse error", message);
                            (PollOutcome::Failed, Vec::new())
                        }
                    }
                }
            }
            Err(error) => {
                fail(&mut state, feed, "fetch error", error.to_string());
                (PollOutcome::Failed, Vec::new())
            }
        };
        state.next_due_at = Some(self.next_due(feed, now, state.failures));
        PollReport {
            feed: feed.index,
            record: PollRecord {
                state,
                alerts,
                now_ms: now.timestamp_millis(),
            },
            outcome,
        }
    }

    fn next_due(&self, feed: &FeedSpec, now: chrono::DateTime<Utc>, failures: i64) -> i64 {
        let failures = u32::try_from(failures).unwrap_or(u32::MAX);
        match &feed.schedule {
            Some(schedule) if failures == 0 => schedule.next_after(now).map_or(
                now.timestamp_millis() + feed.interval.as_millis() as i64,
                |t| t.timestamp_millis(),
            ),
            _ => next_poll_after(now.timestamp_millis(), feed.interval, self.jitter, failures),
        }
    }

    /// Parses and matches off the async threads (both are CPU work).
    async fn parse_and_match(
        &self,
        feed: &FeedSpec,
        url: &str,
        bytes: Vec<u8>,
        content_type: Option<String>,
    ) -> Result<Vec<NewAlert>, String> {
        let matcher = Arc::clone(&self.matcher);
        let sinks = self.sinks.clone();
        let url = url.to_string();
        let name = feed.name.clone();
        let id = feed.id.clone();
        let task = tokio::task::spawn_blocking(move || {
            let parsed =
                parse_feed(&bytes, &url, content_type.as_deref()).map_err(|e| e.to_string())?;
            let mut scratch = MatchScratch::default();
            let detected = Utc::now();
            Ok(parsed
                .items
                .iter()
                .filter_map(|item| {
                    new_alert(&matcher, &mut scratch, item, &name, &id, detected, &sinks)
                })
                .collect())
        });
        task.await.map_err(|e| format!("parser task failed: {e}"))?
    }
}

/// The alert for an item, if it matches any list.
fn new_alert(
    matcher: &Matcher,
    scratch: &mut MatchScratch,
    item: &Item,
    feed_name: &str,
    feed_id: &str,
    detected: chrono::DateTime<Utc>,
    sinks: &[SinkConfig],
) -> Option<NewAlert> {
    let hits = matcher.find(item, scratch);
    if hits.is_empty() {
        return None;
    }
    let alert = Alert::new(
        uuid::Uuid::now_v7().to_string(),
        feed_name,
        feed_id,
        item,
        &hits,
        detected,
    );
    let sinks = sinks
        .iter()
        .filter(|s| s.routes(&alert.lists))
        .map(|s| s.name().to_string())
        .collect();
    Some(NewAlert { alert, sinks })
}

fn succeed(state: &mut FeedState, status: &str, now_ms: i64) {
    state.last_status = Some(status.to_string());
    state.last_error = None;
    state.last_success_at = Some(now_ms);
    state.failures = 0;
}

fn fail(state: &mut FeedState, feed: &FeedSpec, status: &str, message: String) {
    state.failures += 1;
    state.last_status = Some(status.to_string());
    tracing::warn!(
        feed = %feed.name,
        url = %state.current_url,
        failures = state.failures,
        error = %message,
        "poll failed; will retry later"
    );
    state.last_error = Some(message);
}

/// Hex SHA-256 of a body, to spot a 200 that repeats the last one.
fn body_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
