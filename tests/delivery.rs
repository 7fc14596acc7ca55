//! Delivery through the outbox: webhook retries keep the same id, failures
//! that will not heal become dead letters, and retries scheduled for later
//! stay pending for the next run.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use newswatch::store::{DeliveryState, Store};
use support::{TEST_LISTS, TestServer, describe, newswatch};

/// rss2.xml has two items the test lists match.
const MATCHING: usize = 2;

fn setup(script: &[u16], then: u16, retry: &str) -> (TestServer, tempfile::TempDir, String) {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.hook("/hook", script, then);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = format!(
        "[state]\ndirectory = {:?}\n\n[poll]\nbacklog = \"all\"\n\n[[feed]]\nurl = {:?}\n{TEST_LISTS}\n\
         [[sink]]\ntype = \"webhook\"\nurl = {:?}\nretry = {retry}\n",
        dir.path().join("state"),
        server.url("/rss2.xml"),
        server.url("/hook"),
    );
    let path = dir.path().join("newswatch.toml");
    std::fs::write(&path, config).expect("config");
    let path = path.to_string_lossy().into_owned();
    (server, dir, path)
}

fn run_once(config: &str) -> String {
    let output = newswatch(&["once", "--config", config]);
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn count(dir: &Path, state: DeliveryState) -> i64 {
    let url = format!(
        "sqlite://{}?mode=rw",
        dir.join("state/newswatch.db").display()
    );
    let store = Store::open(&url).await.expect("open store");
    let n = store
        .count_deliveries(Some("webhook"), state)
        .await
        .expect("count");
    store.close().await;
    n
}

#[tokio::test]
async fn server_errors_are_retried_with_the_same_webhook_id() {
    let (server, dir, config) = setup(&[500, 503], 200, r#"["0s", "0s", "0s"]"#);
    tokio::task::spawn_blocking(move || run_once(&config))
        .await
        .expect("run");
    let calls = server.requests("/hook");
    // The first alert fails twice, then both go through, in order.
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![500, 503, 200, 200]
    );
    assert_eq!(
        calls[0].headers["webhook-id"],
        calls[1].headers["webhook-id"]
    );
    assert_eq!(
        calls[1].headers["webhook-id"],
        calls[2].headers["webhook-id"]
    );
    assert_ne!(
        calls[2].headers["webhook-id"],
        calls[3].headers["webhook-id"]
    );
    assert_eq!(
        count(dir.path(), DeliveryState::Done).await,
        MATCHING as i64
    );
    assert_eq!(count(dir.path(), DeliveryState::Pending).await, 0);
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_becomes_a_dead_letter() {
    let (server, dir, config) = setup(&[], 500, r#"["0s"]"#);
    let stderr = tokio::task::spawn_blocking(move || run_once(&config))
        .await
        .expect("run");
    assert!(stderr.contains("dead letter"), "{stderr}");
    // Each alert: the first attempt and one retry.
    assert_eq!(server.requests("/hook").len(), 2 * MATCHING);
    assert_eq!(
        count(dir.path(), DeliveryState::Dead).await,
        MATCHING as i64
    );
    assert_eq!(count(dir.path(), DeliveryState::Pending).await, 0);
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let (server, dir, config) = setup(&[], 400, r#"["0s", "0s"]"#);
    tokio::task::spawn_blocking(move || run_once(&config))
        .await
        .expect("run");
    assert_eq!(server.requests("/hook").len(), MATCHING, "one attempt each");
    assert_eq!(
        count(dir.path(), DeliveryState::Dead).await,
        MATCHING as i64
    );
}

#[tokio::test]
async fn a_retry_due_later_waits_for_the_next_run_and_is_then_delivered() {
    let (server, dir, config) = setup(&[503], 200, r#"["0s", "1h"]"#);
    // Immediate retry (0s) also fails, so the head waits an hour: nothing
    // behind it overtakes it.
    server.hook("/hook", &[503, 503], 200);
    let config_again = config.clone();
    let stderr = tokio::task::spawn_blocking(move || run_once(&config))
        .await
        .expect("run");
    assert!(stderr.contains(&format!("{MATCHING} pending")), "{stderr}");
    assert_eq!(server.requests("/hook").len(), 2);
    assert_eq!(
        count(dir.path(), DeliveryState::Pending).await,
        MATCHING as i64
    );

    // Make the retry due now, as if the hour had passed; the next run
    // delivers both, in detection order, with the original ids.
    let url = format!(
        "sqlite://{}?mode=rw",
        dir.path().join("state/newswatch.db").display()
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("open");
    sqlx::query("UPDATE deliveries SET due_at = 0")
        .execute(&pool)
        .await
        .expect("reschedule");
    pool.close().await;
    tokio::task::spawn_blocking(move || run_once(&config_again))
        .await
        .expect("run");
    let calls = server.requests("/hook");
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[2].status, 200);
    assert_eq!(
        calls[2].headers["webhook-id"],
        calls[0].headers["webhook-id"]
    );
    let ids: BTreeSet<&str> = calls
        .iter()
        .map(|c| c.headers["webhook-id"].as_str())
        .collect();
    assert_eq!(ids.len(), MATCHING);
    assert_eq!(
        count(dir.path(), DeliveryState::Done).await,
        MATCHING as i64
    );
}
