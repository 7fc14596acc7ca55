//! Stories in the store: finding the story an item belongs to (by
//! canonical link, then by SimHash bands verified on the words), creating
//! one, and growing its lists and sources.

use sqlx::{AssertSqlSafe, Row};

use super::StoreError;
use crate::clock::from_millis;
use crate::model::{SourceSeen, rfc3339};
use crate::story::{Signature, same_story};

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// A story as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStory {
    /// Its id: the id of the alert that started it.
    pub id: String,
    /// Its headline, as first alerted.
    pub title: String,
    /// When it started (ms).
    pub created_at: i64,
    /// Every list its copies matched so far.
    pub lists: Vec<String>,
    /// Feeds that carried it, each with when it first did.
    pub sources: Vec<StorySource>,
    /// Sinks that have had it (a sink gets a story once).
    pub sinks: Vec<String>,
    /// When a story update was last queued (ms).
    pub last_update_at: Option<i64>,
    /// When it broke: enough sources within the breaking window (ms).
    pub breaking_at: Option<i64>,
}

/// A feed that carried a story, and when it first did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StorySource {
    /// The feed's name.
    pub feed: String,
    /// When its first copy was recorded (ms).
    pub at: i64,
}

/// A source as stored: `{"feed", "at"}`, or a bare feed name as stories
/// stored before sources had times (those read as the story's start).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredSource {
    Timed { feed: String, at: i64 },
    Name(String),
}

impl StoredStory {
    /// Adds lists (kept sorted) and a source first seen at `now_ms`, for
    /// an item that joins the story; [`save_grown`] stores the result.
    pub(super) fn grow(&mut self, lists: &[String], source: &str, now_ms: i64) {
        merge_lists(&mut self.lists, lists);
        if !self.sources.iter().any(|s| s.feed == source) {
            self.sources.push(StorySource {
                feed: source.to_string(),
                at: now_ms,
            });
        }
    }

    /// Its sources as messages and listings show them: name and RFC 3339
    /// time, in the order they joined.
    pub fn sources_seen(&self) -> Vec<SourceSeen> {
        self.sources
            .iter()
            .map(|source| SourceSeen {
                feed: source.feed.clone(),
                first_seen_at: rfc3339(from_millis(source.at)),
            })
            .collect()
    }

    /// The names of its sources, in the order they joined.
    pub fn source_names(&self) -> Vec<String> {
        self.sources.iter().map(|s| s.feed.clone()).collect()
    }

    /// How many sources first carried it at or after `since_ms`.
    pub(super) fn sources_since(&self, since_ms: i64) -> usize {
        self.sources.iter().filter(|s| s.at >= since_ms).count()
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

/// Sources as the store keeps them: a JSON array.
fn sources_json(sources: &[StorySource]) -> String {
    serde_json::to_string(sources).unwrap_or_else(|_| "[]".into())
}

fn parse_sources(json: &str, created_at: i64) -> Vec<StorySource> {
    let stored: Vec<StoredSource> = serde_json::from_str(json).unwrap_or_default();
    stored
        .into_iter()
        .map(|source| match source {
            StoredSource::Timed { feed, at } => StorySource { feed, at },
            StoredSource::Name(feed) => StorySource {
                feed,
                at: created_at,
            },
        })
        .collect()
}

/// A story from its row; its sinks are read by [`with_sinks`].
pub(super) fn story_from_row(row: &sqlx::any::AnyRow) -> Result<StoredStory, StoreError> {
    let lists: String = row.try_get("lists")?;
    let sources: String = row.try_get("sources")?;
    let created_at: i64 = row.try_get("created_at")?;
    Ok(StoredStory {
        id: row.try_get("story_id")?,
        title: row.try_get("headline")?,
        created_at,
        lists: split_lists(&lists),
        sources: parse_sources(&sources, created_at),
        sinks: Vec::new(),
        last_update_at: row.try_get("last_update_at")?,
        breaking_at: row.try_get("breaking_at")?,
    })
}

/// The columns [`story_from_row`] reads.
pub(super) const STORY_COLUMNS: &str = "story_id, COALESCE(headline, title) AS headline, created_at, \
     lists, sources, last_update_at, breaking_at";

/// Fills in which sinks have had the story.
pub(super) async fn with_sinks(
    tx: &mut Transaction<'_>,
    mut story: StoredStory,
) -> Result<StoredStory, StoreError> {
    let rows = sqlx::query("SELECT sink FROM story_sinks WHERE story_id = $1 ORDER BY sink")
        .bind(&story.id)
        .fetch_all(&mut **tx)
        .await?;
    story.sinks = rows
        .iter()
        .map(|row| row.try_get("sink"))
        .collect::<Result<_, _>>()?;
    Ok(story)
}

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
    match row {
        Some(row) => Ok(Some(with_sinks(tx, story_from_row(&row)?).await?)),
        None => Ok(None),
    }
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
        "SELECT DISTINCT s.story_id, s.lists, s.sources, s.title, s.last_update_at, s.breaking_at, \
         COALESCE(s.headline, s.title) AS headline, s.title_hash, s.lede_hash, s.lede_words, s.host, s.created_at FROM story_bands b \
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
            return Ok(Some(with_sinks(tx, story_from_row(&row)?).await?));
        }
    }
    Ok(None)
}

/// Creates a story for a first alert with this headline.
pub(super) async fn create(
    tx: &mut Transaction<'_>,
    id: &str,
    headline: &str,
    signature: &Signature,
    lists: &[String],
    source: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO stories (story_id, created_at, title, title_hash, lede_hash, lede_words, host, lists, sources, last_seen_at, headline) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $2, $10)",
    )
    .bind(id)
    .bind(now_ms)
    .bind(&signature.title)
    .bind(signature.title_hash as i64)
    .bind(signature.lede_hash as i64)
    .bind(signature.lede_words as i64)
    .bind(&signature.host)
    .bind(lists.join(","))
    .bind(sources_json(&[StorySource {
        feed: source.to_string(),
        at: now_ms,
    }]))
    .bind(headline)
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

/// Stores a story's lists and sources after [`StoredStory::grow`], and
/// that a copy turned up at `now_ms`.
pub(super) async fn save_grown(
    tx: &mut Transaction<'_>,
    story: &StoredStory,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE stories SET lists = $2, sources = $3, last_seen_at = $4 WHERE story_id = $1",
    )
    .bind(&story.id)
    .bind(story.lists.join(","))
    .bind(sources_json(&story.sources))
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Claims are rows of (story, sink, alert) and their time.
const CLAIM: &str = "INSERT INTO story_sinks (story_id, sink, alert_id, sent_at)";

/// A sink's claim on a story that starts in this poll: (story id, sink,
/// alert id). Nobody can hold one yet, so they are written together.
pub(super) type NewClaim<'a> = [&'a str; 3];

/// Records the claims on stories started in this poll, at `now_ms`.
pub(super) async fn claim_new(
    tx: &mut Transaction<'_>,
    claims: &[NewClaim<'_>],
    now_ms: i64,
) -> Result<(), StoreError> {
    super::batch::insert_rows(tx, CLAIM, claims, now_ms).await
}

/// Records that `sinks` have had the story, through `alert_id`; returns
/// those that had not (another instance may have claimed some first: the
/// primary key decides, so none is messaged twice).
pub(super) async fn claim_sinks(
    tx: &mut Transaction<'_>,
    story_id: &str,
    alert_id: &str,
    sinks: &[String],
    now_ms: i64,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<[&str; 3]> = sinks
        .iter()
        .map(|sink| [story_id, sink.as_str(), alert_id])
        .collect();
    let claimed = super::batch::insert_rows_then(
        tx,
        CLAIM,
        &rows,
        now_ms,
        " ON CONFLICT (story_id, sink) DO NOTHING RETURNING sink",
    )
    .await?;
    let mut claimed: Vec<String> = claimed
        .iter()
        .map(|row| row.try_get("sink"))
        .collect::<Result<_, _>>()?;
    // In the order routing gave them.
    claimed.sort_by_key(|sink| sinks.iter().position(|s| s == sink));
    Ok(claimed)
}

/// Marks a story broken at `now_ms` unless it already was; whether this
/// call did (so the event is sent at most once, whoever records it).
pub(super) async fn mark_breaking(
    tx: &mut Transaction<'_>,
    story_id: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE stories SET breaking_at = $2 WHERE story_id = $1 AND breaking_at IS NULL",
    )
    .bind(story_id)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
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

#[cfg(test)]
mod tests {
    use super::{StorySource, parse_sources, sources_json};

    #[test]
    fn sources_stored_before_they_had_times_read_as_the_story_start() {
        let old = parse_sources(r#"["Wire","Daily"]"#, 42);
        assert_eq!(
            old[1],
            StorySource {
                feed: "Daily".into(),
                at: 42
            }
        );
        let timed = vec![StorySource {
            feed: "Wire".into(),
            at: 7,
        }];
        assert_eq!(parse_sources(&sources_json(&timed), 42), timed);
        assert!(parse_sources("not json", 42).is_empty());
    }
}
