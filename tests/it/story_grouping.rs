//! Story grouping measured against the reference corpus: 200 feeds of 50
//! items from the benchmarks' generator (bench/genfeeds), where the same story is syndicated under different
//! ids, at shared links (with tracking parameters) or the outlet's own,
//! some with an outlet suffix or an "UPDATE:" prefix. After `newswatch
//! once` over all of them, every on-topic item's story (from the store) is
//! compared with the truth: pair precision at least 0.99 and recall at
//! least 0.95. The figures are printed (run with `--nocapture`).

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{TestServer, describe, generate_corpus, newswatch, read_json_lines};
use newswatch::store::Store;

/// Pairs of items: grouped by us, grouped in the truth, both.
fn pair_counts(items: &[(String, String)]) -> (u64, u64, u64) {
    let (mut predicted, mut actual, mut both) = (0, 0, 0);
    for (i, (ours_a, truth_a)) in items.iter().enumerate() {
        for (ours_b, truth_b) in &items[i + 1..] {
            let p = ours_a == ours_b;
            let t = truth_a == truth_b;
            predicted += u64::from(p);
            actual += u64::from(t);
            both += u64::from(p && t);
        }
    }
    (predicted, actual, both)
}

#[tokio::test]
async fn stories_group_like_the_truth_says() {
    let corpus = tempfile::tempdir().expect("tempdir");
    generate_corpus(corpus.path(), 200, 50);
    let server = TestServer::start();
    let mut feeds = Vec::new();
    for entry in std::fs::read_dir(corpus.path().join("feeds")).expect("feeds") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        server.serve_feed(
            &format!("/feeds/{name}"),
            std::fs::read(&path).expect("read"),
            "application/rss+xml",
        );
        feeds.push(name);
    }
    feeds.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts_path = dir.path().join("alerts.jsonl");
    let lists = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/newswatch.toml"
    ))
    .expect("shipped config");
    let watch_lists = &lists[lists.find("[[watch]]").expect("lists")
        ..lists
            .find("# ----------------------------------------------------------------- sinks")
            .unwrap_or(lists.len())];
    let mut config = format!(
        "[state]\ndirectory = {:?}\n\n[poll]\nbacklog = \"all\"\nconcurrency = 32\nper_host = 32\n\n",
        dir.path().join("state")
    );
    for name in &feeds {
        config.push_str(&format!(
            "[[feed]]\nname = {name:?}\nurl = {:?}\n",
            server.url(&format!("/feeds/{name}"))
        ));
    }
    config.push_str(watch_lists);
    config.push_str(&format!(
        "\n[[sink]]\ntype = \"file\"\npath = {alerts_path:?}\n"
    ));
    let config_path = dir.path().join("newswatch.toml");
    std::fs::write(&config_path, config).expect("config");
    let output = newswatch(&["once", "--config", &config_path.to_string_lossy()]);
    assert!(output.status.success(), "{}", describe(&output));

    // Each on-topic item's story, ours and the truth's.
    let url = format!(
        "sqlite://{}?mode=rw",
        dir.path().join("state/newswatch.db").display()
    );
    let store = Store::open(&url).await.expect("store");
    let truth = std::fs::read_to_string(corpus.path().join("truth.jsonl")).expect("truth");
    let mut items: Vec<(String, String)> = Vec::new();
    let mut combinations: BTreeSet<(String, String)> = BTreeSet::new();
    let mut missing = 0;
    for line in truth.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("truth line");
        let Some(story) = row["story"].as_str() else {
            continue;
        };
        let feed = row["feed"].as_str().expect("feed");
        let id = row["id"].as_str().expect("id");
        let feed_url = server.url(&format!("/feeds/{feed}"));
        let key = if row["format"] == "rdf" {
            newswatch::parse::item_key(&feed_url, None, Some(id), "", None)
        } else {
            newswatch::parse::item_key(&feed_url, Some(id), None, "", None)
        };
        match store.story_of(key.as_str()).await.expect("story") {
            Some(ours) => items.push((ours, story.to_string())),
            None => missing += 1,
        }
        let topics: Vec<&str> = row["topics"]
            .as_array()
            .expect("topics")
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        combinations.insert((story.to_string(), topics.join(",")));
    }
    store.close().await;
    assert_eq!(missing, 0, "every on-topic item has a story");

    let (predicted, actual, both) = pair_counts(&items);
    let precision = both as f64 / predicted.max(1) as f64;
    let recall = both as f64 / actual.max(1) as f64;
    let alerts = read_json_lines(&alerts_path);
    let truth_stories: BTreeSet<&str> = items.iter().map(|(_, t)| t.as_str()).collect();
    let our_stories: BTreeSet<&str> = items.iter().map(|(o, _)| o.as_str()).collect();
    let mut per_story: BTreeMap<String, usize> = BTreeMap::new();
    for alert in &alerts {
        *per_story
            .entry(alert["story"].as_str().expect("story").to_string())
            .or_default() += 1;
    }
    let mut confusion: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for (ours, truth) in &items {
        *confusion
            .entry(ours.as_str())
            .or_default()
            .entry(truth.as_str())
            .or_default() += 1;
    }
    for (ours, truths) in &confusion {
        if truths.len() > 1 {
            println!("our story {ours} mixes truth stories {truths:?}");
        }
    }
    println!(
        "on-topic items: {}, truth stories: {}, our stories: {}",
        items.len(),
        truth_stories.len(),
        our_stories.len()
    );
    println!(
        "story/list combinations in the truth: {}, alerts sent: {}",
        combinations.len(),
        alerts.len()
    );
    println!("pairs grouped: {predicted}, pairs in the truth: {actual}, agreeing: {both}");
    println!("pair precision {precision:.4}, pair recall {recall:.4}");
    assert!(precision >= 0.99, "precision {precision}");
    assert!(recall >= 0.95, "recall {recall}");
    assert!(
        alerts.len() <= combinations.len(),
        "at most one alert per story and list combination"
    );
}
