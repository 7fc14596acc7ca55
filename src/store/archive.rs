//! The item archive (`[archive]`): every parsed item, kept for a while,
//! so that an edited watch list can be back-tested on what the feeds
//! carried and the archive searched. An item is written when its feed's
//! content changes (unchanged content is never parsed again), once per
//! key; when it matches, its story and lists are noted on its row.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::batch::value_rows;
use super::{Store, StoreError, stories};

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Columns per archived row.
const COLUMNS: usize = 12;

/// Rows per statement: 12 values each, far below SQLite's limit on bound
/// values.
const ROWS_PER_STATEMENT: usize = 200;

/// One archived item: what back-testing matches and search shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedItem {
    /// The item's stable key.
    pub item_key: String,
    /// The feed's id (its configured URL).
    pub feed_id: String,
    /// The feed's display name.
    pub feed: String,
    /// Headline.
    pub title: String,
    /// Summary, cut at [`SUMMARY_BYTES`].
    pub summary: String,
    /// Link, if any.
    pub link: Option<String>,
    /// Publication time (ms), if known.
    pub published_ms: Option<i64>,
    /// The feed's declared language, if any.
    pub language: Option<String>,
    /// The story it belongs to, if it matched a list.
    pub story_id: Option<String>,
    /// The lists it matched the last time it did (sorted).
    pub lists: Vec<String>,
    /// When newswatch read it (ms).
    pub archived_ms: i64,
    /// The article text fetched from its link (`full_text`), cut at
    /// [`ARTICLE_BYTES`]; empty when none was fetched.
    pub article: String,
}

/// The most of an article's text the archive keeps: enough for
/// back-testing and search on what a story says, while 2,000 articles a
/// cycle cannot fill the disk.
pub const ARTICLE_BYTES: usize = 64 * 1024;

/// The most of a summary the archive keeps: a lede and more, while a feed
/// of 64 KB summaries cannot fill the disk.
pub const SUMMARY_BYTES: usize = 8 * 1024;

/// Where a page of the archive ends, to ask for the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveCursor {
    archived_ms: i64,
    item_key: String,
}

/// Which way the archive is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveOrder {
    /// Oldest first (back-testing).
    Oldest,
    /// Newest first (search).
    Newest,
}

/// What the poll that wrote an item learned of it: its story (if it
/// matched and has one) and the lists it matched.
pub(super) type Matched<'a> = HashMap<&'a str, (Option<&'a str>, &'a [String])>;

/// Archives `items` (one poll's), noting the story and lists of those in
/// `matched`. An item already archived keeps its text; its story and lists
/// are updated when it matched now.
pub(super) async fn write(
    tx: &mut Transaction<'_>,
    items: &[ArchivedItem],
    matched: &Matched<'_>,
) -> Result<(), StoreError> {
    // One row per key: a statement may not touch a row twice.
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&ArchivedItem> = items
        .iter()
        .filter(|item| seen.insert(item.item_key.as_str()))
        .collect();
    for chunk in unique.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO archive (item_key, feed_id, feed, title, summary, link, published_at, \
             language, story_id, lists, archived_at, article) VALUES {} \
             ON CONFLICT (item_key) DO UPDATE SET \
             story_id = COALESCE(excluded.story_id, archive.story_id), \
             lists = CASE WHEN excluded.lists = '' THEN archive.lists ELSE excluded.lists END \
             WHERE excluded.lists <> '' OR (archive.story_id IS NULL AND excluded.story_id IS NOT NULL)",
            value_rows(chunk.len(), COLUMNS, false)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for item in chunk {
            let (story, lists) = match matched.get(item.item_key.as_str()) {
                Some((story, lists)) => (story.map(str::to_string), lists.join(",")),
                None => (item.story_id.clone(), item.lists.join(",")),
            };
            query = query
                .bind(item.item_key.clone())
                .bind(item.feed_id.clone())
                .bind(item.feed.clone())
                .bind(item.title.clone())
                .bind(item.summary.clone())
                .bind(item.link.clone())
                .bind(item.published_ms)
                .bind(item.language.clone())
                .bind(story)
                .bind(lists)
                .bind(item.archived_ms)
                .bind(item.article.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Up to `limit` archived items read at or after `since_ms`, in
    /// `order`, after `cursor` (the previous page's last); with the cursor
    /// for the next page, `None` at the end.
    pub async fn archive_page(
        &self,
        since_ms: i64,
        order: ArchiveOrder,
        cursor: Option<&ArchiveCursor>,
        limit: usize,
    ) -> Result<(Vec<ArchivedItem>, Option<ArchiveCursor>), StoreError> {
        let (compare, direction) = match order {
            ArchiveOrder::Oldest => (">", "ASC"),
            ArchiveOrder::Newest => ("<", "DESC"),
        };
        let after = if cursor.is_some() {
            format!(
                "AND (archived_at {compare} $3 OR (archived_at = $3 AND item_key {compare} $4))"
            )
        } else {
            String::new()
        };
        // Only the constant operators and direction go into the text.
        let sql = format!(
            "SELECT item_key, feed_id, feed, title, summary, link, published_at, language, \
             story_id, lists, archived_at, article FROM archive WHERE archived_at >= $1 {after} \
             ORDER BY archived_at {direction}, item_key {direction} LIMIT $2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since_ms)
            .bind(limit);
        if let Some(cursor) = cursor {
            query = query.bind(cursor.archived_ms).bind(cursor.item_key.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        let items = rows.iter().map(archived).collect::<Result<Vec<_>, _>>()?;
        let next = match items.last() {
            Some(last) if items.len() as i64 == limit => Some(ArchiveCursor {
                archived_ms: last.archived_ms,
                item_key: last.item_key.clone(),
            }),
            _ => None,
        };
        Ok((items, next))
    }

    /// How many items the archive holds.
    pub async fn archive_count(&self) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM archive")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    /// Forgets archived items read before `cutoff_ms`; returns how many.
    pub async fn prune_archive(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM archive WHERE archived_at < $1")
            .bind(cutoff_ms)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}

fn archived(row: &AnyRow) -> Result<ArchivedItem, StoreError> {
    let lists: String = row.try_get("lists")?;
    Ok(ArchivedItem {
        item_key: row.try_get("item_key")?,
        feed_id: row.try_get("feed_id")?,
        feed: row.try_get("feed")?,
        title: row.try_get("title")?,
        summary: row.try_get("summary")?,
        link: row.try_get("link")?,
        published_ms: row.try_get("published_at")?,
        language: row.try_get("language")?,
        story_id: row.try_get("story_id")?,
        lists: stories::split_lists(&lists),
        archived_ms: row.try_get("archived_at")?,
        article: row.try_get("article")?,
    })
}
