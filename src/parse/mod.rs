//! Parsing: feed bytes to [`Item`]s with our own stable keys and clean text.
//!
//! feed-rs does the format work (RSS 0.9x/1.0/2.0, Atom, JSON Feed) from raw
//! bytes, with the feed's URL as base for relative links. Its made-up ids are
//! switched off: an item's key comes from the source's id, else its
//! canonical link, else a hash of feed + folded title + date.

mod dates;
mod decode;
pub mod html;
pub mod link;
mod repair;

pub use dates::parse_date;
pub use decode::to_utf8;
pub use repair::repair_xml;

use chrono::{DateTime, Utc};

use crate::matcher::fold;
use crate::model::{Item, ItemKey};

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
}

/// Why a feed could not be parsed (the feed is named by the caller).
#[derive(Debug, thiserror::Error)]
#[error("cannot parse feed: {0}")]
pub struct ParseError(String);

/// Parses feed bytes fetched from (or read for) `feed_url`. `content_type`
/// is the HTTP header (its charset is used when the document names none).
/// A document that does not parse is repaired (see [`repair_xml`]) and
/// parsed again; the error names the first failure.
pub fn parse_feed(
    bytes: &[u8],
    feed_url: &str,
    content_type: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    let decoded = to_utf8(bytes, content_type);
    let text: &str = &decoded.text;
    let (feed, repaired) = match parse_utf8(text.as_bytes(), feed_url) {
        Ok(feed) => (feed, false),
        Err(first) => {
            let is_json = text.trim_start().starts_with('{');
            match repair_xml(text).filter(|_| !is_json) {
                Some(fixed) => (
                    parse_utf8(fixed.as_bytes(), feed_url).map_err(|_| first)?,
                    true,
                ),
                None => return Err(first),
            }
        }
    };
    let title = feed.title.as_ref().map(|t| html::to_plain_text(&t.content));
    let ttl = feed
        .ttl
        .map(|minutes| std::time::Duration::from_secs(u64::from(minutes) * 60));
    let items = feed
        .entries
        .into_iter()
        .map(|entry| item_from_entry(entry, feed_url))
        .collect();
    Ok(ParsedFeed {
        title,
        items,
        refresh_hint: ttl.or_else(|| syndication_period(text)),
        encoding: decoded.encoding,
        repaired,
    })
}

fn parse_utf8(bytes: &[u8], feed_url: &str) -> Result<feed_rs::model::Feed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError("the document is empty".into()));
    }
    let parse = || {
        feed_rs::parser::Builder::new()
            .base_uri(Some(feed_url))
            // Leave missing ids empty: generated ones are not stable.
            .id_generator(|_, _, _| String::new())
            .timestamp_parser(parse_date)
            .build()
            .parse(bytes)
    };
    // The daemon never panics on input: should the parser library panic
    // on some document, that document is one parse error.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)) {
        Ok(parsed) => parsed.map_err(|e| ParseError(e.to_string())),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_string());
            Err(ParseError(format!(
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

fn item_from_entry(entry: feed_rs::model::Entry, feed_url: &str) -> Item {
    let title = entry
        .title
        .as_ref()
        .map(|t| html::to_plain_text(&t.content))
        .unwrap_or_default();
    let summary = entry
        .summary
        .as_ref()
        .map(|t| html::to_plain_text(&t.content))
        .unwrap_or_default();
    let content = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .map(html::to_plain_text)
        .unwrap_or_default();
    let link = best_link(&entry.links);
    let published = entry.published.or(entry.updated);
    let source_id = Some(entry.id.trim().to_string()).filter(|id| !id.is_empty());
    let key = item_key(
        feed_url,
        source_id.as_deref(),
        link.as_deref(),
        &title,
        published,
    );
    Item {
        key,
        source_id,
        title,
        link,
        summary,
        content,
        published,
    }
}

/// The link a reader would follow: the first "alternate" (or unlabelled) one.
fn best_link(links: &[feed_rs::model::Link]) -> Option<String> {
    links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|href| !href.is_empty())
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
            b"<rss><channel><item>",
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
