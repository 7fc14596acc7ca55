//! Per-feed state: validators for conditional GET, last outcome, next due
//! time and failure count, so a restart forgets nothing.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::{Store, StoreError};

/// What the store remembers about one feed.
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
    /// "unhealthy" once that event was raised for the current failure run.
    pub health_reported: Option<String>,
    /// The feed's own refresh period (`<ttl>`, `sy:updatePeriod`), seconds.
    pub refresh_hint_secs: Option<i64>,
    /// Counts the polls that fetched new content; seen items present in
    /// the latest one carry its number, so retention spares them.
    pub content_generation: i64,
    /// Items read from the last document parsed.
    pub items_found: Option<i64>,
    /// Items that document held that could not be read.
    pub items_dropped: i64,
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
}

const COLUMNS: &str = "feed_id, current_url, etag, last_modified, body_hash, last_poll_at, \
    last_success_at, last_status, last_error, next_due_at, failures, disabled_reason, \
    failing_since, health_reported, refresh_hint_secs, content_generation, items_found, \
    items_dropped";

impl Store {
    /// The stored state of one feed, if it was ever polled.
    pub async fn feed_state(&self, feed_id: &str) -> Result<Option<FeedState>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM feeds WHERE feed_id = $1"
        )))
        .bind(feed_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| state_from_row(&r)).transpose()
    }

    /// Forgets a feed's state (for `newswatch feeds --reset`): the next
    /// poll is a first poll again, at its configured URL. Seen items stay seen.
    pub async fn reset_feed(&self, feed_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM feeds WHERE feed_id = $1")
            .bind(feed_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every stored feed state, by feed id: the poller, `newswatch feeds`
    /// and the metrics scrape look thousands of feeds up in it.
    pub async fn feed_states(&self) -> Result<HashMap<String, FeedState>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM feeds")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| state_from_row(row).map(|state| (state.feed_id.clone(), state)))
            .collect()
    }
}

fn state_from_row(row: &sqlx::any::AnyRow) -> Result<FeedState, StoreError> {
    Ok(FeedState {
        feed_id: row.try_get("feed_id")?,
        current_url: row.try_get("current_url")?,
        etag: row.try_get("etag")?,
        last_modified: row.try_get("last_modified")?,
        body_hash: row.try_get("body_hash")?,
        last_poll_at: row.try_get("last_poll_at")?,
        last_success_at: row.try_get("last_success_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        next_due_at: row.try_get("next_due_at")?,
        failures: row.try_get("failures")?,
        disabled_reason: row.try_get("disabled_reason")?,
        failing_since: row.try_get("failing_since")?,
        health_reported: row.try_get("health_reported")?,
        refresh_hint_secs: row.try_get("refresh_hint_secs")?,
        content_generation: row.try_get("content_generation")?,
        items_found: row.try_get("items_found")?,
        items_dropped: row.try_get("items_dropped")?,
    })
}

/// Writes a feed's state inside an open transaction (upsert).
pub(super) async fn save_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &FeedState,
) -> Result<(), StoreError> {
    // COLUMNS is a constant: the SQL text never contains outside input.
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO feeds ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (feed_id) DO UPDATE SET current_url = excluded.current_url, \
         etag = excluded.etag, last_modified = excluded.last_modified, \
         body_hash = excluded.body_hash, last_poll_at = excluded.last_poll_at, \
         last_success_at = excluded.last_success_at, last_status = excluded.last_status, \
         last_error = excluded.last_error, next_due_at = excluded.next_due_at, \
         failures = excluded.failures, disabled_reason = excluded.disabled_reason, \
         failing_since = excluded.failing_since, health_reported = excluded.health_reported, \
         refresh_hint_secs = excluded.refresh_hint_secs, content_generation = excluded.content_generation, \
         items_found = excluded.items_found, items_dropped = excluded.items_dropped"
    )))
    .bind(&state.feed_id)
    .bind(&state.current_url)
    .bind(&state.etag)
    .bind(&state.last_modified)
    .bind(&state.body_hash)
    .bind(state.last_poll_at)
    .bind(state.last_success_at)
    .bind(&state.last_status)
    .bind(&state.last_error)
    .bind(state.next_due_at)
    .bind(state.failures)
    .bind(&state.disabled_reason)
    .bind(state.failing_since)
    .bind(&state.health_reported)
    .bind(state.refresh_hint_secs)
    .bind(state.content_generation)
    .bind(state.items_found)
    .bind(state.items_dropped)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
