//! `newswatch backtest`: the watch lists of a config (typically an edited
//! copy) run over the item archive, and per list what would have alerted,
//! what did, and the difference, explained. How an analyst tunes a rule
//! before reloading the daemon. Writes nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::{Failure, output};
use crate::clock::{from_millis, ms_ago};
use crate::config::Config;
use crate::matcher::{MatchScratch, Matcher};
use crate::model::{Hit, Item, ItemKey, rfc3339};
use crate::store::{ArchiveCursor, ArchiveOrder, ArchivedItem, Store};
use crate::text::clip::clip;

/// Archived items read per query.
pub(super) const PAGE: usize = 1000;

/// Items listed per list and side in the text output (`--json` has all).
const SHOWN: usize = 100;

/// Characters of a headline in the text output.
const TITLE: usize = 120;

/// One archived item as a result shows it.
#[derive(Debug, Serialize)]
pub(super) struct Found {
    item_key: String,
    feed: String,
    title: String,
    link: Option<String>,
    published_at: Option<String>,
    read_at: String,
    /// The lists it matched when it was read.
    lists_then: Vec<String>,
    /// What hit now, with snippets (none for an item that no longer matches).
    hits: Vec<FoundHit>,
}

/// One hit of a result.
#[derive(Debug, Serialize)]
pub(super) struct FoundHit {
    list: String,
    term: String,
    field: &'static str,
    snippet: String,
    /// For a regex term: the text it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    matched: Option<String>,
}

impl Found {
    pub(super) fn of(archived: &ArchivedItem, hits: &[&Hit]) -> Found {
        Found {
            item_key: archived.item_key.clone(),
            feed: archived.feed.clone(),
            title: archived.title.clone(),
            link: archived.link.clone(),
            published_at: archived.published_ms.map(|ms| rfc3339(from_millis(ms))),
            read_at: rfc3339(from_millis(archived.archived_ms)),
            lists_then: archived.lists.clone(),
            hits: hits
                .iter()
                .map(|hit| FoundHit {
                    list: hit.list.clone(),
                    term: hit.term.clone(),
                    field: hit.field.as_str(),
                    snippet: hit.snippet.clone(),
                    matched: hit.matched.clone(),
                })
                .collect(),
        }
    }

    /// Its lines in the text output, `mark` first.
    pub(super) fn lines(&self, mark: char) -> Vec<String> {
        let when = self.published_at.as_deref().unwrap_or(&self.read_at);
        let mut lines = vec![format!(
            "  {mark} {when}  {}  {}",
            clip(&self.feed, 40),
            clip(&self.title, TITLE)
        )];
        for hit in &self.hits {
            lines.push(format!(
                "      {} in {}: {}",
                output::term(&hit.term, hit.matched.as_deref()),
                hit.field,
                hit.snippet
            ));
        }
        lines
            .into_iter()
            .map(|l| l.replace(['\n', '\r'], " "))
            .collect()
    }
}

/// One list's result.
#[derive(Debug, Default, Serialize)]
struct ListResult {
    list: String,
    /// Items the config's list matches now.
    would: u64,
    /// Items it matched when they were read.
    did: u64,
    /// Matched now, not then.
    new: Vec<Found>,
    /// Matched then, not now.
    no_longer: Vec<Found>,
}

/// The archive as an item for the matcher: headline, summary and the
/// fetched article's text (its first 64 KiB; the archive keeps no feed
/// `content`).
pub(super) fn item_of(archived: &ArchivedItem) -> Item {
    Item {
        key: ItemKey::from_stored(archived.item_key.clone()),
        source_id: None,
        title: archived.title.clone(),
        link: archived.link.clone(),
        summary: archived.summary.clone(),
        content: String::new(),
        article: archived.article.clone(),
        published: archived.published_ms.map(from_millis),
        published_raw: None,
    }
}

/// Runs `config`'s lists (or only `watch`) over what the archive read
/// within `since`, and prints the comparison.
pub async fn run(
    config: &Config,
    store: &Store,
    since: Duration,
    watch: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    if let Some(name) = watch
        && !config.watches.iter().any(|w| w.name.get_ref() == name)
    {
        return Err(Failure::Other(anyhow::anyhow!(
            "{}: there is no watch list named {name:?}",
            config.path.display()
        )));
    }
    let wanted = |list: &str| watch.is_none_or(|name| name == list);
    let matcher = Matcher::new(&config.watches, &config.entities).map_err(anyhow::Error::from)?;
    let mut results: BTreeMap<String, ListResult> = config
        .watches
        .iter()
        .map(|w| w.name.get_ref().clone())
        .filter(|name| wanted(name))
        .map(|name| {
            let result = ListResult {
                list: name.clone(),
                ..ListResult::default()
            };
            (name, result)
        })
        .collect();
    let mut scratch = MatchScratch::default();
    let mut cursor: Option<ArchiveCursor> = None;
    let mut items = 0u64;
    let from = ms_ago(since);
    loop {
        let (page, next) = store
            .archive_page(from, ArchiveOrder::Oldest, cursor.as_ref(), PAGE)
            .await
            .map_err(anyhow::Error::from)?;
        for archived in &page {
            items += 1;
            let hits = matcher.find_in(
                &item_of(archived),
                archived.language.as_deref(),
                &mut scratch,
            );
            let mut lists: Vec<&str> = hits.iter().map(|h| h.list.as_str()).collect();
            lists.sort_unstable();
            lists.dedup();
            let mut involved: Vec<&str> = lists.clone();
            involved.extend(archived.lists.iter().map(String::as_str));
            involved.sort_unstable();
            involved.dedup();
            for list in involved.into_iter().filter(|l| wanted(l)) {
                let now = lists.contains(&list);
                let then = archived.lists.iter().any(|l| l == list);
                let result = results
                    .entry(list.to_string())
                    .or_insert_with(|| ListResult {
                        list: list.to_string(),
                        ..ListResult::default()
                    });
                result.would += u64::from(now);
                result.did += u64::from(then);
                if now && !then {
                    let own: Vec<&Hit> = hits.iter().filter(|h| h.list == list).collect();
                    result.new.push(Found::of(archived, &own));
                } else if then && !now {
                    result.no_longer.push(Found::of(archived, &[]));
                }
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if json {
        for result in results.values() {
            output::line(&serde_json::to_string(result).map_err(anyhow::Error::from)?)?;
        }
        return Ok(());
    }
    output::line(&format!(
        "{items} archived items read since {}",
        rfc3339(from_millis(from))
    ))?;
    for result in results.values() {
        output::line(&format!(
            "{}: would alert {}, did {}; {} new, {} no longer",
            result.list,
            result.would,
            result.did,
            result.new.len(),
            result.no_longer.len()
        ))?;
        for (mark, found) in [('+', &result.new), ('-', &result.no_longer)] {
            for one in found.iter().take(SHOWN) {
                for line in one.lines(mark) {
                    output::line(&line)?;
                }
            }
            if found.len() > SHOWN {
                output::line(&format!(
                    "  {mark} … and {} more (--json lists them all)",
                    found.len() - SHOWN
                ))?;
            }
        }
    }
    Ok(())
}
