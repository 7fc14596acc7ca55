//! Article extraction throughput, in bytes of HTML per second: the real
//! news pages of tests/fixtures/articles, and 2 MiB hostile bodies (deep
//! nesting, 64k paragraphs, unclosed tags, a huge attribute) whose times
//! show the work stays linear. Run with `cargo bench --bench extract`.

use std::hint::black_box;
use std::path::PathBuf;

use divan::Bencher;
use divan::counter::BytesCount;
use newswatch::fulltext::extract::extract;

fn main() {
    divan::main();
}

const PAGES: [&str; 9] = [
    "bbc-1",
    "nytimes-1",
    "cnn",
    "ars-1",
    "aktualne",
    "lemonde-1",
    "seattletimes-1",
    "wapo-1",
    "heise",
];

fn page(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/articles")
        .join(format!("{name}.html"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// All nine real pages, one after another.
#[divan::bench(sample_count = 10)]
fn real_pages(bencher: Bencher) {
    let pages: Vec<Vec<u8>> = PAGES.iter().map(|name| page(name)).collect();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        for html in &pages {
            let _ = black_box(extract(black_box(html), None, "https://site.example/a"));
        }
    });
}

/// Each real page alone.
#[divan::bench(args = PAGES, sample_count = 10)]
fn one_page(bencher: Bencher, name: &str) {
    let html = page(name);
    bencher
        .counter(BytesCount::new(html.len()))
        .bench(|| black_box(extract(black_box(&html), None, "https://site.example/a")));
}

const BIG: usize = 2 << 20;

fn hostile(kind: &str, size: usize) -> String {
    let repeat = |unit: &str| unit.repeat(size / unit.len());
    match kind {
        "deep divs" => format!("<html><body>{}text{}", repeat("<div>"), repeat("</div>")),
        "deep tables" => format!("<html><body>{}text", repeat("<table><tr><td>")),
        "nested blocks of 128" => {
            let unit = format!("{}words here{}", "<div>".repeat(128), "</div>".repeat(128));
            format!("<html><body>{}", unit.repeat(size / unit.len()))
        }
        "64k paragraphs" => format!(
            "<html><body><article>{}",
            repeat("<p>Some words of a paragraph.</p>")
        ),
        "unclosed tags" => format!(
            "<html><body>{}",
            repeat("<p><b><i><span>words, more words ")
        ),
        "huge attribute" => format!(
            "<html><body><div class=\"{}\"><p>Words.</p></div>",
            repeat("a")
        ),
        _ => unreachable!(),
    }
}

/// Hostile 2 MiB bodies, and the same at 1 MiB: time should double, not
/// quadruple.
#[divan::bench(
    args = ["deep divs", "deep tables", "nested blocks of 128", "64k paragraphs", "unclosed tags", "huge attribute"],
    consts = [1, 2],
    sample_count = 3,
    sample_size = 1
)]
fn hostile_mib<const MIB: usize>(bencher: Bencher, kind: &str) {
    let html = hostile(kind, BIG / 2 * MIB);
    bencher.counter(BytesCount::new(html.len())).bench(|| {
        black_box(extract(
            black_box(html.as_bytes()),
            None,
            "https://site.example/a",
        ))
    });
}
