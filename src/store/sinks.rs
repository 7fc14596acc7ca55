//! Per-sink state: whether a sink is disabled (its endpoint said 410 Gone),
//! and what its queue holds, for `newswatch sinks`.

use sqlx::Row;

use super::{Store, StoreError};

/// A sink's queue and state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkSummary {
    /// The sink's name.
    pub sink: String,
    /// Deliveries waiting.
    pub pending: i64,
    /// Deliveries given up on.
    pub dead: i64,
    /// Deliveries confirmed.
    pub done: i64,
    /// Why the sink is disabled, if it is.
    pub disabled_reason: Option<String>,
}

impl Store {
    /// Disables a sink (410 Gone); its deliveries stay pending.
    pub async fn disable_sink(
        &self,
        sink: &str,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sink_state (sink, disabled_reason, disabled_at) VALUES ($1, $2, $3) \
             ON CONFLICT (sink) DO UPDATE SET disabled_reason = excluded.disabled_reason, disabled_at = excluded.disabled_at",
        )
        .bind(sink)
        .bind(reason)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Enables a sink again; true if it was disabled.
    pub async fn enable_sink(&self, sink: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sink_state WHERE sink = $1")
            .bind(sink)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Why a sink is disabled, if it is.
    pub async fn sink_disabled(&self, sink: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT disabled_reason FROM sink_state WHERE sink = $1")
            .bind(sink)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("disabled_reason")?,
            None => None,
        })
    }

    /// How many alerts (not events) were detected since `since_ms`.
    pub async fn count_alerts_since(&self, since_ms: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM alerts WHERE kind = 'alert' AND detected_at >= $1",
        )
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Queue counts and state of one sink.
    pub async fn sink_summary(&self, sink: &str) -> Result<SinkSummary, StoreError> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE sink = $1 GROUP BY state",
        )
        .bind(sink)
        .fetch_all(&self.pool)
        .await?;
        let mut summary = SinkSummary {
            sink: sink.to_string(),
            disabled_reason: self.sink_disabled(sink).await?,
            ..SinkSummary::default()
        };
        for row in rows {
            let state: String = row.try_get("state")?;
            let count: i64 = row.try_get("n")?;
            match state.as_str() {
                "pending" => summary.pending = count,
                "dead" => summary.dead = count,
                "done" => summary.done = count,
                _ => {}
            }
        }
        Ok(summary)
    }
}
