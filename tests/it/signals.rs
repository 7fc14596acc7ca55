//! Breaking stories and list spikes against a real store (SQLite, or
//! PostgreSQL when configured), on a simulated clock: every record carries
//! the time it happened at, so seven days pass in a few milliseconds. The
//! store is closed and reopened in the middle, as a restart would. And two
//! instances sharing PostgreSQL message a sink a story once.

use newswatch::model::{Alert, ItemKey, Message};
use newswatch::store::{
    FeedState, NewAlert, PollRecord, SignalRoute, Signals, SpikeRule, Store, StoryRules,
};
use newswatch::story::Signature;

use crate::support::{item, open_store, service_missing, test_store_url};

const T0: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A matched item of `feed` for `lists`, routed to the sink "desk".
fn matched(key: &str, feed: &str, title: &str, lists: &[&str]) -> NewAlert {
    matched_to(key, feed, title, lists, &["desk"])
}

/// A matched item of `feed` for `lists`, routed to `sinks`.
fn matched_to(key: &str, feed: &str, title: &str, lists: &[&str], sinks: &[&str]) -> NewAlert {
    let mut item = item(title, "");
    item.key = ItemKey::from_parts("test", &[key]);
    let mut alert = Alert::new(
        format!("alert-{key}"),
        feed,
        &format!("https://{feed}.example/rss"),
        &item,
        &[],
        chrono::Utc::now(),
    );
    alert.lists = lists.iter().map(|l| l.to_string()).collect();
    NewAlert {
        signature: Signature::of(title, "", None),
        link_key: None,
        sinks: sinks.iter().map(|s| s.to_string()).collect(),
        update_sinks: Vec::new(),
        alert,
    }
}

/// One poll of `feed` at `now_ms` that found `alerts`.
fn poll(feed: &str, now_ms: i64, alerts: Vec<NewAlert>) -> PollRecord {
    PollRecord {
        state: FeedState {
            feed_id: format!("https://{feed}.example/rss"),
            current_url: format!("https://{feed}.example/rss"),
            ..FeedState::default()
        },
        alerts,
        silent: Vec::new(),
        events: Vec::new(),
        archive: Vec::new(),
        now_ms,
        rules: StoryRules::default(),
    }
}

/// The sink "desk" asks for both signals, for every list.
fn signals() -> Signals {
    let desk = SignalRoute {
        sink: "desk".to_string(),
        lists: None,
    };
    Signals {
        breaking: vec![desk.clone()],
        spikes: vec![desk],
        spike: SpikeRule::default(),
    }
}

async fn record(store: &Store, record: PollRecord) {
    store
        .record_polls(&[record], &signals())
        .await
        .expect("record");
}

/// The messages queued for "desk" of this kind, oldest first.
async fn queued(store: &Store, kind: &str) -> Vec<Message> {
    let mut rows = store
        .list_deliveries(Some("desk"), None, 10_000)
        .await
        .expect("list");
    rows.reverse();
    rows.into_iter()
        .filter_map(|row| row.message.ok())
        .filter(|message| message.kind() == kind)
        .collect()
}

#[tokio::test]
async fn one_story_across_six_feeds_breaks_once_even_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let title = "KFOR troops deploy to the Jarinje crossing after clashes";
    let feeds = ["wire", "daily", "agency", "radio", "weekly", "portal"];
    let mut store = open_store(&dir).await;
    for (n, feed) in feeds.iter().enumerate() {
        if n == 3 {
            // A restart between the third and fourth source.
            store.close().await;
            store = open_store(&dir).await;
        }
        let at = T0 + n as i64 * 5 * MINUTE;
        let copy = matched(&format!("{feed}-1"), feed, title, &["kfor"]);
        record(&store, poll(feed, at, vec![copy])).await;
    }
    let breaking = queued(&store, "story_breaking").await;
    assert_eq!(breaking.len(), 1, "{breaking:#?}");
    let Message::StoryBreaking(event) = &breaking[0] else {
        panic!("not a breaking story: {breaking:?}");
    };
    // It broke with the fifth source, and the story is the first copy's.
    let named: Vec<&str> = event.sources.iter().map(|s| s.feed.as_str()).collect();
    assert_eq!(named, ["wire", "daily", "agency", "radio", "weekly"]);
    assert_eq!(event.story, "alert-wire-1");
    assert_eq!(event.first_alert, "alert-wire-1");
    assert_eq!(event.lists, ["kfor"]);
    assert_eq!(event.title, title);
    assert_eq!(event.sources[1].first_seen_at, "2027-01-15T08:05:00Z");
    assert_eq!(event.window_seconds, 3600);
    // One story, one alert: the sink got the first copy only.
    assert_eq!(queued(&store, "alert").await.len(), 1);
}

#[tokio::test]
async fn sources_spread_wider_than_the_window_do_not_break_a_story() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(&dir).await;
    let title = "Serbia and Kosovo negotiators meet in Brussels again";
    for (n, feed) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
        // One new source every 20 minutes: at most 3 within any hour.
        let at = T0 + n as i64 * 20 * MINUTE;
        let copy = matched(&format!("{feed}-1"), feed, title, &["serbia"]);
        record(&store, poll(feed, at, vec![copy])).await;
    }
    assert!(queued(&store, "story_breaking").await.is_empty());
}

/// `count` matches of `list`, each a story of its own, one every
/// `every_ms` from `start_ms`; `n` keeps their keys apart.
async fn matches(store: &Store, list: &str, n: &str, start_ms: i64, every_ms: i64, count: usize) {
    for i in 0..count {
        let key = format!("{list}-{n}-{i}");
        // Words no other headline has: every match is a story of its own.
        let title = format!("{list} {n}x{i} alpha{n}{i} bravo{i}{n} charlie{i}");
        let at = start_ms + i as i64 * every_ms;
        record(
            store,
            poll("wire", at, vec![matched(&key, "wire", &title, &[list])]),
        )
        .await;
    }
}

#[tokio::test]
async fn a_quiet_list_that_turns_busy_spikes_once_per_cool_down_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open_store(&dir).await;
    store
        .watch_lists(&["kfor".to_string()], T0)
        .await
        .expect("watch");
    // Seven quiet days: one match a day.
    matches(&store, "kfor", "quiet", T0 + HOUR, DAY, 7).await;
    assert!(queued(&store, "list_spike").await.is_empty());
    // Then busy: eight matches in 40 minutes, with a restart after three.
    let busy = T0 + 7 * DAY + 2 * HOUR;
    matches(&store, "kfor", "busy1", busy, 5 * MINUTE, 3).await;
    store.close().await;
    store = open_store(&dir).await;
    matches(&store, "kfor", "busy2", busy + 15 * MINUTE, 5 * MINUTE, 5).await;
    let spikes = queued(&store, "list_spike").await;
    assert_eq!(spikes.len(), 1, "{spikes:#?}");
    let Message::ListSpike(spike) = &spikes[0] else {
        panic!("not a spike: {spikes:?}");
    };
    assert_eq!(spike.list, "kfor");
    assert_eq!(spike.count, 5, "it fired at the fifth match in the hour");
    assert_eq!(spike.window_seconds, 3600);
    // Seven matches over the week before the window: 1/24 an hour.
    assert!(
        (spike.baseline_per_hour - 0.04).abs() < 0.005,
        "{}",
        spike.baseline_per_hour
    );
    assert_eq!(spike.top_stories.len(), 5);
    assert!(spike.top_stories.iter().all(|s| s.items == 1));

    // Still busy for three more hours, with another restart: the
    // cool-down (6h) holds.
    store.close().await;
    store = open_store(&dir).await;
    matches(&store, "kfor", "busy3", busy + HOUR, 6 * MINUTE, 30).await;
    assert_eq!(queued(&store, "list_spike").await.len(), 1);

    // After the cool-down, a new burst is a new spike.
    matches(&store, "kfor", "busy4", busy + 10 * HOUR, MINUTE, 12).await;
    assert_eq!(queued(&store, "list_spike").await.len(), 2);
}

#[tokio::test]
async fn a_list_with_less_history_than_one_window_has_no_baseline_yet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(&dir).await;
    store
        .watch_lists(&["kosovo".to_string()], T0)
        .await
        .expect("watch");
    // Busy from the first minute: no spike, there is nothing to compare.
    matches(&store, "kosovo", "start", T0 + MINUTE, MINUTE, 20).await;
    assert!(queued(&store, "list_spike").await.is_empty());
}

#[tokio::test]
async fn two_instances_sharing_postgresql_message_a_sink_a_story_once() {
    if std::env::var("NEWSWATCH_TEST_DATABASE_URL")
        .unwrap_or_default()
        .is_empty()
    {
        service_missing(
            "two instances sharing PostgreSQL",
            "apt-get install -y postgresql, then set NEWSWATCH_TEST_DATABASE_URL as .ci/run does",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = test_store_url(dir.path()).await;
    let first = Store::open(&url).await.expect("open");
    let second = Store::open(&url).await.expect("open");
    let rounds = 20;
    for round in 0..rounds {
        let title = format!("KFOR round{round} patrol meets Serbian police at crossing{round}");
        let at = T0 + i64::from(round) * MINUTE;
        // The story starts for the KFOR desk...
        let start = matched_to(
            &format!("w{round}"),
            "wire",
            &title,
            &["kfor"],
            &["kfor-desk"],
        );
        record(&first, poll("wire", at, vec![start])).await;
        // ...then both instances record, at once, a copy that brings
        // "serbia": the Serbia desk must get the story once.
        let copy = |feed: &str| {
            let sinks = ["kfor-desk", "serbia-desk"];
            let key = format!("{feed}{round}");
            poll(
                feed,
                at + 1,
                vec![matched_to(&key, feed, &title, &["kfor", "serbia"], &sinks)],
            )
        };
        let (daily, radio) = (copy("daily"), copy("radio"));
        let none = Signals::default();
        let (one, two) = tokio::join!(
            first.record_polls(std::slice::from_ref(&daily), &none),
            second.record_polls(std::slice::from_ref(&radio), &none),
        );
        one.expect("first instance");
        two.expect("second instance");
    }
    for (sink, expected) in [("kfor-desk", rounds), ("serbia-desk", rounds)] {
        let rows = first
            .list_deliveries(Some(sink), None, 10_000)
            .await
            .expect("list");
        let alerts = rows
            .iter()
            .filter(|row| matches!(row.message, Ok(Message::Alert(_))))
            .count();
        assert_eq!(alerts, expected as usize, "{sink}");
    }
}
