//! The daemon: polls on its interval, alerts once, keeps polling with
//! conditional GETs, and stops cleanly on SIGTERM.

use crate::support;

use std::process::Stdio;
use std::time::Duration;

use crate::support::{TestServer, read_json_lines, wait_until, write_test_config};

#[test]
fn the_daemon_polls_on_schedule_and_stops_on_sigterm() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.serve_fixture("/feed.json", "feed.json", "application/feed+json");
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    // The JSON feed runs on a cron schedule, every second.
    let tail = format!(
        "[[feed]]\nurl = {:?}\nschedule = \"* * * * * *\"\n\n[[sink]]\ntype = \"file\"\npath = {alerts:?}\n",
        server.url("/feed.json"),
    );
    let config_path = write_test_config(
        dir.path(),
        "interval = \"1s\"\nstartup_spread = \"0s\"\nbacklog = \"all\"",
        &[server.url("/rss2.xml")],
        &tail,
    );

    let log_path = dir.path().join("daemon.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = support::Daemon::run(&config_path, log);

    // Two matching items in rss2.xml, one in feed.json (cron, every second).
    wait_until(Duration::from_secs(20), "three alerts", || {
        read_json_lines(&alerts).len() >= 3
    });
    // Both feeds are polled again, conditionally, and alert nothing new.
    wait_until(Duration::from_secs(20), "repeat polls answered 304", || {
        ["/rss2.xml", "/feed.json"].iter().all(|path| {
            server
                .requests(path)
                .iter()
                .filter(|r| r.status == 304)
                .count()
                >= 2
        })
    });
    assert_eq!(read_json_lines(&alerts).len(), 3);

    let status = support::signal_and_wait(&mut child, "TERM");
    let stderr = std::fs::read_to_string(&log_path).expect("log");
    assert!(status.success(), "exit {status:?}\n{stderr}");
    assert!(stderr.contains("shutdown requested"), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
}

#[test]
fn a_restart_keeps_a_feeds_backoff() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.script(
        "/busy",
        vec![],
        support::Reply::status(429).header("retry-after", "3600"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let feeds = [server.url("/rss2.xml"), server.url("/busy")];
    let config_path = write_test_config(
        dir.path(),
        "interval = \"1s\"\nstartup_spread = \"0s\"",
        &feeds,
        "",
    );
    // One poll: /busy asks for an hour's pause.
    let output = support::newswatch(&["once", "--config", &config_path]);
    assert_eq!(
        output.status.code(),
        Some(75),
        "a feed failed: {}",
        support::describe(&output)
    );
    assert_eq!(server.requests("/busy").len(), 1);

    // The daemon starts, polls the other feed again and again, and leaves
    // /busy alone: its stored due time is an hour away.
    let mut child = support::Daemon::run(&config_path, Stdio::null());
    wait_until(
        Duration::from_secs(20),
        "three more polls of the healthy feed",
        || server.requests("/rss2.xml").len() >= 4,
    );
    let status = support::signal_and_wait(&mut child, "TERM");
    assert!(status.success());
    assert_eq!(
        server.requests("/busy").len(),
        1,
        "the backoff survived the restart"
    );
}

#[test]
fn sighup_reopens_the_alert_file_for_log_rotation() {
    let server = TestServer::start();
    server.serve_feed(
        "/feed.xml",
        support::bulletin_feed(2),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let rotated = dir.path().join("alerts.jsonl.1");
    let sink = format!("[[sink]]\ntype = \"file\"\npath = {alerts:?}\n");
    let config_path = write_test_config(
        dir.path(),
        "interval = \"1s\"\nstartup_spread = \"0s\"\nbacklog = \"all\"",
        &[server.url("/feed.xml")],
        &sink,
    );
    let log_path = dir.path().join("daemon.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let mut child = support::Daemon::run(&config_path, log);
    wait_until(Duration::from_secs(20), "two alerts", || {
        read_json_lines(&alerts).len() == 2
    });

    // logrotate: move the file away, then SIGHUP.
    std::fs::rename(&alerts, &rotated).expect("rotate");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(hup.success());
    wait_until(
        Duration::from_secs(20),
        "the reload (which reopens the file)",
        || std::fs::read_to_string(&log_path).is_ok_and(|l| l.contains("config reloaded")),
    );
    // A new alert lands in a new file at the original path.
    server.serve_feed(
        "/feed.xml",
        support::bulletin_feed(3),
        "application/rss+xml",
    );
    wait_until(
        Duration::from_secs(20),
        "the third alert in a new file",
        || read_json_lines(&alerts).len() == 1,
    );
    assert_eq!(
        read_json_lines(&rotated).len(),
        2,
        "the rotated file keeps what it had"
    );
    assert!(support::signal_and_wait(&mut child, "TERM").success());
}
