//! At-least-once delivery across crashes: a daemon delivering to a webhook
//! receiver is killed with SIGKILL at random points, again and again; after
//! a final clean run every alert has arrived, and every repeat carried the
//! same webhook-id. Also: a receiver that is down (refused, then 500s, then
//! 429 with Retry-After) gets every alert, in detection order, once it
//! recovers.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use crate::support::{
    Reply, TEST_LISTS, TestServer, bulletin_feed, free_port, signal_and_wait, wait_until,
};

const ITEMS: usize = 150;
const KILLS: usize = 24;

fn daemon_config(dir: &Path, feed_url: &str, hook_url: &str, retry: &str) -> String {
    let config = format!(
        "[state]\ndirectory = {:?}\n\n[http]\nlisten = \"\"\n\n[poll]\ninterval = \"1h\"\nstartup_spread = \"0s\"\nbacklog = \"all\"\n\n\
         [daemon]\nshutdown_grace = \"2s\"\n\n[[feed]]\nurl = {feed_url:?}\n{TEST_LISTS}\n\
         [[sink]]\ntype = \"webhook\"\nurl = {hook_url:?}\nretry = {retry}\n",
        dir.join("state")
    );
    let path = dir.join("newswatch.toml");
    std::fs::write(&path, config).expect("config");
    path.to_string_lossy().into_owned()
}

fn start(config: &str, log: &Path) -> support::Daemon {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log");
    support::Daemon::run(config, log)
}

/// For each title received with a 2xx: the webhook-ids it came with.
fn received(server: &TestServer) -> BTreeMap<String, BTreeSet<String>> {
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for call in server.requests("/hook").iter().filter(|c| c.status == 200) {
        let alert: serde_json::Value = serde_json::from_slice(&call.body).expect("JSON");
        let title = alert["title"].as_str().expect("title").to_string();
        seen.entry(title)
            .or_default()
            .insert(call.headers["webhook-id"].clone());
    }
    seen
}

#[test]
fn nothing_is_lost_when_the_daemon_is_killed_again_and_again() {
    let server = TestServer::start();
    server.serve_feed("/feed.xml", bulletin_feed(ITEMS), "application/rss+xml");
    // A receiver slow enough that kills land mid-delivery.
    server.script(
        "/hook",
        vec![],
        Reply::status(200).delay(Duration::from_millis(30)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("daemon.log");
    let config = daemon_config(
        dir.path(),
        &server.url("/feed.xml"),
        &server.url("/hook"),
        "[\"0s\", \"1s\"]",
    );
    let mut rng = fastrand::Rng::with_seed(20261129);
    for _ in 0..KILLS {
        let mut child = start(&config, &log);
        // The kill point: a random moment of the daemon's life.
        std::thread::sleep(Duration::from_millis(rng.u64(50..300)));
        signal_and_wait(&mut child, "KILL");
    }
    let before_final = received(&server).len();
    let mut child = start(&config, &log);
    wait_until(
        Duration::from_secs(60),
        "every alert at the receiver",
        || received(&server).len() == ITEMS,
    );
    assert!(signal_and_wait(&mut child, "TERM").success());

    let seen = received(&server);
    let expected: BTreeSet<String> = (0..ITEMS).map(|n| format!("KFOR bulletin {n}")).collect();
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), expected);
    for (title, ids) in &seen {
        assert_eq!(ids.len(), 1, "{title} arrived under several ids: {ids:?}");
    }
    let accepted = server
        .requests("/hook")
        .iter()
        .filter(|c| c.status == 200)
        .count();
    eprintln!(
        "{KILLS} kills; {before_final} of {ITEMS} alerts had arrived before the final run; \
         {accepted} accepted requests, {} repeats",
        accepted - ITEMS
    );
}

#[test]
fn a_receiver_that_was_down_gets_everything_in_order() {
    let feed = TestServer::start();
    feed.serve_feed("/feed.xml", bulletin_feed(6), "application/rss+xml");
    let port = free_port();
    let hook_url = format!("http://127.0.0.1:{port}/hook");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("daemon.log");
    let retry = "[\"0s\", \"200ms\", \"200ms\", \"200ms\", \"200ms\", \"200ms\", \"200ms\", \"200ms\", \"200ms\", \"200ms\", \"200ms\", \"200ms\"]";
    let config = daemon_config(dir.path(), &feed.url("/feed.xml"), &hook_url, retry);
    let mut child = start(&config, &log);
    // Nothing listens yet: connection refused, retried.
    wait_until(Duration::from_secs(20), "a refused delivery", || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("delivery failed; will retry"))
    });
    let receiver = TestServer::start_on(port);
    receiver.script(
        "/hook",
        vec![
            Reply::status(500),
            Reply::status(500),
            Reply::status(429).header("retry-after", "1"),
        ],
        Reply::status(200),
    );
    wait_until(Duration::from_secs(30), "all six alerts", || {
        receiver
            .requests("/hook")
            .iter()
            .filter(|c| c.status == 200)
            .count()
            >= 6
    });
    assert!(signal_and_wait(&mut child, "TERM").success());

    let calls = receiver.requests("/hook");
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(&statuses[..3], [500, 500, 429], "{statuses:?}");
    let accepted: Vec<String> = calls
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| {
            let alert: serde_json::Value = serde_json::from_slice(&c.body).expect("JSON");
            alert["title"].as_str().expect("title").to_string()
        })
        .collect();
    let expected: Vec<String> = (0..6).map(|n| format!("KFOR bulletin {n}")).collect();
    assert_eq!(accepted, expected, "each once, oldest first");
    // The head waited out the failures under one id.
    assert!(
        calls[..4]
            .iter()
            .all(|c| c.headers["webhook-id"] == calls[0].headers["webhook-id"])
    );
}
