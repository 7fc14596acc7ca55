//! This daemon as a member of a fleet: several daemons on one PostgreSQL
//! database share the feeds through leases (store/leases.rs, the poller).
//! Each registers itself, stamps a heartbeat, says when another member
//! runs a different config, and on a clean stop gives its leases back so
//! that the others take its feeds at once. On SQLite the fleet is this
//! daemon alone, and the same code runs.

use std::time::Duration;

use crate::config::{Config, ConfigParts, PollConfig};
use crate::service::metrics::{FleetShare, metrics};
use crate::store::{InstanceRow, Membership, Store};

/// How often a member stamps its heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// A member whose heartbeat is older than this is taken for dead (three
/// heartbeats missed).
pub const ALIVE_WITHIN: Duration = Duration::from_secs(15);

/// Members and schedule rows not heard of for this long are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(86_400);

/// How long a feed lease holds unless renewed: the poll's timeout plus a
/// margin as long (at least 5 s). A member that dies loses its feeds to
/// the others after at most this long.
pub fn lease_period(poll: &PollConfig) -> Duration {
    poll.timeout.0 + poll.timeout.0.max(Duration::from_secs(5))
}

/// Whether a member counts as alive at `now_ms`: stopped cleanly no, a
/// recent heartbeat yes, unless it is a process on this very machine that
/// is gone (a daemon killed and restarted at once).
pub fn is_alive(member: &InstanceRow, now_ms: i64, this_host: &str) -> bool {
    if member.stopped_at.is_some() {
        return false;
    }
    if now_ms - member.heartbeat_at > ALIVE_WITHIN.as_millis() as i64 {
        return false;
    }
    member.host_name != this_host || process_exists(member.pid)
}

/// Whether a process with this id runs on this machine.
fn process_exists(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// This machine's name, for `newswatch fleet`.
pub fn host_name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is writable for its length; gethostname writes a
    // NUL-terminated name into it (truncated if need be).
    let done = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if done != 0 {
        return "unknown".to_string();
    }
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}

/// Why this daemon cannot join its fleet.
#[derive(Debug, thiserror::Error)]
#[error(
    "the instance name {name:?} ([daemon] instance) is in use by process {pid} on {host} \
     (heartbeat {age}s ago); give each daemon its own name"
)]
pub struct NameTaken {
    name: String,
    pid: i64,
    host: String,
    age: i64,
}

/// This daemon's membership, held for its life.
pub struct Member {
    store: Store,
    me: Membership,
}

impl Member {
    /// Joins the fleet on `store` (which leases as this instance): refuses
    /// a name a live process on another machine (or a live one here) still
    /// uses, gives back what an earlier process under the same name held,
    /// and registers.
    pub async fn join(store: &Store, config: &Config) -> anyhow::Result<Member> {
        let now = crate::clock::now_ms();
        let me = Membership {
            incarnation: uuid::Uuid::now_v7().to_string(),
            host_name: host_name(),
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            config: config.fingerprint.clone(),
        };
        let members = store.fleet().await?;
        if let Some(holder) = members.iter().find(|m| {
            m.instance_id == store.instance()
                && i64::from(me.pid) != m.pid
                && is_alive(m, now, &me.host_name)
        }) {
            return Err(NameTaken {
                name: holder.instance_id.clone(),
                pid: holder.pid,
                host: holder.host_name.clone(),
                age: (now - holder.heartbeat_at) / 1000,
            }
            .into());
        }
        // A predecessor under the same name is gone: what it held is
        // free at once (with a random id there is none).
        let feeds = store.release_my_feeds().await?;
        let deliveries = store.release_my_deliveries().await?;
        if feeds + deliveries > 0 {
            tracing::info!(
                feeds,
                deliveries,
                "took back the leases this instance held before its restart"
            );
        }
        store.join_fleet(&me, now).await?;
        let alive = members
            .iter()
            .filter(|m| m.instance_id != store.instance() && is_alive(m, now, &me.host_name))
            .count();
        tracing::info!(
            instance = store.instance(),
            others = alive,
            config = %me.config.hash,
            "joined the fleet on this database"
        );
        Ok(Member {
            store: store.clone(),
            me,
        })
    }

    /// Takes a reloaded config's fingerprint.
    pub async fn configure(&mut self, config: &Config) {
        if self.me.config == config.fingerprint {
            return;
        }
        self.me.config = config.fingerprint.clone();
        if let Err(error) = self
            .store
            .join_fleet(&self.me, crate::clock::now_ms())
            .await
        {
            tracing::warn!(error = %error, "cannot note the reloaded config in the fleet");
        }
    }

    /// One heartbeat: stamps it, warns about members running another
    /// config, and refreshes this instance's share on `/metrics`.
    pub async fn beat(&self) {
        let now = crate::clock::now_ms();
        match self.store.heartbeat(&self.me.incarnation, now).await {
            Ok(true) => {}
            Ok(false) => tracing::error!(
                instance = self.store.instance(),
                "another process took this instance's name in the fleet; give each daemon its own [daemon] instance"
            ),
            Err(error) => {
                tracing::warn!(error = %error, "cannot stamp the fleet heartbeat");
                return;
            }
        }
        let members = match self.store.fleet().await {
            Ok(members) => members,
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the fleet");
                return;
            }
        };
        let others: Vec<&InstanceRow> = members
            .iter()
            .filter(|m| m.instance_id != self.store.instance())
            .filter(|m| is_alive(m, now, &self.me.host_name))
            .collect();
        let mut mismatches = 0;
        for other in &others {
            if other.config.hash != self.me.config.hash {
                mismatches += 1;
                tracing::warn!(
                    instance = %other.instance_id,
                    host = %other.host_name,
                    theirs = %other.config.hash,
                    ours = %self.me.config.hash,
                    differs_in = %differences(&self.me.config, &other.config),
                    "another instance runs a different config: the fleet may alert differently"
                );
            }
        }
        let held = self.store.leases_by_instance(now).await.unwrap_or_default();
        let (feeds_held, deliveries_held) =
            held.get(self.store.instance()).copied().unwrap_or_default();
        metrics().fleet(FleetShare {
            instance: self.store.instance().to_string(),
            alive: others.len() as u64 + 1,
            feeds_held,
            deliveries_held,
            config_mismatches: mismatches,
        });
    }

    /// Beats every [`HEARTBEAT_EVERY`] until aborted.
    pub async fn keep_beating(self: std::sync::Arc<Self>) {
        let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
        loop {
            tick.tick().await;
            self.beat().await;
        }
    }

    /// Leaves cleanly: every lease goes back (the others take this
    /// instance's feeds and deliveries at once) and the member is marked
    /// stopped.
    pub async fn leave(&self) {
        let released = async {
            let feeds = self.store.release_my_feeds().await?;
            let deliveries = self.store.release_my_deliveries().await?;
            self.store
                .leave_fleet(&self.me.incarnation, crate::clock::now_ms())
                .await?;
            Ok::<_, crate::store::StoreError>((feeds, deliveries))
        };
        match released.await {
            Ok((feeds, deliveries)) => {
                tracing::info!(feeds, deliveries, "left the fleet; leases given back")
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot give the leases back; they expire on their own")
            }
        }
    }
}

/// The parts two configs differ in, for a log line: "watch kosovo, feeds".
pub fn differences(ours: &ConfigParts, theirs: &ConfigParts) -> String {
    let parts = ours.differences(theirs);
    if parts.is_empty() {
        // Same parts, different whole: only an older version's hash.
        return "the whole".to_string();
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(heartbeat_at: i64, host: &str, pid: i64) -> InstanceRow {
        InstanceRow {
            instance_id: "a".into(),
            incarnation: "x".into(),
            host_name: host.into(),
            pid,
            version: "0".into(),
            started_at: 0,
            heartbeat_at,
            stopped_at: None,
            config: ConfigParts::default(),
        }
    }

    #[test]
    fn members_are_alive_by_heartbeat_unless_stopped_or_gone_from_this_machine() {
        let now = 1_000_000;
        let here = std::process::id() as i64;
        assert!(is_alive(&member(now - 1_000, "other", 1), now, "this"));
        assert!(!is_alive(&member(now - 16_000, "other", 1), now, "this"));
        assert!(is_alive(&member(now, "this", here), now, "this"));
        // A process id no process has (beyond pid_max).
        assert!(!is_alive(&member(now, "this", 1 << 30), now, "this"));
        let mut stopped = member(now, "other", 1);
        stopped.stopped_at = Some(now);
        assert!(!is_alive(&stopped, now, "this"));
    }

    #[test]
    fn a_lease_outlasts_a_poll_with_a_margin() {
        let mut poll = PollConfig::default();
        assert_eq!(lease_period(&poll), Duration::from_secs(120));
        poll.timeout = crate::units::HumanDuration::secs(2);
        assert_eq!(lease_period(&poll), Duration::from_secs(7));
    }
}
