//! Membership: each daemon registers itself (id, host name, process,
//! start, heartbeat, and the fingerprint of the config it runs), so that
//! `newswatch fleet` shows who runs, what each holds, and whether they all
//! run the same config.

use sqlx::Row;

use super::{Store, StoreError};
use crate::config::ConfigParts;

/// What an instance says about itself when it joins.
#[derive(Debug, Clone)]
pub struct Membership {
    /// Random per start: tells this process from an earlier one with the
    /// same instance name.
    pub incarnation: String,
    /// The machine.
    pub host_name: String,
    /// The process.
    pub pid: u32,
    /// newswatch's version.
    pub version: String,
    /// The config it runs.
    pub config: ConfigParts,
}

/// One instance as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRow {
    /// Its id (the configured name, or random per start).
    pub instance_id: String,
    /// Its process's start token.
    pub incarnation: String,
    /// The machine.
    pub host_name: String,
    /// The process.
    pub pid: i64,
    /// newswatch's version.
    pub version: String,
    /// When it started (ms).
    pub started_at: i64,
    /// Its last heartbeat (ms).
    pub heartbeat_at: i64,
    /// When it stopped cleanly (ms), if it did.
    pub stopped_at: Option<i64>,
    /// The config it runs.
    pub config: ConfigParts,
}

impl Store {
    /// Registers this instance as started at `now_ms` (replacing an
    /// earlier process's row under the same id).
    pub async fn join_fleet(&self, me: &Membership, now_ms: i64) -> Result<(), StoreError> {
        let parts = serde_json::to_string(&me.config.parts).unwrap_or_default();
        sqlx::query(
            "INSERT INTO instances (instance_id, incarnation, host_name, pid, version, started_at, \
             heartbeat_at, stopped_at, config_hash, config_parts) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, NULL, $7, $8) \
             ON CONFLICT (instance_id) DO UPDATE SET incarnation = excluded.incarnation, \
             host_name = excluded.host_name, pid = excluded.pid, version = excluded.version, \
             started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, \
             stopped_at = NULL, config_hash = excluded.config_hash, \
             config_parts = excluded.config_parts",
        )
        .bind(&self.instance)
        .bind(&me.incarnation)
        .bind(&me.host_name)
        .bind(i64::from(me.pid))
        .bind(&me.version)
        .bind(now_ms)
        .bind(&me.config.hash)
        .bind(parts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stamps this instance's heartbeat; `false` when its row now belongs
    /// to another process (one started with the same instance name).
    pub async fn heartbeat(&self, incarnation: &str, now_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE instances SET heartbeat_at = $3 WHERE instance_id = $1 AND incarnation = $2",
        )
        .bind(&self.instance)
        .bind(incarnation)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks this instance stopped at `now_ms` (a clean stop).
    pub async fn leave_fleet(&self, incarnation: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE instances SET stopped_at = $3 WHERE instance_id = $1 AND incarnation = $2",
        )
        .bind(&self.instance)
        .bind(incarnation)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every registered instance, the earliest started first.
    pub async fn fleet(&self) -> Result<Vec<InstanceRow>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        read_fleet(&mut connection).await
    }

    /// Forgets instances whose last heartbeat is older than `cutoff_ms`,
    /// and the schedule rows of feeds no instance polled since then (feeds
    /// gone from every config; an instance that has one again registers it).
    pub async fn prune_fleet(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM instances WHERE heartbeat_at < $1")
            .bind(cutoff_ms)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "DELETE FROM feed_leases WHERE due_at < $1 AND (lease_until IS NULL OR lease_until < $2)",
        )
        .bind(cutoff_ms)
        .bind(crate::clock::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

/// Every registered instance, the earliest started first.
pub(super) async fn read_fleet(
    connection: &mut sqlx::AnyConnection,
) -> Result<Vec<InstanceRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT instance_id, incarnation, host_name, pid, version, started_at, heartbeat_at, \
         stopped_at, config_hash, config_parts FROM instances ORDER BY started_at, instance_id",
    )
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let parts: String = row.try_get("config_parts")?;
            Ok(InstanceRow {
                instance_id: row.try_get("instance_id")?,
                incarnation: row.try_get("incarnation")?,
                host_name: row.try_get("host_name")?,
                pid: row.try_get("pid")?,
                version: row.try_get("version")?,
                started_at: row.try_get("started_at")?,
                heartbeat_at: row.try_get("heartbeat_at")?,
                stopped_at: row.try_get("stopped_at")?,
                config: ConfigParts {
                    hash: row.try_get("config_hash")?,
                    // Written by this code as a JSON object; anything else
                    // reads as no parts.
                    parts: serde_json::from_str(&parts).unwrap_or_default(),
                },
            })
        })
        .collect()
}
