//! `newswatch search QUERY`: the item archive searched with the query
//! language of the watch lists (and the config's `[[entity]]`s), newest
//! first, each result with what hit and where. Reads only.

use std::time::Duration;

use super::backtest::{Found, PAGE, item_of};
use super::{Failure, output};
use crate::clock::ms_ago;
use crate::config::Config;
use crate::matcher::MatchScratch;
use crate::matcher::search::query_matcher;
use crate::model::Hit;
use crate::store::{ArchiveCursor, ArchiveOrder, Store};

/// Prints the archived items read within `since` that `text` matches
/// (only those that matched `list` then, if given), newest first, at most
/// `limit`.
pub async fn run(
    config: &Config,
    store: &Store,
    text: &str,
    since: Duration,
    list: Option<&str>,
    limit: usize,
    json: bool,
) -> Result<(), Failure> {
    let matcher =
        query_matcher(text, &config.entities).map_err(|e| Failure::Other(anyhow::anyhow!(e)))?;
    let mut scratch = MatchScratch::default();
    let mut cursor: Option<ArchiveCursor> = None;
    let mut shown = 0;
    let from = ms_ago(since);
    'pages: loop {
        let (page, next) = store
            .archive_page(from, ArchiveOrder::Newest, cursor.as_ref(), PAGE)
            .await
            .map_err(anyhow::Error::from)?;
        for archived in &page {
            if list.is_some_and(|list| !archived.lists.iter().any(|l| l == list)) {
                continue;
            }
            let hits = matcher.find_in(
                &item_of(archived),
                archived.language.as_deref(),
                &mut scratch,
            );
            if hits.is_empty() {
                continue;
            }
            let hits: Vec<&Hit> = hits.iter().collect();
            let found = Found::of(archived, &hits);
            if json {
                output::line(&serde_json::to_string(&found).map_err(anyhow::Error::from)?)?;
            } else {
                for line in found.lines('*') {
                    output::line(&line)?;
                }
            }
            shown += 1;
            if shown >= limit {
                break 'pages;
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if !json {
        output::line(&format!("{shown} items found"))?;
    }
    Ok(())
}
