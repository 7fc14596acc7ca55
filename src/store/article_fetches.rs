//! Which items are known, for full text: an item's article is fetched
//! only when its key is in none of `seen` (it matched before), the archive
//! (it was read before) and `article_fetches` (its article was fetched,
//! or passed over, before). The last is what keeps a page fetched at most
//! once per item when the item matched nothing and the archive is off.

use std::collections::HashSet;

use sqlx::Row;

use super::batch::insert_rows_then;
use super::{Store, StoreError};

/// Keys per statement: one bound value each, three times in the query.
const KEYS_PER_STATEMENT: usize = 200;

impl Store {
    /// The keys among `keys` the store already knows (see the module docs).
    pub async fn known_items(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut known = HashSet::new();
        for chunk in keys.chunks(KEYS_PER_STATEMENT) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            // Only placeholders go into the text.
            let sql = format!(
                "SELECT item_key FROM seen WHERE item_key IN ({list}) \
                 UNION SELECT item_key FROM archive WHERE item_key IN ({list}) \
                 UNION SELECT item_key FROM article_fetches WHERE item_key IN ({list})"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for key in chunk {
                query = query.bind(key.clone());
            }
            for row in query.fetch_all(&self.pool).await? {
                known.insert(row.try_get::<String, _>("item_key")?);
            }
        }
        Ok(known)
    }

    /// Remembers that the articles of `keys` were fetched (or passed
    /// over) at `now_ms`.
    pub async fn mark_articles_fetched(
        &self,
        keys: &[String],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let rows: Vec<[&str; 1]> = keys.iter().map(|key| [key.as_str()]).collect();
        let mut tx = self.pool.begin().await?;
        insert_rows_then(
            &mut tx,
            "INSERT INTO article_fetches (item_key, fetched_at)",
            &rows,
            now_ms,
            " ON CONFLICT (item_key) DO NOTHING",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
