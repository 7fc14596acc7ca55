//! Recent stories for `newswatch stories`: what the store knows of each
//! (its sources with their times, its lists, which sinks had it, whether
//! it broke), read without writing.

use sqlx::{AssertSqlSafe, Row};

use super::stories::{STORY_COLUMNS, StoredStory, story_from_row, with_sinks};
use super::{Store, StoreError};

/// A story as listed: the stored story and when a copy last turned up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryListing {
    /// The story, with its sources, lists and sinks.
    pub story: StoredStory,
    /// When its latest copy was recorded (ms).
    pub last_seen_at: i64,
}

impl Store {
    /// Stories with a copy recorded at or after `since_ms`, the most
    /// recently seen first, at most `limit`.
    pub async fn recent_stories(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<StoryListing>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Only a constant column list goes into the text.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {STORY_COLUMNS}, COALESCE(last_seen_at, created_at) AS seen FROM stories \
             WHERE COALESCE(last_seen_at, created_at) >= $1 ORDER BY seen DESC, story_id LIMIT $2"
        )))
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut listed = Vec::with_capacity(rows.len());
        for row in &rows {
            let story = with_sinks(&mut tx, story_from_row(row)?).await?;
            listed.push(StoryListing {
                story,
                last_seen_at: row.try_get("seen")?,
            });
        }
        tx.commit().await?;
        Ok(listed)
    }
}
