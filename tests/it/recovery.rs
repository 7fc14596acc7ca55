//! Every item from every feed: documents that feed-rs rejects whole or
//! reads only in part (a default namespace on `<rss>`, Atom 0.3, RSS 0.94,
//! items nested in items, an empty `<media:description/>`, XHTML content
//! by reference, a JSON Feed with one wrong-typed item) give every item, through the
//! parser and through the daemon; what cannot be read is reported in the
//! log, the metrics and `newswatch feeds`, never dropped quietly.

use std::collections::BTreeSet;

use crate::support::{TestServer, describe, newswatch, read_json_lines, write_test_config};
use newswatch::parse::parse_feed;

const FEED_URL: &str = "https://n.example/feed";

/// Each fixture, its content type, and the titles of its items.
const CASES: [(&str, &str, &[&str]); 7] = [
    (
        "default-namespace.rss",
        "application/rss+xml",
        &[
            "Kosovo: talks resume in Brussels",
            "KFOR patrols near Jarinje",
        ],
    ),
    (
        "atom03.xml",
        "application/atom+xml",
        &[
            "Pristina airport reopens for Kosovo flights",
            "Belgrade and Pristina trade accusations",
        ],
    ),
    (
        "rss094.xml",
        "application/rss+xml",
        &["Zvecan: barricades removed"],
    ),
    (
        "nested.rss",
        "application/rss+xml",
        &[
            "Serbia recalls its envoy",
            "Kosovo Force raises its alert level",
            "Vucic speaks in Belgrade",
        ],
    ),
    (
        "empty-media-description.rss",
        "application/rss+xml",
        &["Kosovo election results certified"],
    ),
    (
        "xhtml-title.atom",
        "application/atom+xml",
        &["KFOR in Leposavić"],
    ),
    (
        "wrong-typed-item.json",
        "application/feed+json",
        &[
            "Kosovo: new border crossing opens",
            "Serbia and Kosovo sign an energy deal",
        ],
    ),
];

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/recovery")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn feed_rs_alone_falls_short_on_every_fixture() {
    // The fixtures are worth keeping only while the strict parser fails
    // them: each must be rejected or read short by feed-rs on its own.
    for (name, _, titles) in CASES {
        let strict = feed_rs::parser::parse(&fixture(name)[..]);
        let found = strict.as_ref().map_or(0, |feed| feed.entries.len());
        assert!(
            found < titles.len(),
            "{name}: feed-rs alone read {found} items"
        );
    }
}

#[test]
fn every_item_is_read_and_the_recovery_is_counted() {
    for (name, content_type, titles) in CASES {
        let parsed = parse_feed(&fixture(name), FEED_URL, Some(content_type))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let read: Vec<&str> = parsed.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(read, titles, "{name}");
        // Recovered by the lenient reading, or by the repair pass (RSS
        // versions feed-rs does not know are read as 2.0).
        assert!(
            parsed.recovered > 0 && parsed.strict_shortfall.is_some() || parsed.repaired,
            "{name}: recovered {}",
            parsed.recovered
        );
        assert!(
            parsed.items.iter().all(|i| i.link.is_some()),
            "{name}: links"
        );
    }
    let json = parse_feed(&fixture("wrong-typed-item.json"), FEED_URL, None).expect("parses");
    assert_eq!((json.expected, json.dropped()), (4, 2));
    assert_eq!(json.items[1].source_id.as_deref(), Some("2"));
}

#[test]
fn the_daemon_alerts_every_recovered_item_and_reports_what_it_could_not_read() {
    let server = TestServer::start();
    let mut urls = Vec::new();
    for (name, content_type, _) in CASES {
        server.serve_feed(&format!("/{name}"), fixture(name), content_type);
        urls.push(server.url(&format!("/{name}")));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let config = write_test_config(
        dir.path(),
        "backlog = \"all\"",
        &urls,
        &format!("[[sink]]\nname = \"file\"\ntype = \"file\"\npath = {alerts:?}\n"),
    );
    let output = newswatch(&["once", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));

    let expected: BTreeSet<&str> = CASES
        .iter()
        .flat_map(|(_, _, t)| t.iter().copied())
        .collect();
    let alerted = read_json_lines(&alerts);
    let titles: BTreeSet<&str> = alerted.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(titles, expected);

    // The two entries of the JSON Feed's items that are not items at all.
    let log = String::from_utf8_lossy(&output.stderr);
    let warning = log
        .lines()
        .find(|l| l.contains("could not be read"))
        .unwrap_or_else(|| panic!("no warning in:\n{log}"));
    for part in [
        "wrong-typed-item.json",
        "expected=4",
        "found=2",
        "dropped=2",
    ] {
        assert!(warning.contains(part), "{part} not in {warning}");
    }

    let feeds = newswatch(&["feeds", "--json", "--config", &config]);
    assert!(feeds.status.success(), "{}", describe(&feeds));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&feeds.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let json_feed = lines
        .iter()
        .find(|l| l["url"].as_str().is_some_and(|u| u.ends_with(".json")))
        .expect("the JSON feed's line");
    assert_eq!(json_feed["items"], 2);
    assert_eq!(json_feed["items_dropped"], 2);
    let table = newswatch(&["feeds", "--config", &config]);
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("2 of 4 items could not be read"),
        "{}",
        describe(&table)
    );
    assert!(lines.iter().filter(|l| l["items_dropped"] == 0).count() == CASES.len() - 1);
}
