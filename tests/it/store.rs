//! The store against a real SQLite file: dedup in one transaction, the
//! outbox's order and leases, state kept across reopening.

use crate::support::{new_alert, open_store as open};

use newswatch::store::{
    Access, DeliveryState, FeedState, PollRecord, QueueHead, Store, StoryRules,
};

fn record(now_ms: i64, alerts: &[(&str, &str)], sinks: &[&str]) -> PollRecord {
    PollRecord {
        state: FeedState {
            feed_id: "https://f.example/rss".into(),
            current_url: "https://f.example/rss".into(),
            etag: Some("\"v1\"".into()),
            next_due_at: Some(now_ms + 60_000),
            ..FeedState::default()
        },
        alerts: alerts
            .iter()
            .map(|(id, key)| new_alert(id, key, sinks))
            .collect(),
        silent: Vec::new(),
        events: Vec::new(),
        archive: Vec::new(),
        now_ms,
        rules: StoryRules::default(),
    }
}

/// Records a poll with these (alert id, item key) pairs routed to `sinks`;
/// returns the ids of the alerts that were new.
async fn record_ids(
    store: &Store,
    now_ms: i64,
    alerts: &[(&str, &str)],
    sinks: &[&str],
) -> Vec<String> {
    let fresh = store
        .record_poll(&record(now_ms, alerts, sinks))
        .await
        .expect("record");
    fresh.into_iter().map(|a| a.id).collect()
}

/// Claims the head of `sink`'s queue at `now_ms` (lease far ahead).
async fn claim(store: &Store, sink: &str, now_ms: i64) -> QueueHead {
    store
        .claim_head(sink, now_ms, now_ms + 1_000_000, 10)
        .await
        .expect("claim")
}

/// The (alert id, delivery id) pairs of a claim that must be ready.
fn ready(head: QueueHead) -> Vec<(String, String)> {
    match head {
        QueueHead::Ready(deliveries) => deliveries
            .into_iter()
            .map(|d| (d.message.id().to_string(), d.delivery_id))
            .collect(),
        other => panic!("expected ready deliveries, got {other:?}"),
    }
}

fn alert_ids(claimed: &[(String, String)]) -> Vec<&str> {
    claimed.iter().map(|(alert, _)| alert.as_str()).collect()
}

#[tokio::test]
async fn a_key_alerts_once_even_across_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    assert_eq!(
        record_ids(&store, 1_000, &[("a1", "k1"), ("a2", "k2")], &["s"]).await,
        ["a1", "a2"]
    );
    assert!(
        record_ids(&store, 2_000, &[("a3", "k1")], &["s"])
            .await
            .is_empty(),
        "k1 was already alerted"
    );
    store.close().await;

    let store = open(&dir).await;
    assert!(store.is_seen("k1").await.expect("seen"));
    let state = store
        .feed_state("https://f.example/rss")
        .await
        .expect("state")
        .expect("present");
    assert_eq!(state.etag.as_deref(), Some("\"v1\""));
    assert_eq!(state.next_due_at, Some(62_000));
    assert_eq!(
        record_ids(&store, 3_000, &[("a4", "k1"), ("a5", "k3")], &["s"]).await,
        ["a5"]
    );
}

#[tokio::test]
async fn each_sink_gets_its_own_ordered_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    record_ids(
        &store,
        1_000,
        &[("a1", "k1"), ("a2", "k2"), ("a3", "k3")],
        &["fast", "slow"],
    )
    .await;
    assert_eq!(
        alert_ids(&ready(claim(&store, "fast", 1_000).await)),
        ["a1", "a2", "a3"]
    );

    // On "slow", the head fails and waits: nothing behind it may overtake.
    let slow = ready(claim(&store, "slow", 1_000).await);
    store
        .schedule_retry(&slow[0].1, 50_000, "HTTP 503")
        .await
        .expect("retry");
    match claim(&store, "slow", 2_000).await {
        QueueHead::WaitUntil(at) => assert_eq!(at, 50_000),
        other => panic!("expected a wait, got {other:?}"),
    }
    // Once due, the whole queue goes, in order.
    assert_eq!(
        alert_ids(&ready(claim(&store, "slow", 50_000).await)),
        ["a1", "a2", "a3"]
    );
}

#[tokio::test]
async fn done_and_dead_deliveries_leave_the_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    record_ids(&store, 1_000, &[("a1", "k1"), ("a2", "k2")], &["s"]).await;
    let claimed = ready(claim(&store, "s", 1_000).await);
    store.mark_done(&claimed[0].1, 2_000).await.expect("done");
    store
        .mark_dead(&claimed[1].1, 2_000, "HTTP 400")
        .await
        .expect("dead");
    assert!(matches!(claim(&store, "s", 3_000).await, QueueHead::Empty));
    let dead = store
        .list_deliveries(Some("s"), Some(DeliveryState::Dead), 10)
        .await
        .expect("list");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 400"));
    assert_eq!(dead[0].attempts, 1);
}

#[tokio::test]
async fn a_claim_is_leased_to_its_instance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    record_ids(&store, 1_000, &[("a1", "k1")], &["s"]).await;
    assert_eq!(alert_ids(&ready(claim(&store, "s", 1_000).await)), ["a1"]);
    // Another handle is another instance (as another process would be):
    // one opened for edits beside a daemon never touches its leases.
    let other = open(&dir).await;
    let url = std::fs::read_to_string(dir.path().join("store-url")).expect("url");
    match claim(&other, "s", 2_000).await {
        QueueHead::WaitUntil(at) => assert_eq!(at, 1_001_000),
        head => panic!("the lease must hold: {head:?}"),
    }
    let daemon = Store::open_for(&url, Access::Daemon)
        .await
        .expect("open as daemon");
    if url.starts_with("postgres") {
        // Several instances share PostgreSQL: the lease holds until it
        // expires (1,001,000 ms), so no delivery goes out twice.
        match claim(&daemon, "s", 2_000).await {
            QueueHead::WaitUntil(at) => assert_eq!(at, 1_001_000),
            head => panic!("the lease must hold: {head:?}"),
        }
        assert_eq!(
            alert_ids(&ready(claim(&daemon, "s", 1_001_001).await)),
            ["a1"]
        );
    } else {
        // A SQLite file has one daemon at a time (it holds the lock): a
        // daemon opening it voids the leases of a predecessor that died.
        assert_eq!(alert_ids(&ready(claim(&daemon, "s", 2_000).await)), ["a1"]);
    }
}

#[tokio::test]
async fn a_store_that_cannot_be_opened_says_where() {
    let error = Store::open("sqlite:///nonexistent-dir/sub/x.db?mode=rwc")
        .await
        .expect_err("must fail");
    assert!(
        error.to_string().contains("/nonexistent-dir/sub/x.db"),
        "{error}"
    );
}

#[tokio::test]
async fn retention_spares_items_still_in_their_feed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mut first = record(1_000, &[("a1", "k1"), ("a2", "k2")], &["s"]);
    first.state.content_generation = 1;
    store.record_poll(&first).await.expect("record");
    // The next content no longer has k1; k2 is still there.
    let mut second = record(2_000, &[("a3", "k2")], &["s"]);
    second.state.content_generation = 2;
    store.record_poll(&second).await.expect("record");

    let pruned = store.prune(10_000).await.expect("prune");
    assert_eq!(pruned.seen, 1, "{pruned:?}");
    assert!(
        !store.is_seen("k1").await.expect("seen"),
        "gone from its feed: forgotten"
    );
    assert!(
        store.is_seen("k2").await.expect("seen"),
        "still in its feed: kept"
    );
    assert!(pruned.stories >= 2, "{pruned:?}");
    // Nothing younger than the cutoff is touched.
    let again = store.prune(0).await.expect("prune");
    assert_eq!(again, newswatch::store::Pruned::default());
    // A kept key still does not alert again.
    let mut third = record(20_000, &[("a4", "k2")], &["s"]);
    third.state.content_generation = 3;
    assert!(store.record_poll(&third).await.expect("record").is_empty());
}

#[tokio::test]
async fn a_corrupt_database_says_why_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(
        &corrupt,
        "this is no SQLite database, just some text ".repeat(200),
    )
    .expect("write");
    let url = format!("sqlite://{}?mode=rwc", corrupt.display());
    // Well before the pool's 30 s of retries, and naming SQLite's reason.
    let error = tokio::time::timeout(std::time::Duration::from_secs(10), Store::open(&url))
        .await
        .expect("the answer comes without the pool's retries")
        .expect_err("a corrupt file");
    let said = error.to_string();
    assert!(
        said.contains("file is not a database") && said.contains("corrupt.db"),
        "{said}"
    );
}

fn archived(key: &str, title: &str, at_ms: i64) -> newswatch::store::ArchivedItem {
    newswatch::store::ArchivedItem {
        item_key: key.to_string(),
        feed_id: "https://f.example/rss".into(),
        feed: "F".into(),
        title: title.to_string(),
        summary: "A summary.".into(),
        link: Some(format!("https://f.example/{key}")),
        published_ms: Some(at_ms - 1000),
        language: Some("sr".into()),
        story_id: None,
        lists: Vec::new(),
        article: String::new(),
        archived_ms: at_ms,
    }
}

#[tokio::test]
async fn the_archive_keeps_every_item_once_with_the_story_of_those_that_matched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let now = 1_700_000_000_000;
    // k1 matches (an alert), k2 and k3 do not; k2 twice in one poll.
    let mut first = record(now, &[("a1", "k1")], &["out"]);
    first.alerts[0].alert.lists = vec!["kosovo".into()];
    first.archive = vec![
        archived("k1", "KFOR patrols", now),
        archived("k2", "Weather", now),
        archived("k2", "Weather again", now),
        archived("k3", "Football", now),
    ];
    store.record_poll(&first).await.expect("record");
    // The same items read again later, k3 now matching: no new rows, k3's
    // lists noted, the first text kept.
    let mut second = record(now + 60_000, &[("a3", "k3")], &["out"]);
    second.alerts[0].alert.lists = vec!["sport".into()];
    second.archive = vec![
        archived("k2", "Weather, edited", now + 60_000),
        archived("k3", "Football", now + 60_000),
    ];
    store.record_poll(&second).await.expect("record again");
    assert_eq!(store.archive_count().await.expect("count"), 3);

    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let (items, next) = store
            .archive_page(
                0,
                newswatch::store::ArchiveOrder::Oldest,
                cursor.as_ref(),
                2,
            )
            .await
            .expect("page");
        pages.push(items);
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let items: Vec<_> = pages.concat();
    let keys: Vec<&str> = items.iter().map(|i| i.item_key.as_str()).collect();
    assert_eq!(
        keys,
        ["k1", "k2", "k3"],
        "oldest first, each once, in pages of 2"
    );
    assert_eq!(items[0].story_id.as_deref(), Some("a1"), "its story");
    assert_eq!(items[0].lists, ["kosovo"]);
    assert_eq!(items[1].title, "Weather", "the first text is kept");
    assert_eq!(
        (items[1].story_id.as_deref(), items[1].lists.len()),
        (None, 0)
    );
    assert_eq!(items[2].story_id.as_deref(), Some("a3"), "matched later");
    assert_eq!(items[2].lists, ["sport"]);
    assert_eq!(items[1].language.as_deref(), Some("sr"));
    assert_eq!(items[1].published_ms, Some(now - 1000));

    let (newest, _) = store
        .archive_page(now + 1, newswatch::store::ArchiveOrder::Newest, None, 10)
        .await
        .expect("newest");
    assert!(newest.is_empty(), "nothing was first read after `now`");
    assert_eq!(store.prune_archive(now + 1).await.expect("prune"), 3);
    assert_eq!(store.archive_count().await.expect("count"), 0);
}

#[tokio::test]
async fn alerts_are_read_back_newest_first_by_list_a_page_at_a_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let hour = 3_600_000;
    let start = 1_700_000_000_000 / hour * hour;
    // Three polls an hour apart: kosovo, kosovo+kfor, kfor.
    for (n, lists) in [vec!["kosovo"], vec!["kfor", "kosovo"], vec!["kfor"]]
        .into_iter()
        .enumerate()
    {
        let id = format!("0190000{n}-0000-7000-8000-000000000000");
        let mut poll = record(
            start + n as i64 * hour,
            &[(&id, &format!("k{n}"))],
            &["out"],
        );
        poll.alerts[0].alert.lists = lists.iter().map(|l| l.to_string()).collect();
        poll.alerts[0].signature =
            newswatch::story::Signature::of(&format!("story {n} {id}"), "", None);
        assert_eq!(store.record_poll(&poll).await.expect("record").len(), 1);
    }
    let keys =
        |alerts: &[(newswatch::store::AlertCursor, newswatch::model::Alert)]| -> Vec<String> {
            alerts.iter().map(|(_, a)| a.item_key.clone()).collect()
        };
    let (first, cursor) = store.alerts_page(None, 0, None, 2).await.expect("page");
    assert_eq!(keys(&first), ["k2", "k1"], "newest first");
    let cursor = cursor.expect("more");
    let decoded = newswatch::store::AlertCursor::decode(&cursor.encode()).expect("round trip");
    assert_eq!(decoded, cursor);
    let (rest, end) = store
        .alerts_page(None, 0, Some(&decoded), 2)
        .await
        .expect("page");
    assert_eq!((keys(&rest), end), (vec!["k0".to_string()], None));

    let (kosovo, _) = store
        .alerts_page(Some("kosovo"), 0, None, 10)
        .await
        .expect("list");
    assert_eq!(keys(&kosovo), ["k1", "k0"]);
    let (recent, _) = store
        .alerts_page(Some("kfor"), start + 2 * hour, None, 10)
        .await
        .expect("since");
    assert_eq!(keys(&recent), ["k2"]);
    assert!(newswatch::store::AlertCursor::decode("x; DROP TABLE alerts").is_none());

    let counts = store.hourly_alert_counts(start).await.expect("counts");
    let first_hour = start / hour;
    assert_eq!(
        counts,
        [
            ("kfor".to_string(), first_hour + 1, 1),
            ("kfor".to_string(), first_hour + 2, 1),
            ("kosovo".to_string(), first_hour, 1),
            ("kosovo".to_string(), first_hour + 1, 1),
        ]
    );
}
