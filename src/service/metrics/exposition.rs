//! The Prometheus text exposition of the registry: every family with its
//! help and type, samples with escaped labels.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{DELIVERY_BUCKETS, LATENCY_BUCKETS, Metrics, StoreGauges, lock};

impl Metrics {
    /// The Prometheus text exposition of everything, with the store's
    /// gauges and the age of the pipeline's heartbeat (`None` before it
    /// first beat).
    pub fn render(&self, store: &StoreGauges, heartbeat_age: Option<Duration>) -> String {
        let mut out = String::with_capacity(4096);
        family(
            &mut out,
            "newswatch_polls_total",
            "counter",
            "Polls by outcome.",
        );
        for (index, outcome) in ["fetched", "unchanged", "failed"].iter().enumerate() {
            let count = self.polls[index].load(Ordering::Relaxed);
            series(&mut out, "newswatch_polls_total", "outcome", outcome, count);
        }
        family(
            &mut out,
            "newswatch_items_parsed_total",
            "counter",
            "Items parsed from fetched feeds.",
        );
        let _ = writeln!(
            out,
            "newswatch_items_parsed_total {}",
            self.items_parsed.load(Ordering::Relaxed)
        );
        for (name, help, counter) in [
            (
                "newswatch_items_recovered_total",
                "Items the strict parser missed and the lenient reading found.",
                &self.items_recovered,
            ),
            (
                "newswatch_items_dropped_total",
                "Items a feed's document holds that could not be read.",
                &self.items_dropped,
            ),
        ] {
            family(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        family(
            &mut out,
            "newswatch_article_fetches_total",
            "counter",
            "Article fetches of full-text feeds, by outcome.",
        );
        for (outcome, count) in self.article_fetches() {
            let name = "newswatch_article_fetches_total";
            series(&mut out, name, "outcome", outcome.label(), count);
        }
        family(
            &mut out,
            "newswatch_alerts_total",
            "counter",
            "Alerts by watch list.",
        );
        for (list, count) in lock(&self.alerts).iter() {
            series(&mut out, "newswatch_alerts_total", "list", list, count);
        }
        family(
            &mut out,
            "newswatch_deliveries_total",
            "counter",
            "Delivery attempts by sink and outcome.",
        );
        for ((sink, outcome), count) in lock(&self.deliveries).iter() {
            let _ = writeln!(
                out,
                "newswatch_deliveries_total{{sink=\"{}\",outcome=\"{outcome}\"}} {count}",
                escape(sink)
            );
        }
        family(
            &mut out,
            "newswatch_deliveries_pending",
            "gauge",
            "Deliveries waiting, by sink.",
        );
        for (sink, count) in &store.pending {
            series(
                &mut out,
                "newswatch_deliveries_pending",
                "sink",
                sink,
                count,
            );
        }
        family(
            &mut out,
            "newswatch_deliveries_dead",
            "gauge",
            "Dead letters, by sink.",
        );
        for (sink, count) in &store.dead {
            series(&mut out, "newswatch_deliveries_dead", "sink", sink, count);
        }
        family(
            &mut out,
            "newswatch_feeds",
            "gauge",
            "Configured feeds by health.",
        );
        for health in ["ok", "failing", "unhealthy", "disabled"] {
            let count = store.feeds.get(health).copied().unwrap_or(0);
            series(&mut out, "newswatch_feeds", "health", health, count);
        }
        family(
            &mut out,
            "newswatch_fetch_duration_seconds",
            "histogram",
            "Time to fetch a feed.",
        );
        let mut cumulative = 0;
        for (index, bound) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += self.latency_counts[index].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "newswatch_fetch_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.latency_counts[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "newswatch_fetch_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "newswatch_fetch_duration_seconds_sum {sum}");
        let _ = writeln!(out, "newswatch_fetch_duration_seconds_count {cumulative}");
        family(
            &mut out,
            "newswatch_delivery_latency_seconds",
            "histogram",
            "Time from queueing to confirmed delivery, by sink.",
        );
        for (sink, latency) in lock(&self.delivery_latency).iter() {
            let sink = escape(sink);
            let mut cumulative = 0;
            for (index, bound) in DELIVERY_BUCKETS.iter().enumerate() {
                cumulative += latency.counts[index];
                let _ = writeln!(
                    out,
                    "newswatch_delivery_latency_seconds_bucket{{sink=\"{sink}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += latency.counts[DELIVERY_BUCKETS.len()];
            let _ = writeln!(
                out,
                "newswatch_delivery_latency_seconds_bucket{{sink=\"{sink}\",le=\"+Inf\"}} {cumulative}\n\
                 newswatch_delivery_latency_seconds_sum{{sink=\"{sink}\"}} {}\n\
                 newswatch_delivery_latency_seconds_count{{sink=\"{sink}\"}} {cumulative}",
                latency.sum_seconds
            );
        }
        self.render_fleet(&mut out);
        family(
            &mut out,
            "newswatch_store_size_bytes",
            "gauge",
            "Bytes the SQLite store takes on disk, its write-ahead log included.",
        );
        if let Some(size) = self.store_size() {
            let _ = writeln!(out, "newswatch_store_size_bytes {size}");
        }
        family(
            &mut out,
            "newswatch_heartbeat_age_seconds",
            "gauge",
            "Seconds since the pipeline last showed it is alive.",
        );
        let age = heartbeat_age.map_or(-1.0, |a| a.as_secs_f64());
        let _ = writeln!(out, "newswatch_heartbeat_age_seconds {age}");
        out
    }

    /// The fleet's families: present once the daemon joined its fleet.
    fn render_fleet(&self, out: &mut String) {
        let Some(share) = lock(&self.fleet).clone() else {
            return;
        };
        let claims = self.feed_claims.load(Ordering::Relaxed);
        let instance = "instance";
        for (name, kind, help, value) in [
            (
                "newswatch_fleet_instances",
                "gauge",
                "Instances alive on this database (heartbeat within 15 s), this one included.",
                share.alive as i64,
            ),
            (
                "newswatch_fleet_config_mismatches",
                "gauge",
                "Live instances whose config differs from this one's.",
                share.config_mismatches as i64,
            ),
        ] {
            family(out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        }
        for (name, kind, help, value) in [
            (
                "newswatch_fleet_feed_leases",
                "gauge",
                "Feed leases this instance holds.",
                share.feeds_held,
            ),
            (
                "newswatch_fleet_delivery_leases",
                "gauge",
                "Delivery leases this instance holds.",
                share.deliveries_held,
            ),
            (
                "newswatch_feed_claims_total",
                "counter",
                "Feeds this instance claimed from the fleet's schedule.",
                claims as i64,
            ),
        ] {
            family(out, name, kind, help);
            series(out, name, instance, &share.instance, value);
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample with one label: `name{label="value"} count`.
fn series(out: &mut String, name: &str, label: &str, value: &str, count: impl std::fmt::Display) {
    let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {count}", escape(value));
}

/// Escapes a label value for the text format.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
