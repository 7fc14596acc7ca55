//! The store: feed state, seen keys, alerts and the delivery outbox.
//!
//! One code path for SQLite (the default, a file in the state directory) and
//! PostgreSQL (by URL) through sqlx's `Any` driver, with portable SQL,
//! `$1` placeholders and versioned migrations from `migrations/`.

mod dedup;
mod feeds;
mod outbox;
mod retention;
mod sinks;
mod stories;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use dedup::{NewAlert, NewEvent, PollRecord, StoryRules};
pub use feeds::FeedState;
pub use outbox::{ClaimedDelivery, DeliveryRow, DeliveryState, QueueHead};
pub use retention::Pruned;
pub use sinks::SinkSummary;

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
    /// A stored alert could not be read back.
    #[error("stored alert {alert_id} is unreadable: {message}")]
    Corrupt {
        /// The alert.
        alert_id: String,
        /// What went wrong.
        message: String,
    },
}

/// A handle to the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Identifies this process's leases on outbox rows.
    instance: String,
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let shown = crate::redact::public_url(url);
        let open_error = |e: &dyn std::fmt::Display| StoreError::Open {
            url: shown.clone(),
            message: e.to_string(),
        };
        let options: AnyConnectOptions = url.parse().map_err(|e: sqlx::Error| open_error(&e))?;
        let is_sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(if is_sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if is_sqlite {
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
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| open_error(&e))?;
        let store = Store {
            pool,
            instance: uuid::Uuid::now_v7().to_string(),
        };
        if is_sqlite {
            // A SQLite file has one daemon at a time: leases left by a
            // crashed predecessor are void.
            store.release_all_leases().await?;
        }
        Ok(store)
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

/// Milliseconds since the Unix epoch for a UTC time.
pub fn millis(time: chrono::DateTime<chrono::Utc>) -> i64 {
    time.timestamp_millis()
}

/// The UTC time for stored milliseconds.
pub fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
