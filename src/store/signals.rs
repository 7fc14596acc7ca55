//! Signals in the store: every matched item's lists (the counts behind
//! volume spikes, derived from what was recorded, so they survive a
//! restart), the spike rule, and the per-list cool-down. A breaking story
//! is marked on its story ([`super::stories::mark_breaking`]); both events
//! go through the outbox like alerts.

use std::collections::BTreeSet;

use sqlx::Row;

use super::{Store, StoreError};
use crate::clock::from_millis;
use crate::model::{ListSpike, Message, SpikeStory, rfc3339};

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

const HOUR_MS: f64 = 3_600_000.0;

/// Most stories a spike names.
const TOP_STORIES: i64 = 5;

/// A sink that asked for a signal, with the lists it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalRoute {
    /// The sink's name.
    pub sink: String,
    /// The lists it takes; `None` for all.
    pub lists: Option<Vec<String>>,
}

impl SignalRoute {
    /// Whether the sink takes any of `lists`.
    fn takes(&self, lists: &[String]) -> bool {
        self.lists
            .as_ref()
            .is_none_or(|own| lists.iter().any(|l| own.contains(l)))
    }
}

/// When a list's volume is a spike (`[signals]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeRule {
    /// The window counted (ms).
    pub window_ms: i64,
    /// The trailing period the usual rate is taken over (ms).
    pub baseline_ms: i64,
    /// Fewest items in the window for a spike.
    pub min: u64,
    /// How many times the usual count (plus one) the window must hold.
    pub factor: f64,
    /// Quiet this long after a spike (ms).
    pub cooldown_ms: i64,
}

impl Default for SpikeRule {
    fn default() -> Self {
        SpikeRule {
            window_ms: 3_600_000,
            baseline_ms: 7 * 24 * 3_600_000,
            min: 5,
            factor: 3.0,
            cooldown_ms: 6 * 3_600_000,
        }
    }
}

/// Who hears of signals, and the spike rule. Empty routes: the events are
/// off (breaking stories are still marked, for `newswatch stories`).
#[derive(Debug, Clone, Default)]
pub struct Signals {
    /// Sinks with `events = ["story_breaking"]`.
    pub breaking: Vec<SignalRoute>,
    /// Sinks with `events = ["list_spike"]`.
    pub spikes: Vec<SignalRoute>,
    /// When a list's volume is a spike.
    pub spike: SpikeRule,
}

impl Signals {
    /// The sinks that take a signal about `lists`, of those in `routes`.
    pub(super) fn sinks_for(routes: &[SignalRoute], lists: &[String]) -> Vec<String> {
        routes
            .iter()
            .filter(|route| route.takes(lists))
            .map(|route| route.sink.clone())
            .collect()
    }
}

/// The usual items per hour, if `count` items in the window are a spike
/// against `baseline` items over the `covered_ms` before the window.
/// Less history than one window is no baseline: nothing fires.
pub(super) fn spike_rate(
    count: u64,
    baseline: u64,
    covered_ms: i64,
    rule: &SpikeRule,
) -> Option<f64> {
    if covered_ms < rule.window_ms || covered_ms <= 0 {
        return None;
    }
    let per_hour = baseline as f64 / (covered_ms as f64 / HOUR_MS);
    let usual = per_hour * rule.window_ms as f64 / HOUR_MS;
    (count >= rule.min && count as f64 >= rule.factor * (usual + 1.0)).then_some(per_hour)
}

/// A list a matched item brought: (list, story id, item key).
pub(super) type Hit<'a> = [&'a str; 3];

/// Records a poll's hits at `at_ms`, for the spike counts.
pub(super) async fn record_hits(
    tx: &mut Transaction<'_>,
    hits: &[Hit<'_>],
    at_ms: i64,
) -> Result<(), StoreError> {
    super::batch::insert_rows(
        tx,
        "INSERT INTO list_hits (list, story_id, item_key, at)",
        hits,
        at_ms,
    )
    .await
}

/// Looks for spikes in `lists` at `now_ms` and queues an event for each,
/// to the sinks that take that list; returns the sinks that got one.
pub(super) async fn queue_spikes(
    tx: &mut Transaction<'_>,
    lists: &BTreeSet<String>,
    now_ms: i64,
    signals: &Signals,
) -> Result<Vec<String>, StoreError> {
    let rule = &signals.spike;
    let mut woken = Vec::new();
    for list in lists {
        let sinks = Signals::sinks_for(&signals.spikes, std::slice::from_ref(list));
        if sinks.is_empty() {
            continue;
        }
        let since = watched_since(tx, list, now_ms).await?;
        let window_start = now_ms - rule.window_ms;
        let count = hits_between(tx, list, window_start, now_ms).await?;
        if count < rule.min {
            continue;
        }
        let covered = (window_start - since).clamp(0, rule.baseline_ms);
        let baseline = hits_between(tx, list, window_start - covered, window_start).await?;
        let Some(per_hour) = spike_rate(count, baseline, covered, rule) else {
            continue;
        };
        if !claim_spike(tx, list, now_ms, rule.cooldown_ms).await? {
            continue;
        }
        let spike = ListSpike {
            kind: ListSpike::KIND.to_string(),
            id: uuid::Uuid::now_v7().to_string(),
            list: list.clone(),
            count,
            window_seconds: u64::try_from(rule.window_ms / 1000).unwrap_or_default(),
            baseline_per_hour: (per_hour * 100.0).round() / 100.0,
            top_stories: top_stories(tx, list, window_start, now_ms).await?,
            detected_at: rfc3339(from_millis(now_ms)),
        };
        super::dedup::queue_message(tx, &Message::ListSpike(spike), "", "", now_ms, &sinks).await?;
        woken.extend(sinks);
    }
    Ok(woken)
}

/// Since when the list has been watched: its row, made now if it has none.
async fn watched_since(
    tx: &mut Transaction<'_>,
    list: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    sqlx::query("INSERT INTO list_signals (list, watched_since) VALUES ($1, $2) ON CONFLICT (list) DO NOTHING")
        .bind(list)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT watched_since FROM list_signals WHERE list = $1")
        .bind(list)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("watched_since")?)
}

/// Items of `list` recorded after `from_ms`, up to and including `to_ms`.
async fn hits_between(
    tx: &mut Transaction<'_>,
    list: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<u64, StoreError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM list_hits WHERE list = $1 AND at > $2 AND at <= $3")
            .bind(list)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_one(&mut **tx)
            .await?;
    Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default())
}

/// Starts the list's cool-down unless one is running; whether this call
/// did (so a spike is sent once, whoever notices it).
async fn claim_spike(
    tx: &mut Transaction<'_>,
    list: &str,
    now_ms: i64,
    cooldown_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE list_signals SET last_spike_at = $2 \
         WHERE list = $1 AND (last_spike_at IS NULL OR last_spike_at <= $3)",
    )
    .bind(list)
    .bind(now_ms)
    .bind(now_ms - cooldown_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The stories with the most items of `list` in the window.
async fn top_stories(
    tx: &mut Transaction<'_>,
    list: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<SpikeStory>, StoreError> {
    let rows = sqlx::query(
        "SELECT h.story_id, COUNT(*) AS n, MIN(COALESCE(s.headline, s.title)) AS title, MIN(s.sources) AS sources \
         FROM list_hits h JOIN stories s ON s.story_id = h.story_id \
         WHERE h.list = $1 AND h.at > $2 AND h.at <= $3 \
         GROUP BY h.story_id ORDER BY n DESC, MIN(h.at) LIMIT $4",
    )
    .bind(list)
    .bind(from_ms)
    .bind(to_ms)
    .bind(TOP_STORIES)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            let sources: String = row.try_get("sources")?;
            let sources = serde_json::from_str::<Vec<serde_json::Value>>(&sources)
                .map(|s| s.len())
                .unwrap_or_default();
            Ok(SpikeStory {
                story: row.try_get("story_id")?,
                title: row.try_get("title")?,
                items: u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default(),
                sources: sources as u64,
            })
        })
        .collect()
}

impl Store {
    /// Notes that the daemon watches these lists from `now_ms` (kept if
    /// already noted): a list's spike baseline starts there, so a list
    /// quiet since is a quiet baseline, not a missing one.
    pub async fn watch_lists(&self, lists: &[String], now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for list in lists {
            watched_since(&mut tx, list, now_ms).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{SpikeRule, spike_rate};

    const HOUR: i64 = 3_600_000;
    const WEEK: i64 = 7 * 24 * HOUR;

    #[test]
    fn a_spike_needs_the_minimum_and_the_factor_over_the_usual_plus_one() {
        let rule = SpikeRule::default();
        // Quiet week: the usual is 0, so 3 x (0 + 1) = 3; the minimum (5) rules.
        assert_eq!(spike_rate(4, 0, WEEK, &rule), None);
        assert_eq!(spike_rate(5, 0, WEEK, &rule), Some(0.0));
        // 2 an hour usually: 3 x (2 + 1) = 9 in the hour.
        let usual = 2 * 168;
        assert_eq!(spike_rate(8, usual, WEEK, &rule), None);
        assert_eq!(spike_rate(9, usual, WEEK, &rule), Some(2.0));
    }

    #[test]
    fn the_usual_count_is_scaled_to_the_window_and_to_the_history_there_is() {
        let rule = SpikeRule {
            window_ms: 2 * HOUR,
            ..SpikeRule::default()
        };
        // 1 an hour over one day of history: 2 a window, so 3 x 3 = 9.
        assert_eq!(spike_rate(8, 24, 24 * HOUR, &rule), None);
        assert_eq!(spike_rate(9, 24, 24 * HOUR, &rule), Some(1.0));
        // Less history than one window: no baseline, no spike.
        assert_eq!(spike_rate(100, 0, HOUR, &rule), None);
        assert_eq!(spike_rate(100, 0, 0, &rule), None);
    }
}
