//! `newswatch test --full-text`: each item's article fetched as a
//! full-text feed's poll would (the feed's HTTP settings when the URL is
//! a configured feed, `max_article`, `article_timeout` per item), and
//! shown by its length and first lines, or by why it failed.

use std::sync::Arc;

use serde::Serialize;

use super::{Failure, output};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::fulltext::{ArticleCache, ArticleFailure, ArticleOutcome, FetchedArticle, fetch_page};
use crate::http::is_web_url;
use crate::model::Item;
use crate::text::clip::clip;

/// One item's article, or why it has none.
pub type Fetched = Result<Arc<FetchedArticle>, ArticleFailure>;

/// Lines of the article shown under an item.
const SHOWN_LINES: usize = 2;

/// Characters of each shown line.
const LINE_CHARS: usize = 160;

/// The articles of `items`, in order, fetched one by one (an item with
/// no web link fails as such), for the feed tested at `source` and read
/// from `base` (its address after redirects).
pub async fn fetch_all(
    config: &Config,
    source: &str,
    base: &str,
    items: &[Item],
) -> Result<Vec<Fetched>, Failure> {
    let configured = config.feed_at(source);
    let fetcher = Fetcher::for_feeds(config, configured).map_err(anyhow::Error::from)?;
    let feed = configured.map_or(source, |feed| feed.url.as_str());
    let timeout = configured
        .and_then(|feed| feed.article_timeout)
        .unwrap_or(config.poll.article_timeout)
        .0;
    let cache = ArticleCache::default();
    let origin = fetcher.article_origin(feed, base).await;
    let mut articles = Vec::with_capacity(items.len());
    for item in items {
        let Some(link) = item.link.as_deref().filter(|l| is_web_url(l)) else {
            articles.push(Err(ArticleFailure::new(
                ArticleOutcome::FetchError,
                "the item has no web link",
            )));
            continue;
        };
        let max = config.poll.max_article.0;
        let fetched = tokio::time::timeout(
            timeout,
            fetch_page(&fetcher, &cache, &origin, link.trim(), max),
        )
        .await
        .unwrap_or_else(|_| Err(ArticleFailure::timed_out()));
        articles.push(fetched);
    }
    Ok(articles)
}

/// An article as `--json` shows it.
#[derive(Debug, Serialize)]
pub struct Shown {
    /// Characters of extracted text (0 on failure).
    length: usize,
    /// The text's first lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    /// The page's canonical address.
    #[serde(skip_serializing_if = "Option::is_none")]
    canonical: Option<String>,
    /// The failure's metric label, and what happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl Shown {
    /// What `--json` shows of an item's article.
    pub fn of(fetched: &Fetched) -> Shown {
        match fetched {
            Ok(page) => Shown {
                length: page.article.text.chars().count(),
                start: Some(first_lines(&page.article.text).join("\n")),
                canonical: Some(page.canonical().to_string()),
                failed: None,
                reason: None,
            },
            Err(failure) => Shown {
                length: 0,
                start: None,
                canonical: None,
                failed: Some(failure.outcome.label()),
                reason: Some(clip(&failure.reason, 300)),
            },
        }
    }
}

/// Prints an item's article under it.
pub fn print(fetched: &Fetched) -> Result<(), Failure> {
    match fetched {
        Ok(page) => {
            let text = &page.article.text;
            output::line(&format!(
                "       article: {} chars from {}",
                text.chars().count(),
                page.canonical()
            ))?;
            for line in first_lines(text) {
                output::line(&format!("         | {line}"))?;
            }
            Ok(())
        }
        Err(failure) => output::line(&format!(
            "       article failed ({}): {}",
            failure.outcome.label(),
            clip(&failure.reason, 300)
        )),
    }
}

/// The first non-empty lines of a text, each cut short.
fn first_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(SHOWN_LINES)
        .map(|line| clip(line, LINE_CHARS))
        .collect()
}
