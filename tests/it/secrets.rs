//! Secrets stay secret: a webhook URL whose path, query or user info is
//! the credential, a feed URL with a password or an API key, and the
//! database URL's password appear in no log line, stored error, listing,
//! `check` summary or alert. `log_url = "full"` shows a sink's URL whole.

use crate::support;

use crate::support::{TestServer, describe, newswatch, read_json_lines};

const SECRETS: [&str; 5] = [
    "SECRETPATH",
    "SECRETQUERY",
    "SECRETPW",
    "SECRETFEEDPW",
    "SECRETKEY",
];

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

#[test]
fn credentials_in_urls_reach_no_log_listing_or_alert() {
    let server = TestServer::start();
    server.serve_fixture(
        "/feed?apikey=SECRETKEY&lang=sr",
        "rss2.xml",
        "application/rss+xml",
    );
    let hook = "/services/T000/SECRETPATH?token=SECRETQUERY";
    server.hook(hook, &[], 500);
    let address = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let feed_url = format!("http://reader:SECRETFEEDPW@{address}/feed?apikey=SECRETKEY&lang=sr");
    let hook_url = format!("http://hook:SECRETPW@{address}{hook}");
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let config = support::write_test_config(
        dir.path(),
        "backlog = \"all\"",
        &[feed_url],
        &format!(
            "[[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = {hook_url:?}\nretry = [\"0s\"]\n\n\
             [[sink]]\nname = \"file\"\ntype = \"file\"\npath = {alerts:?}\n"
        ),
    );

    let check = newswatch(&["check", "--config", &config]);
    assert!(check.status.success(), "{}", describe(&check));
    let summary = String::from_utf8_lossy(&check.stdout);
    assert_clean("check", &summary);
    assert!(
        summary.contains(&format!("webhook json http://…@{address}/services/…?…")),
        "{summary}"
    );

    let once = newswatch(&["once", "--config", &config]);
    assert!(once.status.success(), "{}", describe(&once));
    assert!(!server.requests(hook).is_empty(), "the hook was tried");
    assert_clean("the log", &String::from_utf8_lossy(&once.stderr));

    let sent = read_json_lines(&alerts);
    assert!(!sent.is_empty());
    for alert in &sent {
        assert_eq!(alert["feed_url"], format!("http://{address}/feed?lang=sr"));
    }
    for listing in [
        newswatch(&["alerts", "--json", "--config", &config]),
        newswatch(&["alerts", "--config", &config]),
        newswatch(&["sinks", "--config", &config]),
    ] {
        assert!(listing.status.success(), "{}", describe(&listing));
        assert_clean("a listing", &String::from_utf8_lossy(&listing.stdout));
    }
    let failed = newswatch(&["alerts", "--json", "--config", &config]);
    assert!(
        String::from_utf8_lossy(&failed.stdout).contains("HTTP 500"),
        "the stored error still says what failed: {}",
        describe(&failed)
    );
}

#[test]
fn check_hides_the_database_password_and_log_url_full_shows_a_sink_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newswatch.toml");
    std::fs::write(
        &path,
        "[state]\ndatabase = \"postgres://newswatch:SECRETPW@db.example:5432/News\"\n\n\
         [[feed]]\nurl = \"https://feeds.example/rss\"\n\n[[watch]]\nname = \"k\"\nterms = [\"KFOR\"]\n\n\
         [[sink]]\nname = \"open\"\ntype = \"webhook\"\nurl = \"https://Hooks.Example/In/Path?Q=1\"\nlog_url = \"full\"\n",
    )
    .expect("config");
    let check = newswatch(&["check", "--config", &path.to_string_lossy()]);
    assert!(check.status.success(), "{}", describe(&check));
    let summary = String::from_utf8_lossy(&check.stdout);
    assert_clean("check", &summary);
    assert!(
        summary.contains("postgres://db.example:5432/News"),
        "{summary}"
    );
    assert!(
        summary.contains("https://Hooks.Example/In/Path?Q=1"),
        "as written: {summary}"
    );
}
