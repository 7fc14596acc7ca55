//! Feed leases: which instance polls which feed, and when each feed is due
//! (migration 0011 says why). Instances register their feeds' due times,
//! claim due feeds in batches, and release a feed when its poll is written
//! (its due time moves on), when the poll is lost, or when they stop.
//!
//! Claims are serialised across the fleet (an advisory lock on
//! PostgreSQL; SQLite has one daemon and one writer), so a claim sees
//! every lease held and no host is ever given more than `per_host`.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::{Store, StoreError};

/// The advisory lock key that serialises claims on PostgreSQL ("news").
const CLAIM_LOCK: i64 = 0x6e65_7773;

/// Rows written by one statement, well under both engines' limits on
/// bound values.
const CHUNK: usize = 200;

/// A feed's row in the fleet's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLease {
    /// The configured URL.
    pub feed_id: String,
    /// The host its requests go to.
    pub host: String,
    /// When it is due (ms); `None`: never (disabled).
    pub due_at: Option<i64>,
    /// The instance holding its lease, if any.
    pub owner: Option<String>,
    /// Until when the lease holds (ms).
    pub lease_until: Option<i64>,
}

impl FeedLease {
    /// Whether another instance than `me` holds the lease at `now_ms`.
    pub fn held_by_other(&self, me: &str, now_ms: i64) -> bool {
        self.owner.as_deref().is_some_and(|owner| owner != me)
            && self.lease_until.is_some_and(|until| until >= now_ms)
    }
}

/// What an instance asks for when it claims feeds.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRequest<'a> {
    /// The time of the claim (ms): feeds due by then are claimed.
    pub now_ms: i64,
    /// The leases hold until then, unless renewed.
    pub lease_until_ms: i64,
    /// At most this many feeds.
    pub limit: usize,
    /// No host has more leases than this across the fleet.
    pub per_host: usize,
    /// Feeds this instance does not poll (not in its config).
    pub skip: &'a [String],
}

/// What a claim took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimed {
    /// The feeds now leased to this instance, with their due times.
    pub feeds: Vec<(String, i64)>,
    /// The earliest due time of a feed left unclaimed and unleased, when
    /// the claim took fewer than it could.
    pub next_due: Option<i64>,
    /// Due feeds were left because their host's budget is spent.
    pub host_limited: bool,
}

impl Store {
    /// This process's id in leases (feeds and deliveries).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Every feed's row in the schedule, by feed id.
    pub async fn feed_leases(&self) -> Result<HashMap<String, FeedLease>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        read_leases(&mut connection).await
    }

    /// Registers this instance's feeds in the schedule. `plan` sees the
    /// fleet's members and the schedule as they are, under the claims'
    /// lock (so two instances starting together see each other), and says
    /// what to write; its rows are upserted (hosts and due times; leases
    /// are left alone) and, when it says `keep_only`, rows of other feeds
    /// are dropped.
    pub async fn register_feeds(
        &self,
        plan: impl FnOnce(&[super::InstanceRow], &HashMap<String, FeedLease>) -> Registration,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_claims().await?;
        let members = super::instances::read_fleet(&mut tx).await?;
        let leases = read_leases(&mut tx).await?;
        let registration = plan(&members, &leases);
        if registration.keep_only {
            let keep: std::collections::HashSet<&str> = registration
                .rows
                .iter()
                .map(|(id, _, _)| id.as_str())
                .collect();
            let gone: Vec<&String> = leases
                .keys()
                .filter(|id| !keep.contains(id.as_str()))
                .collect();
            for chunk in gone.chunks(CHUNK) {
                let list = numbered(1, chunk.len());
                let mut query = sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM feed_leases WHERE feed_id IN {list}"
                )));
                for id in chunk {
                    query = query.bind(id.as_str());
                }
                query.execute(&mut *tx).await?;
            }
        }
        let changed: Vec<&(String, String, Option<i64>)> = registration
            .rows
            .iter()
            .filter(|(id, host, due)| {
                leases
                    .get(id)
                    .is_none_or(|row| &row.host != host || &row.due_at != due)
            })
            .collect();
        for chunk in changed.chunks(CHUNK) {
            let values = placeholders(chunk.len(), 3);
            let mut query = sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO feed_leases (feed_id, host, due_at) VALUES {values} \
                 ON CONFLICT (feed_id) DO UPDATE SET host = excluded.host, due_at = excluded.due_at"
            )));
            for (feed_id, host, due_at) in chunk {
                query = query.bind(feed_id).bind(host).bind(*due_at);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A transaction that holds the claims' lock until it ends: claims and
    /// registrations are serialised across the fleet (an advisory lock on
    /// PostgreSQL; on SQLite the write lock from the start, so that a
    /// claim that reads first never fails to upgrade when the pipeline
    /// wrote meanwhile).
    async fn begin_claims(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        if !self.postgres {
            return Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?);
        }
        let mut tx = self.pool.begin().await?;
        super::take_turn(&mut tx, CLAIM_LOCK).await?;
        Ok(tx)
    }

    /// Claims due feeds for this instance (see [`ClaimRequest`]): the
    /// earliest due first, skipping hosts whose fleet-wide budget is spent.
    pub async fn claim_feeds(&self, request: &ClaimRequest<'_>) -> Result<Claimed, StoreError> {
        let mut tx = self.begin_claims().await?;
        let held = sqlx::query(
            "SELECT host, COUNT(*) AS n FROM feed_leases WHERE lease_until >= $1 GROUP BY host",
        )
        .bind(request.now_ms)
        .fetch_all(&mut *tx)
        .await?;
        let mut budget: HashMap<String, usize> = HashMap::new();
        for row in &held {
            let n: i64 = row.try_get("n")?;
            budget.insert(
                row.try_get("host")?,
                usize::try_from(n).unwrap_or(usize::MAX),
            );
        }
        let full: Vec<&String> = budget
            .iter()
            .filter(|(_, n)| **n >= request.per_host)
            .map(|(host, _)| host)
            .collect();
        // Placeholders $3.. for the full hosts, then for the skipped feeds.
        let mut next = 3;
        let mut exclusions = String::new();
        if !full.is_empty() {
            exclusions += &format!(" AND host NOT IN {}", numbered(next, full.len()));
            next += full.len();
        }
        if !request.skip.is_empty() {
            exclusions += &format!(" AND feed_id NOT IN {}", numbered(next, request.skip.len()));
            next += request.skip.len();
        }
        // Several per host may be due first: look further than the limit.
        let scan = request.limit.saturating_mul(4).clamp(1, 4096);
        let mut candidates = sqlx::query(AssertSqlSafe(format!(
            "SELECT feed_id, host, due_at FROM feed_leases \
             WHERE due_at <= $1 AND (lease_until IS NULL OR lease_until < $2){exclusions} \
             ORDER BY due_at LIMIT ${next}"
        )))
        .bind(request.now_ms)
        .bind(request.now_ms);
        for host in &full {
            candidates = candidates.bind(host.as_str());
        }
        for feed in request.skip {
            candidates = candidates.bind(feed.as_str());
        }
        let candidates = candidates
            .bind(i64::try_from(scan).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = Claimed {
            host_limited: !full.is_empty(),
            ..Claimed::default()
        };
        for row in &candidates {
            if claimed.feeds.len() >= request.limit {
                break;
            }
            let host: String = row.try_get("host")?;
            let used = budget.entry(host).or_insert(0);
            if *used >= request.per_host {
                claimed.host_limited = true;
                continue;
            }
            *used += 1;
            claimed
                .feeds
                .push((row.try_get("feed_id")?, row.try_get("due_at")?));
        }
        for chunk in claimed.feeds.chunks(CHUNK) {
            let list = numbered(3, chunk.len());
            let mut query = sqlx::query(AssertSqlSafe(format!(
                "UPDATE feed_leases SET owner = $1, lease_until = $2 WHERE feed_id IN {list}"
            )))
            .bind(&self.instance)
            .bind(request.lease_until_ms);
            for (feed_id, _) in chunk {
                query = query.bind(feed_id);
            }
            query.execute(&mut *tx).await?;
        }
        if claimed.feeds.len() < request.limit {
            let row = sqlx::query(
                "SELECT MIN(due_at) AS next FROM feed_leases \
                 WHERE due_at > $1 AND (lease_until IS NULL OR lease_until < $2)",
            )
            .bind(request.now_ms)
            .bind(request.now_ms)
            .fetch_one(&mut *tx)
            .await?;
            claimed.next_due = row.try_get("next")?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Gives a feed's lease back, due at `due_at` (a lost poll, a feed
    /// this instance does not poll, a poll abandoned at shutdown).
    pub async fn release_feed(&self, feed_id: &str, due_at: Option<i64>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE feed_leases SET owner = NULL, lease_until = NULL, due_at = COALESCE($3, due_at) \
             WHERE feed_id = $1 AND owner = $2",
        )
        .bind(feed_id)
        .bind(&self.instance)
        .bind(due_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives back every feed lease this instance holds, their due times
    /// unchanged, so that others take the feeds at once (a stop, a
    /// reload, or a restart under a stable instance name).
    pub async fn release_my_feeds(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE feed_leases SET owner = NULL, lease_until = NULL \
             WHERE lease_until > 0 AND owner = $1",
        )
        .bind(&self.instance)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Extends this instance's leases on `feeds` (those its poller still
    /// holds) to `until_ms`, so a long poll keeps its feed; a lease written
    /// off meanwhile (its poll recorded or lost) is not revived.
    pub async fn renew_feed_leases(
        &self,
        feeds: &[String],
        until_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut renewed = 0;
        for chunk in feeds.chunks(CHUNK) {
            let list = numbered(3, chunk.len());
            let mut query = sqlx::query(AssertSqlSafe(format!(
                "UPDATE feed_leases SET lease_until = $2 \
                 WHERE owner = $1 AND lease_until > 0 AND feed_id IN {list}"
            )))
            .bind(&self.instance)
            .bind(until_ms);
            for feed in chunk {
                query = query.bind(feed);
            }
            renewed += query.execute(&self.pool).await?.rows_affected();
        }
        Ok(renewed)
    }

    /// Leases held at `now_ms`, by instance: (feeds, deliveries).
    pub async fn leases_by_instance(
        &self,
        now_ms: i64,
    ) -> Result<HashMap<String, (i64, i64)>, StoreError> {
        let mut held: HashMap<String, (i64, i64)> = HashMap::new();
        for (table, feeds) in [("feed_leases", true), ("deliveries", false)] {
            let owner = if feeds { "owner" } else { "lease_owner" };
            // Table and column names are constants.
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {owner} AS owner, COUNT(*) AS n FROM {table} \
                 WHERE lease_until >= $1 GROUP BY {owner}"
            )))
            .bind(now_ms)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                let Some(who): Option<String> = row.try_get("owner")? else {
                    continue;
                };
                let n: i64 = row.try_get("n")?;
                let entry = held.entry(who).or_default();
                if feeds {
                    entry.0 = n;
                } else {
                    entry.1 = n;
                }
            }
        }
        Ok(held)
    }
}

/// What an instance registers: its feeds' rows (id, host, due time), and
/// whether the schedule holds its feeds only (an instance alone in its
/// fleet: its config is the whole truth).
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// (feed id, host, due time) of each configured feed.
    pub rows: Vec<(String, String, Option<i64>)>,
    /// Drop the rows of feeds not in `rows`.
    pub keep_only: bool,
}

async fn read_leases(
    connection: &mut sqlx::AnyConnection,
) -> Result<HashMap<String, FeedLease>, StoreError> {
    let rows = sqlx::query("SELECT feed_id, host, due_at, owner, lease_until FROM feed_leases")
        .fetch_all(&mut *connection)
        .await?;
    rows.iter()
        .map(|row| {
            let lease = FeedLease {
                feed_id: row.try_get("feed_id")?,
                host: row.try_get("host")?,
                due_at: row.try_get("due_at")?,
                owner: row.try_get("owner")?,
                lease_until: row.try_get("lease_until")?,
            };
            Ok((lease.feed_id.clone(), lease))
        })
        .collect()
}

/// Settles a written poll's lease inside its transaction: the feed is due
/// at the state's next time and free again. A lease another instance took
/// over meanwhile is left to it.
pub(super) async fn settle(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &super::FeedState,
    instance: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE feed_leases SET due_at = $2, host = $3, owner = NULL, lease_until = NULL \
         WHERE feed_id = $1 AND (owner IS NULL OR owner = $4 OR lease_until < $5)",
    )
    .bind(&state.feed_id)
    .bind(state.next_due_at)
    .bind(crate::http::host_key(&state.current_url))
    .bind(instance)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `($1, $2, $3), ($4, $5, $6)` for `rows` rows of `width` values.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|row| numbered(row * width + 1, width))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($first, ..., $(first + count - 1))`.
fn numbered(first: usize, count: usize) -> String {
    let list: Vec<String> = (first..first + count).map(|n| format!("${n}")).collect();
    format!("({})", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(numbered(3, 2), "($3, $4)");
    }
}
