//! Feeds as real servers send them: Serbian Latin and Cyrillic in
//! windows-1250, windows-1251, ISO-8859-2 and UTF-16 (with a BOM), an
//! encoding named only by the HTTP charset, and broken XML that newswatch
//! repairs (bare `&`, `<rss>` without a version, blank lines before the
//! prolog, HTML entities, odd dates). Each fixture goes through the real
//! binary (`newswatch test --json`) and a real HTTP server, and the decoded
//! titles, matched lists and dates are compared exactly. A document that
//! cannot be parsed even after repairs fails with a message naming it.

use crate::support::{TestServer, describe, newswatch};
use serde_json::Value;

const RSS: &str = "application/rss+xml";

fn shipped_config() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/config/newswatch.toml")
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).expect("fixture file is readable")
}

/// What one item of a fixture must come out as.
struct Expected {
    id: &'static str,
    title: &'static str,
    lists: &'static [&'static str],
    published: &'static str,
}

/// The items of the Serbian Latin fixtures (windows-1250, ISO-8859-2).
const LATIN: [Expected; 3] = [
    Expected {
        id: "lat-1",
        title: "Vučić u Prištini: razgovori o Zvečanu",
        lists: &["kosovo", "serbia"],
        published: "2026-11-28T13:30:00Z",
    },
    Expected {
        id: "lat-2",
        title: "Nova runda razgovora u Briselu",
        lists: &["kosovo", "serbia"],
        published: "2026-11-28T11:00:00Z",
    },
    Expected {
        id: "lat-3",
        title: "Vremenska prognoza: sunčano, đaci na raspustu",
        lists: &[],
        published: "2026-11-27T07:15:00Z",
    },
];

/// The items of the Serbian Cyrillic fixtures (windows-1251, UTF-16).
const CYRILLIC: [Expected; 3] = [
    Expected {
        id: "cyr-1",
        title: "Вучић разговарао са командантом КФОР-а",
        lists: &["kfor", "serbia"],
        published: "2026-11-28T13:30:00Z",
    },
    Expected {
        id: "cyr-2",
        title: "Српска листа о ситуацији у Звечану",
        lists: &["kosovo", "serbia"],
        published: "2026-11-28T11:00:00Z",
    },
    Expected {
        id: "cyr-3",
        title: "Временска прогноза: сунчано и топло",
        lists: &[],
        published: "2026-11-27T07:15:00Z",
    },
];

/// Runs `newswatch test --json` on `source`, asserts it succeeded, and
/// returns its output lines as JSON.
fn test_json(source: &str) -> Vec<Value> {
    let output = newswatch(&["test", "--json", "--config", shipped_config(), source]);
    assert!(output.status.success(), "{source}: {}", describe(&output));
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{source}: line is not JSON ({e}): {line}"))
        })
        .collect()
}

/// Serves `fixture` over HTTP with `content_type` and runs `newswatch test`
/// on its URL.
fn test_over_http(fixture: &str, content_type: &str) -> Vec<Value> {
    let server = TestServer::start();
    server.serve_fixture("/feed", fixture, content_type);
    test_json(&server.url("/feed"))
}

fn text<'a>(item: &'a Value, field: &str) -> &'a str {
    item[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is a string in {item}"))
}

fn lists(item: &Value) -> Vec<&str> {
    item["lists"]
        .as_array()
        .unwrap_or_else(|| panic!("`lists` is an array in {item}"))
        .iter()
        .map(|list| list.as_str().expect("each list is a string"))
        .collect()
}

fn assert_items(source: &str, items: &[Value], expected: &[Expected]) {
    assert_eq!(
        items.len(),
        expected.len(),
        "{source}: item count; got {items:#?}"
    );
    for (item, want) in items.iter().zip(expected) {
        assert_eq!(text(item, "id"), want.id, "{source}: id of {item}");
        assert_eq!(text(item, "title"), want.title, "{source}: title of {item}");
        assert_eq!(lists(item), want.lists, "{source}: lists of {item}");
        assert_eq!(
            text(item, "published"),
            want.published,
            "{source}: published of {item}"
        );
    }
}

/// The snippets of the hits in `field` of `item`.
fn snippets<'a>(item: &'a Value, field: &str) -> Vec<&'a str> {
    item["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("`hits` is an array in {item}"))
        .iter()
        .filter(|hit| hit["field"] == field)
        .map(|hit| text(hit, "snippet"))
        .collect()
}

/// The Latin fixtures' second item matches only through its description,
/// so its snippet shows that the description was decoded too.
fn assert_latin_summary(source: &str, items: &[Value]) {
    let snippets = snippets(&items[1], "summary");
    assert!(
        snippets.contains(&"Predstavnici **Beograda i Prištine** sastaće se ponovo."),
        "{source}: {snippets:?}"
    );
}

/// The Cyrillic fixtures' second item also matches in its description.
fn assert_cyrillic_summary(source: &str, items: &[Value]) {
    let snippets = snippets(&items[1], "summary");
    assert_eq!(
        snippets,
        ["Нова рунда разговора у **Београд**у."],
        "{source}"
    );
}

#[test]
fn windows_1250_latin_is_decoded_from_the_prolog() {
    let fixture = "encodings/windows-1250.xml";
    let bytes = fixture_bytes(fixture);
    // č is 0xE8 in windows-1250: the file really is in that encoding.
    assert!(bytes.contains(&0xE8) && std::str::from_utf8(&bytes).is_err());
    let items = test_over_http(fixture, RSS);
    assert_items(fixture, &items, &LATIN);
    assert_latin_summary(fixture, &items);
}

#[test]
fn iso_8859_2_latin_is_decoded_from_the_prolog() {
    let fixture = "encodings/iso-8859-2.xml";
    let bytes = fixture_bytes(fixture);
    // š is 0xB9 in ISO-8859-2 (0x9A in windows-1250).
    assert!(bytes.contains(&0xB9) && !bytes.contains(&0x9A));
    let items = test_over_http(fixture, RSS);
    assert_items(fixture, &items, &LATIN);
    assert_latin_summary(fixture, &items);
}

#[test]
fn windows_1251_cyrillic_is_decoded_from_the_prolog() {
    let fixture = "encodings/windows-1251.xml";
    let bytes = fixture_bytes(fixture);
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let items = test_over_http(fixture, RSS);
    assert_items(fixture, &items, &CYRILLIC);
    assert_cyrillic_summary(fixture, &items);
}

#[test]
fn the_prolog_wins_over_a_wrong_http_charset() {
    let fixture = "encodings/windows-1251.xml";
    let items = test_over_http(fixture, "text/xml; charset=utf-8");
    assert_items(fixture, &items, &CYRILLIC);
}

#[test]
fn utf_16le_with_a_bom_is_decoded() {
    let fixture = "encodings/utf-16le-bom.xml";
    assert!(fixture_bytes(fixture).starts_with(&[0xFF, 0xFE, b'<', 0]));
    let items = test_over_http(fixture, RSS);
    assert_items(fixture, &items, &CYRILLIC);
    assert_cyrillic_summary(fixture, &items);
}

#[test]
fn utf_16be_with_a_bom_is_decoded() {
    let fixture = "encodings/utf-16be-bom.xml";
    assert!(fixture_bytes(fixture).starts_with(&[0xFE, 0xFF, 0, b'<']));
    let items = test_over_http(fixture, RSS);
    assert_items(fixture, &items, &CYRILLIC);
    assert_cyrillic_summary(fixture, &items);
}

#[test]
fn the_http_charset_decodes_a_prolog_without_encoding() {
    let fixture = "encodings/charset-header-only.xml";
    let bytes = fixture_bytes(fixture);
    assert!(bytes.starts_with(b"<?xml version=\"1.0\"?>"));
    let items = test_over_http(fixture, "application/rss+xml; charset=windows-1251");
    assert_items(fixture, &items, &CYRILLIC);
    assert_cyrillic_summary(fixture, &items);

    // Read as a file there is no header, so the same bytes are not read as
    // Cyrillic: it is the header that did it.
    let path = fixture_path(fixture);
    let items = test_json(&path);
    assert_eq!(items.len(), CYRILLIC.len(), "{path}: {items:#?}");
    assert_ne!(text(&items[0], "title"), CYRILLIC[0].title, "{path}");
}

#[test]
fn a_file_is_decoded_from_its_prolog_alone() {
    for (fixture, expected) in [
        ("encodings/windows-1251.xml", &CYRILLIC),
        ("encodings/windows-1250.xml", &LATIN),
    ] {
        let path = fixture_path(fixture);
        let items = test_json(&path);
        assert_items(&path, &items, expected);
    }
}

/// What one item of a broken fixture must come out as.
struct Repaired {
    title: &'static str,
    lists: &'static [&'static str],
}

fn assert_repaired(fixture: &str, expected: &[Repaired]) -> Vec<Value> {
    let items = test_over_http(fixture, RSS);
    assert_eq!(items.len(), expected.len(), "{fixture}: {items:#?}");
    for (item, want) in items.iter().zip(expected) {
        assert_eq!(text(item, "title"), want.title, "{fixture}: {item}");
        assert_eq!(lists(item), want.lists, "{fixture}: {item}");
    }
    items
}

#[test]
fn a_bare_ampersand_is_repaired() {
    assert_repaired(
        "broken/bare-ampersand.xml",
        &[
            Repaired {
                title: "Kosovo & Serbia talks resume in Brussels",
                lists: &["kosovo", "serbia"],
            },
            Repaired {
                title: "Markets & weather",
                lists: &[],
            },
        ],
    );
}

#[test]
fn rss_without_a_version_is_read_as_rss_2() {
    let items = assert_repaired(
        "broken/no-version.xml",
        &[
            Repaired {
                title: "KFOR patrols near Jarinje",
                lists: &["kfor", "kosovo"],
            },
            Repaired {
                title: "Local football results",
                lists: &[],
            },
        ],
    );
    assert_eq!(text(&items[0], "published"), "2026-11-28T14:30:00Z");
}

#[test]
fn blank_lines_before_the_prolog_are_dropped() {
    assert!(fixture_bytes("broken/leading-blank-line.xml").starts_with(b"\n\n"));
    assert_repaired(
        "broken/leading-blank-line.xml",
        &[
            Repaired {
                title: "Serbia and Kosovo agree on energy roadmap",
                lists: &["kosovo", "serbia"],
            },
            Repaired {
                title: "Gardening tips for November",
                lists: &[],
            },
        ],
    );
}

#[test]
fn html_entities_are_decoded_without_a_dtd() {
    // `&nbsp;` comes out as a plain space (U+0020), `&mdash;` as U+2014
    // and `&eacute;` as U+00E9; the phrase "Kosovo&nbsp;Force" still hits.
    let items = assert_repaired(
        "broken/html-entities.xml",
        &[
            Repaired {
                title: "Kosovo Force chief meets Vučić \u{2014} talks \u{e9}tablies",
                lists: &["kfor", "kosovo", "serbia"],
            },
            Repaired {
                title: "Weather \u{2014} sunny and warm",
                lists: &[],
            },
        ],
    );
    assert!(!text(&items[0], "title").contains('\u{a0}'));
    assert!(
        snippets(&items[0], "title")
            .contains(&"**Kosovo Force** chief meets Vučić — talks établies"),
        "{}",
        items[0]
    );
    let summary = snippets(&items[0], "summary");
    assert!(
        summary.contains(&"Café diplomacy in **Belgrade**…"),
        "{summary:?}"
    );
}

#[test]
fn odd_dates_are_read_as_utc() {
    let items = assert_repaired(
        "broken/odd-dates.xml",
        &[
            Repaired {
                title: "Serbia: CEST zone abbreviation",
                lists: &["serbia"],
            },
            Repaired {
                title: "Kosovo: regional date without zone",
                lists: &["kosovo"],
            },
            Repaired {
                title: "KFOR: long weekday and month names",
                lists: &["kfor"],
            },
        ],
    );
    let published: Vec<&str> = items.iter().map(|item| text(item, "published")).collect();
    assert_eq!(
        published,
        [
            // "Sat, 28 Nov 2026 14:30:00 CEST": CEST is +02:00.
            "2026-11-28T12:30:00Z",
            // "28.11.2026 14:30": no zone, so UTC.
            "2026-11-28T14:30:00Z",
            // "Thursday, 13 July 2026 07:38:00 GMT": the wrong weekday is ignored.
            "2026-07-13T07:38:00Z",
        ]
    );
}

/// Runs `newswatch test` on a document served at `path` that cannot be
/// parsed, and returns the reason it gave.
fn unparseable(path: &str, body: &[u8], content_type: &str) -> String {
    let server = TestServer::start();
    server.serve_feed(path, body.to_vec(), content_type);
    let url = server.url(path);
    let output = newswatch(&["test", "--json", "--config", shipped_config(), &url]);
    assert!(!output.status.success(), "{url}: {}", describe(&output));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let line = stderr
        .lines()
        .find(|line| line.contains(&url))
        .unwrap_or_else(|| panic!("no line names {url}: {}", describe(&output)));
    let (_, reason) = line
        .split_once("cannot parse feed: ")
        .unwrap_or_else(|| panic!("no reason given: {line}"));
    assert!(!reason.trim().is_empty(), "empty reason: {line}");
    reason.to_string()
}

#[test]
fn a_feed_that_cannot_be_repaired_fails_naming_the_source() {
    let truncated = unparseable(
        "/truncated.xml",
        b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>t</title><ite",
        RSS,
    );
    assert!(
        truncated.contains("XML") || truncated.contains("end of input"),
        "{truncated}"
    );
    let page = unparseable(
        "/page.html",
        b"<!DOCTYPE html>\n<html><head><title>Not a feed</title></head>\
          <body><p>Hello &amp; welcome</p></body></html>\n",
        "text/html; charset=utf-8",
    );
    assert!(!page.is_empty());
}
