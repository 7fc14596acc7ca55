//! Full text against a real server: a feed with `full_text = true` has
//! each new item's linked page fetched once, with the feed's headers and
//! User-Agent, within `per_host`; the article's text matches as the field
//! `article`; a wrapper link's publisher page gives the canonical link; a
//! page that fails (404, too slow, not HTML) costs only that item's
//! article; `test --full-text` shows the articles; the archive keeps them.

use std::time::Duration;

use crate::support::{Reply, TestServer, describe, newswatch, read_json_lines, write_test_config};

/// An RSS feed of `items` (title, summary, link path) on `server`.
fn feed(server: &TestServer, items: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut body =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>");
    for (n, (title, summary, path)) in items.iter().enumerate() {
        body.push_str(&format!(
            "<item><title>{title}</title><description>{summary}</description>\
             <link>{}</link><guid>item-{n}-{path}</guid></item>",
            server.url(path)
        ));
    }
    body.push_str("</channel></rss>");
    body.into_bytes()
}

/// An article page whose paragraphs are `text`, with a canonical link if given.
fn page(text: &str, canonical: Option<&str>) -> Vec<u8> {
    let link = canonical
        .map(|url| format!("<link rel=\"canonical\" href=\"{url}\">"))
        .unwrap_or_default();
    format!("<html><head><title>Story</title>{link}</head><body><p>{text}</p></body></html>")
        .into_bytes()
}

fn html(server: &TestServer, path: &str, body: Vec<u8>) {
    server.serve_feed(path, body, "text/html; charset=utf-8");
}

/// A config polling `feed_url` with full text, its feed lines `feed`, the
/// alerts written to `alerts.jsonl` in `dir`.
fn config(dir: &std::path::Path, poll: &str, feed_url: &str, feed: &str) -> String {
    let alerts = dir.join("alerts.jsonl");
    let tail = format!(
        "[[feed]]\nurl = {feed_url:?}\nname = \"Wire\"\nfull_text = true\n{feed}\n\n\
         [[sink]]\ntype = \"file\"\npath = {alerts:?}\n"
    );
    write_test_config(
        dir,
        &format!("startup_spread = \"0s\"\nbacklog = \"all\"\n{poll}"),
        &[],
        &tail,
    )
}

fn once(config: &str) -> std::process::Output {
    let output = newswatch(&["once", "--config", config]);
    assert!(output.status.success(), "{}", describe(&output));
    output
}

fn alert_titled<'a>(alerts: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    alerts
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no alert titled {title:?} in {alerts:#?}"))
}

#[test]
fn articles_match_once_per_item_with_the_feeds_http_settings_and_canonical_links() {
    let server = TestServer::start();
    html(
        &server,
        "/a/1",
        page("KFOR troops patrolled the crossing at dawn.", None),
    );
    // Slow enough that two article fetches at once would overlap.
    for (path, text) in [("/a/2", "Nothing to see here."), ("/a/3", "Mild today.")] {
        let reply = Reply::status(200)
            .header("content-type", "text/html")
            .body(page(text, None))
            .delay(Duration::from_millis(300));
        server.script(path, Vec::new(), reply);
    }
    // An aggregator's wrapper redirects to the publisher's page, which
    // names its canonical address.
    server.script(
        "/go/4",
        Vec::new(),
        Reply::status(302).header("location", &server.url("/pub/4")),
    );
    let canonical = server.url("/story/4");
    html(
        &server,
        "/pub/4",
        page("The Kosovo Force said more.", Some(&canonical)),
    );
    let first = [
        ("Patrol at the border", "A short note.", "/a/1"),
        ("Quiet day", "Nothing.", "/a/2"),
        ("Mild weather", "Sun.", "/a/3"),
        ("Statement issued", "Read more.", "/go/4"),
    ];
    server.serve_feed("/feed.xml", feed(&server, &first), "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(
        dir.path(),
        "per_host = 1\nuser_agent = \"poll-agent/1\"",
        &server.url("/feed.xml"),
        "user_agent = \"ft-agent/1\"\nheaders = { \"X-Token\" = \"t1\" }",
    );
    once(&config);

    let alerts = read_json_lines(&dir.path().join("alerts.jsonl"));
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    let patrol = alert_titled(&alerts, "Patrol at the border");
    assert_eq!(patrol["full_text"], true, "{patrol:#}");
    let hit = &patrol["hits"][0];
    assert_eq!(hit["field"], "article", "{patrol:#}");
    assert!(
        hit["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("**KFOR**")),
        "{patrol:#}"
    );
    let wrapped = alert_titled(&alerts, "Statement issued");
    assert_eq!(wrapped["canonical_link"], canonical.as_str(), "{wrapped:#}");
    assert_eq!(wrapped["link"], server.url("/go/4").as_str());

    // The feed gains an item; the next poll fetches only its page.
    let mut second = first.to_vec();
    second.push(("Another patrol", "Brief.", "/a/5"));
    html(&server, "/a/5", page("KFOR again on patrol.", None));
    server.serve_feed("/feed.xml", feed(&server, &second), "application/rss+xml");
    once(&config);
    for path in ["/a/1", "/a/2", "/a/3", "/go/4", "/pub/4", "/a/5"] {
        assert_eq!(server.requests(path).len(), 1, "{path} requested once");
    }
    let alerts = read_json_lines(&dir.path().join("alerts.jsonl"));
    assert_eq!(alert_titled(&alerts, "Another patrol")["full_text"], true);

    // The feed's own HTTP settings reach the article requests.
    let request = &server.requests("/a/1")[0];
    assert_eq!(
        request.headers.get("x-token").map(String::as_str),
        Some("t1")
    );
    assert_eq!(
        request.headers.get("user-agent").map(String::as_str),
        Some("ft-agent/1")
    );
    assert!(
        request
            .headers
            .get("accept")
            .is_some_and(|a| a.contains("text/html")),
        "{request:?}"
    );
    // per_host = 1 held for the feed and its articles together.
    assert_eq!(server.max_in_flight(), 1);

    // The archive keeps the article text: search finds a word only there.
    let output = newswatch(&["search", "article:crossing", "--json", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    let found = String::from_utf8_lossy(&output.stdout);
    assert!(found.contains("Patrol at the border"), "{found}");
    assert_eq!(found.lines().count(), 1, "{found}");
}

#[test]
fn a_failed_article_costs_only_that_items_article() {
    let server = TestServer::start();
    server.script("/a/missing", Vec::new(), Reply::status(404));
    server.script(
        "/a/slow",
        Vec::new(),
        Reply::status(200)
            .header("content-type", "text/html")
            .body(page("KFOR late.", None))
            .delay(Duration::from_secs(10)),
    );
    server.script(
        "/a/pdf",
        Vec::new(),
        Reply::status(200)
            .header("content-type", "application/pdf")
            .body("%PDF-1.4 KFOR"),
    );
    html(&server, "/a/ok", page("KFOR arrived.", None));
    let items = [
        ("Kosovo: missing page", "x", "/a/missing"),
        ("Kosovo: slow page", "x", "/a/slow"),
        ("Kosovo: a PDF", "x", "/a/pdf"),
        ("Arrivals", "x", "/a/ok"),
    ];
    server.serve_feed("/feed.xml", feed(&server, &items), "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(
        dir.path(),
        "article_timeout = \"2s\"",
        &server.url("/feed.xml"),
        "",
    );
    let output = once(&config);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 fetched, 0 unchanged, 0 failed"),
        "{stderr}"
    );
    for counted in ["ok 1", "http_error 1", "timeout 1", "not_html 1"] {
        assert!(stderr.contains(counted), "{counted}: {stderr}");
    }
    let alerts = read_json_lines(&dir.path().join("alerts.jsonl"));
    assert_eq!(alerts.len(), 4, "{alerts:#?}");
    for title in ["Kosovo: missing page", "Kosovo: slow page", "Kosovo: a PDF"] {
        let alert = alert_titled(&alerts, title);
        assert!(alert.get("full_text").is_none(), "{alert:#}");
        assert_eq!(alert["lists"], serde_json::json!(["kosovo"]), "{alert:#}");
    }
    assert_eq!(alert_titled(&alerts, "Arrivals")["full_text"], true);
}

#[test]
fn test_full_text_shows_each_article_and_matches_with_it() {
    let server = TestServer::start();
    html(
        &server,
        "/a/1",
        page("KFOR troops patrolled the crossing.", None),
    );
    server.script("/a/2", Vec::new(), Reply::status(404));
    let items = [("Patrol", "Short.", "/a/1"), ("Gone", "Short.", "/a/2")];
    server.serve_feed("/feed.xml", feed(&server, &items), "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), "", &server.url("/feed.xml"), "");
    let url = server.url("/feed.xml");
    let output = newswatch(&["test", &url, "--full-text", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("+  [kfor] Patrol"), "{shown}");
    assert!(
        shown.contains("kfor / \"KFOR\" in article: **KFOR** troops"),
        "{shown}"
    );
    assert!(shown.contains("article: 35 chars from"), "{shown}");
    assert!(
        shown.contains("| KFOR troops patrolled the crossing."),
        "{shown}"
    );
    assert!(
        shown.contains("article failed (http_error): HTTP 404"),
        "{shown}"
    );
    assert!(shown.contains("1 of 2 items match"), "{shown}");
    // Without the flag no page is fetched and nothing matches.
    let before = server.requests("/a/1").len();
    let output = newswatch(&["test", &url, "--config", &config]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 of 2 items match"));
    assert_eq!(server.requests("/a/1").len(), before);
}
