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
/// `url`) raised at `now`, if any, routed to the sinks that asked.
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
        .collect();
    vec![NewEvent { event, sinks }]
}
