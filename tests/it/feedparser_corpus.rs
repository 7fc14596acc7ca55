//! newswatch's parser survives Python feedparser's test corpus: about
//! 2,250 small well-formed, ill-formed, encoding, entity and compressed
//! documents. Each is parsed in-process, on its own thread, under
//! `catch_unwind` and with a deadline; a parse error is fine, a panic or a
//! hang is a failure that names the file.
//!
//! The corpus is fetched by `scripts/feedparser-corpus.sh DIR` and found
//! through `NEWSWATCH_FEEDPARSER_CORPUS=DIR`. Without it the test is
//! recorded as skipped (support::service_missing), and under CI=true it
//! fails.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswatch::parse::parse_feed;

use crate::support::service_missing;

/// How long one file may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(10);

const FEED_URL: &str = "https://corpus.example/feed";

/// What parsing one file came to.
enum Outcome {
    Parsed { items: usize, repaired: bool },
    Error(String),
    Panicked(String),
}

/// Where panics happened, by thread name (the file), as the panic hook saw
/// them: "file:line:column: message".
type PanicLog = Arc<Mutex<HashMap<String, String>>>;

fn corpus_dir() -> Option<PathBuf> {
    let why = match std::env::var_os("NEWSWATCH_FEEDPARSER_CORPUS") {
        None => "NEWSWATCH_FEEDPARSER_CORPUS is not set".to_string(),
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if files_under(&dir).is_empty() {
                format!("{} is missing or holds no files", dir.display())
            } else {
                return Some(dir);
            }
        }
    };
    service_missing(
        &format!("feedparser corpus test ({why})"),
        "scripts/feedparser-corpus.sh DIR (needs python3-pip), \
         then NEWSWATCH_FEEDPARSER_CORPUS=DIR",
    );
    None
}

/// Every file under `dir`, recursively, sorted; empty if `dir` cannot be read.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind) if kind.is_file() => files.push(path),
                _ => {}
            }
        }
    }
    files.sort();
    files
}

/// A panic hook that records each panic's location and message under its
/// thread's name, then lets the default hook print it as usual.
fn record_panics() -> PanicLog {
    let log: PanicLog = Arc::default();
    let shared = Arc::clone(&log);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>").to_string();
        let location = info
            .location()
            .map_or_else(|| "<unknown location>".to_string(), ToString::to_string);
        let entry = format!("{location}: {}", payload_text(info.payload()));
        shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(name, entry);
        previous(info);
    }));
    log
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".to_string())
}

/// Parses `bytes` on a thread named `name`; `None` if it did not finish
/// within the deadline (the thread is left running).
fn parse_with_deadline(name: &str, bytes: Vec<u8>) -> Option<(Outcome, Duration)> {
    let (send, receive) = mpsc::channel();
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let started = Instant::now();
            let result = std::panic::catch_unwind(|| parse_feed(&bytes, FEED_URL, None));
            let elapsed = started.elapsed();
            let outcome = match result {
                Ok(Ok(feed)) => Outcome::Parsed {
                    items: feed.items.len(),
                    repaired: feed.repaired,
                },
                Ok(Err(error)) => Outcome::Error(error.to_string()),
                Err(payload) => Outcome::Panicked(payload_text(payload.as_ref())),
            };
            // The receiver is gone only if the file already counted as hung.
            let _ = send.send((outcome, elapsed));
        })
        .expect("spawn a parser thread");
    receive.recv_timeout(DEADLINE).ok()
}

#[test]
fn no_feedparser_test_document_panics_or_hangs_the_parser() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let files = files_under(&dir);
    let panic_log = record_panics();
    let started = Instant::now();

    let mut parsed = 0usize;
    let mut repaired = 0usize;
    let mut items = 0usize;
    let mut errors: HashMap<String, usize> = HashMap::new();
    let mut error_count = 0usize;
    let mut panics: Vec<String> = Vec::new();
    let mut hangs: Vec<String> = Vec::new();
    let mut times: Vec<(Duration, String)> = Vec::new();

    for path in &files {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let bytes = std::fs::read(path).expect("corpus file is readable");
        match parse_with_deadline(&name, bytes) {
            None => {
                hangs.push(format!(
                    "{name}: still parsing after {DEADLINE:?} (thread left running)"
                ));
                times.push((DEADLINE, name));
            }
            Some((outcome, elapsed)) => {
                match outcome {
                    Outcome::Parsed {
                        items: count,
                        repaired: was_repaired,
                    } => {
                        parsed += 1;
                        items += count;
                        repaired += usize::from(was_repaired);
                    }
                    Outcome::Error(message) => {
                        error_count += 1;
                        let kind: String = message.chars().take(90).collect();
                        *errors.entry(kind).or_default() += 1;
                    }
                    Outcome::Panicked(message) => {
                        let at = panic_log
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .get(&name)
                            .cloned()
                            .unwrap_or_else(|| message.clone());
                        panics.push(format!("{name}: panicked at {at}"));
                    }
                }
                times.push((elapsed, name));
            }
        }
    }
    let total = started.elapsed();

    eprintln!();
    eprintln!("feedparser corpus summary ({})", dir.display());
    eprintln!("  files:        {}", files.len());
    eprintln!("  parsed ok:    {parsed} ({repaired} after repairs, {items} items)");
    eprintln!("  parse errors: {error_count}");
    eprintln!("  panics:       {}", panics.len());
    eprintln!("  hangs:        {}", hangs.len());
    eprintln!("  total time:   {total:.2?}");
    let mut common: Vec<(&String, &usize)> = errors.iter().collect();
    common.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    eprintln!("  most common parse errors:");
    for (message, count) in common.iter().take(8) {
        eprintln!("    {count:>5}  {message}");
    }
    times.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    eprintln!("  slowest files:");
    for (elapsed, name) in times.iter().take(10) {
        eprintln!("    {elapsed:>10.2?}  {name}");
    }
    for failure in panics.iter().chain(&hangs) {
        eprintln!("FAILED: {failure}");
    }

    assert!(!files.is_empty(), "no files under {}", dir.display());
    assert!(
        panics.is_empty() && hangs.is_empty(),
        "{} panics and {} hangs:\n{}",
        panics.len(),
        hangs.len(),
        panics
            .iter()
            .chain(&hangs)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
