//! Feed health: a feed that keeps failing for `[poll] unhealthy_after`
//! raises one "feed unhealthy" event, and one "recovered" event when it
//! works again, for the sinks that asked for `events = ["feed_health"]`.
//! When to raise them is the feed state's rule ([`FeedState`]'s event
//! methods); this turns what they raised into events for the sinks.
//!
//! [`FeedState`]: crate::store::FeedState

use chrono::{DateTime, Utc};

use super::feeds::FeedSpec;
use crate::clock::from_millis;
use crate::model::{FeedHealthEvent, rfc3339};
use crate::sink::{EventKind, SinkConfig};
use crate::store::{HealthChange, HealthEventKind, NewEvent};

/// The events to record for the health change a poll of `feed` (polled at
/// `url`) raised at `now`, if any, routed to the sinks that asked (and
/// whose `feeds`/`tags`, if any, take the feed).
pub fn events(
    change: Option<HealthChange>,
    feed: &FeedSpec,
    url: &str,
    now: DateTime<Utc>,
    sinks: &[SinkConfig],
) -> Vec<NewEvent> {
    let Some(change) = change else {
        return Vec::new();
    };
    let kind = match change.kind {
        HealthEventKind::Unhealthy => {
            tracing::warn!(feed = %feed.name, url = %crate::redact::public_url(url), failing_since = %rfc3339(from_millis(change.failing_since_ms)), "feed unhealthy");
            FeedHealthEvent::UNHEALTHY
        }
        HealthEventKind::Recovered => FeedHealthEvent::RECOVERED,
    };
    let event = FeedHealthEvent {
        kind: kind.to_string(),
        id: uuid::Uuid::now_v7().to_string(),
        feed: feed.name.clone(),
        feed_url: crate::redact::public_url(&feed.id),
        failing_since: rfc3339(from_millis(change.failing_since_ms)),
        failures: change.failures,
        last_error: change.last_error,
        detected_at: rfc3339(now),
    };
    let sinks: Vec<String> = sinks
        .iter()
        .filter(|s| s.wants(EventKind::FeedHealth))
        .map(|s| s.name().to_string())
        // A sink for some feeds only hears of those feeds' health.
        .filter(|name| !feed.unrouted.contains(name))
        .collect();
    vec![NewEvent { event, sinks }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn health_events_reach_only_sinks_that_take_the_feed() {
        let config = Config::parse(
            r#"
[[feed]]
url = "https://rts.example/rss"
tags = ["balkans"]

[[feed]]
url = "https://wire.example/rss"

[[sink]]
name = "everything"
type = "stdout"
events = ["feed_health"]

[[sink]]
name = "balkans"
type = "stdout"
events = ["feed_health"]
tags = ["balkans"]

[[sink]]
name = "alerts-only"
type = "stdout"
"#,
            std::path::Path::new("health.toml"),
        )
        .expect("valid config");
        let feeds = FeedSpec::all(&config);
        let change = || HealthChange {
            kind: HealthEventKind::Unhealthy,
            failing_since_ms: 0,
            failures: 3,
            last_error: Some("HTTP 503".into()),
        };
        let sinks_for = |feed: &FeedSpec| {
            let events = events(Some(change()), feed, &feed.id, Utc::now(), &config.sinks);
            events.into_iter().flat_map(|e| e.sinks).collect::<Vec<_>>()
        };
        assert_eq!(sinks_for(&feeds[0]), ["everything", "balkans"]);
        assert_eq!(sinks_for(&feeds[1]), ["everything"]);
    }
}
