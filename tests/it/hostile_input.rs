//! Hostile feeds: 10 MB of every adversarial pattern we could think of
//! (script and style floods, unclosed and deeply nested markup, thousands
//! of attributes, entity storms, bare ampersands, runs without spaces,
//! huge fields, a flood of tiny items, nested JSON). None may panic or
//! hang the parser, and every field comes out within its cap
//! (tests/it/hostile_daemon.rs: the daemon answers `/healthz` meanwhile).
//! What each costs against a plain 10 MB feed is measured by
//! benches/hostile.rs.

use std::sync::mpsc;
use std::time::Duration;

use crate::support::hostile;
use newswatch::parse::{MAX_LINK_BYTES, MAX_TEXT_BYTES, MAX_TITLE_CHARS, ParsedFeed, parse_feed};

const SIZE: usize = 10 * 1024 * 1024;

/// How long one document may take before it counts as a hang: far beyond
/// any linear cost in a debug build.
const HANG: Duration = Duration::from_secs(300);

fn check_caps(name: &str, feed: &ParsedFeed) {
    for item in &feed.items {
        assert!(
            item.title.chars().count() <= MAX_TITLE_CHARS,
            "{name}: title"
        );
        assert!(item.summary.len() <= MAX_TEXT_BYTES, "{name}: summary");
        assert!(item.content.len() <= MAX_TEXT_BYTES, "{name}: content");
        assert!(
            item.link.as_ref().is_none_or(|l| l.len() <= MAX_LINK_BYTES),
            "{name}: link"
        );
        let raw = item.published_raw.as_ref();
        assert!(
            raw.is_none_or(|r| r.chars().count() <= 100),
            "{name}: raw date"
        );
    }
}

#[test]
fn hostile_documents_neither_panic_nor_hang_and_come_out_capped() {
    let (send, receive) = mpsc::channel();
    let cases = hostile::cases(SIZE);
    let count = cases.len();
    for (name, bytes) in cases {
        let send = send.clone();
        std::thread::spawn(move || {
            let parsed =
                std::panic::catch_unwind(|| parse_feed(&bytes, "https://n.example/feed", None));
            let _ = send.send((name, parsed));
        });
    }
    for _ in 0..count {
        let (name, parsed) = receive
            .recv_timeout(HANG)
            .expect("a hostile document hung the parser");
        let parsed = parsed.unwrap_or_else(|_| panic!("{name}: the parser panicked"));
        if name == "JSON, deeply nested" {
            assert!(parsed.is_err(), "{name}: nested arrays are no feed");
            continue;
        }
        let feed = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        check_caps(name, &feed);
        let first = feed
            .items
            .first()
            .unwrap_or_else(|| panic!("{name}: no item"));
        match name {
            "a long title" => {
                assert_eq!(first.title.chars().count(), MAX_TITLE_CHARS);
                assert!(first.title.starts_with("Kosovo Kosovo") && first.title.ends_with('…'));
            }
            _ => assert_eq!(first.title, "Kosovo: KFOR patrols the north", "{name}"),
        }
        match name {
            "many tiny items" => assert!(feed.items.len() > 100_000, "{name}"),
            _ => assert_eq!(feed.items.len(), 1, "{name}"),
        }
        assert_eq!(
            first.link.as_deref(),
            Some("https://n.example/hostile/1"),
            "{name}"
        );
    }
}

#[test]
fn plain_text_floods_are_cut_to_the_cap_with_a_mark() {
    for name in ["one long word", "entity storm, numeric", "bare ampersands"] {
        let (_, bytes) = hostile::cases(SIZE / 8)
            .into_iter()
            .find(|(n, _)| *n == name)
            .expect("a known case");
        let feed = parse_feed(&bytes, "https://n.example/feed", None).expect("parses");
        let summary = &feed.items[0].summary;
        assert!(summary.ends_with('…'), "{name}");
        assert!(
            summary.len() > MAX_TEXT_BYTES - 8,
            "{name}: {}",
            summary.len()
        );
    }
}
