//! newswatch's parser against Python's feedparser, the most lenient feed
//! parser in common use, over tests/fixtures/corpus/: feeds from the test
//! suites of parsers in Go, Java, Kotlin, JavaScript, PHP, Swift and C++,
//! and real feeds (provenance in each folder's PROVENANCE.tsv).
//!
//! For every document newswatch must find at least as many items as
//! feedparser, in the same order with the same titles (as plain text,
//! whitespace folded) and links (as URLs), except where
//! tests/fixtures/corpus/DISAGREEMENTS.tsv says why not (a listed
//! difference that no longer occurs fails too, so the list stays true).
//! Over the whole corpus it must find at least 99.5% of feedparser's items
//! (it finds all of them today), and a
//! document where it finds fewer may never look like a success: it must
//! fail to parse or report the items it dropped.
//!
//! feedparser comes from `NEWSWATCH_FEEDPARSER_PYTHONPATH` (`.ci/run`
//! installs it there) or the Python environment; without it the test is
//! recorded as skipped (support::service_missing), and under CI=true it
//! fails.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use newswatch::parse::html::to_plain_text;
use newswatch::parse::{MAX_TITLE_CHARS, parse_feed};
use newswatch::text::plain::collapse_whitespace;

use crate::support::feedparser_python;

const BASE: &str = "https://corpus.example/feed/";

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// What feedparser found in one file.
#[derive(serde::Deserialize)]
struct Reference {
    file: String,
    entries: Vec<ReferenceEntry>,
}

#[derive(serde::Deserialize)]
struct ReferenceEntry {
    title: Option<String>,
    link: Option<String>,
}

/// One documented disagreement: a file, what differs, and why.
struct Excuse {
    what: String,
    reason: String,
}

/// Every corpus document (not the provenance or disagreement lists),
/// relative to the corpus folder, sorted.
fn documents(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for source in std::fs::read_dir(dir).expect("corpus folder").flatten() {
        if !source.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(source.path())
            .expect("source folder")
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            if file.path().is_file() && name != "PROVENANCE.tsv" {
                files.push(format!("{}/{name}", source.file_name().to_string_lossy()));
            }
        }
    }
    files.sort();
    files
}

fn references(mut python: Command, dir: &Path, files: &[String]) -> HashMap<String, Reference> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/feedparser-items.py");
    let output = python
        .arg(script)
        .arg(BASE)
        .args(files)
        .current_dir(dir)
        .output()
        .expect("run feedparser-items.py");
    assert!(
        output.status.success(),
        "feedparser-items.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("feedparser-items.py writes UTF-8")
        .lines()
        .map(|line| {
            let reference: Reference = serde_json::from_str(line).expect("a JSON line");
            (reference.file.clone(), reference)
        })
        .collect()
}

fn excuses(dir: &Path) -> HashMap<(String, String), Excuse> {
    let text = std::fs::read_to_string(dir.join("DISAGREEMENTS.tsv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut columns = line.splitn(3, '\t');
            let file = columns.next().unwrap_or_default().to_string();
            let what = columns.next().unwrap_or_default().to_string();
            let reason = columns.next().unwrap_or_default().to_string();
            assert!(
                !reason.trim().is_empty(),
                "DISAGREEMENTS.tsv: {file} {what} gives no reason"
            );
            ((file, what.clone()), Excuse { what, reason })
        })
        .collect()
}

/// feedparser's title (HTML, or text with markup escaped) as plain text,
/// folded and cut as newswatch folds and cuts its own.
fn reference_title(text: Option<&str>) -> String {
    let plain = to_plain_text(text.unwrap_or_default());
    newswatch::text::clip::clip(&plain, MAX_TITLE_CHARS)
}

fn link(text: &str) -> String {
    url::Url::parse(text.trim()).map_or_else(|_| text.trim().to_string(), String::from)
}

#[derive(Default)]
struct Tally {
    files: usize,
    reference_items: usize,
    items: usize,
    found: usize,
    agreeing: usize,
    recovered: usize,
    errors: usize,
}

#[test]
fn newswatch_finds_every_item_feedparser_finds() {
    let Some(python) = feedparser_python("differential test against feedparser") else {
        return;
    };
    let dir = corpus();
    let files = documents(&dir);
    assert!(
        files.len() >= 300,
        "the corpus has {} documents",
        files.len()
    );
    let references = references(python, &dir, &files);
    let excuses = excuses(&dir);
    let mut used: Vec<(String, String)> = Vec::new();
    // File, what, the first detail, how many times.
    let mut failures: Vec<(String, String, String, usize)> = Vec::new();
    let mut by_source: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();

    for file in &files {
        let source = file.split('/').next().unwrap_or_default().to_string();
        let reference = &references[file].entries;
        let bytes = std::fs::read(dir.join(file)).expect("read a corpus file");
        let parsed = parse_feed(&bytes, BASE, None);
        let tally = by_source.entry(source).or_default();
        let mut problems: Vec<(String, String)> = Vec::new();
        let (items, silent) = match &parsed {
            Ok(feed) => {
                tally.recovered += feed.recovered;
                total.recovered += feed.recovered;
                (feed.items.as_slice(), feed.dropped() == 0)
            }
            Err(_) => {
                tally.errors += 1;
                total.errors += 1;
                (&[][..], false)
            }
        };
        let mut agreeing = 0;
        for (index, expected) in reference.iter().enumerate() {
            let Some(item) = items.get(index) else {
                break;
            };
            let mut agrees = true;
            let (ours, theirs) = (
                collapse_whitespace(&item.title),
                reference_title(expected.title.as_deref()),
            );
            if ours != theirs {
                agrees = false;
                problems.push((
                    "title".into(),
                    format!("item {index}: {ours:?} vs feedparser {theirs:?}"),
                ));
            }
            if let Some(theirs) = expected.link.as_deref().filter(|l| !l.trim().is_empty()) {
                let ours = item.link.as_deref().map(link);
                if ours.as_deref() != Some(link(theirs).as_str()) {
                    agrees = false;
                    problems.push((
                        "link".into(),
                        format!("item {index}: {ours:?} vs feedparser {:?}", link(theirs)),
                    ));
                }
            }
            agreeing += usize::from(agrees);
        }
        if items.len() < reference.len() {
            let what = if silent { "silent" } else { "items" };
            problems.push((
                what.into(),
                format!(
                    "{} items vs feedparser {} ({})",
                    items.len(),
                    reference.len(),
                    match &parsed {
                        Ok(feed) => format!("{} dropped, reported", feed.dropped()),
                        Err(error) => error.to_string(),
                    }
                ),
            ));
        }
        for (what, detail) in problems {
            let key = (file.clone(), what.clone());
            if excuses.contains_key(&key) && what != "silent" {
                used.push(key);
            } else if let Some(count) = failures
                .iter_mut()
                .find(|(f, w, _, _)| f == file && *w == what)
            {
                count.3 += 1;
            } else {
                failures.push((file.clone(), what, detail, 1));
            }
        }
        for tally in [&mut *tally, &mut total] {
            tally.files += 1;
            tally.reference_items += reference.len();
            tally.items += items.len();
            tally.found += items.len().min(reference.len());
            tally.agreeing += agreeing;
        }
    }

    eprintln!(
        "\n{:<20} {:>6} {:>10} {:>10} {:>10} {:>10} {:>9} {:>7}",
        "source", "files", "feedparser", "newswatch", "found", "agreeing", "recovered", "errors"
    );
    for (source, t) in by_source.iter().chain([(&"TOTAL".to_string(), &total)]) {
        eprintln!(
            "{source:<20} {:>6} {:>10} {:>10} {:>10} {:>10} {:>9} {:>7}",
            t.files, t.reference_items, t.items, t.found, t.agreeing, t.recovered, t.errors
        );
    }
    let percent = |count: usize| 100.0 * count as f64 / total.reference_items.max(1) as f64;
    let share = percent(total.found);
    eprintln!(
        "feedparser's items found: {share:.2}%; with the same title and link: {:.2}%",
        percent(total.agreeing)
    );
    let failures: Vec<String> = failures
        .into_iter()
        .map(|(file, what, detail, count)| format!("{file} {what} ({count} times): {detail}"))
        .collect();
    for failure in &failures {
        eprintln!("DIFFERS: {failure}");
    }
    let stale: Vec<String> = excuses
        .iter()
        .filter(|(key, _)| !used.contains(key))
        .map(|((file, _), excuse)| format!("{file} {}: {}", excuse.what, excuse.reason))
        .collect();
    assert!(
        stale.is_empty(),
        "DISAGREEMENTS.tsv lists what no longer differs:\n{}",
        stale.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} undocumented differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        share >= 99.5,
        "newswatch finds {share:.2}% of feedparser's items"
    );
}

/// Every corpus document is listed in its folder's PROVENANCE.tsv with the
/// repository, path, commit and git blob hash it was copied from, and the
/// bytes are still that blob.
#[test]
fn every_corpus_document_has_its_provenance() {
    let dir = corpus();
    let files = documents(&dir);
    let mut listed: HashMap<String, String> = HashMap::new();
    for source in files
        .iter()
        .filter_map(|f| f.split('/').next())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let table = std::fs::read_to_string(dir.join(source).join("PROVENANCE.tsv"))
            .unwrap_or_else(|e| panic!("{source}/PROVENANCE.tsv: {e}"));
        let mut lines = table.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let column = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .unwrap_or_else(|| panic!("{source}/PROVENANCE.tsv has no {name} column"))
        };
        let (file, repository, commit, blob) = (
            column("file"),
            column("repository"),
            column("commit"),
            column("blob"),
        );
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let cells: Vec<&str> = line.split('\t').collect();
            let cell = |i: usize| cells.get(i).copied().unwrap_or_default();
            assert!(
                cell(repository).contains('/') && cell(commit).len() == 40,
                "{source}/PROVENANCE.tsv: incomplete row {line:?}"
            );
            listed.insert(format!("{source}/{}", cell(file)), cell(blob).to_string());
        }
    }
    let output = Command::new("git")
        .args(["hash-object", "--no-filters", "--stdin-paths"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            let mut stdin = child.stdin.take().expect("stdin");
            let paths: Vec<String> = files
                .iter()
                .map(|f| dir.join(f).display().to_string())
                .collect();
            stdin.write_all(paths.join("\n").as_bytes())?;
            drop(stdin);
            child.wait_with_output()
        })
        .expect("run git hash-object");
    let hashes = String::from_utf8(output.stdout).expect("hex");
    let hashes: Vec<&str> = hashes.lines().collect();
    assert_eq!(
        hashes.len(),
        files.len(),
        "git hash-object answered for every file"
    );
    for (file, hash) in files.iter().zip(hashes) {
        let listed = listed
            .get(file)
            .unwrap_or_else(|| panic!("{file} has no PROVENANCE.tsv row"));
        assert_eq!(
            listed, hash,
            "{file} is not the blob its PROVENANCE.tsv row names"
        );
    }
}
