//! The sink worker: one task per sink, feeding it from the outbox in
//! detection order, retrying with backoff, dead-lettering what cannot go.
//! A slow or failing sink only ever holds up its own queue.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{Delivery, Sink, SinkError};
use crate::store::{ClaimedDelivery, QueueHead, Store};

/// How long a claim is held before another instance may take it over.
const LEASE: Duration = Duration::from_secs(120);
/// How many deliveries are claimed at once.
const BATCH: i64 = 64;
/// Pause after a store error before trying again.
const STORE_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Counts of what a worker did, reported when it stops.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WorkerReport {
    /// Deliveries confirmed.
    pub delivered: u64,
    /// Failures scheduled for retry.
    pub retried: u64,
    /// Deliveries given up on.
    pub dead: u64,
}

/// Feeds one sink from the outbox.
pub struct Worker {
    sink: Arc<dyn Sink>,
    store: Store,
    wake: Arc<Notify>,
    retry_schedule: Vec<Duration>,
}

impl Worker {
    /// A worker for `sink`; `wake` is notified when new deliveries are queued.
    pub fn new(
        sink: Arc<dyn Sink>,
        store: Store,
        wake: Arc<Notify>,
        retry_schedule: Vec<Duration>,
    ) -> Self {
        Worker {
            sink,
            store,
            wake,
            retry_schedule,
        }
    }

    /// Runs until `drain` is cancelled and nothing more is due now; then
    /// closes the sink. Deliveries waiting for a later retry stay pending.
    pub async fn run(self, drain: CancellationToken) -> WorkerReport {
        let mut report = WorkerReport::default();
        let name = self.sink.name().to_string();
        loop {
            // Read before claiming: once the drain began, every write the
            // pipeline will make is committed, so an empty claim after this
            // point really means nothing is left that is due.
            let draining = drain.is_cancelled();
            let now = now_ms();
            let head = self
                .store
                .claim_head(&name, now, now + LEASE.as_millis() as i64, BATCH)
                .await;
            let wait = match head {
                Ok(QueueHead::Ready(deliveries)) => {
                    self.deliver_in_order(deliveries, &mut report).await;
                    continue;
                }
                Ok(QueueHead::WaitUntil(at)) => {
                    Some(Duration::from_millis((at - now).max(0) as u64))
                }
                Ok(QueueHead::Empty) => None,
                Err(error) => {
                    tracing::error!(sink = %name, error = %error, "cannot read the outbox");
                    Some(STORE_ERROR_PAUSE)
                }
            };
            if draining {
                break;
            }
            let sleep = tokio::time::sleep(wait.unwrap_or(Duration::from_secs(3600)));
            tokio::select! {
                _ = sleep => {}
                _ = self.wake.notified() => {}
                _ = drain.cancelled() => {}
            }
        }
        if let Err(error) = self.sink.close().await {
            tracing::error!(sink = %name, error = %error, "closing the sink failed");
        }
        report
    }

    /// Delivers a claimed batch in order, stopping at the first retryable
    /// failure so later alerts never overtake it.
    async fn deliver_in_order(&self, deliveries: Vec<ClaimedDelivery>, report: &mut WorkerReport) {
        for claimed in deliveries {
            let attempts_before = claimed.attempts;
            let delivery = Delivery {
                id: claimed.delivery_id,
                attempt: attempts_before.saturating_add(1),
                message: claimed.message,
                body: claimed.body,
            };
            let outcome = self.sink.deliver(&delivery).await;
            let recorded = match outcome {
                Ok(()) => {
                    report.delivered += 1;
                    tracing::debug!(sink = self.sink.name(), delivery = %delivery.id, "delivered");
                    self.store.mark_done(&delivery.id, now_ms()).await
                }
                Err(error) => {
                    let retry = self
                        .failure(&delivery, attempts_before, &error, report)
                        .await;
                    if retry {
                        return;
                    }
                    Ok(())
                }
            };
            if let Err(error) = recorded {
                tracing::error!(sink = self.sink.name(), delivery = %delivery.id, error = %error, "cannot record the delivery; it will be sent again");
                return;
            }
        }
    }

    /// Records a failure; true when a retry was scheduled.
    async fn failure(
        &self,
        delivery: &Delivery,
        attempts_before: u32,
        error: &SinkError,
        report: &mut WorkerReport,
    ) -> bool {
        let sink = self.sink.name();
        let delay = match error {
            SinkError::Retryable { retry_after, .. } => self
                .retry_schedule
                .get(attempts_before as usize)
                .map(|delay| with_jitter(*delay).max(retry_after.unwrap_or_default())),
            SinkError::Permanent { .. } => None,
        };
        let message = error.to_string();
        let recorded = match delay {
            Some(delay) => {
                report.retried += 1;
                tracing::warn!(sink, delivery = %delivery.id, attempt = delivery.attempt, retry_in = ?delay, error = %message, "delivery failed; will retry");
                let due = now_ms() + delay.as_millis() as i64;
                self.store.schedule_retry(&delivery.id, due, &message).await
            }
            None => {
                report.dead += 1;
                tracing::error!(sink, delivery = %delivery.id, attempt = delivery.attempt, error = %message, "delivery failed for good; kept as a dead letter");
                self.store.mark_dead(&delivery.id, now_ms(), &message).await
            }
        };
        if let Err(store_error) = recorded {
            tracing::error!(sink, delivery = %delivery.id, error = %store_error, "cannot record the failure");
        }
        delay.is_some()
    }
}

/// Adds up to 10 % random delay, so retries of many deliveries spread out.
fn with_jitter(delay: Duration) -> Duration {
    delay.mul_f64(1.0 + fastrand::f64() * 0.1)
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
