//! What each hostile 10 MB document costs to parse, against a plain feed
//! of the same size: the parser must stay linear on every adversarial
//! pattern of tests/it/support/hostile.rs. Prints one row a pattern with the
//! median of five parses and its ratio to the plain feed's median.
//! Run with `cargo bench --bench hostile` (the size in MiB may follow:
//! `cargo bench --bench hostile -- 20`).

#[path = "../tests/it/support/hostile.rs"]
mod hostile;

use std::time::{Duration, Instant};

use newswatch::parse::parse_feed;

const RUNS: usize = 5;

fn median(bytes: &[u8]) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let parsed = parse_feed(bytes, "https://n.example/feed", None);
            let took = started.elapsed();
            std::hint::black_box(parsed.map(|p| p.items.len()).ok());
            took
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let mib: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let size = mib * 1024 * 1024;
    let plain = hostile::plain(size);
    let base = median(&plain);
    println!("{mib} MiB documents, median of {RUNS} parses");
    println!("{:<46} {:>10} {:>8}", "document", "time", "ratio");
    println!(
        "{:<46} {:>8.0}ms {:>8}",
        "plain feed",
        base.as_secs_f64() * 1e3,
        "1.0"
    );
    let mut worst = ("", 0.0f64);
    for (name, bytes) in hostile::cases(size) {
        let took = median(&bytes);
        let ratio = took.as_secs_f64() / base.as_secs_f64();
        if ratio > worst.1 {
            worst = (name, ratio);
        }
        println!(
            "{name:<46} {:>8.0}ms {ratio:>8.2}",
            took.as_secs_f64() * 1e3
        );
    }
    println!("worst: {} at {:.2} times the plain feed", worst.0, worst.1);
}
