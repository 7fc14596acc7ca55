//! The sink worker: wiring between the outbox and a sink, not a sink
//! itself (sinks are adapters that know only the model). One task per sink, feeding it from the outbox in
//! detection order, retrying with backoff, dead-lettering what cannot go,
//! pacing (`max_per_minute`) and batching (`digest`). A slow or failing
//! sink only ever holds up its own queue.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::clock::{from_millis, now_ms};
use crate::model::{Digest, Message, rfc3339};
use crate::service::metrics::{DeliveryKind, metrics};
use crate::sink::{Delivery, Sink, SinkConfig, SinkError};
use crate::store::{ClaimedDelivery, QueueHead, Store};

/// How long a claim is held before another instance may take it over.
const LEASE: Duration = Duration::from_secs(120);
/// How many deliveries are claimed at once.
const BATCH: i64 = 64;
/// Pause after a store error before trying again.
const STORE_ERROR_PAUSE: Duration = Duration::from_secs(1);
/// How often a disabled sink checks whether it was enabled again.
const DISABLED_RECHECK: Duration = Duration::from_secs(30);
/// How long an idle worker sleeps before looking again, unwoken; so what
/// another process changes (`newswatch redeliver`) is picked up.
const IDLE_RECHECK: Duration = Duration::from_secs(30);

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

impl std::ops::AddAssign for WorkerReport {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.retried += other.retried;
        self.dead += other.dead;
    }
}

/// How a worker paces and batches.
#[derive(Debug, Clone, Default)]
pub struct WorkerSettings {
    /// Delays before each retry; when they run out the delivery is dead.
    pub retry_schedule: Vec<Duration>,
    /// At most this many sends a minute.
    pub max_per_minute: Option<u32>,
    /// Send one digest per period instead of one message each.
    pub digest: Option<Duration>,
}

impl WorkerSettings {
    /// The pacing and batching a sink's config asks for.
    pub fn for_sink(config: &SinkConfig) -> Self {
        WorkerSettings {
            retry_schedule: config.retry_schedule(),
            max_per_minute: config.max_per_minute,
            digest: config.digest.map(|d| d.0),
        }
    }
}

/// What one pass over the queue found.
enum Step {
    /// Something was sent (or failed); look again at once.
    Worked,
    /// Nothing can be sent before this long from now (`None`: until woken).
    Wait(Option<Duration>),
}

/// Feeds one sink from the outbox.
pub struct Worker {
    sink: Arc<dyn Sink>,
    store: Store,
    wake: Arc<Notify>,
    settings: WorkerSettings,
    pace: RateLimit,
    report: WorkerReport,
}

/// At most `limit` sends in any `window`: a sliding window of send times.
#[derive(Debug, Clone)]
pub struct RateLimit {
    limit: Option<usize>,
    window: Duration,
    sent: VecDeque<Instant>,
}

impl RateLimit {
    /// A limit of `limit` sends per `window` (`None`: unlimited).
    pub fn new(limit: Option<u32>, window: Duration) -> Self {
        RateLimit {
            limit: limit.map(|l| l as usize),
            window,
            sent: VecDeque::new(),
        }
    }

    /// How long to wait at `now` before the next send may go.
    pub fn delay(&mut self, now: Instant) -> Duration {
        let Some(limit) = self.limit else {
            return Duration::ZERO;
        };
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < limit {
            return Duration::ZERO;
        }
        self.sent.front().map_or(Duration::ZERO, |oldest| {
            (*oldest + self.window).duration_since(now)
        })
    }

    /// Notes a send at `at`.
    pub fn record(&mut self, at: Instant) {
        if self.limit.is_some() {
            self.sent.push_back(at);
        }
    }
}

impl Worker {
    /// A worker for `sink`; `wake` is notified when new deliveries are queued.
    pub fn new(
        sink: Arc<dyn Sink>,
        store: Store,
        wake: Arc<Notify>,
        settings: WorkerSettings,
    ) -> Self {
        Worker {
            sink,
            store,
            wake,
            pace: RateLimit::new(settings.max_per_minute, Duration::from_secs(60)),
            settings,
            report: WorkerReport::default(),
        }
    }

    /// Runs until `drain` is cancelled and nothing more is due now; then
    /// closes the sink. Deliveries waiting for a later retry stay pending.
    pub async fn run(mut self, drain: CancellationToken) -> WorkerReport {
        let name = self.sink.name().to_string();
        loop {
            // Read before looking: once the drain began, every write the
            // pipeline will make is committed, so finding nothing due after
            // this point really means nothing is left that is due.
            let draining = drain.is_cancelled();
            let step = match self.store.sink_disabled(&name).await {
                Ok(Some(_)) => Step::Wait(Some(DISABLED_RECHECK)),
                Ok(None) if self.settings.digest.is_some() => self.digest_step().await,
                Ok(None) => self.step().await,
                Err(error) => {
                    tracing::error!(sink = %name, error = %error, "cannot read the outbox");
                    Step::Wait(Some(STORE_ERROR_PAUSE))
                }
            };
            let wait = match step {
                Step::Worked => continue,
                Step::Wait(wait) => wait,
            };
            if draining {
                break;
            }
            let sleep = tokio::time::sleep(wait.unwrap_or(IDLE_RECHECK).min(IDLE_RECHECK));
            tokio::select! {
                _ = sleep => {}
                _ = self.wake.notified() => {}
                _ = drain.cancelled() => {}
            }
        }
        if let Err(error) = self.sink.close().await {
            tracing::error!(sink = %name, error = %error, "closing the sink failed");
        }
        self.report
    }

    /// One message per delivery, in order.
    async fn step(&mut self) -> Step {
        let now = now_ms();
        let lease = now + LEASE.as_millis() as i64;
        match self
            .store
            .claim_head(self.sink.name(), now, lease, BATCH)
            .await
        {
            Ok(QueueHead::Ready(deliveries)) => {
                self.deliver_in_order(deliveries).await;
                Step::Worked
            }
            Ok(QueueHead::WaitUntil(at)) => Step::Wait(Some(until(at, now))),
            Ok(QueueHead::Empty) => Step::Wait(None),
            Err(error) => {
                tracing::error!(sink = self.sink.name(), error = %error, "cannot read the outbox");
                Step::Wait(Some(STORE_ERROR_PAUSE))
            }
        }
    }

    /// One digest per period: the oldest period's deliveries, once it ended.
    async fn digest_step(&mut self) -> Step {
        let period = self
            .settings
            .digest
            .unwrap_or(Duration::from_secs(900))
            .as_millis()
            .max(1) as i64;
        let now = now_ms();
        let (created, due) = match self.store.oldest_pending(self.sink.name()).await {
            Ok(Some(head)) => head,
            Ok(None) => return Step::Wait(None),
            Err(error) => {
                tracing::error!(sink = self.sink.name(), error = %error, "cannot read the outbox");
                return Step::Wait(Some(STORE_ERROR_PAUSE));
            }
        };
        let start = created - created.rem_euclid(period);
        let end = start + period;
        let ready_at = end.max(due);
        if ready_at > now {
            return Step::Wait(Some(until(ready_at, now)));
        }
        let lease = now + LEASE.as_millis() as i64;
        let batch = match self
            .store
            .claim_created_between(self.sink.name(), start, end, now, lease)
            .await
        {
            Ok(batch) if !batch.is_empty() => batch,
            Ok(_) => return Step::Wait(Some(STORE_ERROR_PAUSE)),
            Err(error) => {
                tracing::error!(sink = self.sink.name(), error = %error, "cannot read the outbox");
                return Step::Wait(Some(STORE_ERROR_PAUSE));
            }
        };
        self.deliver_digest(batch, start, end).await;
        Step::Worked
    }

    async fn deliver_digest(&mut self, batch: Vec<ClaimedDelivery>, start: i64, end: i64) {
        let (alerts, events): (Vec<ClaimedDelivery>, Vec<ClaimedDelivery>) = batch
            .into_iter()
            .partition(|d| matches!(d.message, Message::Alert(_)));
        // Feed-health events are not digested: they go one by one.
        self.deliver_in_order(events).await;
        if alerts.is_empty() {
            return;
        }
        let attempts_before = alerts.iter().map(|d| d.attempts).max().unwrap_or(0);
        let ids: Vec<String> = alerts.iter().map(|d| d.delivery_id.clone()).collect();
        let digest = Digest {
            kind: "digest".to_string(),
            // Stable for the sink and period, so a retried digest keeps its id.
            id: crate::model::ItemKey::from_parts(
                "digest",
                &[self.sink.name(), &start.to_string()],
            )
            .to_string(),
            period_start: rfc3339(from_millis(start)),
            period_end: rfc3339(from_millis(end)),
            count: alerts.len(),
            alerts: alerts
                .into_iter()
                .filter_map(|d| match d.message {
                    Message::Alert(alert) => Some(alert),
                    _ => None,
                })
                .collect(),
        };
        let message = Message::Digest(digest);
        let body = match message.to_json() {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(sink = self.sink.name(), error = %error, "cannot encode the digest");
                return;
            }
        };
        let delivery = Delivery {
            id: message.id().to_string(),
            attempt: attempts_before.saturating_add(1),
            message,
            body,
        };
        self.pace().await;
        let outcome = self.sink.deliver(&delivery).await;
        self.record(&ids, &delivery, attempts_before, outcome).await;
    }

    /// Delivers a claimed batch in order, stopping at the first retryable
    /// failure so later alerts never overtake it.
    async fn deliver_in_order(&mut self, deliveries: Vec<ClaimedDelivery>) {
        for claimed in deliveries {
            let attempts_before = claimed.attempts;
            let delivery = Delivery {
                id: claimed.delivery_id,
                attempt: attempts_before.saturating_add(1),
                message: claimed.message,
                body: claimed.body,
            };
            self.pace().await;
            let outcome = self.sink.deliver(&delivery).await;
            let ids = [delivery.id.clone()];
            if self.record(&ids, &delivery, attempts_before, outcome).await {
                return;
            }
        }
    }

    /// Records the outcome for these delivery rows. True when the queue
    /// must stop here (a retry is scheduled, the sink is disabled, or the
    /// store failed).
    async fn record(
        &mut self,
        ids: &[String],
        delivery: &Delivery,
        attempts_before: u32,
        outcome: Result<(), SinkError>,
    ) -> bool {
        let sink = self.sink.name().to_string();
        let now = now_ms();
        let error = match outcome {
            Ok(()) => {
                self.report.delivered += ids.len() as u64;
                tracing::debug!(sink, delivery = %delivery.id, "delivered");
                let mut failed = false;
                for id in ids {
                    failed |= self.store.mark_done(id, now).await.is_err();
                }
                // Counted once recorded, so the pending gauge already agrees.
                metrics().delivery(&sink, DeliveryKind::Delivered, ids.len() as u64);
                for waited in ids.iter().filter_map(|id| queued_for(id, now)) {
                    metrics().delivered_after(&sink, waited);
                }
                if failed {
                    tracing::error!(sink, delivery = %delivery.id, "cannot record the delivery; it will be sent again");
                }
                return failed;
            }
            Err(error) => error,
        };
        let message = error.to_string();
        let retry_delay = match &error {
            SinkError::Retryable { retry_after, .. } => self
                .settings
                .retry_schedule
                .get(attempts_before as usize)
                .map(|delay| with_jitter(*delay).max(retry_after.unwrap_or_default())),
            _ => None,
        };
        let stop = matches!(error, SinkError::Gone { .. }) || retry_delay.is_some();
        let recorded = match (&error, retry_delay) {
            (SinkError::Gone { .. }, _) => {
                tracing::error!(sink, error = %message, "THE ENDPOINT IS GONE (410): sink disabled; its deliveries wait until `newswatch sinks --enable {sink}`");
                self.store.disable_sink(&sink, &message, now).await
            }
            (_, Some(delay)) => {
                self.report.retried += ids.len() as u64;
                metrics().delivery(&sink, DeliveryKind::Retried, ids.len() as u64);
                tracing::warn!(sink, delivery = %delivery.id, attempt = delivery.attempt, retry_in = ?delay, error = %message, "delivery failed; will retry");
                let due = now + delay.as_millis() as i64;
                let mut result = Ok(());
                for id in ids {
                    result = result.and(self.store.schedule_retry(id, due, &message).await);
                }
                result
            }
            (_, None) => {
                self.report.dead += ids.len() as u64;
                metrics().delivery(&sink, DeliveryKind::Dead, ids.len() as u64);
                tracing::error!(sink, delivery = %delivery.id, attempt = delivery.attempt, error = %message, "delivery failed for good; kept as a dead letter");
                let mut result = Ok(());
                for id in ids {
                    result = result.and(self.store.mark_dead(id, now, &message).await);
                }
                result
            }
        };
        if let Err(store_error) = recorded {
            tracing::error!(sink, delivery = %delivery.id, error = %store_error, "cannot record the failure");
            return true;
        }
        stop
    }

    /// Waits as long as `max_per_minute` requires before the next send.
    async fn pace(&mut self) {
        let delay = self.pace.delay(Instant::now());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.pace.record(Instant::now());
    }
}

fn until(at_ms: i64, now_ms: i64) -> Duration {
    Duration::from_millis((at_ms - now_ms).max(0) as u64)
}

/// How long ago the delivery `delivery_id` was queued, as of `now_ms`: the
/// id is a time-ordered UUID made as the delivery was queued (`None` for
/// an id that is not one).
fn queued_for(delivery_id: &str, now_ms: i64) -> Option<Duration> {
    let (seconds, nanos) = uuid::Uuid::parse_str(delivery_id)
        .ok()?
        .get_timestamp()?
        .to_unix();
    let queued_ms = i64::try_from(seconds).ok()?.checked_mul(1000)? + i64::from(nanos / 1_000_000);
    Some(until(now_ms, queued_ms))
}

/// Adds up to 10 % random delay, so retries of many deliveries spread out.
fn with_jitter(delay: Duration) -> Duration {
    delay.mul_f64(1.0 + fastrand::f64() * 0.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_slides() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut limit = RateLimit::new(Some(2), Duration::from_secs(60));
        assert_eq!(limit.delay(at(0)), Duration::ZERO);
        limit.record(at(0));
        assert_eq!(limit.delay(at(10)), Duration::ZERO);
        limit.record(at(10));
        // The third send waits until the first one is a minute old.
        assert_eq!(limit.delay(at(20)), Duration::from_secs(40));
        limit.record(at(60));
        assert_eq!(limit.delay(at(61)), Duration::from_secs(9));
        let mut unlimited = RateLimit::new(None, Duration::from_secs(60));
        for second in 0..100 {
            assert_eq!(unlimited.delay(at(second)), Duration::ZERO);
            unlimited.record(at(second));
        }
    }

    #[test]
    fn a_delivery_id_says_when_it_was_queued() {
        let id = uuid::Uuid::now_v7().to_string();
        let waited = queued_for(&id, now_ms() + 90_000).expect("a v7 id");
        assert!(
            (Duration::from_secs(89)..=Duration::from_secs(91)).contains(&waited),
            "{waited:?}"
        );
        assert_eq!(queued_for(&id, 0), Some(Duration::ZERO), "never negative");
        assert_eq!(queued_for("not-a-uuid", now_ms()), None);
        // A random (version 4) UUID carries no time.
        assert_eq!(
            queued_for("0f8fad5b-d9cb-469f-a165-70867728950e", now_ms()),
            None
        );
    }
}
