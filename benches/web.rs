//! What the endpoint's views cost on a store of 10,000 archived items, of
//! which 2,000 alerted over the last 7 days on three lists: the status
//! page's size and render time, a list's Atom feed, a page of the alert
//! API. Run with `cargo bench --bench web`.

use std::time::{Duration, Instant};

use newswatch::model::{Alert, Item, ItemKey};
use newswatch::store::{ArchivedItem, FeedState, NewAlert, PollRecord, Store, StoryRules};
use newswatch::story::Signature;
use newswatch::web::{Request, Site, route};

const ITEMS: usize = 10_000;
const PER_POLL: usize = 50;
const ALERTED_PER_POLL: usize = 10;
const LISTS: [&str; 3] = ["kosovo", "kfor", "serbia"];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

fn words(rng: &mut fastrand::Rng, count: usize) -> String {
    (0..count)
        .map(|_| {
            (0..rng.usize(3..9))
                .map(|_| rng.lowercase())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn item(n: usize, rng: &mut fastrand::Rng) -> Item {
    Item {
        key: ItemKey::from_parts("web", &[&n.to_string()]),
        source_id: None,
        title: format!("KFOR {}", words(rng, 8)),
        link: Some(format!("https://bench.example/{n}")),
        summary: words(rng, 40),
        content: String::new(),
        article: String::new(),
        published: None,
        published_raw: None,
    }
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("web.db").display());
    let store = Store::open(&url).await.expect("store");
    let now = chrono::Utc::now().timestamp_millis();
    let week = 7 * 86_400_000;
    let polls = ITEMS / PER_POLL;
    let mut rng = fastrand::Rng::with_seed(9);
    let started = Instant::now();
    for poll in 0..polls {
        let at = now - week + (week / polls as i64) * poll as i64;
        let feed = format!("https://bench.example/feed/{}", poll % 100);
        let mut record = PollRecord::state_only(
            FeedState {
                feed_id: feed.clone(),
                current_url: feed.clone(),
                ..FeedState::default()
            },
            at,
        );
        for i in 0..PER_POLL {
            let n = poll * PER_POLL + i;
            let item = item(n, &mut rng);
            if i < ALERTED_PER_POLL {
                let detected = chrono::DateTime::from_timestamp_millis(at).unwrap_or_default();
                let mut alert = Alert::new(
                    uuid::Uuid::now_v7().to_string(),
                    "Bench",
                    &feed,
                    &item,
                    &[],
                    detected,
                );
                alert.lists = vec![LISTS[n % 3].to_string()];
                alert.snippet = format!("…the **KFOR** {}", words(&mut rng, 12));
                record.alerts.push(NewAlert {
                    signature: Signature::of(&item.title, &item.summary, item.link.as_deref()),
                    link_key: item.link.clone(),
                    update_sinks: Vec::new(),
                    sinks: vec!["out".into()],
                    alert,
                });
            }
            record.archive.push(ArchivedItem {
                item_key: item.key.to_string(),
                feed_id: feed.clone(),
                feed: "Bench".into(),
                title: item.title.clone(),
                summary: item.summary.clone(),
                link: item.link.clone(),
                published_ms: Some(at),
                language: Some("en".into()),
                story_id: None,
                lists: Vec::new(),
                article: String::new(),
                archived_ms: at,
            });
        }
        record.rules = StoryRules::default();
        store.record_poll(&record).await.expect("record");
    }
    eprintln!(
        "filled {ITEMS} archived items, {} alerts, in {:?}",
        polls * ALERTED_PER_POLL,
        started.elapsed()
    );
    let site = Site {
        lists: LISTS.iter().map(|l| l.to_string()).collect(),
        feeds: (0..100)
            .map(|f| {
                toml::from_str(&format!(
                    "name = \"Feed {f}\"\nurl = \"https://bench.example/feed/{f}\""
                ))
                .expect("a feed table")
            })
            .collect(),
        sinks: vec!["out".into()],
        ..Site::default()
    };
    for path in ["/", "/watch/kfor.atom", "/watch/kfor.json", "/api/alerts"] {
        let request = Request {
            path,
            query: None,
            if_none_match: None,
        };
        let mut times: Vec<Duration> = Vec::new();
        let mut size = 0;
        for _ in 0..30 {
            let started = Instant::now();
            let reply = route(&store, &site, request).await.expect("a view");
            times.push(started.elapsed());
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
            size = reply.body.len();
        }
        times.sort();
        println!(
            "{path:<18} {:>7} bytes  median {:?}  fastest {:?}",
            size,
            times[times.len() / 2],
            times[0]
        );
    }
    store.close().await;
}
