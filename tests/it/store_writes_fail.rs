//! A disk that fills up under the store: reads still work (SELECT 1
//! answers), but every write fails. /healthz says so with a 503 and the
//! reason, instead of 200. The full disk is a file size limit on the
//! daemon, just past the database's size.

use crate::support;

use std::time::Duration;

use crate::support::{
    Daemon, TestServer, describe, http_get, newswatch, newswatch_command, wait_until,
};

#[test]
fn healthz_turns_503_while_store_writes_fail() {
    let server = TestServer::start();
    server.serve_feed("/feed", support::bulletin_feed(1), "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, port) = support::endpoint_config(
        dir.path(),
        "interval = \"1s\"\nstartup_spread = \"0s\"\nbacklog = \"all\"",
        &[server.url("/feed")],
        "",
    );
    // The state made, then the disk "full" just past it.
    let once = newswatch(&["once", "--config", &config]);
    assert!(once.status.success(), "{}", describe(&once));
    let database = dir.path().join("state/newswatch.db");
    let size = std::fs::metadata(&database).expect("database").len();
    server.serve_feed("/feed", support::bulletin_feed(2000), "application/rss+xml");

    let mut command = newswatch_command(&["run", "--config", &config]);
    support::limit_resource(&mut command, libc::RLIMIT_FSIZE, size + 16 * 1024);
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let _daemon = Daemon::spawn(command, log);
    let mut reason = String::new();
    wait_until(
        Duration::from_secs(60),
        "/healthz 503 naming the failing writes",
        || match http_get(port, "/healthz", Duration::from_secs(2)) {
            Some((503, body)) if body.contains("store writes have failed") => {
                reason = body;
                true
            }
            _ => false,
        },
    );
    let log = std::fs::read_to_string(dir.path().join("daemon.log")).expect("log");
    assert!(log.contains("cannot record the polls"), "{log}");
    assert!(reason.contains("unhealthy"), "{reason}");
}
