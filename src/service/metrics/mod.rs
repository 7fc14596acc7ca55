//! The daemon's counters and gauges; their Prometheus text form is in
//! [`exposition`]. A small registry of our own: bounded labels (list and
//! sink names come from the config; no per-feed labels), no background
//! upkeep. `contrib/` holds a Grafana dashboard and Prometheus
//! rules over them.

mod exposition;

use crate::clock::now_ms;
use crate::fulltext::ArticleOutcome;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the fetch latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// Upper bounds of the delivery latency histogram, in seconds: from a sink
/// that takes an alert at once to one that got it after hours of retries
/// (the default schedule reaches 10 h).
const DELIVERY_BUCKETS: [f64; 12] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 1800.0, 7200.0, 36000.0,
];

/// The process's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    polls: [AtomicU64; 3],
    items_parsed: AtomicU64,
    items_recovered: AtomicU64,
    items_dropped: AtomicU64,
    alerts: Mutex<BTreeMap<String, u64>>,
    deliveries: Mutex<BTreeMap<(String, &'static str), u64>>,
    latency_counts: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    latency_sum_micros: AtomicU64,
    /// Time from queueing to confirmed delivery, by sink: how far behind a
    /// sink runs, which the pending gauge (a count) does not say.
    delivery_latency: Mutex<BTreeMap<String, DeliveryLatency>>,
    /// The SQLite database file, when the store is one: its size is read
    /// at scrape time, so a growing state shows before the disk is full.
    store_file: Mutex<Option<PathBuf>>,
    /// Since when the pipeline's store writes fail, and the last reason.
    write_failure: Mutex<Option<(i64, String)>>,
    /// Article fetches (`full_text`) by outcome, in [`ArticleOutcome::ALL`]'s order.
    articles: [AtomicU64; ArticleOutcome::ALL.len()],
    /// Feeds this instance claimed from the fleet's schedule.
    feed_claims: AtomicU64,
    /// This instance's share of the fleet, as its last heartbeat saw it.
    fleet: Mutex<Option<FleetShare>>,
}

/// This instance's share of a fleet sharing its database, refreshed on
/// every heartbeat.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FleetShare {
    /// This instance's id.
    pub instance: String,
    /// Instances alive (this one included).
    pub alive: u64,
    /// Feed leases this instance holds.
    pub feeds_held: i64,
    /// Delivery leases this instance holds.
    pub deliveries_held: i64,
    /// Live instances whose config differs from this one's.
    pub config_mismatches: u64,
}

/// One sink's delivery latency histogram.
#[derive(Debug, Default)]
struct DeliveryLatency {
    /// Deliveries per bucket of [`DELIVERY_BUCKETS`], the last one past
    /// them all (not cumulative).
    counts: [u64; DELIVERY_BUCKETS.len() + 1],
    sum_seconds: f64,
}

/// How a poll ended, as counted.
#[derive(Debug, Clone, Copy)]
pub enum PollKind {
    /// New content.
    Fetched,
    /// 304 or the same body.
    Unchanged,
    /// Fetch or parse failed.
    Failed,
}

/// How a delivery attempt ended, as counted.
#[derive(Debug, Clone, Copy)]
pub enum DeliveryKind {
    /// Confirmed.
    Delivered,
    /// Failed; a retry is scheduled.
    Retried,
    /// Failed for good.
    Dead,
}

/// What the store says, read at scrape time.
#[derive(Debug, Default, Clone)]
pub struct StoreGauges {
    /// Pending deliveries per sink.
    pub pending: BTreeMap<String, i64>,
    /// Dead deliveries per sink.
    pub dead: BTreeMap<String, i64>,
    /// Configured feeds per health: ok, failing, unhealthy, disabled.
    pub feeds: BTreeMap<&'static str, i64>,
}

/// The process-wide registry.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

impl Metrics {
    /// Counts feeds this instance claimed.
    pub fn feeds_claimed(&self, count: usize) {
        self.feed_claims.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// Sets this instance's share of the fleet.
    pub fn fleet(&self, share: FleetShare) {
        *lock(&self.fleet) = Some(share);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    /// Counts a finished poll.
    pub fn poll(&self, kind: PollKind) {
        self.polls[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an article fetch by how it ended.
    pub fn article_fetch(&self, outcome: ArticleOutcome) {
        self.articles[outcome.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Article fetches so far, by outcome (for `once`'s summary).
    pub fn article_fetches(&self) -> Vec<(ArticleOutcome, u64)> {
        ArticleOutcome::ALL
            .iter()
            .map(|outcome| {
                (
                    *outcome,
                    self.articles[outcome.index()].load(Ordering::Relaxed),
                )
            })
            .collect()
    }

    /// Records how long a fetch took.
    pub fn fetch_took(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.latency_counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts a parsed feed's items: all it read, those only the lenient
    /// reading found, and those the document holds that neither found.
    pub fn items_parsed(&self, count: usize, recovered: usize, dropped: usize) {
        self.items_parsed.fetch_add(count as u64, Ordering::Relaxed);
        self.items_recovered
            .fetch_add(recovered as u64, Ordering::Relaxed);
        self.items_dropped
            .fetch_add(dropped as u64, Ordering::Relaxed);
    }

    /// Starts the alert counts of these lists at 0, so a list's first
    /// alert after a start shows in `increase()` and a list that never
    /// alerts shows as 0 rather than as no series.
    pub fn lists<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let mut alerts = lock(&self.alerts);
        for name in names {
            alerts.entry(name.to_string()).or_default();
        }
    }

    /// Counts an alert under each of its lists.
    pub fn alert(&self, lists: &[String]) {
        let mut alerts = lock(&self.alerts);
        for list in lists {
            *alerts.entry(list.clone()).or_default() += 1;
        }
    }

    /// Counts a delivery outcome for a sink.
    pub fn delivery(&self, sink: &str, kind: DeliveryKind, count: u64) {
        let outcome = match kind {
            DeliveryKind::Delivered => "delivered",
            DeliveryKind::Retried => "retried",
            DeliveryKind::Dead => "dead",
        };
        *lock(&self.deliveries)
            .entry((sink.to_string(), outcome))
            .or_default() += count;
    }

    /// Records how long a delivery to `sink` waited, from being queued to
    /// being confirmed (retries included).
    pub fn delivered_after(&self, sink: &str, waited: Duration) {
        let seconds = waited.as_secs_f64();
        let bucket = DELIVERY_BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(DELIVERY_BUCKETS.len());
        let mut latency = lock(&self.delivery_latency);
        let sink = latency.entry(sink.to_string()).or_default();
        sink.counts[bucket] += 1;
        sink.sum_seconds += seconds;
    }

    /// The SQLite file the store lives in (`None` for another database),
    /// whose size the metrics report.
    pub fn store_file(&self, file: Option<PathBuf>) {
        *lock(&self.store_file) = file;
    }

    /// Bytes the SQLite store takes on disk, its write-ahead log included;
    /// `None` when the store is no SQLite file or it cannot be read.
    fn store_size(&self) -> Option<u64> {
        let file = lock(&self.store_file).clone()?;
        let database = std::fs::metadata(&file).ok()?.len();
        let mut wal = file.into_os_string();
        wal.push("-wal");
        Some(database + std::fs::metadata(&wal).map_or(0, |m| m.len()))
    }

    /// How the pipeline's last store write went: a failure is kept (with
    /// the time the run of failures began) until a write succeeds.
    pub fn store_write(&self, outcome: Result<(), String>) {
        let mut failure = lock(&self.write_failure);
        match outcome {
            Ok(()) => *failure = None,
            Err(reason) => {
                let since = failure.as_ref().map_or_else(now_ms, |(since, _)| *since);
                *failure = Some((since, reason));
            }
        }
    }

    /// Why the pipeline cannot write to the store, while it cannot.
    pub fn store_write_failure(&self) -> Option<String> {
        lock(&self.write_failure).as_ref().map(|(since, reason)| {
            let seconds = (now_ms() - since).max(0) / 1000;
            format!("store writes have failed for {seconds}s: {reason}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_members_share_shows_once_it_joined() {
        let metrics = Metrics::default();
        let text = metrics.render(&StoreGauges::default(), None);
        assert!(!text.contains("newswatch_fleet"), "{text}");
        metrics.feeds_claimed(7);
        metrics.fleet(FleetShare {
            instance: "news-1".into(),
            alive: 3,
            feeds_held: 4,
            deliveries_held: 2,
            config_mismatches: 1,
        });
        let text = metrics.render(&StoreGauges::default(), None);
        for line in [
            "newswatch_fleet_instances 3\n",
            "newswatch_fleet_config_mismatches 1\n",
            "newswatch_fleet_feed_leases{instance=\"news-1\"} 4\n",
            "newswatch_fleet_delivery_leases{instance=\"news-1\"} 2\n",
            "# TYPE newswatch_feed_claims_total counter\n",
            "newswatch_feed_claims_total{instance=\"news-1\"} 7\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }

    #[test]
    fn rendering_follows_the_text_format() {
        let metrics = Metrics::default();
        metrics.poll(PollKind::Fetched);
        metrics.poll(PollKind::Failed);
        metrics.alert(&["kfor".into(), "kosovo".into()]);
        metrics.delivery("news\"room", DeliveryKind::Delivered, 2);
        metrics.fetch_took(Duration::from_millis(80));
        metrics.fetch_took(Duration::from_secs(90));
        let mut gauges = StoreGauges::default();
        gauges.pending.insert("newsroom".into(), 3);
        gauges.feeds.insert("ok", 5);
        let text = metrics.render(&gauges, None);
        assert!(
            text.contains("newswatch_polls_total{outcome=\"fetched\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("newswatch_alerts_total{list=\"kfor\"} 1\n"));
        assert!(text.contains(
            "newswatch_deliveries_total{sink=\"news\\\"room\",outcome=\"delivered\"} 2\n"
        ));
        assert!(text.contains("newswatch_fetch_duration_seconds_bucket{le=\"0.1\"} 1\n"));
        assert!(text.contains("newswatch_fetch_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("newswatch_feeds{health=\"ok\"} 5\n"));
        assert!(text.contains("newswatch_heartbeat_age_seconds -1\n"));
        assert!(text.contains("# TYPE newswatch_store_size_bytes gauge\n"));
        assert!(
            !text.contains("\nnewswatch_store_size_bytes "),
            "no size without a store file"
        );
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().expect("value");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn lists_start_at_zero_and_keep_their_counts() {
        let metrics = Metrics::default();
        metrics.alert(&["kfor".into()]);
        metrics.lists(["kfor", "serbia"]);
        let text = metrics.render(&StoreGauges::default(), None);
        assert!(
            text.contains("newswatch_alerts_total{list=\"kfor\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("newswatch_alerts_total{list=\"serbia\"} 0\n"),
            "{text}"
        );
    }

    #[test]
    fn delivery_latency_is_a_histogram_per_sink() {
        let metrics = Metrics::default();
        metrics.delivered_after("file", Duration::from_millis(200));
        metrics.delivered_after("file", Duration::from_secs(40));
        metrics.delivered_after("hook", Duration::from_secs(86_400));
        let text = metrics.render(&StoreGauges::default(), None);
        for expected in [
            "# TYPE newswatch_delivery_latency_seconds histogram\n",
            "newswatch_delivery_latency_seconds_bucket{sink=\"file\",le=\"0.1\"} 0\n",
            "newswatch_delivery_latency_seconds_bucket{sink=\"file\",le=\"0.25\"} 1\n",
            "newswatch_delivery_latency_seconds_bucket{sink=\"file\",le=\"60\"} 2\n",
            "newswatch_delivery_latency_seconds_bucket{sink=\"file\",le=\"+Inf\"} 2\n",
            "newswatch_delivery_latency_seconds_sum{sink=\"file\"} 40.2\n",
            "newswatch_delivery_latency_seconds_count{sink=\"file\"} 2\n",
            "newswatch_delivery_latency_seconds_bucket{sink=\"hook\",le=\"36000\"} 0\n",
            "newswatch_delivery_latency_seconds_bucket{sink=\"hook\",le=\"+Inf\"} 1\n",
        ] {
            assert!(text.contains(expected), "missing {expected}{text}");
        }
    }

    #[test]
    fn the_store_size_counts_the_database_and_its_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("newswatch.db");
        std::fs::write(&file, [0u8; 4096]).expect("database");
        let metrics = Metrics::default();
        metrics.store_file(Some(file.clone()));
        let size = |m: &Metrics| {
            m.render(&StoreGauges::default(), None)
                .lines()
                .find_map(|l| l.strip_prefix("newswatch_store_size_bytes "))
                .map(str::to_string)
        };
        assert_eq!(size(&metrics).as_deref(), Some("4096"));
        std::fs::write(dir.path().join("newswatch.db-wal"), [0u8; 1000]).expect("log");
        assert_eq!(size(&metrics).as_deref(), Some("5096"));
        std::fs::remove_file(&file).expect("remove");
        assert_eq!(size(&metrics), None, "no file, no sample");
    }
}
