//! Parsing: feed bytes to [`Item`]s with our own stable keys and clean text.
//!
//! feed-rs does the format work (RSS 0.9x/1.0/2.0, Atom, JSON Feed) from raw
//! bytes, with the feed's URL as base for relative links. Its made-up ids are
//! switched off: an item's key comes from the source's id, else its
//! canonical link, else a hash of feed + folded title + date. Where
//! feed-rs falls short, a lenient reading recovers the items it missed
//! (see [`parse_feed`]).

pub mod alternates;
mod census;
mod dates;
mod decode;
mod entry;
pub mod html;
mod jsonfeed;
mod lenient;
pub mod link;
mod mojibake;
mod repair;

pub use dates::{FoundDate, parse_date, plausible};
pub use decode::to_utf8;
pub use entry::{Fields, MAX_LINK_BYTES, MAX_TEXT_BYTES, MAX_TITLE_CHARS};
pub use repair::repair_xml;

use chrono::{DateTime, Utc};

use crate::model::{Item, ItemKey};
use crate::text::fold::fold;
use dates::DateBook;
use lenient::Scan;

/// A parsed feed: its items, plus what the feed says about itself.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    /// The feed's title, if any.
    pub title: Option<String>,
    /// The items in document order.
    pub items: Vec<Item>,
    /// How often the feed says it changes (`<ttl>`, `sy:updatePeriod`).
    pub refresh_hint: Option<std::time::Duration>,
    /// The encoding the bytes were read as.
    pub encoding: &'static str,
    /// Whether the document needed repairs to parse.
    pub repaired: bool,
    /// How many items the document holds, by the census of its markup
    /// (XML) or its `items` array (JSON Feed).
    pub expected: usize,
    /// Items the lenient reading found that feed-rs did not.
    pub recovered: usize,
    /// Why feed-rs was not enough, when the lenient reading was used.
    pub strict_shortfall: Option<String>,
    /// The language the feed declares (`<language>`, `xml:lang`), as
    /// ISO 639-1.
    pub language: Option<String>,
}

impl ParsedFeed {
    /// Items the document holds that neither reading could find.
    pub fn dropped(&self) -> usize {
        self.expected.saturating_sub(self.items.len())
    }
}

/// Why a feed could not be parsed (the feed is named by the caller).
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not a feed that can be read.
    #[error("cannot parse feed: {0}")]
    Invalid(String),
    /// An HTML page: the message names the feeds it advertises and
    /// `newswatch discover` (see [`alternates::html_page_message`]).
    #[error("cannot parse feed: {0}")]
    HtmlPage(String),
}

impl ParseError {
    fn reason(&self) -> &str {
        match self {
            ParseError::Invalid(reason) | ParseError::HtmlPage(reason) => reason,
        }
    }
}

/// Whether the HTTP Content-Type names an HTML page.
fn is_html_type(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        let essence = t.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("text/html")
            || essence.eq_ignore_ascii_case("application/xhtml+xml")
    })
}

/// Parses feed bytes fetched from (or read for) `feed_url`. `content_type`
/// is the HTTP header (its charset is used when the document names none).
///
/// feed-rs reads the document first (repaired and read again if it fails,
/// see [`repair_xml`]). When it fails, or finds fewer items than the
/// document holds, the lenient reading (quick-xml for XML, item by item
/// for JSON Feed) is used if it finds more. What neither finds is counted
/// in [`ParsedFeed::dropped`].
pub fn parse_feed(
    bytes: &[u8],
    feed_url: &str,
    content_type: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    let now = Utc::now();
    let decoded = to_utf8(bytes, content_type);
    let text: &str = &decoded.text;
    if alternates::looks_like_html(text) {
        return Err(ParseError::HtmlPage(alternates::html_page_message(
            text, feed_url,
        )));
    }
    let is_json = text.trim_start().starts_with('{');
    let book = DateBook::new(now);
    let strict = parse_strict(text, feed_url, is_json, &book);
    let strict_count = strict.as_ref().map_or(0, |(feed, _)| feed.entries.len());
    let (lenient, counted) = if is_json {
        match jsonfeed::scan(text, feed_url, now) {
            Some((scan, count)) => (Some(scan), count),
            None => (None, 0),
        }
    } else {
        let counted = census::count_item_tags(text);
        // The lenient pass runs only when feed-rs fell short.
        let short = strict.is_err() || strict_count < counted;
        (short.then(|| lenient::scan(text, feed_url, now)), counted)
    };
    let lenient_count = lenient.as_ref().map_or(0, |scan| scan.items.len());
    let expected = counted.max(strict_count).max(lenient_count);
    let mut parsed = match (strict, lenient) {
        (Ok((feed, repaired)), lenient)
            if feed.entries.len() >= lenient_count || lenient.is_none() =>
        {
            from_strict(feed, repaired, feed_url, &book)
        }
        (strict, Some(scan)) if lenient_count > 0 => {
            let shortfall = match &strict {
                Ok(_) => format!("feed-rs read {strict_count} of {expected} items"),
                Err(error) => error.reason().to_string(),
            };
            let mut parsed = from_lenient(scan, feed_url);
            parsed.recovered = lenient_count - strict_count;
            parsed.strict_shortfall = Some(shortfall);
            parsed
        }
        (Ok((feed, repaired)), _) => from_strict(feed, repaired, feed_url, &book),
        // A page served as HTML that starts unlike one (a fragment, a
        // stray line before the doctype) is still a page.
        (Err(_), _) if is_html_type(content_type) => {
            return Err(ParseError::HtmlPage(alternates::html_page_message(
                text, feed_url,
            )));
        }
        (Err(error), _) => return Err(error),
    };
    if !is_json && parsed.recovered == 0 && parsed.items.iter().any(|i| i.title.is_empty()) {
        fill_titles(
            &mut parsed.items,
            &lenient::scan(text, feed_url, now),
            feed_url,
        );
    }
    parsed.refresh_hint = parsed.refresh_hint.or_else(|| syndication_period(text));
    parsed.encoding = decoded.encoding;
    parsed.expected = expected;
    Ok(parsed)
}

/// Titles feed-rs left empty, taken from the lenient reading (which also
/// knows `dc:title` and `media:title`) when both found the same items.
fn fill_titles(items: &mut [Item], scan: &Scan, feed_url: &str) {
    if scan.items.len() != items.len() {
        return;
    }
    for (item, fields) in items.iter_mut().zip(&scan.items) {
        if item.title.is_empty() && fields.title.is_some() {
            let found = fields.clone().into_item(feed_url);
            item.title = found.title;
        }
    }
}

/// feed-rs's reading, on the document as it is or else repaired.
fn parse_strict(
    text: &str,
    feed_url: &str,
    is_json: bool,
    book: &DateBook,
) -> Result<(feed_rs::model::Feed, bool), ParseError> {
    match parse_utf8(text.as_bytes(), feed_url, book) {
        Ok(feed) => Ok((feed, false)),
        Err(first) => match repair_xml(text).filter(|_| !is_json) {
            Some(fixed) => parse_utf8(fixed.as_bytes(), feed_url, book)
                .map(|feed| (feed, true))
                .map_err(|_| first),
            None => Err(first),
        },
    }
}

fn from_strict(
    feed: feed_rs::model::Feed,
    repaired: bool,
    feed_url: &str,
    book: &DateBook,
) -> ParsedFeed {
    let title = feed.title.as_ref().map(|t| html::to_plain_text(&t.content));
    let ttl = feed
        .ttl
        .map(|minutes| std::time::Duration::from_secs(u64::from(minutes) * 60));
    let items = feed
        .entries
        .into_iter()
        .map(|entry| fields_of_entry(entry, book).into_item(feed_url))
        .collect();
    ParsedFeed {
        title,
        items,
        refresh_hint: ttl,
        encoding: "",
        repaired,
        expected: 0,
        recovered: 0,
        strict_shortfall: None,
        language: feed
            .language
            .as_deref()
            .and_then(crate::text::lang::declared),
    }
}

fn from_lenient(scan: Scan, feed_url: &str) -> ParsedFeed {
    ParsedFeed {
        title: scan.title.as_deref().map(html::to_plain_text),
        items: scan
            .items
            .into_iter()
            .map(|fields| fields.into_item(feed_url))
            .collect(),
        refresh_hint: None,
        encoding: "",
        repaired: false,
        expected: 0,
        recovered: 0,
        strict_shortfall: None,
        language: None,
    }
}

fn parse_utf8(
    bytes: &[u8],
    feed_url: &str,
    book: &DateBook,
) -> Result<feed_rs::model::Feed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Invalid("the document is empty".into()));
    }
    let parse = || {
        feed_rs::parser::Builder::new()
            .base_uri(Some(feed_url))
            // Leave missing ids empty: generated ones are not stable.
            .id_generator(|_, _, _| String::new())
            .timestamp_parser(book.callback())
            .build()
            .parse(bytes)
    };
    // The daemon never panics on input: should the parser library panic
    // on some document, that document is one parse error.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)) {
        Ok(parsed) => parsed.map_err(|e| ParseError::Invalid(e.to_string())),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_string());
            Err(ParseError::Invalid(format!(
                "the parser failed on this document ({reason})"
            )))
        }
    }
}

/// The refresh period of the RSS syndication module: `sy:updatePeriod`
/// (hourly, daily, ...) divided by `sy:updateFrequency`.
fn syndication_period(text: &str) -> Option<std::time::Duration> {
    let element = |name: &str| -> Option<&str> {
        let open = format!("<sy:{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find('<')? + start;
        Some(text[start..end].trim())
    };
    let period = match element("updatePeriod")? {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let frequency: u64 = element("updateFrequency")
        .and_then(|f| f.parse().ok())
        .unwrap_or(1)
        .max(1);
    Some(std::time::Duration::from_secs(period / frequency))
}

/// Keeps the `max` newest items (undated ones after dated ones, in
/// document order), newest first.
pub fn newest_first(mut items: Vec<Item>, max: usize) -> Vec<Item> {
    items.sort_by_key(|item| std::cmp::Reverse(item.published));
    items.truncate(max);
    items
}

/// A feed-rs entry's fields, with its dates looked up in the book.
fn fields_of_entry(entry: feed_rs::model::Entry, book: &DateBook) -> Fields {
    Fields {
        title: entry.title.map(|t| t.content),
        summary: entry.summary.map(|t| t.content),
        content: entry.content.and_then(|c| c.body),
        link: best_link(&entry.links),
        id: Some(entry.id),
        published: book.resolve(entry.published),
        updated: book.resolve(entry.updated),
    }
}

/// The link a reader would follow (see [`link::reader_link_rank`]).
fn best_link(links: &[feed_rs::model::Link]) -> Option<String> {
    let mut best: Option<(u8, &str)> = None;
    for l in links {
        let rank = link::reader_link_rank(l.rel.as_deref(), l.media_type.as_deref(), &l.href);
        if let Some(rank) = rank
            && best.is_none_or(|(b, _)| rank > b)
        {
            best = Some((rank, &l.href));
        }
    }
    best.map(|(_, href)| href.trim().to_string())
}

/// Our stable key: source id (scoped to the feed unless it is globally
/// unique, like a URL or URN), else canonical link, else a hash of feed,
/// folded title and date.
pub fn item_key(
    feed_url: &str,
    source_id: Option<&str>,
    link: Option<&str>,
    title: &str,
    published: Option<DateTime<Utc>>,
) -> ItemKey {
    if let Some(id) = source_id {
        return if is_global_id(id) {
            ItemKey::from_parts("id", &[id])
        } else {
            ItemKey::from_parts("id", &[feed_url, id])
        };
    }
    if let Some(canonical) = link.and_then(link::canonical_link) {
        return ItemKey::from_parts("link", &[&canonical]);
    }
    let date = published
        .map(|d| d.timestamp().to_string())
        .unwrap_or_default();
    ItemKey::from_parts("hash", &[feed_url, fold(title).trim(), &date])
}

/// Ids that mean the same item wherever they appear.
fn is_global_id(id: &str) -> bool {
    id.contains("://") || id.starts_with("urn:") || id.starts_with("tag:")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>With guid</title><guid isPermaLink="false">42</guid><link>https://n.example/a</link></item>
<item><title>With link only</title><link>/relative/b?utm_source=x</link></item>
<item><title>Absolute link only</title><link>https://n.example/c?utm_medium=rss</link></item>
<item><title>Bare &lt;b&gt;bold&lt;/b&gt;</title><description>&lt;p&gt;KFOR&amp;nbsp;patrol&lt;/p&gt;</description></item>
</channel></rss>"#;

    #[test]
    fn keys_do_not_depend_on_feed_rs_generated_ids() {
        let first = parse_feed(RSS.as_bytes(), "https://n.example/feed", None).expect("parses");
        let second = parse_feed(RSS.as_bytes(), "https://n.example/feed", None).expect("parses");
        let keys = |f: &ParsedFeed| f.items.iter().map(|i| i.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&first), keys(&second));
        assert_eq!(first.items[0].source_id.as_deref(), Some("42"));
        assert_eq!(first.items[1].source_id, None);
        assert_eq!(first.items[3].source_id, None);
        // A local guid is scoped to its feed.
        let other = parse_feed(RSS.as_bytes(), "https://other.example/feed", None).expect("parses");
        assert_ne!(first.items[0].key, other.items[0].key);
        // A link-only item is keyed by its canonical link, whatever the feed.
        assert_eq!(first.items[2].key, other.items[2].key);
        assert_eq!(
            first.items[2].key,
            ItemKey::from_parts("link", &["https://n.example/c"])
        );
    }

    #[test]
    fn relative_links_resolve_and_text_is_clean() {
        let feed = parse_feed(RSS.as_bytes(), "https://n.example/feed", None).expect("parses");
        assert_eq!(
            feed.items[1].link.as_deref(),
            Some("https://n.example/relative/b?utm_source=x")
        );
        assert_eq!(feed.items[3].title, "Bare bold");
        assert_eq!(feed.items[3].summary, "KFOR patrol");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for junk in [
            &b"not a feed"[..],
            b"",
            b"   ",
            b"<rss><channel><item",
            b"{\"version\": 3",
            b"\xff\xfe\x00",
        ] {
            assert!(
                parse_feed(junk, "https://n.example/feed", None).is_err(),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn broken_feeds_are_repaired() {
        let broken = "\n\n<?xml version=\"1.0\"?>\n<rss><channel><title>A & B</title>\
            <item><title>Kosovo&nbsp;news</title><guid>x1</guid><pubDate>Sat, 28 Nov 2026 14:30:00 CEST</pubDate></item>\
            <item><title>Zvečan</title><guid>x2</guid><pubDate>28.11.2026 14:30</pubDate></item></channel></rss>";
        let feed = parse_feed(broken.as_bytes(), "https://n.example/feed", None).expect("repaired");
        assert!(feed.repaired);
        assert_eq!(feed.title.as_deref(), Some("A & B"));
        assert_eq!(feed.items[0].title, "Kosovo news");
        assert_eq!(
            feed.items[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-28T12:30:00+00:00")
        );
        assert_eq!(
            feed.items[1].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-28T14:30:00+00:00")
        );
    }

    #[test]
    fn refresh_hints_come_from_ttl_or_the_syndication_module() {
        let ttl = "<rss version=\"2.0\"><channel><title>t</title><ttl>30</ttl></channel></rss>";
        let feed = parse_feed(ttl.as_bytes(), "https://n.example/feed", None).expect("parses");
        assert_eq!(
            feed.refresh_hint,
            Some(std::time::Duration::from_secs(1800))
        );
        let sy = "<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"><channel><title>t</title>\
                  <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel></rss>";
        let feed = parse_feed(sy.as_bytes(), "https://n.example/feed", None).expect("parses");
        assert_eq!(
            feed.refresh_hint,
            Some(std::time::Duration::from_secs(1800))
        );
    }

    #[test]
    fn newest_items_come_first_and_are_capped() {
        let feed = parse_feed(RSS.as_bytes(), "https://n.example/feed", None).expect("parses");
        let mut items = feed.items;
        items[1].published = chrono::DateTime::from_timestamp(2_000, 0);
        items[2].published = chrono::DateTime::from_timestamp(1_000, 0);
        let kept = newest_first(items, 2);
        assert_eq!(
            kept.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
            ["With link only", "Absolute link only"]
        );
    }
}
