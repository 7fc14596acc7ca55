//! Throughput of the dedup stage (seen check, story search, alert and
//! delivery rows, one transaction per poll) on a SQLite store already
//! holding 1,000,000 seen keys and 100,000 stories, with and without the
//! item archive; and the archive's own cost: 100,000 items written to a
//! fresh store, their time and the file's growth. Run with
//! `cargo bench --bench dedup`; it prints alerts per second.

use std::time::Instant;

use newswatch::model::{Alert, Item, ItemKey};
use newswatch::store::{ArchivedItem, FeedState, NewAlert, PollRecord, Store, StoryRules};
use newswatch::story::Signature;

const KEYS: usize = 1_000_000;
const STORIES: usize = 100_000;
const POLLS: usize = 40;
const PER_POLL: usize = 50;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

/// A made-up word, different for every `seed`.
fn word(rng: &mut fastrand::Rng) -> String {
    (0..rng.usize(4..10)).map(|_| rng.lowercase()).collect()
}

fn new_alert(n: usize, now_ms: i64) -> NewAlert {
    // Distinct stories: eight made-up words around the topic.
    let mut rng = fastrand::Rng::with_seed(n as u64);
    let words: Vec<String> = (0..8).map(|_| word(&mut rng)).collect();
    let title = format!(
        "KFOR {} Kosovo {}",
        words[..4].join(" "),
        words[4..].join(" ")
    );
    let item = Item {
        key: ItemKey::from_parts("bench", &[&n.to_string()]),
        source_id: None,
        title: title.clone(),
        link: Some(format!("https://bench.example/{n}")),
        summary: String::new(),
        content: String::new(),
        article: String::new(),
        published: None,
        published_raw: None,
    };
    let detected = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    let alert = Alert::new(
        uuid::Uuid::now_v7().to_string(),
        "Bench",
        "https://bench.example/feed",
        &item,
        &[],
        detected,
    );
    NewAlert {
        signature: Signature::of(&title, "", item.link.as_deref()),
        link_key: item.link.clone(),
        update_sinks: Vec::new(),
        sinks: vec!["webhook".into()],
        alert,
    }
}

async fn fill(store_url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(store_url).await.expect("pool");
    let started = Instant::now();
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!("('old-{i:08}', 'https://old.example/feed', 0, NULL, NULL, 'kfor', 0, 0)")
            })
            .collect();
        let sql = format!(
            "INSERT INTO seen (item_key, feed_id, first_seen_at, alert_id, story_id, lists, last_seen_at, last_generation) VALUES {}",
            values.join(",")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("fill seen");
    }
    let now = chrono::Utc::now().timestamp_millis();
    for chunk in (0..STORIES).collect::<Vec<_>>().chunks(200) {
        let mut stories = Vec::new();
        let mut bands = Vec::new();
        for i in chunk {
            let signature = Signature::of(
                &format!("Old story number {i} about Kosovo and Serbia talks"),
                "",
                None,
            );
            stories.push(format!(
                "('story-{i}', {now}, '{}', {}, 0, 0, NULL, 'kosovo', '[]')",
                signature.title, signature.title_hash as i64
            ));
            for key in signature.band_keys() {
                bands.push(format!("({key}, 'story-{i}', {now})"));
            }
        }
        let sql = format!(
            "INSERT INTO stories (story_id, created_at, title, title_hash, lede_hash, lede_words, host, lists, sources) VALUES {}",
            stories.join(",")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("fill stories");
        let sql = format!(
            "INSERT INTO story_bands (band_key, story_id, created_at) VALUES {}",
            bands.join(",")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("fill bands");
    }
    pool.close().await;
    eprintln!(
        "filled {KEYS} seen keys and {STORIES} stories in {:?}",
        started.elapsed()
    );
}

/// An archived item like a wire story's: a headline of nine words and a
/// summary of about 300 bytes.
fn archived(n: usize, now_ms: i64) -> ArchivedItem {
    let mut rng = fastrand::Rng::with_seed(n as u64 ^ 0x5eed);
    let words = |rng: &mut fastrand::Rng, count: usize| {
        (0..count).map(|_| word(rng)).collect::<Vec<_>>().join(" ")
    };
    ArchivedItem {
        item_key: ItemKey::from_parts("archive", &[&n.to_string()]).to_string(),
        feed_id: "https://bench.example/feed".into(),
        feed: "Bench".into(),
        title: words(&mut rng, 9),
        summary: words(&mut rng, 40),
        link: Some(format!("https://bench.example/story/{n}")),
        published_ms: Some(now_ms - 60_000),
        language: Some("en".into()),
        story_id: None,
        lists: Vec::new(),
        article: String::new(),
        archived_ms: now_ms,
    }
}

/// The SQLite file's size in bytes (its pages).
async fn file_bytes(url: &str) -> i64 {
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let count: (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(&pool)
        .await
        .expect("page count");
    let size: (i64,) = sqlx::query_as("PRAGMA page_size")
        .fetch_one(&pool)
        .await
        .expect("page size");
    pool.close().await;
    count.0 * size.0
}

/// Writes 100,000 archived items (50 a poll, none matching) to a fresh
/// store and prints the time and the file's growth.
async fn archive_cost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("archive.db").display()
    );
    let store = Store::open(&url).await.expect("store");
    store.close().await;
    let before = file_bytes(&url).await;
    let store = Store::open(&url).await.expect("store");
    let now = chrono::Utc::now().timestamp_millis();
    let state = FeedState {
        feed_id: "https://bench.example/feed".into(),
        current_url: "https://bench.example/feed".into(),
        ..FeedState::default()
    };
    const ITEMS: usize = 100_000;
    let started = Instant::now();
    for poll in 0..ITEMS / PER_POLL {
        let mut record = PollRecord::state_only(state.clone(), now);
        record.archive = (0..PER_POLL)
            .map(|i| archived(poll * PER_POLL + i, now))
            .collect();
        store.record_poll(&record).await.expect("record");
    }
    let elapsed = started.elapsed();
    store.close().await;
    let grown = file_bytes(&url).await - before;
    println!(
        "archive:       {ITEMS} items in {elapsed:?}: {:.0} items/s; the store grew {:.1} MB ({} bytes an item)",
        ITEMS as f64 / elapsed.as_secs_f64(),
        grown as f64 / 1e6,
        grown / ITEMS as i64
    );
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    // Create the schema, fill it, reopen.
    Store::open(&url).await.expect("store").close().await;
    fill(&url).await;
    let store = Store::open(&url).await.expect("store");
    let state = FeedState {
        feed_id: "https://bench.example/feed".into(),
        current_url: "https://bench.example/feed".into(),
        ..FeedState::default()
    };
    let now = chrono::Utc::now().timestamp_millis();
    let records: Vec<PollRecord> = (0..POLLS)
        .map(|poll| PollRecord {
            state: state.clone(),
            alerts: (0..PER_POLL)
                .map(|i| new_alert(poll * PER_POLL + i, now))
                .collect(),
            silent: Vec::new(),
            events: Vec::new(),
            archive: Vec::new(),
            now_ms: now,
            rules: StoryRules::default(),
        })
        .collect();
    let started = Instant::now();
    let mut alerted = 0;
    for record in &records {
        alerted += store.record_poll(record).await.expect("record").len();
    }
    let elapsed = started.elapsed();
    println!(
        "new items:     {alerted} alerts in {elapsed:?}: {:.0} alerts/s ({} per transaction)",
        alerted as f64 / elapsed.as_secs_f64(),
        PER_POLL
    );
    let started = Instant::now();
    let mut quiet = 0;
    for record in &records {
        quiet += PER_POLL - store.record_poll(record).await.expect("record").len();
    }
    let elapsed = started.elapsed();
    println!(
        "seen again:    {quiet} items in {elapsed:?}: {:.0} items/s",
        quiet as f64 / elapsed.as_secs_f64()
    );
    // New items again, each poll also archiving its items (as the daemon
    // does by default).
    let archived_records: Vec<PollRecord> = (0..POLLS)
        .map(|poll| {
            let alerts: Vec<NewAlert> = (0..PER_POLL)
                .map(|i| new_alert((POLLS + poll) * PER_POLL + i, now))
                .collect();
            let archive = (0..PER_POLL)
                .map(|i| {
                    let mut item = archived((POLLS + poll) * PER_POLL + i, now);
                    item.item_key = alerts[i].alert.item_key.clone();
                    item
                })
                .collect();
            PollRecord {
                state: state.clone(),
                alerts,
                silent: Vec::new(),
                events: Vec::new(),
                archive,
                now_ms: now,
                rules: StoryRules::default(),
            }
        })
        .collect();
    let started = Instant::now();
    let mut alerted = 0;
    for record in &archived_records {
        alerted += store.record_poll(record).await.expect("record").len();
    }
    let elapsed = started.elapsed();
    println!(
        "new, archived: {alerted} alerts in {elapsed:?}: {:.0} alerts/s",
        alerted as f64 / elapsed.as_secs_f64()
    );
    store.close().await;
    archive_cost().await;
}
