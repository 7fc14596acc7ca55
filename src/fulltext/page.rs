//! One article page: fetched with its feed's HTTP settings, the body
//! capped, the text extracted on the blocking pool (a page is untrusted
//! input of up to `max_article` bytes), and every way it can fail told
//! apart for the metric and the log.

use std::sync::Arc;

use super::cache::ArticleCache;
use super::extract::{Article, ExtractError, extract};
use super::outcome::ArticleOutcome;
use crate::fetch::{ArticleOrigin, FetchError, FetchOutcome, Fetcher};
use crate::text::clip::clip_bytes_in_place;

/// The most of an article's text that is matched: far beyond any
/// article, while a page of nothing but paragraphs cannot make matching
/// slow.
pub const ARTICLE_TEXT_BYTES: usize = 256 * 1024;

/// An article as fetched and extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedArticle {
    /// What the extraction found (its text cut at [`ARTICLE_TEXT_BYTES`]).
    pub article: Article,
    /// The page's address after redirects.
    pub final_url: String,
}

impl FetchedArticle {
    /// The page's own address: its canonical link when it gives an http(s)
    /// one, else where the item's link led after redirects.
    pub fn canonical(&self) -> &str {
        self.article
            .canonical
            .as_deref()
            .filter(|c| crate::http::is_web_url(c))
            .unwrap_or(&self.final_url)
    }
}

/// Why an item has no article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFailure {
    /// The metric's label for it.
    pub outcome: ArticleOutcome,
    /// What happened, for the log and `test --full-text`.
    pub reason: String,
}

impl ArticleFailure {
    /// A failure with its reason.
    pub fn new(outcome: ArticleOutcome, reason: impl Into<String>) -> Self {
        ArticleFailure {
            outcome,
            reason: reason.into(),
        }
    }

    /// No article within `article_timeout` (the poller's and `test`'s
    /// deadline alike).
    pub fn timed_out() -> Self {
        ArticleFailure::new(ArticleOutcome::Timeout, "no article within article_timeout")
    }
}

/// Fetches and extracts the article at `link`, an item's link from
/// `origin`, the body capped at `max_bytes`; conditional when `cache`
/// holds validators for `link`.
pub async fn fetch_page(
    fetcher: &Fetcher,
    cache: &ArticleCache,
    origin: &ArticleOrigin,
    link: &str,
    max_bytes: u64,
) -> Result<Arc<FetchedArticle>, ArticleFailure> {
    let cached = cache.get(link);
    let validators = cached.as_ref().map(|(v, _)| v.clone()).unwrap_or_default();
    let outcome = fetcher
        .fetch_article(origin, link, &validators, max_bytes)
        .await
        .map_err(|error| ArticleFailure::new(failed_fetch(&error), error.to_string()))?;
    let body = match outcome {
        FetchOutcome::Fetched(body) => body,
        FetchOutcome::NotModified(_) => {
            return cached.map(|(_, article)| article).ok_or_else(|| {
                ArticleFailure::new(ArticleOutcome::HttpError, "304 to an unconditional GET")
            });
        }
    };
    // Whether it is a page at all is the extraction's to say (by its
    // Content-Type, then its bytes: servers mislabel pages).
    let (bytes, content_type, final_url) = (body.bytes, body.content_type, body.final_url);
    let page_url = final_url.clone();
    let extracted =
        tokio::task::spawn_blocking(move || extract(&bytes, content_type.as_deref(), &page_url))
            .await
            .map_err(|error| {
                ArticleFailure::new(
                    ArticleOutcome::ExtractFailed,
                    format!("the extraction task failed: {error}"),
                )
            })?;
    let mut article = extracted.map_err(|error| {
        let outcome = match error {
            ExtractError::NotHtml(_) => ArticleOutcome::NotHtml,
            _ => ArticleOutcome::ExtractFailed,
        };
        ArticleFailure::new(outcome, error.to_string())
    })?;
    if article.text.trim().is_empty() {
        return Err(ArticleFailure::new(
            ArticleOutcome::ExtractFailed,
            "no article text found",
        ));
    }
    clip_bytes_in_place(&mut article.text, ARTICLE_TEXT_BYTES);
    let fetched = Arc::new(FetchedArticle { article, final_url });
    cache.put(link, body.validators, Arc::clone(&fetched));
    Ok(fetched)
}

/// The outcome a failed fetch counts as.
fn failed_fetch(error: &FetchError) -> ArticleOutcome {
    match error {
        FetchError::Status { .. } => ArticleOutcome::HttpError,
        FetchError::Timeout(_) => ArticleOutcome::Timeout,
        FetchError::TooLarge { .. } => ArticleOutcome::TooLarge,
        FetchError::Redirect(_) | FetchError::Connect(_) | FetchError::Other(_) => {
            ArticleOutcome::FetchError
        }
    }
}
