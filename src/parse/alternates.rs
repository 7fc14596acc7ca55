//! The feeds a web page advertises: `<link rel="alternate"
//! type="application/rss+xml" href="...">` and its Atom and JSON Feed
//! kin, for `newswatch discover` and for the error of a feed URL that
//! answers an HTML page. Pages are hostile input: the scan is one linear
//! pass (each byte looked at a bounded number of times), tolerates
//! unclosed tags, any attribute order, case and quoting, and keeps at most
//! [`MAX_ADVERTISED`] feeds of bounded length.

use super::html::{skip_element, tag_end, tag_name, to_plain_text};
use crate::text::clip::clip;

/// The most feeds taken from one page.
pub const MAX_ADVERTISED: usize = 32;

/// The longest attribute value read; a longer `href` is no feed address.
const MAX_VALUE_BYTES: usize = 4096;

/// The longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// One feed a page advertises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertised {
    /// The absolute http(s) URL (resolved against `<base href>` and the
    /// page's URL).
    pub url: String,
    /// The link's `title`, as one line of plain text.
    pub title: Option<String>,
    /// "RSS", "Atom", "JSON Feed" or "JSON".
    pub kind: &'static str,
}

/// Elements whose content is never markup to scan.
const OPAQUE_ELEMENTS: [&str; 5] = ["script", "style", "template", "textarea", "title"];

/// Whether a document is an HTML page (by how it starts: a doctype or an
/// `<html>` element, after any BOM, whitespace and comments). A feed never
/// starts so.
pub fn looks_like_html(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    // A few leading comments at most: a page is not searched through.
    for _ in 0..8 {
        let Some(comment) = rest.strip_prefix("<!--") else {
            break;
        };
        rest = comment
            .find("-->")
            .map_or("", |end| comment[end + 3..].trim_start());
    }
    let head: Vec<u8> = rest
        .bytes()
        .take(14)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    head.starts_with(b"<!doctype html")
        || head.starts_with(b"<html")
            && head
                .get(5)
                .is_some_and(|b| *b == b'>' || b.is_ascii_whitespace())
}

/// A fetched page as text: its encoding from a byte order mark, else the
/// HTTP charset, else a `<meta charset>` (or `http-equiv` content type)
/// in its first 1,024 bytes, else UTF-8 (windows-1252 if not valid).
pub fn page_text(bytes: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type.is_some_and(|t| t.to_ascii_lowercase().contains("charset="));
    let sniffed = (!declared)
        .then(|| meta_charset(&bytes[..bytes.len().min(1024)]))
        .flatten()
        .map(|label| format!("text/html; charset={label}"));
    super::to_utf8(bytes, sniffed.as_deref().or(content_type))
        .text
        .into_owned()
}

/// The label after the first `charset=` in `head` (ASCII, case aside).
fn meta_charset(head: &[u8]) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let label: String = lower[at..]
        .iter()
        .skip_while(|b| matches!(b, b'"' | b'\''))
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
        .map(|b| char::from(*b))
        .collect();
    (!label.is_empty()).then_some(label)
}

/// The feeds `html` (a page fetched from `page_url`) advertises, in
/// document order, without repeats, at most [`MAX_ADVERTISED`].
pub fn advertised_feeds(html: &str, page_url: &str) -> Vec<Advertised> {
    let Ok(page) = url::Url::parse(page_url) else {
        return Vec::new();
    };
    let (links, base) = scan(html);
    // The first `<base href>` counts for the whole page, wherever it is.
    let base = base
        .and_then(|href| page.join(href.trim()).ok())
        .filter(is_web)
        .unwrap_or(page);
    let mut found: Vec<Advertised> = Vec::new();
    for link in links {
        let Some(url) = base.join(link.href.trim()).ok().filter(is_web) else {
            continue;
        };
        let url = url.to_string();
        if url.len() > MAX_VALUE_BYTES || found.iter().any(|f| f.url == url) {
            continue;
        }
        if found.len() == MAX_ADVERTISED {
            break;
        }
        let title = link
            .title
            .map(|t| clip(&to_plain_text(&t), MAX_TITLE_CHARS))
            .filter(|t| !t.is_empty());
        found.push(Advertised {
            url,
            title,
            kind: link.kind,
        });
    }
    found
}

/// Whether `url` is an http(s) address with a host: the only kind fetched.
pub(crate) fn is_web(url: &url::Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host_str().is_some()
}

/// A feed link as written.
struct RawLink {
    href: String,
    title: Option<String>,
    kind: &'static str,
}

/// The feed links of a page and its first `<base href>`, in one pass.
fn scan(html: &str) -> (Vec<RawLink>, Option<String>) {
    let mut links = Vec::new();
    let mut base = None;
    let mut rest = html;
    while let Some(open) = memchr::memchr(b'<', rest.as_bytes()) {
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        if !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // A closing tag, a doctype, or a lone "<" in text.
            rest = after;
            continue;
        }
        let Some(close) = tag_end(after) else {
            // An unterminated tag: nothing after it is markup to trust.
            break;
        };
        let tag = &after[..close];
        rest = &after[close + 1..];
        let name = tag_name(tag);
        match name.as_str() {
            "link" => {
                if let Some(link) = feed_link(&tag[name.len()..]) {
                    links.push(link);
                    if links.len() >= MAX_ADVERTISED * 2 {
                        break;
                    }
                }
            }
            "base" if base.is_none() => {
                base = attributes(&tag[name.len()..]).find_map(|(n, v)| (n == "href").then_some(v));
            }
            _ if OPAQUE_ELEMENTS.contains(&name.as_str()) => rest = skip_element(rest, &name),
            _ => {}
        }
    }
    (links, base)
}

/// A `<link>` that advertises a feed: `rel` has the token `alternate` (or
/// `feed`), `type` is a feed's, `href` is there.
fn feed_link(attributes_text: &str) -> Option<RawLink> {
    let (mut rel, mut kind, mut href, mut title) = (false, None, None, None);
    for (name, value) in attributes(attributes_text) {
        match name.as_str() {
            "rel" => {
                rel = value.split_ascii_whitespace().any(|token| {
                    token.eq_ignore_ascii_case("alternate") || token.eq_ignore_ascii_case("feed")
                });
            }
            "type" => kind = feed_kind(&value),
            "href" => href = Some(value),
            "title" => title = Some(value),
            _ => {}
        }
    }
    if !rel {
        return None;
    }
    Some(RawLink {
        href: href.filter(|h| !h.trim().is_empty())?,
        title,
        kind: kind?,
    })
}

/// The kind of feed a `type` names, parameters and case aside.
fn feed_kind(media_type: &str) -> Option<&'static str> {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    [
        ("application/rss+xml", "RSS"),
        ("application/atom+xml", "Atom"),
        ("application/feed+json", "JSON Feed"),
        ("application/json", "JSON"),
    ]
    .into_iter()
    .find(|(name, _)| essence.eq_ignore_ascii_case(name))
    .map(|(_, kind)| kind)
}

/// A tag's attributes after its name: lowercased names, values with
/// entities decoded (double, single or no quotes). Too long values are
/// left out.
fn attributes(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let name_end = rest
                .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len());
            let name = rest[..name_end].to_ascii_lowercase();
            rest = rest[name_end..].trim_start();
            // After the trim, a name is at least one character or "=" is
            // next, so each round moves on.
            let Some(after_equals) = rest.strip_prefix('=') else {
                // An attribute without a value.
                continue;
            };
            rest = after_equals.trim_start();
            let value = match rest.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let inner = &rest[1..];
                    let end = inner.find(quote).unwrap_or(inner.len());
                    rest = inner.get(end + 1..).unwrap_or("");
                    &inner[..end]
                }
                _ => {
                    let end = rest
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(rest.len());
                    let value = &rest[..end];
                    rest = &rest[end..];
                    value
                }
            };
            if value.len() <= MAX_VALUE_BYTES {
                return Some((name, html_escape::decode_html_entities(value).into_owned()));
            }
        }
    })
}

/// The message for a feed URL that answered an HTML page: says so, names
/// up to three feeds the page advertises (escaped, capped: they come from
/// the page), and points at `newswatch discover`.
pub fn html_page_message(html: &str, feed_url: &str) -> String {
    const LISTED: usize = 3;
    let shown = crate::redact::public_url(feed_url);
    let mut message = format!("{shown} answered an HTML page, not a feed");
    let feeds = advertised_feeds(html, feed_url);
    if !feeds.is_empty() {
        let listed: Vec<String> = feeds
            .iter()
            .take(LISTED)
            .map(|feed| {
                let url = clip(&crate::redact::public_url(&feed.url), 300);
                match &feed.title {
                    Some(title) => format!("{url} ({:?})", clip(title, 80)),
                    None => url,
                }
            })
            .collect();
        message.push_str(&format!(
            "; the page advertises {}: {}",
            if feeds.len() == 1 { "a feed" } else { "feeds" },
            listed.join(", ")
        ));
        if feeds.len() > LISTED {
            message.push_str(&format!(" and {} more", feeds.len() - LISTED));
        }
    }
    message.push_str(&format!(
        "; run `newswatch discover {shown}` for [[feed]] entries"
    ));
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://news.example/world/kosovo/";

    fn urls(html: &str) -> Vec<String> {
        advertised_feeds(html, PAGE)
            .into_iter()
            .map(|f| f.url)
            .collect()
    }

    #[test]
    fn links_are_found_in_any_order_case_and_quoting() {
        let html = r#"<!DOCTYPE html><html><head>
            <LINK TYPE="application/rss+xml" REL="alternate" HREF="/rss.xml" TITLE="Kosovo &amp; Serbia">
            <link href='atom.xml' rel='alternate home' type='application/atom+xml; charset=utf-8'/>
            <link rel=alternate type=application/feed+json href=https://cdn.example/feed.json>
            <link rel="stylesheet" type="text/css" href="/style.css">
            <link rel="alternate" type="text/html" hreflang="sr" href="/sr/">
            <link rel="alternate" type="application/rss+xml" href="/rss.xml">
            </head><body></body></html>"#;
        let feeds = advertised_feeds(html, PAGE);
        assert_eq!(
            urls(html),
            [
                "https://news.example/rss.xml",
                "https://news.example/world/kosovo/atom.xml",
                "https://cdn.example/feed.json"
            ]
        );
        assert_eq!(feeds[0].title.as_deref(), Some("Kosovo & Serbia"));
        assert_eq!(
            feeds.iter().map(|f| f.kind).collect::<Vec<_>>(),
            ["RSS", "Atom", "JSON Feed"]
        );
    }

    #[test]
    fn base_href_counts_wherever_it_is() {
        let html = r#"<link rel="alternate" type="application/rss+xml" href="feed">
            <base href="https://other.example/news/"><base href="/ignored/">"#;
        assert_eq!(urls(html), ["https://other.example/news/feed"]);
    }

    #[test]
    fn links_inside_scripts_and_comments_do_not_count() {
        let html = r#"<script>var s = '<link rel="alternate" type="application/rss+xml" href="/a">';</script>
            <!-- <link rel="alternate" type="application/rss+xml" href="/b"> -->
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href="/c">"#;
        assert_eq!(urls(html), ["https://news.example/c"]);
    }

    #[test]
    fn hostile_pages_end_quickly_with_bounded_results() {
        let unclosed =
            "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/a\"><link rel='x";
        assert_eq!(urls(unclosed), ["https://news.example/a"]);
        let many: String = (0..10_000)
            .map(|n| format!("<link rel=alternate type=application/rss+xml href=/f{n}>"))
            .collect();
        assert_eq!(urls(&many).len(), MAX_ADVERTISED);
        let huge_title = format!(
            "<link rel=alternate type=application/rss+xml title=\"{}\" href=/t>",
            "\u{1b}[2Jx ".repeat(500)
        );
        let feeds = advertised_feeds(&huge_title, PAGE);
        let title = feeds[0].title.as_deref().unwrap_or_default();
        assert!(title.chars().count() <= MAX_TITLE_CHARS, "{title}");
        assert!(!title.contains('\u{1b}'));
        // Many "<" without tags, and a page of nothing but open tags.
        assert!(urls(&"< a < b".repeat(200_000)).is_empty());
        assert!(urls(&"<a ".repeat(200_000)).is_empty());
    }

    #[test]
    fn a_meta_charset_decodes_the_page() {
        let mut page = b"<html><head><meta charset=\"windows-1251\"><link rel=alternate type=application/rss+xml title=\"".to_vec();
        page.extend_from_slice(&[0xcd, 0xee, 0xe2, 0xee, 0xf1, 0xf2, 0xe8]);
        page.extend_from_slice(b"\" href=/rss>");
        let text = page_text(&page, Some("text/html"));
        let feeds = advertised_feeds(&text, PAGE);
        assert_eq!(feeds[0].title.as_deref(), Some("Новости"));
        // The HTTP charset wins over the page's.
        let text = page_text(&page, Some("text/html; charset=koi8-r"));
        assert!(!text.contains("Новости"));
    }

    #[test]
    fn pages_are_told_from_feeds() {
        assert!(looks_like_html("\u{feff}  <!DOCTYPE html><html>"));
        assert!(looks_like_html("<!-- generated --><HTML lang=en>"));
        assert!(!looks_like_html(
            "<?xml version=\"1.0\"?><rss version=\"2.0\">"
        ));
        assert!(!looks_like_html(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        ));
        assert!(!looks_like_html("<htmlfeed>"));
        assert!(!looks_like_html(
            "{\"version\": \"https://jsonfeed.org/version/1.1\"}"
        ));
    }

    #[test]
    fn the_message_lists_a_few_feeds_escaped() {
        let html = "<html><link rel=alternate type=application/rss+xml title='Say \"hi\"\n' href=/1>\
            <link rel=alternate type=application/rss+xml href=/2><link rel=alternate type=application/rss+xml href=/3>\
            <link rel=alternate type=application/rss+xml href=/4>";
        let message = html_page_message(html, "https://news.example/?token=SECRET");
        assert!(
            message.starts_with("https://news.example/ answered an HTML page, not a feed"),
            "{message}"
        );
        assert!(
            message.contains("https://news.example/1 (\"Say \\\"hi\\\"\")"),
            "{message}"
        );
        assert!(message.contains(" and 1 more"), "{message}");
        assert!(message.contains("newswatch discover"), "{message}");
        assert!(!message.contains("SECRET"), "{message}");
    }
}
