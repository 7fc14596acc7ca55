//! An article page's main text, for matching watch lists against the
//! article rather than the feed's teaser.
//!
//! The readability algorithm (a port of Mozilla's readability.js,
//! `dom_smoothie`) finds the element holding the article and cleans it of
//! navigation, related links, asides, footers, scripts, styles and
//! `<noscript>`; this module decodes the bytes, bounds the work, and turns
//! the result into plain paragraphs.
//!
//! Why `dom_smoothie` (compared on tests/fixtures/articles, 2026-12-01;
//! agreement is word overlap with readability.js's own output, so it
//! favours a faithful port; the hand-made boilerplate pages were clean
//! with all three):
//!
//! | | agreement (F1) | speed | added crates | license |
//! |---|---|---|---|---|
//! | `dom_smoothie` 0.19 | 1.00 on all 9 pages | 35 MB/s | 29 (with build-time ones), no new duplicate majors | MIT |
//! | `trafilatura` 0.6 (Rust port) | 0.95–1.00 | 16 MB/s | about 30, no new duplicate majors | Apache-2.0 |
//! | trafilatura 2.3 (Python) | 0.95–1.00 | 5 MB/s | a Python runtime | Apache-2.0 |
//! | `article_scraper` 3 | not built | – | `dom_smoothie` 0.18 inside, site configs, its own HTTP client | GPL-3.0 |
//!
//! `article_scraper` wraps an older `dom_smoothie` with per-site rules and
//! fetches pages itself; its license would make the binary GPL. The Rust
//! trafilatura port keeps less of some articles (recall 0.93–0.98) at half
//! the speed. `dom_smoothie` follows readability.js closely, is released
//! often, and has no default features to turn off.
//!
//! Work is bounded: the body is capped upstream (`max_article`, 2 MiB),
//! nesting is capped before parsing ([`depth`]: 64 elements, 8 tables),
//! and the readability pass is then linear in the page (benches/extract.rs).

mod depth;

use std::borrow::Cow;

use dom_query::Document;
use dom_smoothie::{Config, Readability, ReadabilityError, TextMode};

use crate::parse::alternates::{is_web, page_text};
use crate::text::plain::collapse_whitespace;

/// The longest canonical URL kept; a longer one is no address.
const MAX_URL_BYTES: usize = 4096;

/// How much of a page is looked at to tell whether it is HTML at all.
const SNIFF_BYTES: usize = 1024;

/// What an article page yields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    /// The main text, plain: paragraphs separated by "\n\n", whitespace in
    /// each collapsed, no markup, no control characters.
    pub text: String,
    /// The page's title, if any (plain, one line).
    pub title: Option<String>,
    /// The page's canonical URL: `<link rel="canonical">` else `og:url`,
    /// made absolute against `page_url`, http(s) only.
    pub canonical: Option<String>,
}

/// Why a page gave no article, worded for a log line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The body was empty or only whitespace.
    #[error("the page is empty")]
    Empty,
    /// The body is something else: JSON, an image, plain text...
    #[error("the page is not HTML ({0})")]
    NotHtml(String),
    /// The page is HTML but has no text that reads as an article.
    #[error("no article text found on the page")]
    NoArticle,
}

/// Extracts the main text of an HTML page (bytes as fetched;
/// `content_type` the HTTP header if any, for its charset; `page_url` the
/// final URL after redirects, to resolve relative links).
pub fn extract(
    html: &[u8],
    content_type: Option<&str>,
    page_url: &str,
) -> Result<Article, ExtractError> {
    if let Some(kind) = content_type.filter(|t| !could_be_html(t)) {
        // The server's text: one line, and short.
        let kind = crate::text::clip::clip(&collapse_whitespace(kind), 80);
        return Err(ExtractError::NotHtml(kind));
    }
    let text = page_text(html, content_type);
    check_markup(&text)?;
    let capped = depth::cap_depth(&text, depth::MAX_DEPTH);
    let document = Document::from(capped.as_ref());
    let canonical = canonical_url(&document, page_url);
    let config = Config {
        text_mode: TextMode::Formatted,
        ..Config::default()
    };
    // No document URL: links are not kept, so none needs resolving.
    let parsed = Readability::with_document(document, None, Some(config))
        .and_then(|mut readability| readability.parse());
    let article = match parsed {
        Ok(article) => article,
        Err(ReadabilityError::GrabFailed) => return Err(ExtractError::NoArticle),
        Err(other) => return Err(ExtractError::NotHtml(other.to_string())),
    };
    let text = paragraphs(&article.text_content);
    if text.is_empty() {
        return Err(ExtractError::NoArticle);
    }
    let title = Some(collapse_whitespace(&article.title)).filter(|t| !t.is_empty());
    Ok(Article {
        text,
        title,
        canonical,
    })
}

/// Whether a Content-Type may label an HTML page. Servers mislabel pages
/// as `text/plain` or `application/octet-stream`, so only types that are
/// surely something else are refused; the bytes decide the rest.
fn could_be_html(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/').unwrap_or((&essence, ""));
    match kind {
        "image" | "audio" | "video" | "font" | "model" | "multipart" => false,
        "application" => {
            !(subtype == "json"
                || subtype.ends_with("+json")
                || subtype == "pdf"
                || subtype == "zip"
                || subtype == "gzip"
                || subtype == "javascript"
                || subtype == "rss+xml"
                || subtype == "atom+xml")
        }
        _ => true,
    }
}

/// Refuses text that is no markup: empty, starting with something other
/// than a tag (JSON, plain text), or binary (NUL bytes near the start).
fn check_markup(text: &str) -> Result<(), ExtractError> {
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if start.is_empty() {
        return Err(ExtractError::Empty);
    }
    let head = &start.as_bytes()[..start.len().min(SNIFF_BYTES)];
    if head.contains(&0) {
        return Err(ExtractError::NotHtml("binary data".into()));
    }
    if !start.starts_with('<') {
        return Err(ExtractError::NotHtml("no markup at the start".into()));
    }
    Ok(())
}

/// The first `<link rel="canonical">` else `og:url`, resolved against the
/// page's `<base href>` and URL; only an http(s) URL.
fn canonical_url(document: &Document, page_url: &str) -> Option<String> {
    let page = url::Url::parse(page_url).ok();
    let base = document
        .select("base[href]")
        .attr("href")
        .and_then(|href| match &page {
            Some(page) => page.join(href.trim()).ok(),
            None => url::Url::parse(href.trim()).ok(),
        })
        .or(page);
    let resolve = |href: &str| -> Option<String> {
        let href = href.trim();
        let url = match &base {
            Some(base) => base.join(href).ok()?,
            None => url::Url::parse(href).ok()?,
        };
        Some(url.to_string()).filter(|u| is_web(&url) && u.len() <= MAX_URL_BYTES)
    };
    let canonical = document.select("link[rel][href]").iter().find_map(|link| {
        let rel = link.attr("rel")?;
        let is_canonical = rel
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("canonical"));
        if is_canonical {
            resolve(&link.attr("href")?)
        } else {
            None
        }
    });
    canonical.or_else(|| {
        document
            .select(r#"meta[property="og:url"][content], meta[name="og:url"][content]"#)
            .iter()
            .find_map(|meta| resolve(&meta.attr("content")?))
    })
}

/// The extractor's formatted text as plain paragraphs: each non-blank
/// line one paragraph (list items and table rows stay apart), whitespace
/// collapsed, control characters dropped, joined by a blank line.
fn paragraphs(formatted: &str) -> String {
    let mut out = String::with_capacity(formatted.len());
    for line in formatted.lines() {
        let line: Cow<'_, str> = collapse_whitespace(line).into();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!(
            "<!doctype html><html><head><title>A page</title></head><body><article>{body}</article></body></html>"
        )
    }

    #[test]
    fn paragraphs_are_plain_and_separated_by_blank_lines() {
        let body = "<h1>Heading</h1><p>First   paragraph,\n with a\tline break and an \u{1b}[2J escape, long enough to count as prose in an article.</p>\
                    <p>Second paragraph, also long enough to count as prose, with a <a href='/x'>link</a> inside.</p>";
        let article =
            extract(page(body).as_bytes(), None, "https://news.example/a").expect("article");
        assert!(
            article
                .text
                .contains("First paragraph, with a line break and an [2J escape"),
            "{:?}",
            article.text
        );
        assert!(
            article.text.contains(
                "escape, long enough to count as prose in an article.\n\nSecond paragraph"
            )
        );
        assert!(!article.text.contains('<'));
        assert!(!article.text.chars().any(|c| c.is_control() && c != '\n'));
        assert!(!article.text.contains("\n\n\n"));
        assert_eq!(article.title.as_deref(), Some("A page"));
    }

    #[test]
    fn canonical_prefers_link_over_og_url_and_resolves_relative() {
        let html = r#"<html><head><meta property="og:url" content="https://news.example/og">
            <link rel="Canonical" href=" /story/1?x=2 "></head><body><p>Some text of the article body.</p></body></html>"#;
        let article = extract(html.as_bytes(), None, "https://news.example/a/b").expect("article");
        assert_eq!(
            article.canonical.as_deref(),
            Some("https://news.example/story/1?x=2")
        );
    }

    #[test]
    fn og_url_is_used_without_a_canonical_link_and_only_http() {
        let og = r#"<html><head><meta property="og:url" content="story/2"></head><body><p>Body text.</p></body></html>"#;
        let article = extract(og.as_bytes(), None, "https://news.example/a/b").expect("article");
        assert_eq!(
            article.canonical.as_deref(),
            Some("https://news.example/a/story/2")
        );
        let js = r#"<html><head><link rel="canonical" href="javascript:alert(1)"></head><body><p>Body text.</p></body></html>"#;
        let article = extract(js.as_bytes(), None, "https://news.example/a").expect("article");
        assert_eq!(article.canonical, None);
        let relative_without_page = extract(og.as_bytes(), None, "not a url").expect("article");
        assert_eq!(relative_without_page.canonical, None);
    }

    #[test]
    fn base_href_counts_for_the_canonical_link() {
        let html = r#"<html><head><base href="https://cdn.example/news/"><link rel="canonical" href="s/3"></head><body><p>Body text.</p></body></html>"#;
        let article = extract(html.as_bytes(), None, "https://news.example/a").expect("article");
        assert_eq!(
            article.canonical.as_deref(),
            Some("https://cdn.example/news/s/3")
        );
    }

    #[test]
    fn content_types_that_are_surely_not_html_are_refused() {
        let html = page("<p>Text</p>");
        for kind in [
            "application/json",
            "image/png",
            "application/pdf",
            "application/rss+xml; charset=utf-8",
        ] {
            let result = extract(html.as_bytes(), Some(kind), "https://news.example/");
            assert!(
                matches!(result, Err(ExtractError::NotHtml(_))),
                "{kind}: {result:?}"
            );
        }
        for kind in [
            "text/html; charset=utf-8",
            "text/plain",
            "application/xhtml+xml",
            "application/octet-stream",
            "",
        ] {
            assert!(
                extract(html.as_bytes(), Some(kind), "https://news.example/").is_ok(),
                "{kind}"
            );
        }
    }

    #[test]
    fn errors_read_as_log_lines() {
        assert_eq!(ExtractError::Empty.to_string(), "the page is empty");
        assert_eq!(
            ExtractError::NotHtml("application/json".into()).to_string(),
            "the page is not HTML (application/json)"
        );
        assert_eq!(
            ExtractError::NoArticle.to_string(),
            "no article text found on the page"
        );
    }
}
