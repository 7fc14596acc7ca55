//! The daemon as systemd and Prometheus see it: the notify sequence on a
//! datagram socket playing systemd's part, live reload (valid and invalid
//! configs), and the metrics and health endpoint scraped over HTTP.

use crate::support;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::support::{
    TEST_LISTS, TestServer, free_port, newswatch_command, read_json_lines, signal_and_wait,
    wait_until,
};

/// A config with the endpoint on `port`, every feed polled each second,
/// `lists`, and a file sink at `dir/alerts.jsonl`.
fn write_config(dir: &Path, port: u16, feeds: &[String], lists: &str) -> String {
    support::write_config_file(
        dir,
        &format!("127.0.0.1:{port}"),
        "interval = \"1s\"\nstartup_spread = \"0s\"\nbacklog = \"all\"",
        feeds,
        lists,
        &format!(
            "[[sink]]\ntype = \"file\"\npath = {:?}\n",
            dir.join("alerts.jsonl")
        ),
    )
}

fn start(config: &str, log: &Path, notify_socket: Option<&Path>) -> support::Daemon {
    start_with(config, log, notify_socket, &[])
}

fn start_with(
    config: &str,
    log: &Path,
    notify_socket: Option<&Path>,
    env: &[(&str, &str)],
) -> support::Daemon {
    let log = std::fs::File::create(log).expect("log");
    let mut command = newswatch_command(&["run", "--config", config]);
    command.envs(env.iter().copied());
    if let Some(socket) = notify_socket {
        command
            .env("NOTIFY_SOCKET", socket)
            .env("WATCHDOG_USEC", "400000");
    }
    support::Daemon::spawn(command, log)
}

/// Blocking GET on loopback: status and body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    support::http_get(port, path, Duration::from_secs(5))
}

/// A datagram socket in `dir` playing systemd's notify socket: its path
/// and the socket, reads waiting 200 ms at most.
fn notify_listener(dir: &Path) -> (std::path::PathBuf, UnixDatagram) {
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    (path, socket)
}

/// Receives notify messages until one starts with `prefix`.
fn expect_message(socket: &UnixDatagram, prefix: &str, seen: &mut Vec<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        if let Ok(length) = socket.recv(&mut buffer) {
            let message = String::from_utf8_lossy(&buffer[..length]).into_owned();
            seen.push(message.clone());
            if message.starts_with(prefix) {
                return message;
            }
        }
    }
    panic!("no {prefix} message; saw {seen:?}");
}

#[test]
fn systemd_sees_ready_watchdog_reloading_and_stopping() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let (socket_path, socket) = notify_listener(dir.path());
    let config = write_config(
        dir.path(),
        free_port(),
        &[server.url("/rss2.xml")],
        TEST_LISTS,
    );
    let mut child = start(&config, &dir.path().join("daemon.log"), Some(&socket_path));
    let mut seen = Vec::new();

    let ready = expect_message(&socket, "READY=1", &mut seen);
    assert!(
        ready.contains("\nSTATUS=") && ready.contains("1 feeds"),
        "{ready}"
    );
    expect_message(&socket, "WATCHDOG=1", &mut seen);

    let hup = std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(hup.success());
    let reloading = expect_message(&socket, "RELOADING=1", &mut seen);
    let usec: u64 = reloading
        .lines()
        .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no MONOTONIC_USEC in {reloading:?}"));
    assert!(usec > 0);
    expect_message(&socket, "READY=1", &mut seen);

    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    expect_message(&socket, "STOPPING=1", &mut seen);
    assert!(support::wait_for_exit(&mut child).success());
}

#[test]
fn sighup_applies_a_valid_config_and_refuses_a_broken_one() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.serve_fixture("/atom.xml", "atom.xml", "application/atom+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("daemon.log");
    let port = free_port();
    let kfor_only = "[[watch]]\nname = \"kfor\"\nterms = [\"KFOR\"]\n";
    let config = write_config(dir.path(), port, &[server.url("/rss2.xml")], kfor_only);
    let mut child = start(&config, &log, None);
    let alerts = dir.path().join("alerts.jsonl");
    wait_until(Duration::from_secs(20), "the KFOR alerts", || {
        read_json_lines(&alerts).len() == 2
    });

    // A new feed and new lists: applied without a restart.
    write_config(
        dir.path(),
        port,
        &[server.url("/rss2.xml"), server.url("/atom.xml")],
        TEST_LISTS,
    );
    let hup = |child: &Child| {
        let sent = std::process::Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
    };
    hup(&child);
    wait_until(
        Duration::from_secs(20),
        "alerts from the added feed",
        || {
            read_json_lines(&alerts).iter().any(|a| {
                a["title"] == "Barricades go up at border crossings as Kosovo Serbs protest"
            })
        },
    );
    // The items alerted before stay alerted: rss2.xml's KFOR items are not repeated.
    let titles: Vec<String> = read_json_lines(&alerts)
        .iter()
        .map(|a| a["title"].to_string())
        .collect();
    let kfor_repeats = titles
        .iter()
        .filter(|t| t.contains("KFOR says it will act"))
        .count();
    assert_eq!(kfor_repeats, 1, "{titles:#?}");

    // A broken config is refused with its position; the daemon goes on.
    std::fs::write(&config, "[[feed]]\nurl = \"not a url\"\n").expect("break config");
    hup(&child);
    wait_until(Duration::from_secs(20), "the refusal in the log", || {
        std::fs::read_to_string(&log)
            .is_ok_and(|l| l.contains("config reload refused") && l.contains("newswatch.toml:2:7:"))
    });
    let polls_before = server.requests("/atom.xml").len();
    wait_until(
        Duration::from_secs(20),
        "polls going on with the old config",
        || server.requests("/atom.xml").len() > polls_before + 1,
    );
    assert_eq!(get(port, "/healthz").map(|(status, _)| status), Some(200));
    assert!(signal_and_wait(&mut child, "TERM").success());
}

#[test]
fn metrics_and_health_can_be_scraped() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.script("/broken", vec![], support::Reply::status(500));
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_config(
        dir.path(),
        port,
        &[server.url("/rss2.xml"), server.url("/broken")],
        TEST_LISTS,
    );
    let mut child = start(&config, &dir.path().join("daemon.log"), None);
    wait_until(Duration::from_secs(20), "/healthz answering 200", || {
        get(port, "/healthz").is_some_and(|(status, _)| status == 200)
    });
    // The assertions below read the very scrape that met the wait: the
    // feeds are polled every second, so a later scrape could catch a poll
    // in between (one connection reset makes the good feed "failing").
    // The wait includes the deliveries: the pending gauge reads 0 before
    // the worker has seen the outbox, so it alone does not mean delivered.
    let mut scraped = None;
    wait_until(
        Duration::from_secs(20),
        "alerts counted and delivered",
        || {
            scraped = get(port, "/metrics").filter(|(_, body)| {
                body.contains("newswatch_alerts_total{list=\"kfor\"} 2")
                    && body.contains("newswatch_deliveries_pending{sink=\"file\"} 0")
                    && body.contains(
                        "newswatch_deliveries_total{sink=\"file\",outcome=\"delivered\"} 2",
                    )
                    && body.contains("newswatch_feeds{health=\"failing\"} 1")
                    && body.contains("newswatch_feeds{health=\"ok\"} 1")
            });
            scraped.is_some()
        },
    );
    let (status, metrics) = scraped.expect("metrics");
    assert_eq!(status, 200);
    for expected in [
        "# TYPE newswatch_polls_total counter",
        "newswatch_polls_total{outcome=\"fetched\"}",
        "newswatch_polls_total{outcome=\"failed\"}",
        "newswatch_items_parsed_total 4",
        "newswatch_deliveries_total{sink=\"file\",outcome=\"delivered\"}",
        "newswatch_deliveries_pending{sink=\"file\"} 0",
        "newswatch_deliveries_dead{sink=\"file\"} 0",
        "newswatch_feeds{health=\"ok\"} 1",
        "newswatch_feeds{health=\"failing\"} 1",
        "newswatch_fetch_duration_seconds_bucket{le=\"+Inf\"}",
        "newswatch_heartbeat_age_seconds",
    ] {
        assert!(metrics.contains(expected), "missing {expected}:\n{metrics}");
    }
    assert!(!metrics.contains(&server.url("")), "no per-feed labels");
    let (status, health) = get(port, "/healthz").expect("healthz");
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&health).expect("JSON");
    assert_eq!(health["status"], "ok");
    assert_eq!(get(port, "/nothing").map(|(status, _)| status), Some(404));
    assert!(signal_and_wait(&mut child, "TERM").success());
}

fn once_stderr(dir: &Path, extra: &str, env: &[(&str, &str)]) -> String {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let config = format!(
        "[state]\ndirectory = {:?}\n{extra}\n[poll]\nbacklog = \"all\"\n\n[[feed]]\nurl = {:?}\n{TEST_LISTS}",
        dir.join("state"),
        server.url("/rss2.xml")
    );
    let path = dir.join("newswatch.toml");
    std::fs::write(&path, config).expect("config");
    let mut command = newswatch_command(&["once", "--config", &path.to_string_lossy()]);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run");
    assert!(output.status.success(), "{}", support::describe(&output));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn logs_are_json_lines_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stderr = once_stderr(dir.path(), "[daemon]\nlog_format = \"json\"\n", &[]);
    let logged: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a JSON log line"))
        .collect();
    assert!(
        logged.iter().any(|l| l["fields"]["message"] == "alert"),
        "{stderr}"
    );
    assert!(
        logged
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string())
    );
}

#[test]
fn under_journald_lines_carry_no_timestamp_or_colour() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stderr = once_stderr(dir.path(), "", &[("JOURNAL_STREAM", "8:12345")]);
    let alert_line = stderr
        .lines()
        .find(|l| l.contains(" alert "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        alert_line.starts_with(" INFO") || alert_line.starts_with("INFO"),
        "{alert_line}"
    );
    assert!(!stderr.contains('\u{1b}'), "no colour codes");
}

/// Every notify message waiting on the socket, without blocking.
fn drain(socket: &UnixDatagram) -> Vec<String> {
    socket.set_nonblocking(true).expect("nonblocking");
    let mut buffer = [0u8; 4096];
    let mut messages = Vec::new();
    while let Ok(length) = socket.recv(&mut buffer) {
        messages.push(String::from_utf8_lossy(&buffer[..length]).into_owned());
    }
    socket.set_nonblocking(false).expect("blocking");
    messages
}

/// How often `needle` occurs in the daemon's log so far.
fn log_count(log: &Path, needle: &str) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches(needle)
        .count()
}

#[test]
fn a_pipeline_stuck_in_a_store_write_stops_the_watchdog_and_fails_healthz() {
    const STALE: &str = "not pinging the watchdog";
    const WRITE_FAILED: &str = "cannot record the polls";
    let server = TestServer::start();
    server.serve_feed(
        "/feed.xml",
        support::bulletin_feed(1),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (socket_path, socket) = notify_listener(dir.path());
    let port = free_port();
    let lists = format!("{TEST_LISTS}\n[daemon]\nstuck_after = \"2s\"\n");
    let config = write_config(dir.path(), port, &[server.url("/feed.xml")], &lists);
    let log = dir.path().join("daemon.log");
    let mut child = start(&config, &log, Some(&socket_path));
    let mut seen = Vec::new();
    expect_message(&socket, "WATCHDOG=1", &mut seen);
    let alerts = dir.path().join("alerts.jsonl");
    wait_until(Duration::from_secs(20), "the first alert", || {
        read_json_lines(&alerts).len() == 1
    });

    // Another process holds the database's write lock: every poll (once a
    // second) now waits in its store write, up to SQLite's busy timeout.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let database = format!(
        "sqlite://{}",
        dir.path().join("state/newswatch.db").display()
    );
    sqlx::any::install_default_drivers();
    let mut locker = runtime.block_on(async {
        use sqlx::Connection;
        let mut connection = sqlx::AnyConnection::connect(&database)
            .await
            .expect("open the daemon's database");
        sqlx::raw_sql("BEGIN EXCLUSIVE")
            .execute(&mut connection)
            .await
            .expect("take the write lock");
        connection
    });
    server.serve_feed(
        "/feed.xml",
        support::bulletin_feed(2),
        "application/rss+xml",
    );

    wait_until(Duration::from_secs(30), "/healthz answering 503", || {
        get(port, "/healthz")
            .is_some_and(|(status, body)| status == 503 && body.contains("stuck_after is 2s"))
    });
    // Between two refusals to ping, with the write still blocked (no failed
    // write logged in between), no WATCHDOG=1 reaches systemd. A ping sent
    // before the first refusal is already on the socket when it is logged.
    let mut proven = false;
    for _ in 0..5 {
        let stale = log_count(&log, STALE);
        wait_until(Duration::from_secs(30), "a refused ping", || {
            drain(&socket);
            log_count(&log, STALE) > stale
        });
        drain(&socket);
        let failed = log_count(&log, WRITE_FAILED);
        let stale = log_count(&log, STALE);
        let mut between = Vec::new();
        wait_until(Duration::from_secs(30), "another refused ping", || {
            between.extend(drain(&socket));
            log_count(&log, STALE) > stale
        });
        between.extend(drain(&socket));
        if log_count(&log, WRITE_FAILED) == failed {
            assert!(
                !between.iter().any(|m| m.starts_with("WATCHDOG=1")),
                "pinged while stuck: {between:?}"
            );
            proven = true;
            break;
        }
    }
    assert!(proven, "the write never stayed blocked between two ticks");

    // The lock goes: pings and health come back, and the item that arrived
    // while the store was locked is alerted, not lost.
    runtime.block_on(async {
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut locker)
            .await
            .expect("release the write lock");
    });
    drop(locker);
    expect_message(&socket, "WATCHDOG=1", &mut seen);
    wait_until(Duration::from_secs(30), "/healthz answering 200", || {
        get(port, "/healthz").is_some_and(|(status, _)| status == 200)
    });
    wait_until(Duration::from_secs(30), "the second alert", || {
        read_json_lines(&alerts).len() == 2
    });
    assert!(signal_and_wait(&mut child, "TERM").success());
}

#[test]
fn a_notify_socket_nobody_reads_does_not_hold_up_the_daemon() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    // Bound, never read: its queue fills with watchdog pings.
    let (socket_path, _socket) = notify_listener(dir.path());
    let config = write_config(
        dir.path(),
        free_port(),
        &[server.url("/rss2.xml")],
        TEST_LISTS,
    );
    let log = dir.path().join("daemon.log");
    let mut child = start_with(
        &config,
        &log,
        Some(&socket_path),
        &[("RUST_LOG", "newswatch=debug")],
    );
    wait_until(Duration::from_secs(30), "a send given up on", || {
        log_count(&log, "cannot notify systemd") > 0
    });
    // STOPPING=1 finds the queue full too, and the daemon still stops.
    assert!(signal_and_wait(&mut child, "TERM").success());
}

#[test]
fn an_idle_daemon_keeps_a_short_watchdog_fed() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let (socket_path, socket) = notify_listener(dir.path());
    let alerts = dir.path().join("alerts.jsonl");
    let config = support::write_test_config(
        dir.path(),
        "interval = \"1h\"\nstartup_spread = \"0s\"\nbacklog = \"all\"",
        &[server.url("/rss2.xml")],
        &format!("[[sink]]\ntype = \"file\"\npath = {alerts:?}\n"),
    );
    let mut child = start(&config, &dir.path().join("daemon.log"), Some(&socket_path));
    wait_until(Duration::from_secs(20), "the one poll's alerts", || {
        read_json_lines(&alerts).len() == 2
    });
    // Nothing is due for an hour; a 0.4 s watchdog is pinged every 0.2 s
    // all the same, never refused: 15 pings cover three seconds of idling.
    let log = dir.path().join("daemon.log");
    let refused = log_count(&log, "not pinging the watchdog");
    drain(&socket);
    let mut seen = Vec::new();
    for _ in 0..15 {
        expect_message(&socket, "WATCHDOG=1", &mut seen);
    }
    assert_eq!(
        log_count(&log, "not pinging the watchdog"),
        refused,
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert!(signal_and_wait(&mut child, "TERM").success());
}
