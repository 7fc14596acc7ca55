//! The article stage of a full-text feed's poll (`full_text = true`):
//! which items' pages are fetched, at once and within the poll's
//! `article_timeout`, each under the per-host and global limits.
//!
//! Only items the store does not know are fetched (not in `seen`, the
//! archive or the article marks), so a page is fetched at most once per
//! item; on a first poll, items the backlog rule would not alert are
//! passed over (and marked, so a later poll does not take them for new).
//! The feed's own permits are released before this stage: each article
//! fetch takes a permit of the article's host, then a global one, in the
//! order every poll takes them, and no task holds one permit while
//! waiting for a second of the same kind; so a feed and its articles on
//! one host with `per_host = 1` cannot wait on each other.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::PollContext;
use crate::app::feeds::FeedSpec;
use crate::fulltext::{ArticleFailure, ArticleOutcome, fetch_page};
use crate::http::is_web_url;
use crate::model::Item;
use crate::redact::public_url;
use crate::service::metrics::metrics;

/// Articles of one poll fetched at the same time at most: a feed of 200
/// items does not open 200 requests, while 20 items on a slow site are
/// not fetched one by one.
const ARTICLES_AT_ONCE: usize = 4;

/// What the article stage learned beyond each item's text.
#[derive(Debug, Default)]
pub(super) struct Articles {
    /// Each fetched item's page address (its canonical link, else where
    /// its link led), by item key.
    pub canonical: HashMap<String, String>,
}

impl PollContext {
    /// Fetches the articles of `items` that are new, writing each text
    /// into its item's `article`; an item whose article fails keeps an
    /// empty one (counted and logged, never a feed failure).
    pub(super) async fn fetch_articles(
        self: &Arc<Self>,
        feed: &FeedSpec,
        feed_url: &str,
        items: &mut [Item],
        first_poll: bool,
    ) -> Articles {
        let mut articles = Articles::default();
        let new = match self.new_items(items).await {
            Ok(new) => new,
            Err(error) => {
                tracing::warn!(feed = %feed.name, error = %error, "cannot tell which items are new; no articles fetched this poll");
                return articles;
            }
        };
        if new.is_empty() {
            return articles;
        }
        let now = Utc::now();
        // One request per page, whichever items share it.
        let mut pages: HashMap<String, Vec<usize>> = HashMap::new();
        for &index in &new {
            let item = &items[index];
            if first_poll && !feed.backlog.alerts(item, now) {
                continue;
            }
            if let Some(link) = item.link.as_deref() {
                pages
                    .entry(link.trim().to_string())
                    .or_default()
                    .push(index);
            }
        }
        let origin = Arc::new(self.fetcher.article_origin(&feed.id, feed_url).await);
        let deadline = tokio::time::Instant::now() + feed.article_timeout;
        let at_once = Arc::new(Semaphore::new(ARTICLES_AT_ONCE));
        let mut tasks = JoinSet::new();
        for (link, indices) in pages {
            let context = Arc::clone(self);
            let at_once = Arc::clone(&at_once);
            let origin = Arc::clone(&origin);
            tasks.spawn(async move {
                let fetched = tokio::time::timeout_at(deadline, async {
                    let _slot = at_once.acquire_owned().await;
                    let _permits = context.acquire(&link).await;
                    let max = context.poll.max_article.0;
                    let cache = &context.article_cache;
                    fetch_page(&context.fetcher, cache, &origin, &link, max).await
                })
                .await
                .unwrap_or_else(|_| Err(ArticleFailure::timed_out()));
                (link, indices, fetched)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            // A task that panicked leaves its items without an article.
            let Ok((link, indices, fetched)) = joined else {
                continue;
            };
            match fetched {
                Ok(page) => {
                    metrics().article_fetch(ArticleOutcome::Ok);
                    for index in indices {
                        let item = &mut items[index];
                        item.article.clone_from(&page.article.text);
                        let canonical = page.canonical().to_string();
                        articles.canonical.insert(item.key.to_string(), canonical);
                    }
                }
                Err(failure) => {
                    metrics().article_fetch(failure.outcome);
                    tracing::debug!(
                        feed = %feed.name,
                        link = %public_url(&link),
                        outcome = failure.outcome.label(),
                        reason = %crate::text::clip::clip(&failure.reason, 300),
                        "no article for this item; matched on its feed text"
                    );
                }
            }
        }
        let keys: Vec<String> = new.iter().map(|&i| items[i].key.to_string()).collect();
        if let Err(error) = self
            .store
            .mark_articles_fetched(&keys, now.timestamp_millis())
            .await
        {
            tracing::warn!(feed = %feed.name, error = %error, "cannot note which articles were fetched; they may be fetched again");
        }
        articles
    }

    /// The positions of the items with a web link the store does not know.
    async fn new_items(&self, items: &[Item]) -> Result<Vec<usize>, crate::store::StoreError> {
        let linked: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].link.as_deref().is_some_and(is_web_url))
            .collect();
        if linked.is_empty() {
            return Ok(linked);
        }
        let keys: Vec<String> = linked.iter().map(|&i| items[i].key.to_string()).collect();
        let known = self.store.known_items(&keys).await?;
        Ok(linked
            .into_iter()
            .filter(|&i| !known.contains(items[i].key.as_str()))
            .collect())
    }
}
