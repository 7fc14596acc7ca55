//! The sink worker with a recording sink plugged in, on a real SQLite
//! store: digests per period, a gone endpoint
//! disabling its sink, and order kept behind a failing head.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use newswatch::app::worker::{Worker, WorkerSettings};
use newswatch::model::Message;
use newswatch::sink::{BoxFuture, Delivery, Sink, SinkError};
use newswatch::store::{DeliveryState, FeedState, PollRecord, Store, StoryRules};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::support;

use crate::support::new_alert;

/// What the recording sink saw: (virtual time, message id, kind, alerts carried).
type Log = Arc<Mutex<Vec<(tokio::time::Instant, String, &'static str, usize)>>>;

/// A sink that records every delivery and answers from a script.
struct Recording {
    log: Log,
    answers: Mutex<Vec<Result<(), SinkError>>>,
}

impl Sink for Recording {
    fn name(&self) -> &str {
        "recording"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let carried = match &delivery.message {
                Message::Digest(d) => d.count,
                _ => 1,
            };
            let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
            log.push((
                tokio::time::Instant::now(),
                delivery.message.id().to_string(),
                delivery.message.kind(),
                carried,
            ));
            let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
            if answers.is_empty() {
                Ok(())
            } else {
                answers.remove(0)
            }
        })
    }
}

async fn store_with(dir: &tempfile::TempDir, batches: &[(i64, &[&str])]) -> Store {
    let url = support::test_store_url(dir.path()).await;
    let store = Store::open(&url).await.expect("store");
    for (created_ms, ids) in batches {
        let record = PollRecord {
            state: FeedState {
                feed_id: "https://f.example/rss".into(),
                current_url: "https://f.example/rss".into(),
                ..FeedState::default()
            },
            alerts: ids
                .iter()
                .map(|id| new_alert(id, id, &["recording"]))
                .collect(),
            silent: Vec::new(),
            events: Vec::new(),
            archive: Vec::new(),
            now_ms: *created_ms,
            rules: StoryRules::default(),
        };
        store.record_poll(&record).await.expect("record");
    }
    store
}

async fn run_worker(
    store: &Store,
    settings: WorkerSettings,
    answers: Vec<Result<(), SinkError>>,
) -> Log {
    let log: Log = Arc::default();
    let sink = Arc::new(Recording {
        log: Arc::clone(&log),
        answers: Mutex::new(answers),
    });
    let worker = Worker::new(sink, store.clone(), Arc::new(Notify::new()), settings);
    let drain = CancellationToken::new();
    drain.cancel();
    worker.run(drain).await;
    log
}

fn settings() -> WorkerSettings {
    WorkerSettings {
        retry_schedule: vec![Duration::ZERO],
        ..WorkerSettings::default()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn a_digest_carries_one_periods_alerts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hour = 3_600_000;
    // Two finished quarter-hours (aligned to the period), three and two alerts.
    let first = (now_ms() - 2 * hour) / 900_000 * 900_000 + 1_000;
    let store = store_with(
        &dir,
        &[
            (first, &["a1", "a2"]),
            (first + 60_000, &["a3"]),
            (first + hour, &["a4", "a5"]),
        ],
    )
    .await;
    let log = run_worker(
        &store,
        WorkerSettings {
            digest: Some(Duration::from_secs(900)),
            ..settings()
        },
        Vec::new(),
    )
    .await;
    let seen = log.lock().expect("log").clone();
    let digests: Vec<(&str, usize)> = seen.iter().map(|(_, _, kind, n)| (*kind, *n)).collect();
    assert_eq!(digests, [("digest", 3), ("digest", 2)]);
    assert_ne!(seen[0].1, seen[1].1, "each period has its own id");
    assert_eq!(
        store
            .count_deliveries(Some("recording"), DeliveryState::Done)
            .await
            .expect("count"),
        5
    );
}

#[tokio::test]
async fn a_digest_waits_for_its_period_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with(&dir, &[(now_ms(), &["a1"])]).await;
    let log = run_worker(
        &store,
        WorkerSettings {
            digest: Some(Duration::from_secs(3600)),
            ..settings()
        },
        Vec::new(),
    )
    .await;
    assert!(
        log.lock().expect("log").is_empty(),
        "the hour has not ended"
    );
    assert_eq!(
        store
            .count_deliveries(Some("recording"), DeliveryState::Pending)
            .await
            .expect("count"),
        1
    );
}

#[tokio::test]
async fn a_gone_endpoint_disables_the_sink_and_keeps_its_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with(&dir, &[(now_ms(), &["a1", "a2"])]).await;
    let gone = Err(SinkError::Gone {
        message: "POST https://hooks.example/x: HTTP 410".into(),
    });
    let log = run_worker(&store, settings(), vec![gone]).await;
    assert_eq!(
        log.lock().expect("log").len(),
        1,
        "nothing more is tried once it is gone"
    );
    assert!(
        store
            .sink_disabled("recording")
            .await
            .expect("state")
            .is_some_and(|r| r.contains("410"))
    );
    assert_eq!(
        store
            .count_deliveries(Some("recording"), DeliveryState::Pending)
            .await
            .expect("count"),
        2
    );
    // Enabled again, the queue goes out in order.
    assert!(store.enable_sink("recording").await.expect("enable"));
    let log = run_worker(&store, settings(), Vec::new()).await;
    let ids: Vec<String> = log
        .lock()
        .expect("log")
        .iter()
        .map(|(_, id, ..)| id.clone())
        .collect();
    assert_eq!(ids, ["a1", "a2"]);
}

#[tokio::test]
async fn a_permanent_failure_is_dead_and_the_queue_moves_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with(&dir, &[(now_ms(), &["a1", "a2"])]).await;
    let rejected = Err(SinkError::Permanent {
        message: "HTTP 400".into(),
    });
    let log = run_worker(&store, settings(), vec![rejected]).await;
    assert_eq!(log.lock().expect("log").len(), 2);
    assert_eq!(
        store
            .count_deliveries(Some("recording"), DeliveryState::Dead)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        store
            .count_deliveries(Some("recording"), DeliveryState::Done)
            .await
            .expect("count"),
        1
    );
}
