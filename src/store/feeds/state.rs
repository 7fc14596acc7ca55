//! A feed's state and the rules that change it: one method per thing a
//! poll can find out (304, new content, the same body again, a failure, a
//! 410, a permanent redirect). The rules live here, as plain code with no
//! database and no clock of its own, so each can be tested alone; the
//! poller only says what happened.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::rfc3339;

/// What the store remembers about one feed.
///
/// The fields are public for reading (the CLI, the metrics, the tests) and
/// for building a state in a fixture; a poll changes them only through the
/// event methods, which keep them consistent with one another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedState {
    /// The configured URL (the feed's identity).
    pub feed_id: String,
    /// The URL polled now (differs after a permanent redirect).
    pub current_url: String,
    /// Last `ETag`.
    pub etag: Option<String>,
    /// Last `Last-Modified`.
    pub last_modified: Option<String>,
    /// Hash of the last body parsed, to skip unchanged 200s.
    pub body_hash: Option<String>,
    /// When it was last polled (ms).
    pub last_poll_at: Option<i64>,
    /// When it last succeeded (ms).
    pub last_success_at: Option<i64>,
    /// Short outcome of the last poll ("200", "304", "error").
    pub last_status: Option<String>,
    /// The last error, if the last poll failed.
    pub last_error: Option<String>,
    /// When it is due next (ms).
    pub next_due_at: Option<i64>,
    /// Consecutive failures.
    pub failures: i64,
    /// Why the feed is disabled, if it is.
    pub disabled_reason: Option<String>,
    /// Start of the current run of failures (ms).
    pub failing_since: Option<i64>,
    /// Which health event was raised for the current run of failures.
    pub health_reported: HealthReport,
    /// The feed's own refresh period (`<ttl>`, `sy:updatePeriod`), seconds.
    pub refresh_hint_secs: Option<i64>,
    /// Counts the polls that fetched new content; seen items present in
    /// the latest one carry its number, so retention spares them.
    pub content_generation: i64,
    /// Items read from the last document parsed.
    pub items_found: Option<i64>,
    /// Items that document held that could not be read.
    pub items_dropped: i64,
    /// The feed's own title, from the last document that had one: the
    /// name of a feed the config leaves unnamed.
    pub title: Option<String>,
}

/// What the sinks were last told about a feed's health, so each run of
/// failures raises "unhealthy" once and "recovered" once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HealthReport {
    /// Nothing raised: as far as the sinks know the feed is healthy (it
    /// may be failing, for less than `unhealthy_after`).
    #[default]
    Healthy,
    /// "feed unhealthy" was raised for the current run of failures.
    Unhealthy,
}

/// Which health event a poll raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthEventKind {
    /// The feed has been failing for `unhealthy_after`.
    Unhealthy,
    /// A feed reported unhealthy works again.
    Recovered,
}

/// A health event an event method raised, with the facts the
/// announcement carries; the caller routes it to the sinks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthChange {
    /// Which event.
    pub kind: HealthEventKind,
    /// When the run of failures began (ms).
    pub failing_since_ms: i64,
    /// Consecutive failures (at recovery: the count before it).
    pub failures: i64,
    /// The last error of the run.
    pub last_error: Option<String>,
}

/// New content fetched and parsed: what the feed's state keeps of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchedContent {
    /// The 2xx status.
    pub status: u16,
    /// The `ETag` to send next time.
    pub etag: Option<String>,
    /// The `Last-Modified` to send next time.
    pub last_modified: Option<String>,
    /// Hash of the body, to spot the same body next time.
    pub body_hash: String,
    /// Items read from the document.
    pub items_found: usize,
    /// Items the document held that could not be read.
    pub items_dropped: usize,
    /// The feed's own refresh period, if it states one.
    pub refresh_hint: Option<Duration>,
    /// The feed's own title, if the document has one.
    pub title: Option<String>,
}

/// A failed poll: the short status shown for it and the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollFailure {
    /// Short outcome ("HTTP 503", "fetch error", "parse error").
    pub status: String,
    /// What went wrong.
    pub error: String,
}

impl FeedState {
    /// The state of a feed never polled: at its configured URL.
    pub fn fresh(feed_id: &str) -> FeedState {
        FeedState {
            feed_id: feed_id.to_string(),
            current_url: feed_id.to_string(),
            ..FeedState::default()
        }
    }

    /// Whether no poll of the feed ever succeeded (its backlog rule then
    /// applies).
    pub fn never_succeeded(&self) -> bool {
        self.last_success_at.is_none()
    }

    /// Whether a body with this hash is the one parsed last time.
    pub fn is_same_body(&self, body_hash: &str) -> bool {
        self.body_hash.as_deref() == Some(body_hash)
    }

    /// The feed's own refresh period, kept across 304s.
    pub fn refresh_hint(&self) -> Option<Duration> {
        self.refresh_hint_secs
            .map(|secs| Duration::from_secs(secs.max(0) as u64))
    }

    /// Whether the sinks were told the feed is unhealthy.
    pub fn is_reported_unhealthy(&self) -> bool {
        self.health_reported == HealthReport::Unhealthy
    }

    /// Every redirect on the way was permanent: poll `url` from now on.
    pub fn on_moved(&mut self, url: String) {
        self.current_url = url;
    }

    /// A 304 at `now_ms`: the validators still hold; a success.
    pub fn on_not_modified(&mut self, now_ms: i64) -> Option<HealthChange> {
        self.last_status = Some("304".to_string());
        self.succeeded(now_ms)
    }

    /// A 2xx at `now_ms` whose body is the one parsed last time: new
    /// validators (`etag`, `last_modified`), nothing to parse; a success.
    pub fn on_same_body(
        &mut self,
        status: u16,
        etag: Option<String>,
        last_modified: Option<String>,
        now_ms: i64,
    ) -> Option<HealthChange> {
        self.etag = etag;
        self.last_modified = last_modified;
        self.last_status = Some(format!("{status} unchanged"));
        self.succeeded(now_ms)
    }

    /// New content fetched and parsed at `now_ms`: a new content
    /// generation; a success.
    pub fn on_fetched(&mut self, content: FetchedContent, now_ms: i64) -> Option<HealthChange> {
        self.items_found = Some(content.items_found as i64);
        self.items_dropped = content.items_dropped as i64;
        self.etag = content.etag;
        self.last_modified = content.last_modified;
        self.body_hash = Some(content.body_hash);
        self.last_status = Some(content.status.to_string());
        self.refresh_hint_secs = content.refresh_hint.map(|d| d.as_secs() as i64);
        self.content_generation += 1;
        if content.title.is_some() {
            self.title = content.title;
        }
        self.succeeded(now_ms)
    }

    /// A failed fetch or parse at `now_ms`: one more failure; a run of
    /// failures as long as `unhealthy_after` raises "unhealthy", once.
    pub fn on_failure(
        &mut self,
        failure: PollFailure,
        now_ms: i64,
        unhealthy_after: Duration,
    ) -> Option<HealthChange> {
        self.last_poll_at = Some(now_ms);
        self.last_status = Some(failure.status);
        self.last_error = Some(failure.error);
        let since = *self.failing_since.get_or_insert(now_ms);
        let due = now_ms - since >= unhealthy_after.as_millis() as i64;
        self.failures += 1;
        if !due || self.health_reported != HealthReport::Healthy {
            return None;
        }
        self.health_reported = HealthReport::Unhealthy;
        Some(HealthChange {
            kind: HealthEventKind::Unhealthy,
            failing_since_ms: since,
            failures: self.failures,
            last_error: self.last_error.clone(),
        })
    }

    /// A 410 at `now_ms`: the feed is disabled (noted as of `disabled_at`)
    /// until an operator resets it, and the poll is a failure.
    pub fn on_gone(
        &mut self,
        failure: PollFailure,
        now_ms: i64,
        unhealthy_after: Duration,
        disabled_at: DateTime<Utc>,
    ) -> Option<HealthChange> {
        self.disabled_reason = Some(format!("410 Gone since {}", rfc3339(disabled_at)));
        self.on_failure(failure, now_ms, unhealthy_after)
    }

    /// Sets the next due time from `due_after` (which sees the state after
    /// this poll); a disabled feed is never due.
    pub fn schedule_next(&mut self, due_after: impl FnOnce(&FeedState) -> i64) {
        let next = self.disabled_reason.is_none().then(|| due_after(self));
        self.next_due_at = next;
    }

    /// A successful poll at `now_ms`: the run of failures ends, and a feed
    /// reported unhealthy raises "recovered".
    fn succeeded(&mut self, now_ms: i64) -> Option<HealthChange> {
        self.last_poll_at = Some(now_ms);
        self.last_success_at = Some(now_ms);
        let was_reported = std::mem::take(&mut self.health_reported) == HealthReport::Unhealthy;
        let since = self.failing_since.take();
        let last_error = self.last_error.take();
        let failures = std::mem::take(&mut self.failures);
        match since {
            Some(failing_since_ms) if was_reported => Some(HealthChange {
                kind: HealthEventKind::Recovered,
                failing_since_ms,
                failures,
                last_error,
            }),
            _ => None,
        }
    }
}
