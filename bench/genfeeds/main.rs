//! `genfeeds`: writes the synthetic feed corpus of the benchmarks
//! (bench/run.sh, bench/soak.sh): feeds, urls.txt and truth.jsonl.
//!
//!     cargo run --release --example genfeeds -- DIR [--feeds N] [--items M] [--seed S] [--relevant P]

#[path = "mod.rs"]
mod genfeeds;

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

/// Writes a reproducible corpus of synthetic news feeds: DIR/feeds/*.xml
/// (RSS 2.0, Atom, RSS 1.0), DIR/urls.txt (with a {PORT} placeholder) and
/// DIR/truth.jsonl (each item's topics and story).
#[derive(Parser)]
struct Args {
    /// Where to write the corpus (created if missing).
    out: PathBuf,
    /// How many feeds.
    #[arg(long, default_value_t = genfeeds::Options::default().feeds)]
    feeds: usize,
    /// Items in each feed.
    #[arg(long, default_value_t = genfeeds::Options::default().items)]
    items: usize,
    /// The seed: the same seed gives the same corpus.
    #[arg(long, default_value_t = genfeeds::Options::default().seed)]
    seed: u64,
    /// The share of items on topic, from 0 to 1.
    #[arg(long, default_value_t = genfeeds::Options::default().relevant)]
    relevant: f64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = genfeeds::Options {
        feeds: args.feeds,
        items: args.items,
        seed: args.seed,
        relevant: args.relevant,
    };
    let summary = genfeeds::generate(&args.out, &options)
        .with_context(|| format!("writing the corpus to {}", args.out.display()))?;
    println!(
        "{} feeds, {} items, {} on topic, in {}",
        summary.feeds,
        summary.items,
        summary.on_topic,
        args.out.display()
    );
    Ok(())
}
