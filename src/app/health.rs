//! Feed health: a feed that keeps failing for `[poll] unhealthy_after`
//! raises one "feed unhealthy" event, and one "recovered" event when it
//! works again, for the sinks that asked for `events = ["feed_health"]`.

use chrono::{DateTime, Utc};

use super::feeds::FeedSpec;
use crate::clock::from_millis;
use crate::config::PollConfig;
use crate::model::{FeedHealthEvent, rfc3339};
use crate::sink::{EventKind, SinkConfig};
use crate::store::{FeedState, NewEvent};

const REPORTED_UNHEALTHY: &str = "unhealthy";

/// Updates the failure run in `state` for a poll that `succeeded` or not,
/// and returns the event to raise, if any. Call before the failure count
/// is updated for this poll.
pub fn update(
    state: &mut FeedState,
    feed: &FeedSpec,
    succeeded: bool,
    now: DateTime<Utc>,
    poll: &PollConfig,
    sinks: &[SinkConfig],
) -> Vec<NewEvent> {
    let now_ms = now.timestamp_millis();
    let event = if succeeded {
        let was_reported = state.health_reported.take().is_some();
        let since = state.failing_since.take();
        match since {
            Some(since) if was_reported => Some(event(
                FeedHealthEvent::RECOVERED,
                state,
                feed,
                since,
                state.failures,
                now,
            )),
            _ => None,
        }
    } else {
        let since = *state.failing_since.get_or_insert(now_ms);
        let failing_for = now_ms - since;
        let due = failing_for >= poll.unhealthy_after.0.as_millis() as i64;
        if due && state.health_reported.is_none() {
            state.health_reported = Some(REPORTED_UNHEALTHY.to_string());
            tracing::warn!(feed = %feed.name, url = %crate::redact::public_url(&state.current_url), failing_since = %rfc3339(from_millis(since)), "feed unhealthy");
            Some(event(
                FeedHealthEvent::UNHEALTHY,
                state,
                feed,
                since,
                state.failures + 1,
                now,
            ))
        } else {
            None
        }
    };
    let Some(event) = event else {
        return Vec::new();
    };
    let sinks: Vec<String> = sinks
        .iter()
        .filter(|s| s.wants(EventKind::FeedHealth))
        .map(|s| s.name().to_string())
        .collect();
    vec![NewEvent { event, sinks }]
}

fn event(
    kind: &str,
    state: &FeedState,
    feed: &FeedSpec,
    since_ms: i64,
    failures: i64,
    now: DateTime<Utc>,
) -> FeedHealthEvent {
    FeedHealthEvent {
        kind: kind.to_string(),
        id: uuid::Uuid::now_v7().to_string(),
        feed: feed.name.clone(),
        feed_url: crate::redact::public_url(&feed.id),
        failing_since: rfc3339(from_millis(since_ms)),
        failures,
        last_error: state.last_error.clone(),
        detected_at: rfc3339(now),
    }
}
