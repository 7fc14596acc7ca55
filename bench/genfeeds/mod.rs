//! A reproducible corpus of synthetic news feeds, for the load tests and
//! benchmarks (`bench/run.sh`, `bench/soak.sh`) and the tests that measure
//! the shipped lists and story grouping against a known truth. The
//! `genfeeds` example is its command line; tests include this module.
//!
//! `generate(DIR, options)` writes `DIR/feeds/fNNNNN.xml` (RSS 2.0, Atom
//! 1.0 and RSS 1.0 mixed), `DIR/urls.txt` (one
//! `http://127.0.0.1:{PORT}/feeds/...` URL a line, `{PORT}` left for the
//! caller) and `DIR/truth.jsonl`: for every item its feed, format, id,
//! title, the topics (kosovo, kfor, serbia) a careful reader tags it with,
//! and, for on-topic items, the story it belongs to.
//!
//! About `relevant` of the items are on topic (words.rs says how they are
//! worded). The same story is syndicated into several feeds under
//! different ids: most copies share one link up to tracking parameters
//! (`utm_source`, `utm_medium`), the others sit at the outlet's own
//! address, and some carry a publisher suffix or an "UPDATE:" prefix on the
//! headline, so cross-feed duplicates and near-duplicates exist on purpose.
//! The same seed gives the same corpus, byte for byte.

mod formats;
mod words;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sha2::{Digest, Sha256};

pub use formats::Format;
use words::{DETAIL, FILLER, ON_TOPIC};

/// What to generate; `Options::default()` is the benchmarks' corpus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// How many feeds.
    pub feeds: usize,
    /// Items in each feed.
    pub items: usize,
    /// The seed: the same seed gives the same corpus.
    pub seed: u64,
    /// The share of items that are on topic, from 0 to 1.
    pub relevant: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            feeds: 1000,
            items: 50,
            seed: 7,
            relevant: 0.08,
        }
    }
}

/// What `generate` wrote, for its caller to report or check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Feeds written.
    pub feeds: usize,
    /// Items written, over all feeds.
    pub items: usize,
    /// Items on topic.
    pub on_topic: usize,
}

/// One generated item, as every format writes it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The headline, edited per outlet for syndicated copies.
    pub title: String,
    /// The summary.
    pub body: String,
    /// The link; the identity of RSS 1.0 items.
    pub link: String,
    /// The guid (RSS 2.0) or id (Atom).
    pub guid: String,
    /// When it was published.
    pub published: DateTime<Utc>,
    /// The topics a careful reader tags it with.
    pub topics: BTreeSet<&'static str>,
    /// The story it belongs to, for on-topic items.
    pub story: Option<String>,
}

/// An item's words, before it gets its id and date.
struct Draft {
    title: String,
    body: String,
    link: String,
    topics: BTreeSet<&'static str>,
    story: Option<String>,
}

impl Draft {
    fn into_item(self, guid: String, published: DateTime<Utc>) -> Item {
        Item {
            title: self.title,
            body: self.body,
            link: self.link,
            guid,
            published,
            topics: self.topics,
            story: self.story,
        }
    }
}

/// One line of truth.jsonl.
#[derive(serde::Serialize)]
struct Truth<'a> {
    feed: &'a str,
    format: &'static str,
    id: &'a str,
    title: &'a str,
    topics: &'a BTreeSet<&'static str>,
    story: Option<&'a str>,
}

/// Writes the corpus `options` describe into `out` (created if missing).
pub fn generate(out: &Path, options: &Options) -> std::io::Result<Summary> {
    if !(0.0..=1.0).contains(&options.relevant) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("relevant must be from 0 to 1, not {}", options.relevant),
        ));
    }
    std::fs::create_dir_all(out.join("feeds"))?;
    let mut urls = BufWriter::new(File::create(out.join("urls.txt"))?);
    let mut truth = BufWriter::new(File::create(out.join("truth.jsonl"))?);
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let base = Utc
        .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
        .single()
        .expect("a valid constant date");
    let mut summary = Summary::default();
    for feed_no in 0..options.feeds {
        let items = make_items(&mut rng, feed_no, options, base);
        let format = Format::of(feed_no);
        let updated = items.iter().map(|i| i.published).max().unwrap_or(base);
        let name = format!("f{feed_no:05}.xml");
        std::fs::write(
            out.join("feeds").join(&name),
            format.render(feed_no, &items, updated),
        )?;
        writeln!(urls, "http://127.0.0.1:{{PORT}}/feeds/{name}")?;
        for item in &items {
            let line = Truth {
                feed: &name,
                format: format.name(),
                id: format.id_of(item),
                title: &item.title,
                topics: &item.topics,
                story: item.story.as_deref(),
            };
            serde_json::to_writer(&mut truth, &line)?;
            truth.write_all(b"\n")?;
        }
        summary.feeds += 1;
        summary.items += items.len();
        summary.on_topic += items.iter().filter(|i| i.story.is_some()).count();
    }
    urls.flush()?;
    truth.flush()?;
    Ok(summary)
}

/// The items of feed `feed_no`, published over the three days before `base`.
fn make_items(
    rng: &mut fastrand::Rng,
    feed_no: usize,
    options: &Options,
    base: DateTime<Utc>,
) -> Vec<Item> {
    (0..options.items)
        .map(|i| {
            let published = base - TimeDelta::minutes(rng.i64(0..=60 * 24 * 3));
            let draft = if rng.f64() < options.relevant {
                on_topic(rng, feed_no)
            } else {
                off_topic(rng, feed_no, i)
            };
            let guid = format!(
                "urn:feed{feed_no}:item{i}:{:012x}",
                rng.u64(..) & 0xffff_ffff_ffff
            );
            draft.into_item(guid, published)
        })
        .collect()
}

/// A copy of one of the syndicated stories, as outlet `feed_no` runs it.
fn on_topic(rng: &mut fastrand::Rng, feed_no: usize) -> Draft {
    let (headline, topics) = ON_TOPIC[rng.usize(..ON_TOPIC.len())];
    let mut topics: BTreeSet<&'static str> = topics.iter().copied().collect();
    let mut body = Vec::new();
    for d in sample(rng, DETAIL.len(), 2) {
        let (sentence, mentions) = DETAIL[d];
        body.push(sentence);
        topics.extend(mentions.iter().copied());
    }
    body.extend(sample(rng, FILLER.len(), 2).into_iter().map(|f| FILLER[f]));
    let slug = slug(headline);
    let link = if rng.f64() < 0.4 {
        // The outlet's own copy of a wire story: its own address.
        format!(
            "https://outlet{feed_no}.example.com/world/{slug}-{:04x}",
            rng.u16(..)
        )
    } else {
        format!("https://news.example.org/story/{slug}?utm_source=feed{feed_no}&utm_medium=rss")
    };
    let variant = rng.f64();
    let title = if variant < 0.15 {
        format!("{headline} - Example Wire {feed_no}")
    } else if variant < 0.25 {
        format!("UPDATE: {headline}")
    } else {
        headline.to_string()
    };
    Draft {
        title,
        body: body.join(" "),
        link,
        topics,
        story: Some(slug),
    }
}

/// Item `i` of feed `feed_no`, about nothing watched.
fn off_topic(rng: &mut fastrand::Rng, feed_no: usize, i: usize) -> Draft {
    let headline = FILLER[rng.usize(..FILLER.len())];
    let title = headline.strip_suffix('.').unwrap_or(headline).to_string();
    let body: Vec<&str> = sample(rng, FILLER.len(), 4)
        .into_iter()
        .map(|f| FILLER[f])
        .collect();
    let link = format!(
        "https://site{feed_no}.example.com/a/{feed_no}-{i}-{:08x}",
        rng.u32(..)
    );
    Draft {
        title,
        body: body.join(" "),
        link,
        topics: BTreeSet::new(),
        story: None,
    }
}

/// `k` distinct indices below `n`, in random order (`k <= n`).
fn sample(rng: &mut fastrand::Rng, n: usize, k: usize) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..n).collect();
    for i in 0..k.min(n) {
        let j = rng.usize(i..n);
        pool.swap(i, j);
    }
    pool.truncate(k.min(n));
    pool
}

/// A story's name: the first ten hex digits of its headline's SHA-256.
fn slug(headline: &str) -> String {
    let digest = Sha256::digest(headline.as_bytes());
    digest.iter().take(5).map(|b| format!("{b:02x}")).collect()
}
