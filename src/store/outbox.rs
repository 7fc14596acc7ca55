//! The outbox: the only path from a detected alert to a sink.
//!
//! Each sink's worker claims deliveries in detection order with a lease, and
//! only the sink's confirmation marks one done. A delivery waiting for a
//! retry holds back the ones behind it, so every sink sees its alerts in the
//! order they were detected.

use sqlx::Row;

use super::{Store, StoreError};
use crate::model::Message;

/// A claimed delivery, with its alert.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// The delivery's id (a time-ordered UUID): stable across retries, so
    /// receivers can drop repeats.
    pub delivery_id: String,
    /// How many attempts were made before this one.
    pub attempts: u32,
    /// The alert or event to deliver.
    pub message: Message,
    /// Its JSON exactly as stored.
    pub body: String,
}

/// The oldest pending row of a sink's queue.
struct PendingHead {
    created_at: i64,
    due_at: i64,
    lease_until: Option<i64>,
}

/// What a sink's queue looks like right now.
#[derive(Debug)]
pub enum QueueHead {
    /// These are claimed for us; deliver them in order.
    Ready(Vec<ClaimedDelivery>),
    /// Nothing can go before this time (ms): the head waits for a retry or
    /// someone else's lease.
    WaitUntil(i64),
    /// Nothing pending.
    Empty,
}

/// A delivery's state in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not yet confirmed by the sink.
    Pending,
    /// Confirmed.
    Done,
    /// Given up on; kept for inspection and redelivery.
    Dead,
}

impl DeliveryState {
    /// The state's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Done => "done",
            DeliveryState::Dead => "dead",
        }
    }
}

/// A delivery as listed for operators and tests.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// The delivery's id.
    pub delivery_id: String,
    /// The alert's id.
    pub alert_id: String,
    /// The sink's name.
    pub sink: String,
    /// `pending`, `done` or `dead`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When the alert was detected (ms).
    pub detected_at: i64,
    /// The stored message, or why it could not be read back: listing
    /// returns data, and whoever shows it decides how.
    pub message: Result<Message, String>,
}

impl Store {
    /// Claims up to `limit` deliveries at the head of `sink`'s queue that are
    /// due at `now_ms`, leasing them until `lease_until_ms`.
    pub async fn claim_head(
        &self,
        sink: &str,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<QueueHead, StoreError> {
        // One statement, so claiming is atomic on both backends. Only rows
        // before the first blocked one (not due, or leased by another
        // instance) are taken: order is kept per sink.
        let claimed = sqlx::query(
            "UPDATE deliveries SET lease_until = $3, lease_owner = $4 \
             WHERE (lease_until IS NULL OR lease_until < $2 OR lease_owner = $4) \
             AND delivery_id IN ( \
               SELECT candidate.delivery_id FROM deliveries candidate \
               WHERE candidate.sink = $1 AND candidate.state = 'pending' AND candidate.due_at <= $2 \
               AND (candidate.lease_until IS NULL OR candidate.lease_until < $2 OR candidate.lease_owner = $4) \
               AND NOT EXISTS ( \
                 SELECT 1 FROM deliveries blocked \
                 WHERE blocked.sink = $1 AND blocked.state = 'pending' \
                 AND blocked.delivery_id < candidate.delivery_id \
                 AND (blocked.due_at > $2 OR (blocked.lease_until >= $2 AND blocked.lease_owner <> $4))) \
               ORDER BY candidate.delivery_id LIMIT $5) \
             RETURNING delivery_id, alert_id, attempts",
        )
        .bind(sink)
        .bind(now_ms)
        .bind(lease_until_ms)
        .bind(&self.instance)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if claimed.is_empty() {
            return self.queue_wait(sink).await;
        }
        let deliveries = self.load_claimed(&claimed).await?;
        Ok(QueueHead::Ready(deliveries))
    }

    /// Claims every pending delivery of `sink` created in
    /// `[from_ms, until_ms)` (one digest period), due or not.
    pub async fn claim_created_between(
        &self,
        sink: &str,
        from_ms: i64,
        until_ms: i64,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let claimed = sqlx::query(
            "UPDATE deliveries SET lease_until = $5, lease_owner = $6 \
             WHERE sink = $1 AND state = 'pending' AND created_at >= $2 AND created_at < $3 \
             AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $6) \
             RETURNING delivery_id, alert_id, attempts",
        )
        .bind(sink)
        .bind(from_ms)
        .bind(until_ms)
        .bind(now_ms)
        .bind(lease_until_ms)
        .bind(&self.instance)
        .fetch_all(&self.pool)
        .await?;
        self.load_claimed(&claimed).await
    }

    /// The oldest pending delivery of a sink: (created_at, due_at), if any.
    pub async fn oldest_pending(&self, sink: &str) -> Result<Option<(i64, i64)>, StoreError> {
        Ok(self
            .pending_head(sink)
            .await?
            .map(|head| (head.created_at, head.due_at)))
    }

    /// The head of a sink's pending queue, read by both the digest and the
    /// immediate delivery paths.
    async fn pending_head(&self, sink: &str) -> Result<Option<PendingHead>, StoreError> {
        let row = sqlx::query(
            "SELECT created_at, due_at, lease_until FROM deliveries \
             WHERE sink = $1 AND state = 'pending' ORDER BY delivery_id LIMIT 1",
        )
        .bind(sink)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PendingHead {
                created_at: r.try_get("created_at")?,
                due_at: r.try_get("due_at")?,
                lease_until: r.try_get("lease_until")?,
            })
        })
        .transpose()
    }

    /// Reads the messages of claimed rows, in delivery order.
    async fn load_claimed(
        &self,
        claimed: &[sqlx::any::AnyRow],
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let mut deliveries = Vec::with_capacity(claimed.len());
        for row in claimed {
            let delivery_id: String = row.try_get("delivery_id")?;
            let alert_id: String = row.try_get("alert_id")?;
            let attempts: i64 = row.try_get("attempts")?;
            let stored = sqlx::query("SELECT body, kind FROM alerts WHERE alert_id = $1")
                .bind(&alert_id)
                .fetch_one(&self.pool)
                .await?;
            let body: String = stored.try_get("body")?;
            let kind: String = stored.try_get("kind")?;
            let message = Message::from_stored(&kind, &body).map_err(|e| StoreError::Corrupt {
                alert_id: alert_id.clone(),
                message: e.to_string(),
            })?;
            deliveries.push(ClaimedDelivery {
                delivery_id,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                message,
                body,
            });
        }
        deliveries.sort_by(|a, b| a.delivery_id.cmp(&b.delivery_id));
        Ok(deliveries)
    }

    async fn queue_wait(&self, sink: &str) -> Result<QueueHead, StoreError> {
        Ok(match self.pending_head(sink).await? {
            None => QueueHead::Empty,
            Some(head) => QueueHead::WaitUntil(head.due_at.max(head.lease_until.unwrap_or(0))),
        })
    }

    /// The sink confirmed the delivery.
    pub async fn mark_done(&self, delivery_id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.finish(delivery_id, DeliveryState::Done, now_ms, None)
            .await
    }

    /// The delivery failed for good; keep it as a dead letter.
    pub async fn mark_dead(
        &self,
        delivery_id: &str,
        now_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.finish(delivery_id, DeliveryState::Dead, now_ms, Some(error))
            .await
    }

    async fn finish(
        &self,
        delivery_id: &str,
        state: DeliveryState,
        now_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET state = $2, attempts = attempts + 1, finished_at = $3, \
             last_error = $4, lease_until = NULL, lease_owner = NULL WHERE delivery_id = $1",
        )
        .bind(delivery_id)
        .bind(state.as_str())
        .bind(now_ms)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The delivery failed but may succeed later: try again at `due_ms`.
    pub async fn schedule_retry(
        &self,
        delivery_id: &str,
        due_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET attempts = attempts + 1, due_at = $2, last_error = $3, \
             lease_until = NULL, lease_owner = NULL WHERE delivery_id = $1",
        )
        .bind(delivery_id)
        .bind(due_ms)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Puts deliveries back in the queue, due now, attempts reset (for
    /// `newswatch redeliver`). Returns how many were requeued.
    pub async fn requeue(&self, delivery_ids: &[String], now_ms: i64) -> Result<u64, StoreError> {
        let mut count = 0;
        for id in delivery_ids {
            let done = sqlx::query(
                "UPDATE deliveries SET state = 'pending', attempts = 0, due_at = $2, finished_at = NULL, \
                 lease_until = NULL, lease_owner = NULL WHERE delivery_id = $1",
            )
            .bind(id)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
            count += done.rows_affected();
        }
        Ok(count)
    }

    /// Gives back the delivery leases this instance holds (a stop, or a
    /// restart under a stable instance name), so that others take the
    /// deliveries at once instead of after the lease.
    pub async fn release_my_deliveries(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE deliveries SET lease_until = NULL, lease_owner = NULL \
             WHERE lease_until IS NOT NULL AND lease_owner = $1",
        )
        .bind(&self.instance)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Voids every lease (SQLite start-up: the previous process is gone).
    pub async fn release_all_leases(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE deliveries SET lease_until = NULL, lease_owner = NULL WHERE lease_until IS NOT NULL")
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "UPDATE feed_leases SET owner = NULL, lease_until = NULL WHERE lease_until IS NOT NULL",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many deliveries are pending, for all sinks or one.
    pub async fn count_deliveries(
        &self,
        sink: Option<&str>,
        state: DeliveryState,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM deliveries WHERE state = $1 AND ($2 IS NULL OR sink = $2)",
        )
        .bind(state.as_str())
        .bind(sink)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Deliveries in detection order, filtered by sink and state.
    pub async fn list_deliveries(
        &self,
        sink: Option<&str>,
        state: Option<DeliveryState>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.delivery_id, d.alert_id, d.sink, d.state, d.attempts, d.last_error, \
             a.detected_at, a.body, a.kind FROM deliveries d JOIN alerts a ON a.alert_id = d.alert_id \
             WHERE ($1 IS NULL OR d.sink = $1) AND ($2 IS NULL OR d.state = $2) \
             ORDER BY d.delivery_id DESC LIMIT $3",
        )
        .bind(sink)
        .bind(state.map(DeliveryState::as_str))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut listed = rows
            .iter()
            .map(|row| {
                let body: String = row.try_get("body")?;
                let kind: String = row.try_get("kind")?;
                let message = Message::from_stored(&kind, &body).map_err(|e| e.to_string());
                Ok(DeliveryRow {
                    delivery_id: row.try_get("delivery_id")?,
                    alert_id: row.try_get("alert_id")?,
                    sink: row.try_get("sink")?,
                    state: row.try_get("state")?,
                    attempts: row.try_get("attempts")?,
                    last_error: row.try_get("last_error")?,
                    detected_at: row.try_get("detected_at")?,
                    message,
                })
            })
            .collect::<Result<Vec<DeliveryRow>, StoreError>>()?;
        // The newest `limit`, listed oldest first.
        listed.reverse();
        Ok(listed)
    }
}
