//! Per-feed state in the store: validators for conditional GET, last
//! outcome, next due time and failure count, so a restart forgets nothing.
//! The rules that change a state are in [`state`]; this file reads and
//! writes it, and maps the typed health report to its stored text.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::{Store, StoreError};

mod state;
#[cfg(test)]
mod tests;

pub use state::{
    FeedState, FetchedContent, HealthChange, HealthEventKind, HealthReport, PollFailure,
};

const COLUMNS: &str = "feed_id, current_url, etag, last_modified, body_hash, last_poll_at, \
    last_success_at, last_status, last_error, next_due_at, failures, disabled_reason, \
    failing_since, health_reported, refresh_hint_secs, content_generation, items_found, \
    items_dropped, title";

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
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM feeds WHERE feed_id = $1")
            .bind(feed_id)
            .execute(&mut *tx)
            .await?;
        // Due at once, for whichever instance claims it first.
        sqlx::query("UPDATE feed_leases SET due_at = $2 WHERE feed_id = $1")
            .bind(feed_id)
            .bind(crate::clock::now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
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
        health_reported: health_from_stored(row.try_get("health_reported")?),
        refresh_hint_secs: row.try_get("refresh_hint_secs")?,
        content_generation: row.try_get("content_generation")?,
        items_found: row.try_get("items_found")?,
        items_dropped: row.try_get("items_dropped")?,
        title: row.try_get("title")?,
    })
}

/// Writes a feed's state inside an open transaction (upsert).
pub(super) async fn save_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &FeedState,
) -> Result<(), StoreError> {
    // COLUMNS is a constant: the SQL text never contains outside input.
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO feeds ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (feed_id) DO UPDATE SET current_url = excluded.current_url, \
         etag = excluded.etag, last_modified = excluded.last_modified, \
         body_hash = excluded.body_hash, last_poll_at = excluded.last_poll_at, \
         last_success_at = excluded.last_success_at, last_status = excluded.last_status, \
         last_error = excluded.last_error, next_due_at = excluded.next_due_at, \
         failures = excluded.failures, disabled_reason = excluded.disabled_reason, \
         failing_since = excluded.failing_since, health_reported = excluded.health_reported, \
         refresh_hint_secs = excluded.refresh_hint_secs, content_generation = excluded.content_generation, \
         items_found = excluded.items_found, items_dropped = excluded.items_dropped, \
         title = excluded.title"
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
    .bind(health_to_stored(state.health_reported))
    .bind(state.refresh_hint_secs)
    .bind(state.content_generation)
    .bind(state.items_found)
    .bind(state.items_dropped)
    .bind(&state.title)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The text stored for a health report: NULL, or "unhealthy" once that
/// event was raised (the column's values since migration 0002).
fn health_to_stored(report: HealthReport) -> Option<&'static str> {
    match report {
        HealthReport::Healthy => None,
        HealthReport::Unhealthy => Some(REPORTED_UNHEALTHY),
    }
}

/// The health report for the stored text. Only "unhealthy" is ever
/// written; any other text counted as reported before, so it still does.
fn health_from_stored(text: Option<String>) -> HealthReport {
    match text {
        None => HealthReport::Healthy,
        Some(_) => HealthReport::Unhealthy,
    }
}

const REPORTED_UNHEALTHY: &str = "unhealthy";
