//! Delivery through the outbox: webhook retries keep the same id, failures
//! that will not heal become dead letters, and retries scheduled for later
//! stay pending for the next run.

use crate::support;

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{TestServer, describe, newswatch, write_test_config};
use newswatch::store::{DeliveryState, Store};

/// rss2.xml has two items the test lists match.
const MATCHING: usize = 2;

fn setup(script: &[u16], then: u16, retry: &str) -> (TestServer, tempfile::TempDir, String) {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.hook("/hook", script, then);
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = format!(
        "[[sink]]\ntype = \"webhook\"\nurl = {:?}\nretry = {retry}\n",
        server.url("/hook")
    );
    let path = write_test_config(
        dir.path(),
        "backlog = \"all\"",
        &[server.url("/rss2.xml")],
        &sink,
    );
    (server, dir, path)
}

fn run_once(config: &str) -> String {
    once_exit(config).1
}

/// Runs `once` to its end; its exit code and its stderr.
fn once_exit(config: &str) -> (Option<i32>, String) {
    let output = newswatch(&["once", "--config", config]);
    assert!(
        crate::support::once_finished(&output),
        "{}",
        describe(&output)
    );
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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
    let (code, stderr) = tokio::task::spawn_blocking(move || once_exit(&config))
        .await
        .expect("run");
    assert!(stderr.contains(&format!("{MATCHING} pending")), "{stderr}");
    assert_eq!(code, Some(75), "deliveries stay pending: {stderr}");
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
    let (code, _) = tokio::task::spawn_blocking(move || once_exit(&config_again))
        .await
        .expect("run again");
    assert_eq!(code, Some(0), "all delivered");
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

fn exec_config(dir: &Path, server: &TestServer, command: &str) -> String {
    let sink = format!(
        "[[sink]]\ntype = \"exec\"\ncommand = {command}\ntimeout = \"500ms\"\nretry = [\"0s\"]\n"
    );
    write_test_config(dir, "backlog = \"all\"", &[server.url("/rss2.xml")], &sink)
}

#[tokio::test]
async fn the_exec_sink_pipes_each_alert_to_a_command() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("piped.jsonl");
    let command = format!("[\"sh\", \"-c\", \"cat >> {}\"]", out.display());
    let config = exec_config(dir.path(), &server, &command);
    tokio::task::spawn_blocking(move || run_once(&config))
        .await
        .expect("run");
    let lines = support::read_json_lines(&out);
    assert_eq!(lines.len(), MATCHING);
    assert!(lines.iter().all(|l| l["type"] == "alert"));
}

/// The exec sink's deliveries in `state`, from the state under `dir`.
async fn exec_deliveries(
    dir: &Path,
    state: DeliveryState,
) -> (Store, Vec<newswatch::store::DeliveryRow>) {
    let url = format!(
        "sqlite://{}?mode=rw",
        dir.join("state/newswatch.db").display()
    );
    let store = Store::open(&url).await.expect("store");
    let rows = store
        .list_deliveries(Some("exec"), Some(state), 10)
        .await
        .expect("list");
    (store, rows)
}

#[tokio::test]
async fn the_exec_sink_retries_failures_and_gives_up_on_bad_input() {
    for (script, state, attempts) in [
        ("exit 3", DeliveryState::Dead, 2),
        ("sleep 5", DeliveryState::Dead, 2),
        ("exit 65", DeliveryState::Dead, 1),
    ] {
        let server = TestServer::start();
        server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
        let dir = tempfile::tempdir().expect("tempdir");
        let command = format!("[\"sh\", \"-c\", \"cat > /dev/null; {script}\"]");
        let config = exec_config(dir.path(), &server, &command);
        let stderr = tokio::task::spawn_blocking(move || run_once(&config))
            .await
            .expect("run");
        let (store, rows) = exec_deliveries(dir.path(), state).await;
        assert_eq!(rows.len(), MATCHING, "{script}: {stderr}");
        assert!(
            rows.iter().all(|r| r.attempts == attempts),
            "{script}: {rows:?}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_gone_endpoint_disables_its_sink_until_enabled_again() {
    let (server, _dir, config) = setup(&[], 410, r#"["0s"]"#);
    let first = config.clone();
    let stderr = tokio::task::spawn_blocking(move || run_once(&first))
        .await
        .expect("run");
    assert!(stderr.contains("THE ENDPOINT IS GONE (410)"), "{stderr}");
    assert_eq!(
        server.requests("/hook").len(),
        1,
        "nothing more after the 410"
    );
    let sinks = newswatch(&["sinks", "--config", &config]);
    let listing = String::from_utf8_lossy(&sinks.stdout);
    assert!(
        listing.contains("DISABLED") && listing.contains(&format!("{MATCHING}")),
        "{listing}"
    );

    // Still disabled: the next run sends nothing; nothing is lost either.
    let again = config.clone();
    tokio::task::spawn_blocking(move || run_once(&again))
        .await
        .expect("run");
    assert_eq!(server.requests("/hook").len(), 1);

    server.hook("/hook", &[], 200);
    let enable = newswatch(&["sinks", "--enable", "webhook", "--config", &config]);
    assert!(enable.status.success(), "{}", describe(&enable));
    let last = config.clone();
    tokio::task::spawn_blocking(move || run_once(&last))
        .await
        .expect("run");
    assert_eq!(server.accepted_json("/hook").len(), MATCHING);
}

#[tokio::test]
async fn dead_letters_are_listed_and_redelivered() {
    let (server, _dir, config) = setup(&[], 400, r#"["0s"]"#);
    let first = config.clone();
    tokio::task::spawn_blocking(move || run_once(&first))
        .await
        .expect("run");
    let listed = newswatch(&["alerts", "--state", "dead", "--json", "--config", &config]);
    assert!(listed.status.success(), "{}", describe(&listed));
    let dead: Vec<serde_json::Value> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(dead.len(), MATCHING);
    assert!(dead.iter().all(|d| {
        d["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 400"))
    }));

    server.hook("/hook", &[], 200);
    // One by id, then the rest with --dead.
    let id = dead[0]["delivery_id"].as_str().expect("id").to_string();
    let one = newswatch(&["redeliver", &id, "--config", &config]);
    assert!(one.status.success(), "{}", describe(&one));
    let unknown = newswatch(&["redeliver", "no-such-delivery", "--config", &config]);
    assert_eq!(unknown.status.code(), Some(1));
    let rest = newswatch(&["redeliver", "--dead", "--config", &config]);
    assert!(
        String::from_utf8_lossy(&rest.stdout).contains("requeued 1"),
        "{}",
        describe(&rest)
    );
    let last = config.clone();
    tokio::task::spawn_blocking(move || run_once(&last))
        .await
        .expect("run");
    assert_eq!(server.accepted_json("/hook").len(), MATCHING);
    let done = newswatch(&["alerts", "--state", "done", "--config", &config]);
    assert_eq!(
        String::from_utf8_lossy(&done.stdout).lines().count(),
        MATCHING
    );
}

#[tokio::test]
async fn a_slow_sink_does_not_hold_up_another() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.script(
        "/slow",
        vec![],
        support::Reply::status(200).delay(std::time::Duration::from_secs(2)),
    );
    server.hook("/fast", &[], 200);
    let dir = tempfile::tempdir().expect("tempdir");
    let sinks = format!(
        "[[sink]]\nname = \"slow\"\ntype = \"webhook\"\nurl = {:?}\n\n[[sink]]\nname = \"fast\"\ntype = \"webhook\"\nurl = {:?}\n",
        server.url("/slow"),
        server.url("/fast"),
    );
    let path = write_test_config(
        dir.path(),
        "backlog = \"all\"",
        &[server.url("/rss2.xml")],
        &sinks,
    );
    tokio::task::spawn_blocking(move || run_once(&path))
        .await
        .expect("run");
    let fast = server.requests("/fast");
    let slow = server.requests("/slow");
    assert_eq!((fast.len(), slow.len()), (MATCHING, MATCHING));
    // Every fast delivery was answered before the slow sink's first answer.
    assert!(
        fast.iter().all(|f| f.at < slow[0].at),
        "the fast sink waited for the slow one"
    );
}

#[tokio::test]
async fn the_exec_sink_drains_stderr_and_goes_by_the_exit_status() {
    for (script, state, attempts, says) in [
        // 1 MB of stderr (a pipe holds 64 KiB), then success.
        (
            "head -c 1000000 /dev/zero | tr '\\\\0' x >&2; exit 0",
            DeliveryState::Done,
            1,
            "",
        ),
        // Success, with a background child still holding stderr.
        ("sleep 3 >&2 & exit 0", DeliveryState::Done, 1, ""),
        // A failure whose last words are what the error keeps.
        (
            "head -c 100000 /dev/zero | tr '\\\\0' y >&2; echo ' the last words' >&2; exit 3",
            DeliveryState::Dead,
            2,
            "y the last words",
        ),
    ] {
        let server = TestServer::start();
        server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
        let dir = tempfile::tempdir().expect("tempdir");
        let command = format!("[\"sh\", \"-c\", \"cat > /dev/null; {script}\"]");
        let sink = format!(
            "[[sink]]\ntype = \"exec\"\ncommand = {command}\ntimeout = \"2s\"\nretry = [\"0s\"]\n"
        );
        let config = write_test_config(
            dir.path(),
            "backlog = \"all\"",
            &[server.url("/rss2.xml")],
            &sink,
        );
        let stderr = tokio::task::spawn_blocking(move || run_once(&config))
            .await
            .expect("run");
        let (store, rows) = exec_deliveries(dir.path(), state).await;
        assert_eq!(rows.len(), MATCHING, "{script}: {stderr}");
        for row in &rows {
            assert_eq!(row.attempts, attempts, "{script}: {row:?}");
            if !says.is_empty() {
                let error = row.last_error.as_deref().unwrap_or_default();
                assert!(error.ends_with(says), "{script}: {error}");
                assert!(error.len() < 4_300, "{script}: {} bytes kept", error.len());
            }
        }
        store.close().await;
    }
}
