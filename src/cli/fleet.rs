//! `newswatch fleet`: the daemons sharing this database, with their
//! heartbeat's age, what each holds (feed and delivery leases) and whether
//! they run the same config; and `check --fleet`, which compares a config
//! file with what the live daemons run.

use serde::Serialize;

use super::{Failure, output};
use crate::app::fleet::{differences, host_name, is_alive};
use crate::config::Config;
use crate::store::{InstanceRow, Store};
use crate::text::clip::clip;

/// One member, as listed.
#[derive(Debug, Serialize)]
struct MemberView<'a> {
    instance: &'a str,
    host: &'a str,
    pid: i64,
    version: &'a str,
    started_at: String,
    heartbeat_age_seconds: i64,
    state: &'static str,
    feed_leases: i64,
    delivery_leases: i64,
    config: &'a str,
    config_differs_in: Vec<String>,
}

/// Lists the members: the live ones first, the config of the earliest
/// started live one taken as the fleet's.
pub async fn run(store: &Store, json: bool) -> Result<(), Failure> {
    let now = crate::clock::now_ms();
    let members = store.fleet().await.map_err(anyhow::Error::from)?;
    let held = store
        .leases_by_instance(now)
        .await
        .map_err(anyhow::Error::from)?;
    let here = host_name();
    let reference = members.iter().find(|m| is_alive(m, now, &here));
    let mut views: Vec<MemberView> = members
        .iter()
        .map(|member| {
            let (feeds, deliveries) = held.get(&member.instance_id).copied().unwrap_or_default();
            let alive = is_alive(member, now, &here);
            MemberView {
                instance: &member.instance_id,
                host: &member.host_name,
                pid: member.pid,
                version: &member.version,
                started_at: crate::model::rfc3339(crate::clock::from_millis(member.started_at)),
                heartbeat_age_seconds: (now - member.heartbeat_at).max(0) / 1000,
                state: match (alive, member.stopped_at) {
                    (true, _) => "alive",
                    (false, Some(_)) => "stopped",
                    (false, None) => "gone",
                },
                feed_leases: feeds,
                delivery_leases: deliveries,
                config: &member.config.hash,
                config_differs_in: reference
                    .filter(|r| alive && r.config.hash != member.config.hash)
                    .map(|r| r.config.differences(&member.config))
                    .unwrap_or_default(),
            }
        })
        .collect();
    views.sort_by_key(|v| v.state != "alive");
    if json {
        for view in &views {
            output::line(&serde_json::to_string(view).map_err(anyhow::Error::from)?)?;
        }
        return Ok(());
    }
    if views.is_empty() {
        return output::line("no daemon has run on this database yet");
    }
    output::line(&format!(
        "{:<20}  {:<20}  {:>8}  {:<20}  {:>9}  {:<7}  {:>5}  {:>10}  {}",
        "INSTANCE", "HOST", "PID", "STARTED", "HEARTBEAT", "STATE", "FEEDS", "DELIVERIES", "CONFIG"
    ))?;
    for view in &views {
        let config = if view.config_differs_in.is_empty() {
            view.config.to_string()
        } else {
            format!(
                "{} (differs in {})",
                view.config,
                view.config_differs_in.join(", ")
            )
        };
        output::line(&format!(
            "{:<20}  {:<20}  {:>8}  {:<20}  {:>8}s  {:<7}  {:>5}  {:>10}  {}",
            clip(view.instance, 20),
            clip(view.host, 20),
            view.pid,
            clip(&view.started_at, 20),
            view.heartbeat_age_seconds,
            view.state,
            view.feed_leases,
            view.delivery_leases,
            config
        ))?;
    }
    let alive: Vec<&MemberView> = views.iter().filter(|v| v.state == "alive").collect();
    let differing = alive
        .iter()
        .filter(|v| !v.config_differs_in.is_empty())
        .count();
    let verdict = match (alive.len(), differing) {
        (0, _) => "no daemon is alive".to_string(),
        (n, 0) => format!("{n} alive, all on one config"),
        (n, d) => format!("{n} alive, {d} on a different config: they may alert differently"),
    };
    output::line(&verdict)
}

/// Compares `config` with what the live members run: says which agree,
/// and fails naming the parts each other one differs in.
pub async fn compare(config: &Config, store: &Store) -> Result<(), Failure> {
    let now = crate::clock::now_ms();
    let here = host_name();
    let members = store.fleet().await.map_err(anyhow::Error::from)?;
    let alive: Vec<&InstanceRow> = members.iter().filter(|m| is_alive(m, now, &here)).collect();
    let ours = &config.fingerprint;
    if alive.is_empty() {
        return output::line(&format!(
            "  fleet: no daemon is alive on this database (this config is {})",
            ours.hash
        ));
    }
    let differing: Vec<&&InstanceRow> = alive
        .iter()
        .filter(|m| m.config.hash != ours.hash)
        .collect();
    output::line(&format!(
        "  fleet: {} of {} live daemons run this config ({})",
        alive.len() - differing.len(),
        alive.len(),
        ours.hash
    ))?;
    for member in &differing {
        output::line(&format!(
            "  fleet: {} on {} runs {}: differs in {}",
            member.instance_id,
            member.host_name,
            member.config.hash,
            differences(ours, &member.config)
        ))?;
    }
    if differing.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "{} differs from what {} of the live daemons run",
            config.path.display(),
            differing.len()
        )
        .into())
    }
}
