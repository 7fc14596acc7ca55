//! Polling rules against a scripted HTTP server, through `newswatch once`:
//! Retry-After, max-age and <ttl> as floors, redirects, 410, backoff,
//! health events, the first-poll backlog, max_items and the per-host limit.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::{Reply, TEST_LISTS, TestServer, describe, newswatch, read_json_lines};
use chrono::Utc;
use newswatch::store::{FeedState, Store};

/// A test's server, directory and config.
struct Setup {
    server: TestServer,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            server: TestServer::start(),
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Writes a config with these feed paths, extra `[poll]` lines and sinks.
    fn config(&self, feeds: &[&str], poll: &str, sinks: &str) -> String {
        let mut text = format!(
            "[state]\ndirectory = {:?}\n\n[poll]\ninterval = \"1m\"\njitter = 0.0\n{poll}\n",
            self.dir.path().join("state")
        );
        for path in feeds {
            text.push_str(&format!("[[feed]]\nurl = {:?}\n\n", self.server.url(path)));
        }
        text.push_str(TEST_LISTS);
        text.push_str(sinks);
        let path = self.dir.path().join("newswatch.toml");
        std::fs::write(&path, text).expect("write config");
        path.to_string_lossy().into_owned()
    }

    fn alerts_file(&self) -> PathBuf {
        self.dir.path().join("alerts.jsonl")
    }

    fn file_sink(&self) -> String {
        format!(
            "\n[[sink]]\ntype = \"file\"\npath = {:?}\n",
            self.alerts_file()
        )
    }

    fn once(&self, config: &str) -> String {
        let output = newswatch(&["once", "--config", config]);
        assert!(
            crate::support::once_finished(&output),
            "{}",
            describe(&output)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    async fn state(&self, path: &str) -> FeedState {
        let url = format!(
            "sqlite://{}?mode=rw",
            self.dir.path().join("state/newswatch.db").display()
        );
        let store = Store::open(&url).await.expect("open store");
        let state = store
            .feed_state(&self.server.url(path))
            .await
            .expect("read state")
            .expect("feed has state");
        store.close().await;
        state
    }
}

/// Runs a blocking `once` from an async test.
async fn once(setup: &std::sync::Arc<Setup>, config: &str) -> String {
    let setup = std::sync::Arc::clone(setup);
    let config = config.to_string();
    tokio::task::spawn_blocking(move || setup.once(&config))
        .await
        .expect("once")
}

fn rss(items: &[(&str, &str, Option<chrono::DateTime<Utc>>)], extra: &str) -> Vec<u8> {
    let mut text =
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>{extra}");
    for (guid, title, date) in items {
        text.push_str(&format!(
            "<item><title>{title}</title><guid isPermaLink=\"false\">{guid}</guid>"
        ));
        if let Some(date) = date {
            text.push_str(&format!("<pubDate>{}</pubDate>", date.to_rfc2822()));
        }
        text.push_str("</item>");
    }
    text.push_str("</channel></rss>");
    text.into_bytes()
}

fn feed_reply(body: Vec<u8>) -> Reply {
    Reply::status(200)
        .header("content-type", "application/rss+xml")
        .body(body)
}

fn one_item() -> Vec<u8> {
    rss(&[("g1", "KFOR patrols in Kosovo", Some(Utc::now()))], "")
}

/// Seconds from now until a stored due time.
fn due_in(state: &FeedState) -> i64 {
    (state.next_due_at.expect("a due time") - Utc::now().timestamp_millis()) / 1000
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_a_date_postpones_the_next_poll() {
    let setup = std::sync::Arc::new(Setup::new());
    setup.server.script(
        "/busy",
        vec![],
        Reply::status(429).header("retry-after", "600"),
    );
    let date = (Utc::now() + chrono::Duration::seconds(900))
        .to_rfc2822()
        .replace("+0000", "GMT");
    setup.server.script(
        "/down",
        vec![],
        Reply::status(503).header("retry-after", &date),
    );
    let config = setup.config(&["/busy", "/down"], "", "");
    let stderr = once(&setup, &config).await;
    assert!(
        stderr.contains("HTTP 429") && stderr.contains("HTTP 503"),
        "{stderr}"
    );
    let busy = setup.state("/busy").await;
    assert_eq!(busy.failures, 1);
    assert!((590..=600).contains(&due_in(&busy)), "{}", due_in(&busy));
    let down = setup.state("/down").await;
    assert!((880..=900).contains(&due_in(&down)), "{}", due_in(&down));
}

#[tokio::test]
async fn server_delays_are_bounded_by_max_server_delay() {
    let setup = std::sync::Arc::new(Setup::new());
    setup.server.script(
        "/busy",
        vec![],
        Reply::status(429).header("retry-after", "9999999"),
    );
    let config = setup.config(&["/busy"], "max_server_delay = \"2h\"", "");
    once(&setup, &config).await;
    let due = due_in(&setup.state("/busy").await);
    assert!((7190..=7200).contains(&due), "{due}");
}

#[tokio::test]
async fn max_age_and_ttl_are_floors_for_the_interval() {
    let setup = std::sync::Arc::new(Setup::new());
    setup.server.script(
        "/cached",
        vec![],
        feed_reply(one_item()).header("cache-control", "public, max-age=1800"),
    );
    let ttl = rss(&[("t1", "Weather", None)], "<ttl>45</ttl>");
    setup
        .server
        .script("/ttl", vec![feed_reply(ttl)], Reply::status(304));
    let config = setup.config(&["/cached", "/ttl"], "", "");
    once(&setup, &config).await;
    let cached = due_in(&setup.state("/cached").await);
    assert!((1790..=1800).contains(&cached), "{cached}");
    let ttl = setup.state("/ttl").await;
    assert_eq!(ttl.refresh_hint_secs, Some(2700));
    assert!((2690..=2700).contains(&due_in(&ttl)), "{}", due_in(&ttl));
    // The <ttl> is remembered across a 304, which carries no body.
    once(&setup, &config).await;
    let after_304 = setup.state("/ttl").await;
    assert_eq!(after_304.last_status.as_deref(), Some("304"));
    assert!(
        (2690..=2700).contains(&due_in(&after_304)),
        "{}",
        due_in(&after_304)
    );
}

#[tokio::test]
async fn permanent_redirects_move_the_feed_and_temporary_ones_do_not() {
    let setup = std::sync::Arc::new(Setup::new());
    for (from, status) in [("/moved", 301), ("/moved-308", 308), ("/temporary", 302)] {
        let target = format!("{from}-target");
        setup.server.script(
            from,
            vec![],
            Reply::status(status).header("location", &target),
        );
        setup.server.script(&target, vec![], feed_reply(one_item()));
    }
    let config = setup.config(
        &["/moved", "/moved-308", "/temporary"],
        "",
        &setup.file_sink(),
    );
    let stderr = once(&setup, &config).await;
    assert!(stderr.contains("feed moved permanently"), "{stderr}");
    assert_eq!(
        setup.state("/moved").await.current_url,
        setup.server.url("/moved-target")
    );
    assert_eq!(
        setup.state("/moved-308").await.current_url,
        setup.server.url("/moved-308-target")
    );
    assert_eq!(
        setup.state("/temporary").await.current_url,
        setup.server.url("/temporary")
    );
    once(&setup, &config).await;
    assert_eq!(
        setup.server.requests("/moved").len(),
        1,
        "later polls go to the new address"
    );
    assert_eq!(setup.server.requests("/moved-target").len(), 2);
    assert_eq!(
        setup.server.requests("/temporary").len(),
        2,
        "a 302 is followed each time"
    );
    // One story behind three addresses: one alert, three sources.
    let alerts = read_json_lines(&setup.alerts_file());
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
}

#[tokio::test]
async fn too_many_redirects_are_an_error() {
    let setup = std::sync::Arc::new(Setup::new());
    for hop in 0..7 {
        setup.server.script(
            &format!("/hop{hop}"),
            vec![],
            Reply::status(301).header("location", &format!("/hop{}", hop + 1)),
        );
    }
    let config = setup.config(&["/hop0"], "", "");
    let stderr = once(&setup, &config).await;
    assert!(stderr.contains("more than 5 redirects"), "{stderr}");
    assert_eq!(setup.server.requests("/hop6").len(), 0);
}

#[tokio::test]
async fn gone_disables_the_feed() {
    let setup = std::sync::Arc::new(Setup::new());
    setup.server.script("/gone", vec![], Reply::status(410));
    let config = setup.config(&["/gone"], "", "");
    let stderr = once(&setup, &config).await;
    assert!(stderr.contains("feed is gone (410)"), "{stderr}");
    let state = setup.state("/gone").await;
    assert!(
        state
            .disabled_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("410 Gone"))
    );
    assert_eq!(state.next_due_at, None);
    once(&setup, &config).await;
    assert_eq!(
        setup.server.requests("/gone").len(),
        1,
        "a disabled feed is not polled"
    );
    let output = newswatch(&["feeds", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("410 Gone"),
        "{}",
        describe(&output)
    );
}

#[tokio::test]
async fn failures_back_off_exponentially_and_reset_on_success() {
    let setup = std::sync::Arc::new(Setup::new());
    setup.server.script(
        "/flaky",
        vec![Reply::status(500), Reply::status(500), Reply::status(500)],
        feed_reply(one_item()),
    );
    let config = setup.config(&["/flaky"], "", "");
    for (run, expected) in [(1, 60), (2, 120), (3, 240)] {
        once(&setup, &config).await;
        let state = setup.state("/flaky").await;
        assert_eq!(state.failures, run);
        assert!(
            (expected - 10..=expected).contains(&due_in(&state)),
            "run {run}: {}",
            due_in(&state)
        );
    }
    once(&setup, &config).await;
    let state = setup.state("/flaky").await;
    assert_eq!(state.failures, 0);
    assert_eq!(state.last_error, None);
    assert!((50..=60).contains(&due_in(&state)));
}

#[tokio::test]
async fn an_unhealthy_feed_raises_one_event_and_one_recovery() {
    let setup = std::sync::Arc::new(Setup::new());
    setup.server.script(
        "/sick",
        vec![Reply::status(500), Reply::status(502)],
        feed_reply(one_item()),
    );
    let events = setup.dir.path().join("events.jsonl");
    let sinks = format!(
        "{}\n[[sink]]\nname = \"ops\"\ntype = \"file\"\npath = {events:?}\nevents = [\"feed_health\"]\nlists = []\n",
        setup.file_sink()
    );
    let config = setup.config(&["/sick"], "unhealthy_after = \"0s\"", &sinks);
    for _ in 0..3 {
        once(&setup, &config).await;
    }
    let seen = read_json_lines(&events);
    let kinds: Vec<&str> = seen
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(kinds, ["feed_unhealthy", "feed_recovered"], "{seen:#?}");
    assert_eq!(seen[0]["feed_url"], setup.server.url("/sick"));
    assert!(
        seen[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("500"))
    );
    assert_eq!(seen[1]["failures"], 2);
    // The alert sink did not ask for events; it got only the alert.
    let alerts = read_json_lines(&setup.alerts_file());
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["type"], "alert");
}

#[tokio::test]
async fn a_first_poll_alerts_only_the_recent_backlog() {
    let now = Utc::now();
    let items = [
        (
            "recent",
            "KFOR patrols near Jarinje",
            Some(now - chrono::Duration::hours(2)),
        ),
        (
            "old",
            "KFOR commander visits Zvečan",
            Some(now - chrono::Duration::hours(48)),
        ),
        ("undated", "KFOR and EULEX meet", None),
    ];
    for (poll, expected) in [
        ("", vec!["recent"]),
        ("backlog_window = \"0s\"", vec![]),
        ("backlog = \"all\"", vec!["old", "undated", "recent"]),
    ] {
        let setup = std::sync::Arc::new(Setup::new());
        setup
            .server
            .serve_feed("/feed", rss(&items, ""), "application/rss+xml");
        let config = setup.config(&["/feed"], poll, &setup.file_sink());
        once(&setup, &config).await;
        let alerts = read_json_lines(&setup.alerts_file());
        let mut guids: Vec<String> = alerts
            .iter()
            .map(|a| {
                let title = a["title"].as_str().expect("title");
                items
                    .iter()
                    .find(|i| i.1 == title)
                    .expect("known")
                    .0
                    .to_string()
            })
            .collect();
        guids.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(guids, expected, "{poll:?}");
        // The backlog marked seen never alerts later, even when the feed changes.
        let mut more = items.to_vec();
        more.push(("new", "KFOR statement", Some(Utc::now())));
        setup
            .server
            .serve_feed("/feed", rss(&more, ""), "application/rss+xml");
        once(&setup, &config).await;
        assert_eq!(
            read_json_lines(&setup.alerts_file()).len(),
            expected.len() + 1,
            "{poll:?}"
        );
    }
}

#[tokio::test]
async fn at_most_max_items_are_processed_newest_first() {
    let setup = std::sync::Arc::new(Setup::new());
    let now = Utc::now();
    let items: Vec<(String, String, Option<chrono::DateTime<Utc>>)> = (0..10)
        .map(|i| {
            (
                format!("g{i}"),
                format!("KFOR bulletin {i}"),
                Some(now - chrono::Duration::minutes(i)),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, Option<chrono::DateTime<Utc>>)> = items
        .iter()
        .map(|(g, t, d)| (g.as_str(), t.as_str(), *d))
        .collect();
    setup
        .server
        .serve_feed("/feed", rss(&borrowed, ""), "application/rss+xml");
    let config = setup.config(&["/feed"], "max_items = 3", &setup.file_sink());
    once(&setup, &config).await;
    let titles: Vec<String> = read_json_lines(&setup.alerts_file())
        .iter()
        .map(|a| a["title"].as_str().expect("title").to_string())
        .collect();
    // Delivered oldest first among the three newest.
    assert_eq!(
        titles,
        ["KFOR bulletin 2", "KFOR bulletin 1", "KFOR bulletin 0"]
    );
}

#[tokio::test]
async fn no_more_than_per_host_fetches_run_against_one_host() {
    let setup = std::sync::Arc::new(Setup::new());
    let paths: Vec<String> = (0..6).map(|i| format!("/slow{i}")).collect();
    for path in &paths {
        setup.server.script(
            path,
            vec![],
            feed_reply(one_item()).delay(Duration::from_millis(300)),
        );
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let config = setup.config(&refs, "per_host = 2\nconcurrency = 16", "");
    once(&setup, &config).await;
    assert_eq!(setup.server.max_in_flight(), 2);
}

#[tokio::test]
async fn a_feed_that_cannot_be_parsed_is_one_clear_error() {
    let setup = std::sync::Arc::new(Setup::new());
    setup.server.script(
        "/html",
        vec![],
        Reply::status(200)
            .header("content-type", "text/html")
            .body("<html><body><p>Not a feed</body></html>"),
    );
    let config = setup.config(&["/html"], "", "");
    let stderr = once(&setup, &config).await;
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("poll failed"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains(&setup.server.url("/html")) && lines[0].contains("cannot parse feed"),
        "{stderr}"
    );
    assert_eq!(
        setup.state("/html").await.last_status.as_deref(),
        Some("parse error")
    );
}
