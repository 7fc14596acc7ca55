//! One daemon per SQLite state: while `run` holds it, `once` (which would
//! deliver the same queue again) refuses, naming the process in the way;
//! the listings open the database read-only and work beside it.

use crate::support;

use std::time::Duration;

use crate::support::{Daemon, TestServer, describe, newswatch, newswatch_command, wait_until};

#[test]
fn a_second_daemon_on_one_state_is_refused_and_listings_still_work() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = support::write_test_config(
        dir.path(),
        "interval = \"1h\"\nstartup_spread = \"0s\"\nbacklog = \"all\"",
        &[server.url("/rss2.xml")],
        &format!(
            "[[sink]]\ntype = \"file\"\npath = {:?}\n",
            dir.path().join("alerts.jsonl")
        ),
    );
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let mut daemon = Daemon::spawn(newswatch_command(&["run", "--config", &config]), log);
    let pid = daemon.0.id();
    let lock = dir.path().join("state/newswatch.db.lock");
    wait_until(
        Duration::from_secs(20),
        "the daemon holding the state",
        || std::fs::read_to_string(&lock).is_ok_and(|held| held.trim() == pid.to_string()),
    );

    let once = newswatch(&["once", "--config", &config]);
    assert_eq!(once.status.code(), Some(1), "{}", describe(&once));
    let said = String::from_utf8_lossy(&once.stderr);
    assert!(said.contains(&format!("in use by process {pid}")), "{said}");

    wait_until(Duration::from_secs(20), "the first poll recorded", || {
        let feeds = newswatch(&["feeds", "--json", "--config", &config]);
        feeds.status.success()
            && String::from_utf8_lossy(&feeds.stdout).contains("\"last_status\":\"200\"")
    });
    for listing in ["alerts", "sinks"] {
        let output = newswatch(&[listing, "--config", &config]);
        assert!(output.status.success(), "{listing}: {}", describe(&output));
    }
    let redeliver = newswatch(&["redeliver", "--dead", "--config", &config]);
    assert!(
        redeliver.status.success(),
        "edits work beside the daemon: {}",
        describe(&redeliver)
    );

    assert!(support::signal_and_wait(&mut daemon.0, "TERM").success());
    let once = newswatch(&["once", "--config", &config]);
    assert!(
        once.status.success(),
        "free once the daemon is gone: {}",
        describe(&once)
    );
}
