//! Conditional GETs for article pages. Each item's page is fetched once,
//! so an item never has validators of its own to send; what repeats is a
//! page shared by several items (the same story under two feeds' own ids,
//! an item re-issued with a new guid). This small in-memory cache keeps,
//! per requested URL, the validators the server gave and what was
//! extracted: the next fetch of that URL is conditional, and a 304 reuses
//! the extracted text. Pages without validators are not kept; nor are
//! texts over [`CACHED_TEXT_BYTES`]. It lives as long as the process.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::page::FetchedArticle;
use crate::fetch::Validators;

/// Pages remembered at most; the oldest goes first.
const CAPACITY: usize = 256;

/// Largest text kept (so the cache holds at most 16 MiB of text).
const CACHED_TEXT_BYTES: usize = 64 * 1024;

/// Validators and extracted articles of recently fetched pages, by URL.
#[derive(Debug, Default)]
pub struct ArticleCache {
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    by_url: HashMap<String, (Validators, Arc<FetchedArticle>)>,
    order: VecDeque<String>,
}

impl ArticleCache {
    /// The validators and article kept for `url`, if any.
    pub fn get(&self, url: &str) -> Option<(Validators, Arc<FetchedArticle>)> {
        let entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        entries.by_url.get(url).cloned()
    }

    /// Keeps what `url` gave, when the server sent validators.
    pub fn put(&self, url: &str, validators: Validators, article: Arc<FetchedArticle>) {
        if (validators.etag.is_none() && validators.last_modified.is_none())
            || article.article.text.len() > CACHED_TEXT_BYTES
        {
            return;
        }
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if entries
            .by_url
            .insert(url.to_string(), (validators, article))
            .is_none()
        {
            entries.order.push_back(url.to_string());
        }
        while entries.order.len() > CAPACITY {
            if let Some(oldest) = entries.order.pop_front() {
                entries.by_url.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fulltext::extract::Article;

    fn fetched(text: &str) -> Arc<FetchedArticle> {
        Arc::new(FetchedArticle {
            article: Article {
                text: text.into(),
                ..Article::default()
            },
            final_url: "https://n.example/a".into(),
        })
    }

    #[test]
    fn keeps_pages_with_validators_and_forgets_the_oldest() {
        let cache = ArticleCache::default();
        cache.put(
            "https://n.example/none",
            Validators::default(),
            fetched("x"),
        );
        assert!(cache.get("https://n.example/none").is_none());
        let tagged = Validators {
            etag: Some("\"1\"".into()),
            last_modified: None,
        };
        for n in 0..=CAPACITY {
            cache.put(
                &format!("https://n.example/{n}"),
                tagged.clone(),
                fetched("x"),
            );
        }
        assert!(cache.get("https://n.example/0").is_none());
        let (validators, article) = cache.get("https://n.example/1").expect("kept");
        assert_eq!(validators, tagged);
        assert_eq!(article.article.text, "x");
    }
}
