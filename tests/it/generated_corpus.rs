//! The shipped lists against the reference corpus: the benchmarks'
//! generator (bench/genfeeds) writes 200 feeds of 50 items and a truth
//! file saying which topics a careful reader tags each item with. `newswatch test
//! --json` over every feed must agree exactly: per-list precision and
//! recall of 1.0. The figures are printed (run with `--nocapture`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::support::{describe, generate_corpus, newswatch};

const LISTS: [&str; 3] = ["kosovo", "kfor", "serbia"];

#[derive(Default, Debug)]
struct Score {
    true_positive: usize,
    false_positive: usize,
    false_negative: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }
    fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

type Topics = BTreeMap<(String, String), BTreeSet<String>>;

fn truth(dir: &Path) -> Topics {
    let text = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth.jsonl");
    text.lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("truth line");
            let key = (
                row["feed"].as_str().expect("feed").to_string(),
                row["id"].as_str().expect("id").to_string(),
            );
            let topics = row["topics"]
                .as_array()
                .expect("topics")
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect();
            (key, topics)
        })
        .collect()
}

fn matched(dir: &Path, feeds: &[String]) -> Topics {
    let config = format!("{}/config/newswatch.toml", env!("CARGO_MANIFEST_DIR"));
    let run = |feed: &String| -> Vec<((String, String), BTreeSet<String>)> {
        let path = dir.join("feeds").join(feed);
        let output = newswatch(&[
            "test",
            "--json",
            "--config",
            &config,
            &path.to_string_lossy(),
        ]);
        assert!(output.status.success(), "{feed}: {}", describe(&output));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| {
                let row: serde_json::Value = serde_json::from_str(line).expect("JSON line");
                let id = row["id"].as_str().expect("id").to_string();
                let lists = row["lists"]
                    .as_array()
                    .expect("lists")
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect();
                ((feed.clone(), id), lists)
            })
            .collect()
    };
    let halves: Vec<&[String]> = feeds.chunks(feeds.len().div_ceil(2).max(1)).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = halves
            .iter()
            .map(|half| scope.spawn(move || half.iter().flat_map(run).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    })
}

#[test]
fn shipped_lists_agree_with_the_reference_corpus() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate_corpus(dir.path(), 200, 50);
    let expected = truth(dir.path());
    let mut feeds: Vec<String> = expected
        .keys()
        .map(|(feed, _)| feed.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    feeds.sort();
    let got = matched(dir.path(), &feeds);
    assert_eq!(got.len(), expected.len(), "every item is printed once");

    let mut scores: HashMap<&str, Score> = HashMap::new();
    let mut wrong = Vec::new();
    for (key, topics) in &expected {
        let found = got.get(key).cloned().unwrap_or_default();
        for list in LISTS {
            let score = scores.entry(list).or_default();
            match (topics.contains(list), found.contains(list)) {
                (true, true) => score.true_positive += 1,
                (false, true) => score.false_positive += 1,
                (true, false) => score.false_negative += 1,
                (false, false) => {}
            }
        }
        if &found != topics {
            wrong.push(format!("{key:?}: expected {topics:?}, got {found:?}"));
        }
    }
    println!("list     items  tp    fp  fn  precision  recall");
    for list in LISTS {
        let s = &scores[list];
        println!(
            "{list:<8} {:<6} {:<5} {:<3} {:<3} {:<10.4} {:.4}",
            expected.len(),
            s.true_positive,
            s.false_positive,
            s.false_negative,
            s.precision(),
            s.recall()
        );
    }
    assert!(
        wrong.is_empty(),
        "{} items disagree, e.g.:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    for list in LISTS {
        assert!(
            scores[list].true_positive > 0,
            "{list}: the corpus has on-topic items"
        );
    }
}
