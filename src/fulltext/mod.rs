//! Full text: for feeds with `full_text = true`, the article behind each
//! new item's link is fetched and its main text matched as the field
//! `article`. Many feeds carry a headline and a sentence; the words a rule
//! needs are in the article.
//!
//! Here: one page's fetch and extraction (`page.rs`, used by the poller
//! and by `newswatch test --full-text`), how it ended (`outcome.rs`, the
//! `newswatch_article_fetches_total` metric), the cache of validators that
//! makes a page shared by several items a conditional GET (`cache.rs`),
//! and the extraction itself (`extract.rs`). Which items are fetched, and
//! the per-host limits, are the poller's (`app/poll/articles.rs`).

mod cache;
pub mod extract;
mod outcome;
mod page;

pub use cache::ArticleCache;
pub use outcome::ArticleOutcome;
pub use page::{ARTICLE_TEXT_BYTES, ArticleFailure, FetchedArticle, fetch_page};
