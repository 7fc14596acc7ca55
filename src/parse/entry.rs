//! One item's fields as a feed gave them (markup, entities, raw dates) to
//! the [`Item`] the pipeline works with: plain text, repaired mojibake,
//! believable dates, and every field cut to its cap. Both readings of a
//! feed (feed-rs and the lenient pass) end here, so an item looks the same
//! whichever found it.

use super::dates::FoundDate;
use super::{html, item_key, mojibake};
use crate::http::is_web_url;
use crate::model::Item;
use crate::text::clip::{clip_bytes_in_place, clip_chars_in_place};
use crate::text::plain::without_controls;

/// A title is cut to this many characters.
pub const MAX_TITLE_CHARS: usize = 1_000;
/// A summary, and the content, are each cut to this many bytes of text.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// A longer link is dropped: a cut link would lead somewhere else.
pub const MAX_LINK_BYTES: usize = 4 * 1024;

/// One item as found in a feed, before cleaning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    /// Headline, HTML or text.
    pub title: Option<String>,
    /// Summary or description, HTML or text.
    pub summary: Option<String>,
    /// Full content, HTML or text.
    pub content: Option<String>,
    /// Absolute link.
    pub link: Option<String>,
    /// The source's id (guid, Atom id).
    pub id: Option<String>,
    /// Publication date.
    pub published: FoundDate,
    /// Update date (used when there is no publication date).
    pub updated: FoundDate,
}

impl Fields {
    /// The item these fields make, for the feed at `feed_url`.
    pub fn into_item(self, feed_url: &str) -> Item {
        let title = clean_text(self.title.as_deref(), |t| {
            clip_chars_in_place(t, MAX_TITLE_CHARS)
        });
        let summary = clean_text(self.summary.as_deref(), |t| {
            clip_bytes_in_place(t, MAX_TEXT_BYTES)
        });
        let content = clean_text(self.content.as_deref(), |t| {
            clip_bytes_in_place(t, MAX_TEXT_BYTES)
        });
        // An item without a link is often linked by its id (an RSS guid
        // is a permalink by default, many Atom ids are the page's URL).
        let link = self
            .link
            .or_else(|| self.id.as_deref().and_then(|id| link_of_id(id, feed_url)))
            .map(|l| unescape_link(&without_controls(l.trim())))
            .filter(|l| !l.is_empty() && l.len() <= MAX_LINK_BYTES);
        let published = self.published.known().or(self.updated.known());
        let published_raw = match published {
            Some(_) => None,
            None => self
                .published
                .unusable()
                .or(self.updated.unusable())
                .map(str::to_string),
        };
        let source_id = self
            .id
            .map(|id| without_controls(id.trim()))
            .filter(|id| !id.is_empty() && id.len() <= MAX_LINK_BYTES);
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
            article: String::new(),
            published,
            published_raw,
        }
    }
}

/// The link an id stands for: an absolute http(s) URL, or a path on the
/// feed's own site ("/blog/post"). Other ids (URNs, tags, bare numbers)
/// name the item; they lead nowhere.
fn link_of_id(id: &str, feed_url: &str) -> Option<String> {
    let id = id.trim();
    if is_web_url(id) {
        return Some(id.to_string());
    }
    if id.starts_with('/') && !id.starts_with("//") {
        let joined = url::Url::parse(feed_url).ok()?.join(id).ok()?;
        return Some(joined.into());
    }
    None
}

/// A link as written, with an escaping left over from a feed that escaped
/// it twice ("?a=1&amp;b=2") undone: `&amp;` never belongs in a URL.
fn unescape_link(link: &str) -> String {
    if link.contains("&amp;") {
        html_escape::decode_html_entities(link).into_owned()
    } else {
        link.to_string()
    }
}

/// Mojibake repaired, markup to plain text, then cut by `cap`. The repair
/// comes first: double-encoding turns "Š" into "Å" and a no-break space,
/// which whitespace folding would break beyond repair.
fn clean_text(markup: Option<&str>, cap: impl Fn(&mut String)) -> String {
    let Some(markup) = markup else {
        return String::new();
    };
    let mut text = match mojibake::repaired(markup) {
        Some(fixed) => html::to_plain_text(&fixed),
        None => html::to_plain_text(markup),
    };
    cap(&mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn every_field_is_capped() {
        let fields = Fields {
            title: Some("Kosovo ".repeat(1_000)),
            summary: Some(format!("<p>{}</p>", "Приштина ".repeat(20_000))),
            content: Some("x".repeat(200_000)),
            link: Some(format!("https://n.example/{}", "a".repeat(5_000))),
            ..Fields::default()
        };
        let item = fields.into_item("https://n.example/feed");
        assert_eq!(item.title.chars().count(), MAX_TITLE_CHARS);
        assert!(item.title.ends_with('…'));
        assert!(item.summary.len() <= MAX_TEXT_BYTES && item.summary.ends_with('…'));
        assert!(item.summary.len() > MAX_TEXT_BYTES - 8);
        assert!(item.content.len() <= MAX_TEXT_BYTES && item.content.ends_with('…'));
        assert_eq!(item.link, None);
    }

    #[test]
    fn control_characters_never_leave_the_parser() {
        let item = Fields {
            title: Some("KFOR\u{1b}[2J\u{1b}]8;;https://evil.example\u{7} in Zvečan".into()),
            summary: Some("<p>\u{9b}31mred</p>".into()),
            link: Some("https://n.example/\u{1b}[0ma".into()),
            id: Some("id\u{0}1".into()),
            ..Fields::default()
        }
        .into_item("https://n.example/feed");
        for text in [
            &item.title,
            &item.summary,
            item.link.as_ref().expect("link"),
        ] {
            assert!(!text.contains(char::is_control), "{text:?}");
        }
        assert_eq!(item.title, "KFOR[2J]8;;https://evil.example in Zvečan");
        assert_eq!(item.source_id.as_deref(), Some("id1"));
    }

    #[test]
    fn unbelievable_dates_are_unknown_with_their_raw_text() {
        let now = Utc::now();
        for raw in [
            "Fri, 01 Jan 2999 00:00:00 GMT",
            "9999-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z",
            "yesterday",
        ] {
            let item = Fields {
                title: Some("t".into()),
                published: FoundDate::read(raw, now),
                ..Fields::default()
            }
            .into_item("https://n.example/feed");
            assert_eq!(item.published, None, "{raw}");
            assert_eq!(item.published_raw.as_deref(), Some(raw));
        }
        let fine = Fields {
            published: FoundDate::read("2999-01-01T00:00:00Z", now),
            updated: FoundDate::read("2026-11-28T10:00:00Z", now),
            ..Fields::default()
        }
        .into_item("https://n.example/feed");
        assert_eq!(
            fine.published.map(crate::model::rfc3339).as_deref(),
            Some("2026-11-28T10:00:00Z")
        );
        assert_eq!(fine.published_raw, None);
    }
}
