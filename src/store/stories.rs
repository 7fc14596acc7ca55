//! Stories in the store: finding the story an item belongs to (by
//! canonical link, then by SimHash bands verified on the words), creating
//! one, and growing its lists and sources.

use sqlx::{AssertSqlSafe, Row};

use super::StoreError;
use crate::story::{Signature, same_story};

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// A story as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStory {
    /// Its id.
    pub id: String,
    /// Lists alerted so far.
    pub lists: Vec<String>,
    /// Feeds that carried it.
    pub sources: Vec<String>,
    /// When a story update was last queued (ms).
    pub last_update_at: Option<i64>,
}

impl StoredStory {
    /// Adds lists (kept sorted) and a source, for an item that joins the
    /// story; [`save_grown`] stores the result.
    pub(super) fn grow(&mut self, lists: &[String], source: &str) {
        merge_lists(&mut self.lists, lists);
        if !self.sources.iter().any(|s| s == source) {
            self.sources.push(source.to_string());
        }
    }
}

/// Adds the lists `into` lacks and sorts it; whether any was added. The
/// one rule for a seen item's lists and a story's.
pub(super) fn merge_lists(into: &mut Vec<String>, lists: &[String]) -> bool {
    let before = into.len();
    for list in lists {
        if !into.contains(list) {
            into.push(list.clone());
        }
    }
    into.sort();
    into.len() > before
}

/// Lists as the store keeps them: comma-separated.
pub(super) fn split_lists(csv: &str) -> Vec<String> {
    csv.split(',')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn story_from_row(row: &sqlx::any::AnyRow) -> Result<StoredStory, StoreError> {
    let lists: String = row.try_get("lists")?;
    let sources: String = row.try_get("sources")?;
    Ok(StoredStory {
        id: row.try_get("story_id")?,
        lists: split_lists(&lists),
        sources: serde_json::from_str(&sources).unwrap_or_default(),
        last_update_at: row.try_get("last_update_at")?,
    })
}

const STORY_COLUMNS: &str = "story_id, lists, sources, last_update_at";

/// A story by id.
pub(super) async fn story(
    tx: &mut Transaction<'_>,
    id: &str,
) -> Result<Option<StoredStory>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {STORY_COLUMNS} FROM stories WHERE story_id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(story_from_row).transpose()
}

/// The story of an item: the one its canonical link already belongs to,
/// else an alerted story within the window whose signature agrees.
pub(super) async fn find(
    tx: &mut Transaction<'_>,
    link_key: Option<&str>,
    signature: &Signature,
    since_ms: i64,
) -> Result<Option<StoredStory>, StoreError> {
    if let Some(link) = link_key {
        let row = sqlx::query("SELECT story_id FROM story_links WHERE link_key = $1")
            .bind(link)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(row) = row {
            let id: String = row.try_get("story_id")?;
            if let Some(found) = story(tx, &id).await? {
                return Ok(Some(found));
            }
        }
    }
    let keys = signature.band_keys();
    let placeholders: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 2)).collect();
    // Only numbered placeholders go into the text; the values are bound.
    let sql = format!(
        "SELECT DISTINCT s.story_id, s.lists, s.sources, s.title, s.last_update_at, s.title_hash, \
         s.lede_hash, s.lede_words, s.host, s.created_at FROM story_bands b \
         JOIN stories s ON s.story_id = b.story_id \
         WHERE b.band_key IN ({}) AND b.created_at >= $1 ORDER BY s.created_at",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(since_ms);
    for key in &keys {
        query = query.bind(*key);
    }
    for row in query.fetch_all(&mut **tx).await? {
        let stored = Signature {
            title_hash: row.try_get::<i64, _>("title_hash")? as u64,
            lede_hash: row.try_get::<i64, _>("lede_hash")? as u64,
            lede_words: row.try_get::<i64, _>("lede_words")? as usize,
            title: row.try_get("title")?,
            host: row.try_get("host")?,
        };
        if same_story(&stored, signature) {
            return Ok(Some(story_from_row(&row)?));
        }
    }
    Ok(None)
}

/// Creates a story for a first alert.
pub(super) async fn create(
    tx: &mut Transaction<'_>,
    id: &str,
    signature: &Signature,
    lists: &[String],
    source: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO stories (story_id, created_at, title, title_hash, lede_hash, lede_words, host, lists, sources) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(now_ms)
    .bind(&signature.title)
    .bind(signature.title_hash as i64)
    .bind(signature.lede_hash as i64)
    .bind(signature.lede_words as i64)
    .bind(&signature.host)
    .bind(lists.join(","))
    .bind(serde_json::json!([source]).to_string())
    .execute(&mut **tx)
    .await?;
    // All of a story's bands in one statement (only numbered
    // placeholders go into the text; the values are bound).
    let keys = signature.band_keys();
    let rows: Vec<String> = (0..keys.len())
        .map(|i| format!("(${}, $1, $2)", i + 3))
        .collect();
    let sql = format!(
        "INSERT INTO story_bands (band_key, story_id, created_at) VALUES {}",
        rows.join(", ")
    );
    let mut insert = sqlx::query(AssertSqlSafe(sql)).bind(id).bind(now_ms);
    for key in keys {
        insert = insert.bind(key);
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

/// Remembers that a canonical link belongs to a story.
pub(super) async fn link(
    tx: &mut Transaction<'_>,
    link_key: &str,
    story_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO story_links (link_key, story_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (link_key) DO NOTHING")
        .bind(link_key)
        .bind(story_id)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores a story's lists and sources after [`StoredStory::grow`].
pub(super) async fn save_grown(
    tx: &mut Transaction<'_>,
    story: &StoredStory,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE stories SET lists = $2, sources = $3 WHERE story_id = $1")
        .bind(&story.id)
        .bind(story.lists.join(","))
        .bind(serde_json::to_string(&story.sources).unwrap_or_else(|_| "[]".into()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Notes that an update was queued for a story.
pub(super) async fn updated(
    tx: &mut Transaction<'_>,
    story_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE stories SET last_update_at = $2 WHERE story_id = $1")
        .bind(story_id)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
