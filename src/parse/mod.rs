//! Parsing: feed bytes to [`Item`]s with our own stable keys and clean text.
//!
//! feed-rs does the format work (RSS 0.9x/1.0/2.0, Atom, JSON Feed) from raw
//! bytes, with the feed's URL as base for relative links. Its made-up ids are
//! switched off: an item's key comes from the source's id, else its
//! canonical link, else a hash of feed + folded title + date.

pub mod html;
pub mod link;

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
}

/// Why a feed could not be parsed (the feed is named by the caller).
#[derive(Debug, thiserror::Error)]
#[error("cannot parse feed: {0}")]
pub struct ParseError(String);

/// Parses feed bytes fetched from (or read for) `feed_url`.
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, ParseError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url))
        // Leave missing ids empty: generated ones are not stable.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(bytes).map_err(|e| ParseError(e.to_string()))?;
    let title = feed.title.as_ref().map(|t| html::to_plain_text(&t.content));
    let items = feed
        .entries
        .into_iter()
        .map(|entry| item_from_entry(entry, feed_url))
        .collect();
    Ok(ParsedFeed { title, items })
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
        let first = parse_feed(RSS.as_bytes(), "https://n.example/feed").expect("parses");
        let second = parse_feed(RSS.as_bytes(), "https://n.example/feed").expect("parses");
        let keys = |f: &ParsedFeed| f.items.iter().map(|i| i.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&first), keys(&second));
        assert_eq!(first.items[0].source_id.as_deref(), Some("42"));
        assert_eq!(first.items[1].source_id, None);
        assert_eq!(first.items[3].source_id, None);
        // A local guid is scoped to its feed.
        let other = parse_feed(RSS.as_bytes(), "https://other.example/feed").expect("parses");
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
        let feed = parse_feed(RSS.as_bytes(), "https://n.example/feed").expect("parses");
        assert_eq!(
            feed.items[1].link.as_deref(),
            Some("https://n.example/relative/b?utm_source=x")
        );
        assert_eq!(feed.items[3].title, "Bare bold");
        assert_eq!(feed.items[3].summary, "KFOR patrol");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_feed(b"not a feed", "https://n.example/feed").is_err());
        assert!(parse_feed(b"", "https://n.example/feed").is_err());
        assert!(parse_feed(b"<rss><channel><item>", "https://n.example/feed").is_err());
    }
}
