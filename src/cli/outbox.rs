//! The outbox from the command line: `newswatch alerts` lists deliveries
//! (dead letters included), `newswatch redeliver` puts some back in the
//! queue, `newswatch sinks` shows each sink's queue and re-enables one
//! disabled by a 410.

use serde::Serialize;

use super::{Failure, output};
use crate::clock::from_millis;
use crate::clock::now_ms;
use crate::config::Config;
use crate::model::rfc3339;
use crate::store::{DeliveryState, Store};

/// `newswatch alerts`.
pub async fn alerts(
    store: &Store,
    sink: Option<&str>,
    state: Option<DeliveryState>,
    limit: i64,
    json: bool,
) -> Result<(), Failure> {
    let rows = store
        .list_deliveries(sink, state, limit)
        .await
        .map_err(anyhow::Error::from)?;
    #[derive(Serialize)]
    struct Line<'a> {
        delivery_id: &'a str,
        alert_id: &'a str,
        sink: &'a str,
        state: &'a str,
        attempts: i64,
        detected_at: String,
        summary: &'a str,
        last_error: Option<&'a str>,
    }
    for row in &rows {
        let detected_at = rfc3339(from_millis(row.detected_at));
        let summary = match &row.message {
            Ok(message) => crate::sink::text::summary(message),
            Err(e) => format!("(unreadable: {e})"),
        };
        if json {
            let line = Line {
                delivery_id: &row.delivery_id,
                alert_id: &row.alert_id,
                sink: &row.sink,
                state: &row.state,
                attempts: row.attempts,
                detected_at,
                summary: &summary,
                last_error: row.last_error.as_deref(),
            };
            output::line(&serde_json::to_string(&line).map_err(anyhow::Error::from)?)?;
            continue;
        }
        let error = row
            .last_error
            .as_deref()
            .map(|e| format!("\n      last error: {e}"))
            .unwrap_or_default();
        output::line(&format!(
            "{}  {:<12} {:<7} attempts {:<2} {}  {}{}",
            row.delivery_id, row.sink, row.state, row.attempts, detected_at, summary, error
        ))?;
    }
    if !json && rows.is_empty() {
        output::line("no deliveries match")?;
    }
    Ok(())
}

/// `newswatch redeliver`.
pub async fn redeliver(
    store: &Store,
    ids: &[String],
    dead: bool,
    sink: Option<&str>,
) -> Result<(), Failure> {
    let ids: Vec<String> = if dead {
        let rows = store
            .list_deliveries(sink, Some(DeliveryState::Dead), i64::MAX)
            .await
            .map_err(anyhow::Error::from)?;
        rows.into_iter().map(|r| r.delivery_id).collect()
    } else {
        ids.to_vec()
    };
    if ids.is_empty() && !dead {
        return Err(
            anyhow::anyhow!("name delivery ids (see `newswatch alerts`), or use --dead").into(),
        );
    }
    let count = store
        .requeue(&ids, now_ms())
        .await
        .map_err(anyhow::Error::from)?;
    if !dead && count < ids.len() as u64 {
        return Err(anyhow::anyhow!(
            "{} of {} ids are not deliveries (see `newswatch alerts`)",
            ids.len() as u64 - count,
            ids.len()
        )
        .into());
    }
    output::line(&format!(
        "requeued {count} deliveries; a running daemon sends them within 30 seconds"
    ))
}

/// `newswatch sinks`.
pub async fn sinks(config: &Config, store: &Store, enable: Option<&str>) -> Result<(), Failure> {
    if let Some(name) = enable {
        if !config.sinks.iter().any(|s| s.name() == name) {
            return Err(
                anyhow::anyhow!("no sink named {name:?} in {}", config.path.display()).into(),
            );
        }
        let was = store.enable_sink(name).await.map_err(anyhow::Error::from)?;
        let what = if was {
            "enabled again; its pending deliveries go out within 30 seconds"
        } else {
            "was not disabled"
        };
        return output::line(&format!("sink {name}: {what}"));
    }
    output::line(&format!(
        "{:<16} {:>8} {:>6} {:>8}  {}",
        "SINK", "PENDING", "DEAD", "DONE", "STATE"
    ))?;
    for sink in &config.sinks {
        let summary = store
            .sink_summary(sink.name())
            .await
            .map_err(anyhow::Error::from)?;
        let state = summary
            .disabled_reason
            .map_or("ok".to_string(), |r| format!("DISABLED: {r}"));
        output::line(&format!(
            "{:<16} {:>8} {:>6} {:>8}  {}",
            sink.name(),
            summary.pending,
            summary.dead,
            summary.done,
            state
        ))?;
    }
    Ok(())
}
