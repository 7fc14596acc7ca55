//! Dates a feed cannot mean: an item dated 2999 or 9999 (or before 1990)
//! is undated. It no longer slips through the first poll's backlog window
//! as "recent", and when it alerts, the alert says `published: null` with
//! the feed's text in `published_raw`.

use crate::support::{TestServer, describe, newswatch, read_json_lines, write_test_config};

fn rss(items: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut text =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>");
    for (guid, title, date) in items {
        text.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>https://n.example/{guid}</link><pubDate>{date}</pubDate></item>"
        ));
    }
    text.push_str("</channel></rss>");
    text.into_bytes()
}

#[test]
fn far_future_and_ancient_dates_are_unknown_and_kept_raw() {
    let now = chrono::Utc::now().to_rfc2822();
    let first = [
        (
            "far",
            "Kosovo far-future item",
            "Fri, 01 Jan 2999 00:00:00 GMT",
        ),
        (
            "epoch",
            "Kosovo epoch item",
            "Thu, 01 Jan 1970 00:00:00 GMT",
        ),
        ("today", "Kosovo item of today", now.as_str()),
    ];
    let server = TestServer::start();
    server.serve_feed("/feed", rss(&first), "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let config = write_test_config(
        dir.path(),
        "",
        &[server.url("/feed")],
        &format!("[[sink]]\ntype = \"file\"\npath = {alerts:?}\n"),
    );
    let run = || {
        let output = newswatch(&["once", "--config", &config]);
        assert!(output.status.success(), "{}", describe(&output));
    };

    // First poll, backlog window 24h: only today's item is recent; the
    // 2999 item used to pass as "recent" and went out dated 2999.
    run();
    let sent = read_json_lines(&alerts);
    let titles: Vec<&str> = sent.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(titles, ["Kosovo item of today"]);
    assert!(sent[0]["published"].is_string());
    assert!(sent[0].get("published_raw").is_none(), "{}", sent[0]);

    // A new item dated 9999 on a later poll is new on first sight: it
    // alerts, undated, with the raw text.
    let mut second = first.to_vec();
    second.push((
        "later",
        "Kosovo item from the year 9999",
        "9999-12-31T23:59:59Z",
    ));
    server.serve_feed("/feed", rss(&second), "application/rss+xml");
    run();
    let sent = read_json_lines(&alerts);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["title"], "Kosovo item from the year 9999");
    assert!(sent[1]["published"].is_null(), "{}", sent[1]);
    assert_eq!(sent[1]["published_raw"], "9999-12-31T23:59:59Z");
}
