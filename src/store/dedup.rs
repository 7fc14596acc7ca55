//! The dedup stage's write: a poll's feed state, and for every matched item
//! not seen before, the seen mark, the alert and its deliveries, all in one
//! transaction. Nothing can be marked seen without its alert being queued.

use super::{Store, StoreError, feeds};
use crate::model::{Alert, FeedHealthEvent, Message};

/// One matched item, ready to be recorded.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// The alert (its `id` becomes the alert row's key).
    pub alert: Alert,
    /// The sinks this alert is routed to.
    pub sinks: Vec<String>,
}

/// A feed-health event, ready to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The event.
    pub event: FeedHealthEvent,
    /// The sinks that asked for feed-health events.
    pub sinks: Vec<String>,
}

/// Everything one poll wants written.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// The feed's new state.
    pub state: super::FeedState,
    /// Matched items, in the order they should be delivered.
    pub alerts: Vec<NewAlert>,
    /// Keys to mark seen without alerting (a first poll's old backlog).
    pub silent: Vec<String>,
    /// Feed-health events raised by this poll.
    pub events: Vec<NewEvent>,
    /// Detection time (ms), for the seen marks and deliveries.
    pub now_ms: i64,
}

impl PollRecord {
    /// A record that only updates the feed's state.
    pub fn state_only(state: super::FeedState, now_ms: i64) -> Self {
        PollRecord {
            state,
            alerts: Vec::new(),
            silent: Vec::new(),
            events: Vec::new(),
            now_ms,
        }
    }
}

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl Store {
    /// Records a poll. Returns the alerts that were new (not seen before);
    /// their deliveries, and those of the poll's events, are queued.
    pub async fn record_poll(&self, record: &PollRecord) -> Result<Vec<Alert>, StoreError> {
        let mut tx = self.pool.begin().await?;
        feeds::save_state(&mut tx, &record.state).await?;
        let feed_id = &record.state.feed_id;
        let mut fresh = Vec::new();
        for new in &record.alerts {
            let alert = &new.alert;
            if !mark_seen(
                &mut tx,
                &alert.item_key,
                feed_id,
                record.now_ms,
                Some(&alert.id),
            )
            .await?
            {
                continue;
            }
            let message = Message::Alert(alert.clone());
            queue(
                &mut tx,
                &message,
                &alert.item_key,
                feed_id,
                record.now_ms,
                &new.sinks,
            )
            .await?;
            fresh.push(alert.clone());
        }
        for key in &record.silent {
            mark_seen(&mut tx, key, feed_id, record.now_ms, None).await?;
        }
        for new in &record.events {
            let message = Message::FeedHealth(new.event.clone());
            queue(&mut tx, &message, "", feed_id, record.now_ms, &new.sinks).await?;
        }
        tx.commit().await?;
        Ok(fresh)
    }

    /// Whether an item key was already recorded.
    pub async fn is_seen(&self, item_key: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT item_key FROM seen WHERE item_key = $1")
            .bind(item_key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

/// The dedup primitive: true if the key was not seen before (and now is).
async fn mark_seen(
    tx: &mut Transaction<'_>,
    item_key: &str,
    feed_id: &str,
    now_ms: i64,
    alert_id: Option<&str>,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO seen (item_key, feed_id, first_seen_at, alert_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (item_key) DO NOTHING RETURNING item_key",
    )
    .bind(item_key)
    .bind(feed_id)
    .bind(now_ms)
    .bind(alert_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(inserted.is_some())
}

/// Stores a message and one pending delivery per sink.
async fn queue(
    tx: &mut Transaction<'_>,
    message: &Message,
    item_key: &str,
    feed_id: &str,
    now_ms: i64,
    sinks: &[String],
) -> Result<(), StoreError> {
    let body = message.to_json().map_err(|e| StoreError::Corrupt {
        alert_id: message.id().to_string(),
        message: e.to_string(),
    })?;
    sqlx::query(
        "INSERT INTO alerts (alert_id, item_key, feed_id, detected_at, body, kind) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(message.id())
    .bind(item_key)
    .bind(feed_id)
    .bind(now_ms)
    .bind(&body)
    .bind(message.kind())
    .execute(&mut **tx)
    .await?;
    for sink in sinks {
        sqlx::query(
            "INSERT INTO deliveries (delivery_id, alert_id, sink, state, attempts, due_at, created_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(message.id())
        .bind(sink)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
