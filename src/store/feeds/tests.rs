//! The feed state's event methods, with no database: what each poll
//! outcome keeps, resets and raises.

use std::time::Duration;

use super::{
    FeedState, FetchedContent, HealthChange, HealthEventKind, HealthReport, PollFailure,
    health_from_stored, health_to_stored,
};

const FEED: &str = "https://example.org/feed.xml";
const MINUTE: i64 = 60_000;
const UNHEALTHY_AFTER: Duration = Duration::from_secs(30 * 60);

const LAST_MODIFIED: &str = "Sat, 28 Nov 2026 06:00:00 GMT";

/// The validators a state holds: (ETag, Last-Modified).
fn validators(state: &FeedState) -> (Option<&str>, Option<&str>) {
    (state.etag.as_deref(), state.last_modified.as_deref())
}

fn content(etag: &str, hash: &str) -> FetchedContent {
    FetchedContent {
        status: 200,
        etag: Some(etag.to_string()),
        last_modified: Some(LAST_MODIFIED.to_string()),
        body_hash: hash.to_string(),
        items_found: 12,
        items_dropped: 1,
        refresh_hint: Some(Duration::from_secs(900)),
        title: Some("Wire".to_string()),
    }
}

fn failure(error: &str) -> PollFailure {
    PollFailure {
        status: "HTTP 503".to_string(),
        error: error.to_string(),
    }
}

/// A feed fetched once at `at`, with content.
fn working(at: i64) -> FeedState {
    let mut state = FeedState::fresh(FEED);
    assert_eq!(state.on_fetched(content("\"v1\"", "h1"), at), None);
    state
}

/// A feed that works, then fails at every minute from `from` to `to`.
fn failing(from: i64, to: i64) -> (FeedState, Vec<HealthChange>) {
    let mut state = working(0);
    let mut raised = Vec::new();
    let mut at = from;
    while at <= to {
        raised.extend(state.on_failure(failure(&format!("down at {at}")), at, UNHEALTHY_AFTER));
        at += MINUTE;
    }
    (state, raised)
}

#[test]
fn a_fresh_state_polls_its_configured_url_and_has_never_succeeded() {
    let state = FeedState::fresh(FEED);
    assert_eq!(state.feed_id, FEED);
    assert_eq!(state.current_url, FEED);
    assert!(state.never_succeeded());
    assert_eq!(validators(&state), (None, None));
    assert_eq!(state.health_reported, HealthReport::Healthy);
}

#[test]
fn a_fetch_stores_validators_and_content_and_clears_failures() {
    let (mut state, _) = failing(MINUTE, 3 * MINUTE);
    assert_eq!(state.failures, 3);
    let raised = state.on_fetched(content("\"v2\"", "h2"), 10 * MINUTE);
    assert_eq!(raised, None, "never reported unhealthy, so no recovery");
    assert_eq!(validators(&state), (Some("\"v2\""), Some(LAST_MODIFIED)));
    assert!(state.is_same_body("h2"));
    assert!(!state.is_same_body("h1"));
    assert_eq!(state.last_status.as_deref(), Some("200"));
    assert_eq!(state.items_found, Some(12));
    assert_eq!(state.items_dropped, 1);
    assert_eq!(state.refresh_hint_secs, Some(900));
    assert_eq!(state.refresh_hint(), Some(Duration::from_secs(900)));
    assert_eq!(state.content_generation, 2);
    assert_eq!(state.failures, 0);
    assert_eq!(state.last_error, None);
    assert_eq!(state.failing_since, None);
    assert_eq!(state.last_poll_at, Some(10 * MINUTE));
    assert_eq!(state.last_success_at, Some(10 * MINUTE));
    assert!(!state.never_succeeded());
}

#[test]
fn a_fetch_without_a_refresh_hint_forgets_the_old_one() {
    let mut state = working(0);
    let plain = FetchedContent {
        refresh_hint: None,
        ..content("\"v2\"", "h2")
    };
    state.on_fetched(plain, MINUTE);
    assert_eq!(state.refresh_hint_secs, None);
    assert_eq!(state.refresh_hint(), None);
}

#[test]
fn a_304_keeps_validators_body_and_hint_and_resets_failures() {
    let (mut state, _) = failing(MINUTE, 2 * MINUTE);
    let raised = state.on_not_modified(5 * MINUTE);
    assert_eq!(raised, None);
    assert_eq!(state.last_status.as_deref(), Some("304"));
    assert_eq!(validators(&state), (Some("\"v1\""), Some(LAST_MODIFIED)));
    assert!(state.is_same_body("h1"));
    assert_eq!(state.refresh_hint_secs, Some(900));
    assert_eq!(state.content_generation, 1, "a 304 is no new content");
    assert_eq!(state.failures, 0);
    assert_eq!(state.last_error, None);
    assert_eq!(state.failing_since, None);
    assert_eq!(state.last_poll_at, Some(5 * MINUTE));
    assert_eq!(state.last_success_at, Some(5 * MINUTE));
}

#[test]
fn the_same_body_again_takes_new_validators_but_is_no_new_content() {
    let mut state = working(0);
    let raised = state.on_same_body(203, Some("\"v1b\"".into()), None, MINUTE);
    assert_eq!(raised, None);
    assert_eq!(validators(&state), (Some("\"v1b\""), None));
    assert_eq!(state.last_status.as_deref(), Some("203 unchanged"));
    assert_eq!(state.content_generation, 1);
    assert_eq!(
        state.items_found,
        Some(12),
        "the census is the last parse's"
    );
    assert_eq!(state.last_success_at, Some(MINUTE));
}

#[test]
fn failures_count_up_keep_the_error_and_keep_validators() {
    let mut state = working(0);
    let raised = state.on_failure(failure("connection refused"), MINUTE, UNHEALTHY_AFTER);
    assert_eq!(raised, None);
    assert_eq!(state.failures, 1);
    assert_eq!(state.last_status.as_deref(), Some("HTTP 503"));
    assert_eq!(state.last_error.as_deref(), Some("connection refused"));
    assert_eq!(state.failing_since, Some(MINUTE));
    assert_eq!(state.last_poll_at, Some(MINUTE));
    assert_eq!(state.last_success_at, Some(0), "the last success stays");
    assert_eq!(validators(&state), (Some("\"v1\""), Some(LAST_MODIFIED)));
    state.on_failure(failure("timed out"), 2 * MINUTE, UNHEALTHY_AFTER);
    assert_eq!(state.failures, 2);
    assert_eq!(
        state.failing_since,
        Some(MINUTE),
        "the run began at the first"
    );
    assert_eq!(state.last_error.as_deref(), Some("timed out"));
    assert_eq!(state.health_reported, HealthReport::Healthy);
}

#[test]
fn a_run_of_failures_as_long_as_unhealthy_after_raises_unhealthy_once() {
    // Failing from minute 1 to 30 is 29 minutes of failures: not yet.
    let (short, raised) = failing(MINUTE, 30 * MINUTE);
    assert!(raised.is_empty(), "{raised:?}");
    assert_eq!(short.health_reported, HealthReport::Healthy);

    let (state, raised) = failing(MINUTE, 40 * MINUTE);
    assert_eq!(
        raised,
        vec![HealthChange {
            kind: HealthEventKind::Unhealthy,
            failing_since_ms: MINUTE,
            failures: 31,
            last_error: Some(format!("down at {}", 31 * MINUTE)),
        }]
    );
    assert_eq!(state.failures, 40);
    assert_eq!(state.health_reported, HealthReport::Unhealthy);
    assert!(state.is_reported_unhealthy());
}

#[test]
fn with_no_unhealthy_after_the_first_failure_is_unhealthy() {
    let mut state = working(0);
    let raised = state.on_failure(failure("refused"), MINUTE, Duration::ZERO);
    assert_eq!(
        raised.map(|change| (change.kind, change.failures)),
        Some((HealthEventKind::Unhealthy, 1))
    );
}

#[test]
fn recovery_after_an_unhealthy_report_raises_recovered_with_the_run() {
    let (mut state, _) = failing(MINUTE, 40 * MINUTE);
    let raised = state.on_not_modified(41 * MINUTE);
    assert_eq!(
        raised,
        Some(HealthChange {
            kind: HealthEventKind::Recovered,
            failing_since_ms: MINUTE,
            failures: 40,
            last_error: Some(format!("down at {}", 40 * MINUTE)),
        })
    );
    assert_eq!(state.health_reported, HealthReport::Healthy);
    assert_eq!(state.failures, 0);
    assert_eq!(state.last_error, None);
    assert_eq!(state.failing_since, None);
    // The next run starts afresh, and is reported again.
    let mut raised = Vec::new();
    for minute in 50..=80 {
        raised.extend(state.on_failure(failure("down"), minute * MINUTE, UNHEALTHY_AFTER));
    }
    assert_eq!(state.failing_since, Some(50 * MINUTE));
    assert_eq!(
        raised
            .iter()
            .map(|c| c.failing_since_ms)
            .collect::<Vec<_>>(),
        vec![50 * MINUTE]
    );
}

#[test]
fn every_kind_of_success_ends_an_unhealthy_run() {
    let successes: [fn(&mut FeedState) -> Option<HealthChange>; 3] = [
        |state| state.on_not_modified(50 * MINUTE),
        |state| state.on_same_body(200, None, None, 50 * MINUTE),
        |state| state.on_fetched(content("\"v3\"", "h3"), 50 * MINUTE),
    ];
    for success in successes {
        let (mut state, _) = failing(MINUTE, 40 * MINUTE);
        let raised = success(&mut state);
        assert_eq!(raised.map(|c| c.kind), Some(HealthEventKind::Recovered));
        assert_eq!(state.failures, 0);
        assert!(!state.is_reported_unhealthy());
    }
}

#[test]
fn a_410_disables_the_feed_and_counts_as_a_failure() {
    let mut state = working(0);
    let at = chrono::DateTime::from_timestamp_millis(1_795_845_600_000).unwrap_or_default();
    let gone = PollFailure {
        status: "HTTP 410".to_string(),
        error: "HTTP 410".to_string(),
    };
    let raised = state.on_gone(gone, MINUTE, UNHEALTHY_AFTER, at);
    assert_eq!(raised, None);
    assert_eq!(
        state.disabled_reason.as_deref(),
        Some("410 Gone since 2026-11-28T06:00:00Z")
    );
    assert_eq!(state.failures, 1);
    assert_eq!(state.last_status.as_deref(), Some("HTTP 410"));
    state.schedule_next(|_| panic!("a disabled feed is not scheduled"));
    assert_eq!(state.next_due_at, None);
}

#[test]
fn the_next_due_time_sees_the_state_after_the_poll() {
    let mut state = working(0);
    state.on_failure(failure("down"), MINUTE, UNHEALTHY_AFTER);
    state.schedule_next(|after| MINUTE + after.failures * 1_000);
    assert_eq!(state.next_due_at, Some(MINUTE + 1_000));
}

#[test]
fn a_permanent_redirect_moves_the_polled_url_but_not_the_identity() {
    let mut state = working(0);
    state.on_moved("https://example.org/new.xml".to_string());
    assert_eq!(state.current_url, "https://example.org/new.xml");
    assert_eq!(state.feed_id, FEED);
}

#[test]
fn a_negative_stored_refresh_hint_reads_as_zero() {
    let state = FeedState {
        refresh_hint_secs: Some(-5),
        ..FeedState::fresh(FEED)
    };
    assert_eq!(state.refresh_hint(), Some(Duration::ZERO));
}

#[test]
fn the_health_report_is_stored_as_null_or_unhealthy() {
    assert_eq!(health_to_stored(HealthReport::Healthy), None);
    assert_eq!(health_to_stored(HealthReport::Unhealthy), Some("unhealthy"));
    assert_eq!(health_from_stored(None), HealthReport::Healthy);
    assert_eq!(
        health_from_stored(Some("unhealthy".to_string())),
        HealthReport::Unhealthy
    );
    // Any text counted as reported before the report was typed.
    assert_eq!(
        health_from_stored(Some("something else".to_string())),
        HealthReport::Unhealthy
    );
}

#[test]
fn a_document_without_a_title_keeps_the_feeds_known_title() {
    let mut state = working(0);
    state.on_fetched(content("\"v1\"", "h1"), MINUTE);
    assert_eq!(state.title.as_deref(), Some("Wire"));
    let untitled = FetchedContent {
        title: None,
        ..content("\"v2\"", "h2")
    };
    state.on_fetched(untitled, 2 * MINUTE);
    assert_eq!(state.title.as_deref(), Some("Wire"));
}
