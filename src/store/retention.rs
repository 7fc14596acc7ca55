//! Retention: what the store forgets, and what it must not. Seen items,
//! stories (with the sinks that had them) and the list counts behind
//! spikes older than `[dedup] retention` go, except an item still present
//! in its feed's latest content (its `last_generation` is the feed's
//! `content_generation`), which would otherwise come back as new. Done
//! deliveries and the alerts left without deliveries go with them; dead
//! letters and pending deliveries stay. Article fetch marks go after the
//! same time (an item still in its feed then may have its article fetched
//! once more).

use super::{Store, StoreError};

/// How many rows a pruning removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Seen item keys.
    pub seen: u64,
    /// Stories (with their bands and links).
    pub stories: u64,
    /// Done deliveries and their alerts.
    pub deliveries: u64,
}

impl Store {
    /// Forgets what is older than `cutoff_ms` (see the module docs).
    pub async fn prune(&self, cutoff_ms: i64) -> Result<Pruned, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seen = sqlx::query(
            "DELETE FROM seen WHERE COALESCE(last_seen_at, first_seen_at) < $1 \
             AND COALESCE(last_generation, -1) < COALESCE( \
               (SELECT content_generation FROM feeds WHERE feeds.feed_id = seen.feed_id), 0)",
        )
        .bind(cutoff_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let stories = sqlx::query("DELETE FROM stories WHERE created_at < $1")
            .bind(cutoff_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for (table, column) in [
            ("story_bands", "created_at"),
            ("story_links", "created_at"),
            ("story_sinks", "sent_at"),
            ("list_hits", "at"),
            ("article_fetches", "fetched_at"),
        ] {
            // The table and column names are constants.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE {column} < $1"
            )))
            .bind(cutoff_ms)
            .execute(&mut *tx)
            .await?;
        }
        let deliveries =
            sqlx::query("DELETE FROM deliveries WHERE state = 'done' AND finished_at < $1")
                .bind(cutoff_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        // Old alerts no delivery needs, then the lists of alerts gone.
        for statement in [
            "DELETE FROM alerts WHERE detected_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.alert_id)",
            "DELETE FROM alert_lists WHERE detected_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = alert_lists.alert_id)",
        ] {
            sqlx::query(statement)
                .bind(cutoff_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Pruned {
            seen,
            stories,
            deliveries,
        })
    }
}
