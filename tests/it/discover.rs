//! `newswatch discover` against a real server: the feeds a page
//! advertises in its many ways of writing a link become `[[feed]]`
//! entries; a feed is said to be one; a page without feeds exits 1. And
//! a configured feed URL that answers an HTML page fails with a message
//! naming the page's feeds and `newswatch discover`.

use crate::support::{Reply, TestServer, describe, newswatch_command, write_test_config};

/// `newswatch discover URL` run where no config is found.
fn discover(url: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    newswatch_command(&["discover", url])
        .current_dir(dir.path())
        .output()
        .expect("discover")
}

/// The `[[feed]]` entries printed, as (name, url).
fn entries(output: &std::process::Output) -> Vec<(Option<String>, String)> {
    let text = String::from_utf8_lossy(&output.stdout);
    let document: toml::Table = toml::from_str(&text).expect("the output is TOML");
    document["feed"]
        .as_array()
        .expect("[[feed]] entries")
        .iter()
        .map(|feed| {
            (
                feed.get("name")
                    .and_then(|n| n.as_str())
                    .map(str::to_string),
                feed["url"].as_str().expect("url").to_string(),
            )
        })
        .collect()
}

const PAGE: &str = r#"<!DOCTYPE html>
<html><head><title>Kosovo news</title>
<base href="/news/">
<LINK REL="alternate" TYPE="application/rss+xml" TITLE="Kosovo &amp; Serbia" HREF="rss.xml">
<link href='https://feeds.example/atom' type='application/atom+xml' rel='home alternate' title='Atom "all"'>
<link rel=alternate type=application/feed+json href=/feed.json title=JSON>
<link rel="stylesheet" href="/style.css">
<script>document.write('<link rel="alternate" type="application/rss+xml" href="/fake.xml">')</script>
<link rel="alternate" type="text/html" href="/sr/" hreflang="sr">
</head><body><p>News</body></html>"#;

#[test]
fn discover_prints_each_advertised_feed_as_an_entry() {
    let server = TestServer::start();
    server.script(
        "/",
        vec![],
        Reply::status(200)
            .header("content-type", "text/html; charset=utf-8")
            .body(PAGE),
    );
    let output = discover(&server.url("/"));
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        entries(&output),
        [
            (
                Some("Kosovo & Serbia".to_string()),
                server.url("/news/rss.xml")
            ),
            (
                Some("Atom \"all\"".to_string()),
                "https://feeds.example/atom".to_string()
            ),
            (Some("JSON".to_string()), server.url("/feed.json")),
        ]
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("advertises 3 feeds"), "{text}");
    assert!(text.contains("# Atom"), "{text}");
}

#[test]
fn discover_says_when_the_url_is_a_feed_already() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let output = discover(&server.url("/rss2.xml"));
    assert!(output.status.success(), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("is a feed already"), "{text}");
    let found = entries(&output);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, server.url("/rss2.xml"));
    assert!(found[0].0.is_some(), "named by its title: {text}");
}

#[test]
fn discover_fails_on_a_page_without_feeds() {
    let server = TestServer::start();
    server.script(
        "/plain",
        vec![],
        Reply::status(200)
            .header("content-type", "text/html")
            .body("<html><head><link rel=stylesheet href=/s.css></head><body>Hi</body></html>"),
    );
    let output = discover(&server.url("/plain"));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("advertises no feed"),
        "{}",
        describe(&output)
    );
}

#[test]
fn a_feed_url_answering_a_page_fails_naming_its_feeds_and_discover() {
    let server = TestServer::start();
    // A title with a terminal escape comes first, so it is listed.
    let hostile = PAGE.replacen(
        "<base",
        "<link rel=alternate type=application/rss+xml title=\"\u{1b}[2Jowned\" href=/first.xml><base",
        1,
    );
    server.script(
        "/news/",
        vec![],
        Reply::status(200)
            .header("content-type", "text/html")
            .body(hostile),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_test_config(dir.path(), "", &[server.url("/news/")], "");
    let once = newswatch_command(&["once", "--config", &config])
        .output()
        .expect("once");
    assert_eq!(once.status.code(), Some(75), "{}", describe(&once));
    let log = String::from_utf8_lossy(&once.stderr);
    assert!(log.contains("answered an HTML page, not a feed"), "{log}");
    assert!(
        log.contains(&format!("newswatch discover {}", server.url("/news/"))),
        "{log}"
    );
    assert!(log.contains(&server.url("/first.xml")), "{log}");
    assert!(log.contains("[2Jowned"), "{log}");
    assert!(log.contains("and 1 more"), "capped at three: {log}");
    assert!(!log.contains('\u{1b}'), "escaped: {log}");
}
