//! End to end: fixture feeds (RSS 2.0, Atom, RSS 1.0, JSON Feed) served by a
//! real HTTP server, `newswatch once` run as a process, alerts checked in a
//! file sink and at a webhook receiver.

use crate::support;

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{TEST_LISTS, TestServer, describe, newswatch, read_json_lines};

/// The headlines in the fixtures that the test lists must match.
const EXPECTED: [&str; 6] = [
    "KFOR says it will act if stability is jeopardized in Kosovo",
    "Вучић затражио повратак војске на Косово",
    "Barricades go up at border crossings as Kosovo Serbs protest",
    "Prishtinë insists any deal must include recognition",
    "NATO's Kosovo Force boosts patrols near Jarinje crossing",
    "Vučić meets EU envoy in Belgrade",
];

const FEEDS: [(&str, &str, &str); 4] = [
    ("/rss2.xml", "rss2.xml", "application/rss+xml"),
    ("/atom.xml", "atom.xml", "application/atom+xml"),
    ("/rss1.rdf", "rss1.rdf", "application/rdf+xml"),
    ("/feed.json", "feed.json", "application/feed+json"),
];

fn serve_fixtures() -> TestServer {
    let server = TestServer::start();
    for (path, fixture, content_type) in FEEDS {
        server.serve_fixture(path, fixture, content_type);
    }
    server.hook("/hook", &[], 200);
    server
}

/// Writes a config polling every fixture feed with the test lists and the
/// given `[[sink]]` tables; returns its path.
fn write_config_with_sinks(dir: &Path, server: &TestServer, sinks: &str) -> String {
    // The fixtures are dated; alert all of them whatever today's date.
    let mut config = format!(
        "[state]\ndirectory = {:?}\n\n[poll]\nbacklog = \"all\"\n\n",
        dir.join("state")
    );
    for (path, _, _) in FEEDS {
        config.push_str(&format!("[[feed]]\nurl = {:?}\n\n", server.url(path)));
    }
    config.push_str(TEST_LISTS);
    config.push_str(sinks);
    let path = dir.join("newswatch.toml");
    std::fs::write(&path, config).expect("write config");
    path.to_string_lossy().into_owned()
}

/// A config with a file sink (alerts.jsonl) and a webhook sink (/hook).
fn write_config(dir: &Path, server: &TestServer) -> String {
    let sinks = format!(
        "\n[[sink]]\ntype = \"file\"\npath = {:?}\n\n[[sink]]\ntype = \"webhook\"\nurl = {:?}\n",
        dir.join("alerts.jsonl"),
        server.url("/hook")
    );
    write_config_with_sinks(dir, server, &sinks)
}

fn titles(alerts: &[serde_json::Value]) -> BTreeSet<String> {
    alerts
        .iter()
        .map(|a| a["title"].as_str().expect("title").to_string())
        .collect()
}

fn run_once(config: &str) {
    let output = newswatch(&["once", "--config", config]);
    assert!(output.status.success(), "{}", describe(&output));
}

#[test]
fn once_alerts_each_matching_item_exactly_once_across_runs() {
    let server = serve_fixtures();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server);
    let file = dir.path().join("alerts.jsonl");
    let expected: BTreeSet<String> = EXPECTED.iter().map(|s| s.to_string()).collect();

    // First run: every matching item, nothing else, to both sinks.
    run_once(&config);
    let in_file = read_json_lines(&file);
    assert_eq!(titles(&in_file), expected);
    assert_eq!(in_file.len(), EXPECTED.len(), "no item twice");
    let at_hook = server.accepted_json("/hook");
    assert_eq!(titles(&at_hook), expected);
    assert_eq!(at_hook.len(), EXPECTED.len());

    // The alert schema documented in README.md.
    for alert in &in_file {
        for field in [
            "id",
            "feed",
            "title",
            "link",
            "published",
            "lists",
            "terms",
            "snippet",
            "detected_at",
        ] {
            assert!(alert.get(field).is_some(), "alert lacks {field}: {alert}");
        }
        assert!(
            alert["snippet"].as_str().is_some_and(|s| s.contains("**")),
            "{alert}"
        );
    }
    let kfor = in_file
        .iter()
        .find(|a| a["title"] == EXPECTED[0])
        .expect("KFOR alert");
    assert_eq!(kfor["lists"], serde_json::json!(["kfor", "kosovo"]));
    // The link is resolved and kept as published (tracking included).
    assert_eq!(
        kfor["link"],
        "https://wire.example/2026/kfor-stability?utm_source=rss"
    );
    let relative = in_file
        .iter()
        .find(|a| a["title"] == EXPECTED[2])
        .expect("Atom alert");
    // A relative link resolves against the feed's own address.
    assert_eq!(relative["link"], server.url("/world/barricades"));

    // Second run, a new process on the same state: the server answers 304
    // to the stored ETag and nothing is alerted again.
    run_once(&config);
    assert_eq!(read_json_lines(&file).len(), EXPECTED.len());
    assert_eq!(server.accepted_json("/hook").len(), EXPECTED.len());
    for (path, _, _) in FEEDS {
        let requests = server.requests(path);
        assert_eq!(requests.len(), 2, "{path} polled twice");
        assert!(!requests[0].headers.contains_key("if-none-match"));
        assert!(
            requests[1].headers.contains_key("if-none-match"),
            "{path} sent no If-None-Match"
        );
        assert_eq!(requests[1].status, 304, "{path}");
        assert!(requests[0].headers["user-agent"].starts_with("newswatch/"));
    }

    // Third run after the feed changed: only the new item alerts, the
    // ones already reported stay quiet although the body was re-parsed.
    let rss = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rss2.xml"),
    )
    .expect("fixture");
    let fresh = "<item><title>EULEX and KFOR meet in Mitrovica</title><guid isPermaLink=\"false\">wire-1005</guid>\
                 <link>https://wire.example/2026/eulex</link></item>\n  </channel>";
    server.serve_feed(
        "/rss2.xml",
        rss.replace("</channel>", fresh).into_bytes(),
        "application/rss+xml",
    );
    run_once(&config);
    let in_file = read_json_lines(&file);
    assert_eq!(in_file.len(), EXPECTED.len() + 1, "{in_file:#?}");
    assert_eq!(
        in_file.last().map(|a| a["title"].clone()),
        Some("EULEX and KFOR meet in Mitrovica".into())
    );
    assert_eq!(server.accepted_json("/hook").len(), EXPECTED.len() + 1);
}

#[test]
fn webhook_alerts_carry_a_stable_id_header() {
    let server = serve_fixtures();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server);
    run_once(&config);
    let calls = server.requests("/hook");
    assert_eq!(calls.len(), EXPECTED.len());
    let ids: BTreeSet<&str> = calls
        .iter()
        .map(|c| c.headers["webhook-id"].as_str())
        .collect();
    assert_eq!(ids.len(), EXPECTED.len(), "one distinct id per delivery");
    for call in &calls {
        assert_eq!(call.headers["content-type"], "application/json");
    }
}

#[test]
fn an_unreachable_feed_is_reported_and_does_not_stop_the_others() {
    let server = serve_fixtures();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server);
    // A port nothing listens on: bind, note the port, close.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let text = std::fs::read_to_string(&config).expect("config");
    let dead_feed = format!("[[feed]]\nname = \"Dead Wire\"\nurl = \"http://{closed}/rss\"\n\n");
    std::fs::write(&config, format!("{dead_feed}{text}")).expect("config");

    let output = newswatch(&["once", "--config", &config]);
    assert_eq!(
        output.status.code(),
        Some(75),
        "a feed failed: {}",
        describe(&output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Dead Wire"), "{stderr}");
    assert!(stderr.contains("1 failed"), "{stderr}");
    assert_eq!(
        read_json_lines(&dir.path().join("alerts.jsonl")).len(),
        EXPECTED.len()
    );
}

fn stdout_of_once(format: &str) -> Vec<String> {
    let server = serve_fixtures();
    let dir = tempfile::tempdir().expect("tempdir");
    let sinks = format!("\n[[sink]]\ntype = \"stdout\"\nformat = \"{format}\"\n");
    let config = write_config_with_sinks(dir.path(), &server, &sinks);
    let output = newswatch(&["once", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_stdout_sink_writes_readable_lines_or_json_lines() {
    let text = stdout_of_once("text");
    assert_eq!(text.len(), EXPECTED.len(), "{text:#?}");
    assert!(
        text.iter()
            .any(|l| l.starts_with("[kfor,kosovo] KFOR says it will act")
                && l.ends_with("?utm_source=rss")),
        "{text:#?}"
    );
    let json = stdout_of_once("json");
    let alerts: Vec<serde_json::Value> = json
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(
        titles(&alerts),
        EXPECTED.iter().map(|s| s.to_string()).collect()
    );
}

#[test]
fn a_closed_stdout_is_a_sink_error_not_a_panic() {
    let server = serve_fixtures();
    let dir = tempfile::tempdir().expect("tempdir");
    let sinks = "\n[[sink]]\ntype = \"stdout\"\nretry = [\"0s\"]\n";
    let config = write_config_with_sinks(dir.path(), &server, sinks);
    let mut child = support::newswatch_command(&["once", "--config", &config])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start");
    // Close the reading end before anything is written.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("cannot write to stdout") || stderr.contains("cannot flush stdout"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} dead", EXPECTED.len())),
        "{stderr}"
    );
}
