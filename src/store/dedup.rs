//! The dedup stage's write: a poll's feed state, and for every matched item
//! not seen before, the seen mark, the alert and its deliveries, all in one
//! transaction. Nothing can be marked seen without its alert being queued.

use super::{Store, StoreError, feeds};
use crate::model::Alert;

/// One matched item, ready to be recorded.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// The alert (its `id` becomes the alert row's key).
    pub alert: Alert,
    /// The sinks this alert is routed to.
    pub sinks: Vec<String>,
}

/// Everything one poll wants written.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// The feed's new state.
    pub state: super::FeedState,
    /// Matched items, newest knowledge first (order is kept).
    pub alerts: Vec<NewAlert>,
    /// Detection time (ms), for the seen marks and deliveries.
    pub now_ms: i64,
}

impl Store {
    /// Records a poll. Returns the alerts that were new (not seen before);
    /// their deliveries are queued.
    pub async fn record_poll(&self, record: &PollRecord) -> Result<Vec<Alert>, StoreError> {
        let mut tx = self.pool.begin().await?;
        feeds::save_state(&mut tx, &record.state).await?;
        let mut fresh = Vec::new();
        for new in &record.alerts {
            let alert = &new.alert;
            let inserted = sqlx::query(
                "INSERT INTO seen (item_key, feed_id, first_seen_at, alert_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (item_key) DO NOTHING RETURNING item_key",
            )
            .bind(&alert.item_key)
            .bind(&record.state.feed_id)
            .bind(record.now_ms)
            .bind(&alert.id)
            .fetch_optional(&mut *tx)
            .await?;
            if inserted.is_none() {
                continue;
            }
            let body = serde_json::to_string(alert).map_err(|e| StoreError::Corrupt {
                alert_id: alert.id.clone(),
                message: e.to_string(),
            })?;
            sqlx::query(
                "INSERT INTO alerts (alert_id, item_key, feed_id, detected_at, body) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&alert.id)
            .bind(&alert.item_key)
            .bind(&record.state.feed_id)
            .bind(record.now_ms)
            .bind(&body)
            .execute(&mut *tx)
            .await?;
            for sink in &new.sinks {
                sqlx::query(
                    "INSERT INTO deliveries (delivery_id, alert_id, sink, state, attempts, due_at, created_at) \
                     VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&alert.id)
                .bind(sink)
                .bind(record.now_ms)
                .execute(&mut *tx)
                .await?;
            }
            fresh.push(alert.clone());
        }
        tx.commit().await?;
        Ok(fresh)
    }

    /// Whether an item key was already recorded (for `feeds`/`test` views and tests).
    pub async fn is_seen(&self, item_key: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT item_key FROM seen WHERE item_key = $1")
            .bind(item_key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}
