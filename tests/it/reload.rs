//! The daemon driven in-process, as the CLI drives it: a reload brings a
//! new config's feeds into the running daemon, a refused one (a file that
//! could not be read) leaves the running config polling, and shutdown
//! returns the totals. No binary, no signals.

use std::path::Path;
use std::time::Duration;

use newswatch::app::daemon::{self, Reload};
use newswatch::config::Config;
use newswatch::store::Access;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::support::{TestServer, read_json_lines, write_test_config};

/// Waits, without blocking the runtime, until `condition` holds.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_takes_the_new_feeds_and_a_refused_one_changes_nothing() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.serve_fixture("/atom.xml", "atom.xml", "application/atom+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let sink = format!("[[sink]]\ntype = \"file\"\npath = {alerts:?}\n");
    let poll = "interval = \"1s\"\nstartup_spread = \"0s\"\nbacklog = \"all\"";
    let path = write_test_config(dir.path(), poll, &[server.url("/rss2.xml")], &sink);
    let config = Config::load(Path::new(&path)).expect("config");
    let store = newswatch::app::open_store(&config, Access::Daemon)
        .await
        .expect("store");
    let shutdown = CancellationToken::new();
    let (reloads, received) = mpsc::channel::<Reload>(1);
    let daemon = tokio::spawn(daemon::run(
        config,
        store.clone(),
        shutdown.clone(),
        received,
    ));

    eventually("the first config's alerts", || {
        !read_json_lines(&alerts).is_empty()
    })
    .await;
    assert!(
        server.requests("/atom.xml").is_empty(),
        "not configured yet"
    );

    // A config that could not be read is refused; the running one goes on.
    reloads
        .send(Err(anyhow::anyhow!("newswatch.toml:2:7: not a url")))
        .await
        .expect("send");
    let polls_before = server.requests("/rss2.xml").len();
    eventually("polls going on with the old config", || {
        server.requests("/rss2.xml").len() > polls_before + 1
    })
    .await;
    assert!(server.requests("/atom.xml").is_empty(), "nothing reloaded");

    // A valid one is taken: its new feed is polled.
    let path = write_test_config(
        dir.path(),
        poll,
        &[server.url("/rss2.xml"), server.url("/atom.xml")],
        &sink,
    );
    let new = Config::load(Path::new(&path)).expect("new config");
    reloads.send(Ok(new)).await.expect("send");
    eventually("the reloaded config's new feed", || {
        !server.requests("/atom.xml").is_empty()
    })
    .await;

    shutdown.cancel();
    let report = daemon.await.expect("join").expect("the daemon's report");
    assert!(report.pipeline.fetched >= 2, "{report:?}");
    assert_eq!(report.pipeline.failed, 0, "{report:?}");
    assert!(report.pipeline.alerts >= 1, "{report:?}");
    assert_eq!(report.pending, 0, "{report:?}");
    store.close().await;
}
