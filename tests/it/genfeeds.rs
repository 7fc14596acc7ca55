//! The benchmarks' feed generator (bench/genfeeds), which the corpus tests
//! and bench/run.sh rely on: the same seed writes the same corpus, every
//! feed parses into exactly the items its truth lists, and the corpus
//! holds what the corpus tests measure: the three formats, the on-topic
//! share, and stories syndicated across feeds under tracking parameters
//! and edited headlines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::genfeeds::{Options, generate};

fn options(feeds: usize, items: usize) -> Options {
    Options {
        feeds,
        items,
        ..Options::default()
    }
}

/// The truth file's rows.
fn truth(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("truth.jsonl"))
        .expect("truth.jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON truth line"))
        .collect()
}

/// Every file the corpus holds, by path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    for name in ["urls.txt", "truth.jsonl"] {
        found.insert(name.to_string(), std::fs::read(dir.join(name)).expect(name));
    }
    for entry in std::fs::read_dir(dir.join("feeds")).expect("feeds") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy();
        found.insert(format!("feeds/{name}"), std::fs::read(&path).expect("feed"));
    }
    found
}

#[test]
fn the_same_seed_writes_the_same_corpus() {
    let (a, b, c) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    generate(a.path(), &options(12, 20)).expect("first");
    generate(b.path(), &options(12, 20)).expect("second");
    let other = Options {
        seed: 99,
        ..options(12, 20)
    };
    generate(c.path(), &other).expect("other seed");
    let first = files(a.path());
    assert_eq!(first.len(), 14, "12 feeds, urls.txt and truth.jsonl");
    assert!(first == files(b.path()), "the same seed, the same bytes");
    assert!(
        first["truth.jsonl"] != files(c.path())["truth.jsonl"],
        "another seed, another corpus"
    );
}

#[test]
fn a_share_outside_0_to_1_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let share = Options {
        relevant: 1.5,
        ..options(1, 1)
    };
    let error = generate(dir.path(), &share).expect_err("1.5 is no share");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn every_feed_parses_into_the_items_its_truth_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = generate(dir.path(), &options(30, 40)).expect("generate");
    let urls = std::fs::read_to_string(dir.path().join("urls.txt")).expect("urls.txt");
    let expected_urls: Vec<String> = (0..30)
        .map(|n| format!("http://127.0.0.1:{{PORT}}/feeds/f{n:05}.xml"))
        .collect();
    assert_eq!(urls.lines().collect::<Vec<_>>(), expected_urls);

    let mut by_feed: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in truth(dir.path()) {
        by_feed
            .entry(row["feed"].as_str().expect("feed").to_string())
            .or_default()
            .push((
                row["id"].as_str().expect("id").to_string(),
                row["title"].as_str().expect("title").to_string(),
            ));
    }
    assert_eq!(by_feed.len(), 30);
    assert_eq!(by_feed.values().map(Vec::len).sum::<usize>(), summary.items);
    for (feed, expected) in &by_feed {
        let bytes = std::fs::read(dir.path().join("feeds").join(feed)).expect("feed");
        let url = format!("http://127.0.0.1:8080/feeds/{feed}");
        let parsed = newswatch::parse::parse_feed(&bytes, &url, None).expect("parses");
        assert!(!parsed.repaired, "{feed} is well-formed");
        let got: Vec<(String, String)> = parsed
            .items
            .iter()
            .map(|item| {
                let id = item.source_id.clone().or_else(|| item.link.clone());
                (id.unwrap_or_default(), item.title.clone())
            })
            .collect();
        assert_eq!(&got, expected, "{feed}: ids and titles as the truth says");
    }
}

#[test]
fn the_corpus_mixes_formats_topics_and_syndicated_copies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = generate(dir.path(), &options(100, 50)).expect("generate");
    let rows = truth(dir.path());
    assert_eq!(rows.len(), 5000);

    let mut formats: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut story_feeds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut tracked, mut own_address, mut suffixed, mut updated) = (0, 0, 0, 0);
    for row in &rows {
        let feed = row["feed"].as_str().expect("feed").to_string();
        let format = row["format"].as_str().expect("format").to_string();
        formats
            .entry(format.clone())
            .or_default()
            .insert(feed.clone());
        let topics = row["topics"].as_array().expect("topics");
        let Some(story) = row["story"].as_str() else {
            assert!(topics.is_empty(), "off-topic items have no topics: {row}");
            continue;
        };
        assert!(!topics.is_empty(), "on-topic items have topics: {row}");
        story_feeds
            .entry(story.to_string())
            .or_default()
            .insert(feed);
        let title = row["title"].as_str().expect("title");
        suffixed += usize::from(title.contains(" - Example Wire "));
        updated += usize::from(title.starts_with("UPDATE: "));
        if format == "rdf" {
            let link = row["id"].as_str().expect("id");
            tracked += usize::from(link.contains("?utm_source="));
            own_address += usize::from(link.contains(".example.com/world/"));
        }
    }
    let feeds_of = |format: &str| formats.get(format).map_or(0, BTreeSet::len);
    assert_eq!(
        (feeds_of("rss2"), feeds_of("atom"), feeds_of("rdf")),
        (40, 30, 30)
    );
    let share = summary.on_topic as f64 / summary.items as f64;
    assert!((0.06..=0.10).contains(&share), "on-topic share {share}");
    assert_eq!(story_feeds.len(), 14, "every story is told");
    assert!(
        story_feeds.values().all(|feeds| feeds.len() >= 5),
        "every story is syndicated into several feeds: {story_feeds:?}"
    );
    assert!(
        tracked > 0 && own_address > 0,
        "copies at the shared link with tracking ({tracked}) and at the outlet's own ({own_address})"
    );
    assert!(
        suffixed > 0 && updated > 0,
        "edited headlines: {suffixed} with a suffix, {updated} updates"
    );
}
