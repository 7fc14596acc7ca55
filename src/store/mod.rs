//! The store: feed state, seen keys, alerts and the delivery outbox.
//!
//! One code path for SQLite (the default, a file in the state directory) and
//! PostgreSQL (by URL) through sqlx's `Any` driver, with portable SQL,
//! `$1` placeholders and versioned migrations from `migrations/`.

mod alert_views;
mod archive;
mod article_fetches;
mod batch;
mod dedup;
mod feeds;
mod instances;
mod leases;
mod lock;
mod outbox;
mod retention;
mod signals;
mod sinks;
mod stories;
mod story_list;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use alert_views::{AlertCursor, HourlyCounts};
pub use archive::{ARTICLE_BYTES, ArchiveCursor, ArchiveOrder, ArchivedItem, SUMMARY_BYTES};
pub use dedup::{NewAlert, NewEvent, PollRecord, Recorded, StoryRules};
pub use feeds::{
    FeedState, FetchedContent, HealthChange, HealthEventKind, HealthReport, PollFailure,
};
pub use instances::{InstanceRow, Membership};
pub use leases::{ClaimRequest, Claimed, FeedLease, Registration};
pub use lock::{LockError, StateLock, sqlite_file};
pub use outbox::{ClaimedDelivery, DeliveryRow, DeliveryState, QueueHead};
pub use retention::Pruned;
pub use signals::{SignalRoute, Signals, SpikeRule};
pub use sinks::SinkSummary;
pub use stories::{StoredStory, StorySource};
pub use story_list::StoryListing;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or migrated.
    #[error("cannot open the store at {url}: {message}")]
    Open {
        /// The database URL, with any password removed.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A query failed.
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// Another process polls and delivers from this SQLite state.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// A stored alert could not be read back.
    #[error("stored alert {alert_id} is unreadable: {message}")]
    Corrupt {
        /// The alert.
        alert_id: String,
        /// What went wrong.
        message: String,
    },
}

impl StoreError {
    /// Whether the database rolled the transaction back for a conflict
    /// with another one (PostgreSQL's deadlock and serialization
    /// failures): written again, it succeeds.
    pub fn is_conflict(&self) -> bool {
        let StoreError::Query(sqlx::Error::Database(error)) = self else {
            return false;
        };
        matches!(error.code().as_deref(), Some("40P01" | "40001"))
    }
}

/// What a process means to do with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Poll and deliver (`run`, `once`): on SQLite, holds the state's lock
    /// for its life and voids the leases a dead predecessor left.
    Daemon,
    /// Small edits beside a running daemon (`redeliver`, `sinks --enable`,
    /// `feeds --reset`): no lock, no lease touched.
    Edit,
    /// Listings (`feeds`, `alerts`, `sinks`): SQLite opened read-only.
    ReadOnly,
}

/// A handle to the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Identifies this process's leases on feeds and outbox rows: the
    /// configured `[daemon] instance`, else random per start.
    instance: String,
    /// Whether the database is PostgreSQL (the fleet's claims take an
    /// advisory lock there).
    postgres: bool,
    /// The SQLite state's lock, for [`Access::Daemon`].
    _lock: Option<std::sync::Arc<StateLock>>,
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `url` for
    /// small edits ([`Access::Edit`]).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_for(url, Access::Edit).await
    }

    /// Opens the database at `url` for `access`.
    pub async fn open_for(url: &str, access: Access) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let file = lock::sqlite_file(url);
        let lock = match (&file, access) {
            (Some(file), Access::Daemon) => Some(std::sync::Arc::new(StateLock::acquire(file)?)),
            _ => None,
        };
        // A listing of a state not made yet makes it, as before.
        let read_only = access == Access::ReadOnly && file.as_ref().is_some_and(|f| f.exists());
        let url = &if read_only {
            read_only_url(url)
        } else {
            url.to_string()
        };
        let shown = crate::redact::public_url(url);
        let open_error = |e: &dyn std::fmt::Display| StoreError::Open {
            url: shown.clone(),
            message: e.to_string(),
        };
        let options: AnyConnectOptions = url.parse().map_err(|e: sqlx::Error| open_error(&e))?;
        let is_sqlite = url.starts_with("sqlite:");
        // One connection first, tried once: a corrupt file (SQLite code
        // 26), one that cannot be opened (14) or written (8) is said now,
        // not after the pool has retried for 30 s.
        let mut first = <sqlx::AnyConnection as sqlx::Connection>::connect_with(&options)
            .await
            .map_err(|e| open_error(&e))?;
        let probe = if is_sqlite && !read_only {
            "PRAGMA journal_mode = WAL"
        } else {
            "SELECT 1"
        };
        first.execute(probe).await.map_err(|e| open_error(&e))?;
        let _ = sqlx::Connection::close(first).await;
        let pool = AnyPoolOptions::new()
            .max_connections(if is_sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if is_sqlite && read_only {
                        conn.execute("PRAGMA busy_timeout = 10000;").await?;
                    } else if is_sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| open_error(&e))?;
        if !read_only {
            sqlx::migrate!("./migrations")
                .run(&pool)
                .await
                .map_err(|e| open_error(&e))?;
        }
        let store = Store {
            pool,
            instance: uuid::Uuid::now_v7().to_string(),
            postgres: url.starts_with("postgres"),
            _lock: lock.clone(),
        };
        if lock.is_some() {
            // The lock says no other daemon uses this file: leases left by
            // a crashed predecessor are void. (On PostgreSQL other
            // instances may be alive; their leases expire on their own.)
            store.release_all_leases().await?;
        }
        Ok(store)
    }

    /// The same store, leasing as `instance` (a stable `[daemon]
    /// instance` name) instead of the random id of this start.
    pub fn with_instance(mut self, instance: &str) -> Store {
        self.instance = instance.to_string();
        self
    }

    /// Whether this process is the only daemon on the state (a SQLite
    /// file, held by its lock): then no other instance can be alive.
    pub fn is_sole_daemon(&self) -> bool {
        self._lock.is_some()
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A cheap query, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Holds a PostgreSQL advisory lock under `key` until `tx` ends: the
/// daemons of a fleet take turns at what it guards (claims, item writes).
async fn take_turn(tx: &mut sqlx::Transaction<'_, sqlx::Any>, key: i64) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A SQLite URL opened read-only: `mode=ro` in place of any `mode=`.
fn read_only_url(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("mode="))
        .collect();
    params.push("mode=ro");
    format!("{base}?{}", params.join("&"))
}
