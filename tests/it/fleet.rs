//! A fleet: several daemons on one PostgreSQL database share the feeds
//! through leases. Three daemons poll a generated corpus beside a fourth
//! that polls a copy of it alone on its own database, at the same time on
//! the same server: the fleet fetches about as often as the lone daemon
//! (each feed once per due time), delivers every story the lone daemon
//! delivers, never reuses a webhook-id for another alert, and when one of
//! its members is killed, the feeds it held are polled again within one
//! lease period. Cron firings run once across the fleet, and `per_host`
//! holds for the fleet as a whole.
//!
//! Needs PostgreSQL (`NEWSWATCH_TEST_DATABASE_URL`, as `.ci/run` sets
//! it); without it the tests say so and are counted as skipped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::skip::service_missing;
use crate::support::{
    Daemon, Recorded, Reply, TEST_LISTS, TestServer, generate_corpus, newswatch, signal_and_wait,
    test_store_url, wait_until,
};

/// The poll timeout of these tests: a lease lasts 2 s + 5 s.
const TIMEOUT: &str = "2s";
const LEASE: Duration = Duration::from_secs(7);

/// A database for a fleet, or `None` (recorded as skipped) without
/// PostgreSQL.
fn fleet_database(dir: &Path) -> Option<String> {
    postgres_here().then(|| block_on(test_store_url(dir)))
}

/// Whether PostgreSQL is there for the fleet tests; if not, they are
/// recorded as skipped (a failure under CI=true).
fn postgres_here() -> bool {
    let here = !std::env::var("NEWSWATCH_TEST_DATABASE_URL")
        .unwrap_or_default()
        .is_empty();
    if !here {
        service_missing(
            "the fleet tests (several daemons on one PostgreSQL database)",
            "apt-get install -y postgresql, then set NEWSWATCH_TEST_DATABASE_URL as .ci/run does",
        );
    }
    here
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// Runs one query on the database and returns its rows' first column.
fn strings(database: &str, sql: &str) -> Vec<String> {
    block_on(async {
        use sqlx::{Connection, Row};
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(database)
            .await
            .expect("connect to the fleet's database");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut connection)
            .await
            .expect("query the fleet's database");
        rows.iter()
            .map(|row| row.try_get::<String, _>(0).expect("a text column"))
            .collect()
    })
}

/// Writes `dir/NAME.toml` for the member `name` of a fleet on `database`
/// and starts it, its log in `dir/NAME.log`.
fn member(dir: &Path, name: &str, database: &str, poll: &str, feeds: &str, tail: &str) -> Daemon {
    let text = format!(
        "[state]\ndatabase = {database:?}\n\n[daemon]\ninstance = {name:?}\n\n[http]\nlisten = \"\"\n\n\
         [poll]\ntimeout = {TIMEOUT:?}\n{poll}\n\n{feeds}\n{TEST_LISTS}\n{tail}"
    );
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, text).expect("write a member's config");
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).expect("log");
    Daemon::run(&config.to_string_lossy(), log)
}

/// Starts the members a, b and c of one fleet, alike ([`member`]).
fn three_members(dir: &Path, database: &str, poll: &str, feeds: &str, tail: &str) -> Vec<Daemon> {
    ["a", "b", "c"]
        .iter()
        .map(|name| member(dir, name, database, poll, feeds, tail))
        .collect()
}

/// Stops each daemon with SIGTERM; each must exit cleanly.
fn stop_cleanly<'a>(daemons: impl IntoIterator<Item = &'a mut Daemon>) {
    for daemon in daemons {
        assert!(signal_and_wait(daemon, "TERM").success(), "a clean stop");
    }
}

fn feed_tables(urls: &[String], extra: &str) -> String {
    urls.iter()
        .map(|url| format!("[[feed]]\nurl = {url:?}\n{extra}\n"))
        .collect()
}

fn webhook(path: &str, server: &TestServer) -> String {
    format!(
        "[[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = {:?}\n",
        server.url(path)
    )
}

/// Requests of each path under `prefix`.
fn counts(requests: &[Recorded], prefix: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in requests.iter().filter(|r| r.path.starts_with(prefix)) {
        *counts
            .entry(request.path[prefix.len()..].to_string())
            .or_default() += 1;
    }
    counts
}

/// The stories (from the corpus's truth) of the alerts a hook accepted.
fn stories_delivered(
    server: &TestServer,
    hook: &str,
    truth: &HashMap<(String, String), String>,
) -> BTreeSet<String> {
    server
        .accepted_json(hook)
        .iter()
        .filter(|body| body["type"] == "alert")
        .filter_map(|alert| {
            let file = alert["feed_url"].as_str()?.rsplit('/').next()?.to_string();
            let title = alert["title"].as_str()?.to_string();
            truth.get(&(file, title)).cloned()
        })
        .collect()
}

/// (feed file, title) → story, for the on-topic items of the corpus.
fn truth(corpus: &Path) -> HashMap<(String, String), String> {
    let text = std::fs::read_to_string(corpus.join("truth.jsonl")).expect("truth.jsonl");
    text.lines()
        .filter_map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("truth line");
            let story = row["story"].as_str()?.to_string();
            let key = (
                row["feed"].as_str()?.to_string(),
                row["title"].as_str()?.to_string(),
            );
            Some((key, story))
        })
        .collect()
}

#[test]
fn three_daemons_fetch_each_feed_once_per_due_time_deliver_everything_and_outlive_a_killed_one() {
    let work = tempfile::tempdir().expect("tempdir");
    let Some(fleet_db) = fleet_database(&work.path().join("fleet")) else {
        return;
    };
    let solo_db = block_on(test_store_url(&work.path().join("solo")));
    let corpus = work.path().join("corpus");
    let feeds = 30;
    generate_corpus(&corpus, feeds, 8);
    let server = TestServer::start();
    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(corpus.join("feeds")).expect("corpus") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let body = std::fs::read(&path).expect("feed");
        // Slow enough that polls overlap and leases are held when the
        // member dies; always 200, so every poll is one request.
        let reply = Reply::status(200)
            .header("content-type", "application/xml")
            .body(body)
            .delay(Duration::from_millis(400));
        server.script(&format!("/fleet/{name}"), vec![], reply.clone());
        server.script(&format!("/solo/{name}"), vec![], reply);
        names.push(name);
    }
    server.hook("/fleet-hook", &[], 200);
    server.hook("/solo-hook", &[], 200);
    let urls = |prefix: &str| -> Vec<String> {
        names
            .iter()
            .map(|n| server.url(&format!("/{prefix}/{n}")))
            .collect()
    };
    // The corpus's feeds state refresh periods (ttl, sy:updatePeriod) of
    // an hour: held to the interval here, so every feed is polled alike.
    // Every feed is on one host: with per_host at 2 the leases a killed
    // member holds would take the host's whole budget until they expire.
    let poll = "interval = \"3s\"\nmax_server_delay = \"3s\"\nstartup_spread = \"1s\"\n\
                backlog = \"all\"\nconcurrency = 8\nper_host = 8";
    let fleet_feeds = feed_tables(&urls("fleet"), "");
    let fleet_hook = webhook("/fleet-hook", &server);
    let dir = work.path();
    let started = Instant::now();
    let mut members = three_members(dir, &fleet_db, poll, &fleet_feeds, &fleet_hook);
    let solo_feeds = feed_tables(&urls("solo"), "");
    let mut solo = member(
        dir,
        "solo",
        &solo_db,
        poll,
        &solo_feeds,
        &webhook("/solo-hook", &server),
    );

    // Two rounds everywhere.
    let rounds_done = |prefix: &str, rounds: usize| {
        let counts = counts(&server.all_requests(), prefix);
        counts.len() == feeds && counts.values().all(|n| *n >= rounds)
    };
    let explain = || {
        let requests = server.all_requests();
        let logs: String = ["a", "b", "c", "solo"]
            .iter()
            .map(|name| {
                let log =
                    std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(8).collect();
                format!(
                    "--- {name}:\n{}\n",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect();
        format!(
            "fleet {:?}\nsolo {:?}\n{logs}",
            counts(&requests, "/fleet/"),
            counts(&requests, "/solo/")
        )
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(rounds_done("/fleet/", 2) && rounds_done("/solo/", 2)) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for two rounds:\n{}",
            explain()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // One member dies without a word while it polls (its polls take
    // 400 ms: it still holds their leases when it is gone).
    let held_by_c = || {
        strings(
            &fleet_db,
            &format!(
                "SELECT feed_id FROM feed_leases WHERE owner = 'c' AND lease_until >= {}",
                newswatch::clock::now_ms()
            ),
        )
    };
    wait_until(Duration::from_secs(30), "c polling", || {
        !held_by_c().is_empty()
    });
    let killed = &mut members[2];
    killed.kill().expect("SIGKILL c");
    killed.wait().expect("c is gone");
    let killed_at = Instant::now();
    let held = held_by_c();
    eprintln!("c held {} feed leases when killed", held.len());
    assert!(!held.is_empty(), "c was killed holding leases");
    let paths: Vec<String> = held
        .iter()
        .map(|url| {
            url.split_once("/fleet/")
                .map_or(url.clone(), |(_, p)| format!("/fleet/{p}"))
        })
        .collect();
    // Its feeds are polled by the others once its leases run out.
    // (The deadline allows for the test's own polling on a busy machine.)
    wait_until(
        LEASE + Duration::from_secs(2),
        "the killed member's feeds polled again",
        || {
            paths.iter().all(|path| {
                server
                    .requests(path)
                    .iter()
                    .any(|request| request.at > killed_at)
            })
        },
    );
    let taken_over = killed_at.elapsed();
    eprintln!("the killed member's feeds were all polled again {taken_over:?} after the kill");

    // Two more rounds, then everything the lone daemon delivered is
    // delivered by the fleet too.
    let solo_rounds = |n: usize| rounds_done("/solo/", n);
    wait_until(Duration::from_secs(60), "two more rounds", || {
        solo_rounds(4)
    });
    let truth = truth(&corpus);
    wait_until(Duration::from_secs(30), "the fleet's deliveries", || {
        let solo = stories_delivered(&server, "/solo-hook", &truth);
        !solo.is_empty() && stories_delivered(&server, "/fleet-hook", &truth) == solo
    });
    stop_cleanly(members.iter_mut().take(2).chain([&mut solo]));
    let ran = started.elapsed();

    // About as many fetches as one daemon: each feed once per due time.
    let requests = server.all_requests();
    let fleet = counts(&requests, "/fleet/");
    let solo = counts(&requests, "/solo/");
    let (fleet_total, solo_total): (usize, usize) = (fleet.values().sum(), solo.values().sum());
    eprintln!(
        "{ran:?}: the fleet fetched {fleet_total} times, the lone daemon {solo_total} ({:.2}x)",
        fleet_total as f64 / solo_total as f64
    );
    assert!(
        fleet_total * 10 <= solo_total * 11,
        "the fleet fetched {fleet_total} times, one daemon {solo_total}: {fleet:?}"
    );
    assert!(
        fleet_total * 10 >= solo_total * 8,
        "the fleet polled too little: {fleet_total} against {solo_total}"
    );
    // No webhook-id carried two different alerts.
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for call in server.requests("/fleet-hook") {
        let body: serde_json::Value = serde_json::from_slice(&call.body).expect("JSON");
        let id = body["id"].as_str().expect("an id").to_string();
        ids.entry(call.headers["webhook-id"].clone())
            .or_default()
            .insert(id);
    }
    assert!(!ids.is_empty());
    for (webhook_id, alerts) in &ids {
        assert_eq!(alerts.len(), 1, "{webhook_id} carried {alerts:?}");
    }
}

#[test]
fn a_cron_feed_fires_once_per_activation_across_three_daemons() {
    let work = tempfile::tempdir().expect("tempdir");
    let Some(database) = fleet_database(work.path()) else {
        return;
    };
    let server = TestServer::start();
    let paths: Vec<String> = (0..4).map(|n| format!("/cron{n}.xml")).collect();
    for path in &paths {
        server.serve_feed(
            path,
            crate::support::bulletin_feed(2),
            "application/rss+xml",
        );
    }
    let urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    // Every two seconds.
    let feeds = feed_tables(&urls, "schedule = \"*/2 * * * * *\"");
    let mut members = three_members(work.path(), &database, "", &feeds, "");
    wait_until(Duration::from_secs(60), "six firings of every feed", || {
        paths.iter().all(|p| server.requests(p).len() >= 6)
    });
    stop_cleanly(&mut members);
    // Two instances running one firing would fetch within moments of
    // each other; firings are two seconds apart.
    for path in &paths {
        let times: Vec<Instant> = server.requests(path).iter().map(|r| r.at).collect();
        let closest = times
            .windows(2)
            .map(|pair| pair[1].duration_since(pair[0]))
            .min()
            .expect("several requests");
        assert!(
            closest >= Duration::from_millis(1000),
            "{path} was fetched twice {closest:?} apart: one firing ran twice"
        );
    }
}

#[test]
fn per_host_is_a_budget_for_the_whole_fleet() {
    let work = tempfile::tempdir().expect("tempdir");
    let Some(database) = fleet_database(work.path()) else {
        return;
    };
    // Three hosts (three loopback addresses), ten slow feeds on each.
    let server = TestServer::start_on_hosts(&["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
    let mut urls = Vec::new();
    for host in 0..3 {
        for n in 0..10 {
            let path = format!("/h{host}/f{n}.xml");
            let reply = Reply::status(200)
                .header("content-type", "application/rss+xml")
                .body(crate::support::bulletin_feed(1))
                .delay(Duration::from_millis(300));
            server.script(&path, vec![], reply);
            urls.push(server.url_on(host, &path));
        }
    }
    let poll = "interval = \"1s\"\nstartup_spread = \"0s\"\nper_host = 2\nconcurrency = 16";
    let feeds = feed_tables(&urls, "");
    let mut members = three_members(work.path(), &database, poll, &feeds, "");
    wait_until(Duration::from_secs(60), "three polls of every feed", || {
        let counts = counts(&server.all_requests(), "/h");
        counts.len() == urls.len() && counts.values().all(|n| *n >= 3)
    });
    // Read while all three run: a stopping daemon abandons its polls and
    // gives their leases back before the server has noticed the client
    // is gone.
    let most = server.max_in_flight_by_host();
    stop_cleanly(&mut members);
    eprintln!("most requests at once per host: {most:?}");
    assert_eq!(most.len(), 3, "{most:?}");
    for (host, at_once) in &most {
        assert!(*at_once <= 2, "{host} saw {at_once} requests at once");
    }
    // The budget is used, not merely respected: each member alone could
    // have sent two.
    assert!(most.values().any(|n| *n == 2), "{most:?}");
}

#[test]
fn the_fleet_lists_its_members_and_check_compares_a_config_with_theirs() {
    let work = tempfile::tempdir().expect("tempdir");
    let Some(database) = fleet_database(work.path()) else {
        return;
    };
    let server = TestServer::start();
    server.serve_feed(
        "/feed.xml",
        crate::support::bulletin_feed(1),
        "application/rss+xml",
    );
    let feeds = feed_tables(&[server.url("/feed.xml")], "");
    let poll = "interval = \"1s\"\nstartup_spread = \"0s\"";
    let mut first = member(work.path(), "first", &database, poll, &feeds, "");
    // The second runs another list: it alerts differently.
    let other = "[[watch]]\nname = \"extra\"\nterms = [\"bulletin\"]\n";
    let mut second = member(work.path(), "second", &database, poll, &feeds, other);
    let config = work
        .path()
        .join("first.toml")
        .to_string_lossy()
        .into_owned();
    let listing = || {
        let output = newswatch(&["fleet", "--config", &config]);
        assert!(
            output.status.success(),
            "{}",
            crate::support::describe(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    wait_until(Duration::from_secs(30), "two live members", || {
        listing().contains("2 alive")
    });
    let text = listing();
    assert!(text.contains("first") && text.contains("second"), "{text}");
    assert!(text.contains("differs in watch extra"), "{text}");
    // Each member warns on its heartbeat that the other runs another config.
    let log = work.path().join("first.log");
    wait_until(
        Duration::from_secs(30),
        "a warning about the other config",
        || std::fs::read_to_string(&log).is_ok_and(|l| l.contains("runs a different config")),
    );
    // check --fleet: the first's file differs from what one member runs.
    let check = newswatch(&["check", "--fleet", "--config", &config]);
    let said = crate::support::describe(&check);
    assert_eq!(check.status.code(), Some(1), "{said}");
    assert!(
        said.contains("1 of 2 live daemons run this config"),
        "{said}"
    );
    assert!(
        said.contains("second") && said.contains("watch extra"),
        "{said}"
    );
    // A clean stop: the member is listed as stopped, holding nothing.
    assert!(signal_and_wait(&mut second, "TERM").success());
    let json = newswatch(&["fleet", "--json", "--config", &config]);
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let stopped = rows
        .iter()
        .find(|r| r["instance"] == "second")
        .expect("the stopped member is listed");
    assert_eq!(stopped["state"], "stopped");
    assert_eq!(stopped["feed_leases"], 0);
    assert_eq!(stopped["delivery_leases"], 0);
    // Now every live member runs the first's config.
    let check = newswatch(&["check", "--fleet", "--config", &config]);
    assert!(
        check.status.success(),
        "{}",
        crate::support::describe(&check)
    );
    // A second process under a live member's name is refused.
    let clash = newswatch(&["run", "--config", &config]);
    let said = crate::support::describe(&clash);
    assert!(!clash.status.success(), "{said}");
    assert!(said.contains("is in use by process"), "{said}");
    assert!(signal_and_wait(&mut first, "TERM").success());
}

#[tokio::test]
async fn claims_keep_host_budgets_skip_foreign_feeds_and_take_over_expired_leases() {
    use newswatch::store::{ClaimRequest, Registration, Store};
    let dir = tempfile::tempdir().expect("tempdir");
    let url = test_store_url(dir.path()).await;
    let one = Store::open(&url).await.expect("open").with_instance("one");
    let two = Store::open(&url).await.expect("open").with_instance("two");
    let now = 1_800_000_000_000_i64;
    // Five feeds on host a, one on b, one not due, one disabled.
    let mut rows: Vec<(String, String, Option<i64>)> = (0..5)
        .map(|n| {
            (
                format!("http://a.example/{n}"),
                "a.example".to_string(),
                Some(now - 10 + n),
            )
        })
        .collect();
    rows.push((
        "http://b.example/".into(),
        "b.example".into(),
        Some(now - 20),
    ));
    rows.push((
        "http://b.example/later".into(),
        "b.example".into(),
        Some(now + 60_000),
    ));
    rows.push(("http://b.example/gone".into(), "b.example".into(), None));
    one.register_feeds(|members, schedule| {
        assert!(members.is_empty() && schedule.is_empty());
        Registration {
            rows,
            keep_only: true,
        }
    })
    .await
    .expect("register");
    let request = |limit, skip: &'static [String]| ClaimRequest {
        now_ms: now,
        lease_until_ms: now + 7_000,
        limit,
        per_host: 2,
        skip,
    };
    // Two of host a's five (the earliest due) and host b's due one.
    let first = one.claim_feeds(&request(10, &[])).await.expect("claim");
    let ids: Vec<&str> = first.feeds.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "http://b.example/",
            "http://a.example/0",
            "http://a.example/1"
        ]
    );
    assert!(first.host_limited);
    // Host a's budget is spent for the whole fleet; b has nothing due.
    let second = two.claim_feeds(&request(10, &[])).await.expect("claim");
    assert!(second.feeds.is_empty(), "{second:?}");
    assert_eq!(second.next_due, Some(now + 60_000));
    // A written poll frees its feed and its host's slot.
    let mut state = newswatch::store::FeedState::fresh("http://a.example/0");
    state.next_due_at = Some(now + 60_000);
    one.record_poll(&newswatch::store::PollRecord::state_only(state, now))
        .await
        .expect("record");
    let third = two.claim_feeds(&request(10, &[])).await.expect("claim");
    let ids: Vec<&str> = third.feeds.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["http://a.example/2"]);
    // A feed another member does not poll is passed over when skipped.
    let skip: &'static [String] = Box::leak(Box::new(["http://a.example/3".to_string()]));
    let later = ClaimRequest {
        now_ms: now + 8_000,
        lease_until_ms: now + 15_000,
        ..request(10, skip)
    };
    // Once the leases expire (one died; two's own poll hangs), they are
    // claimed again: one's two feeds and two's own, host a's budget
    // still kept (a/3 skipped, a/4 left over).
    let taken = two.claim_feeds(&later).await.expect("claim");
    let mut ids: Vec<&str> = taken.feeds.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "http://a.example/1",
            "http://a.example/2",
            "http://b.example/"
        ]
    );
    let held = two.leases_by_instance(now + 8_000).await.expect("held");
    assert_eq!(held.get("two").map(|h| h.0), Some(3), "{held:?}");
    assert_eq!(held.get("one"), None, "{held:?}");
    // A stop gives them all back.
    assert_eq!(two.release_my_feeds().await.expect("release"), 3);
    assert!(
        two.leases_by_instance(now + 8_000)
            .await
            .expect("held")
            .is_empty()
    );
}

#[tokio::test]
async fn a_batch_that_deadlocks_with_another_daemons_write_is_written_again() {
    use newswatch::store::{FeedState, PollRecord, Store};
    use sqlx::Connection;
    let dir = tempfile::tempdir().expect("tempdir");
    if !postgres_here() {
        return;
    }
    let url = test_store_url(dir.path()).await;
    let store = Store::open(&url).await.expect("open");
    let state = |id: &str, failures| FeedState {
        failures,
        ..FeedState::fresh(id)
    };
    let (first, second) = ("https://one.example/rss", "https://two.example/rss");
    let batch = |failures| {
        vec![
            PollRecord::state_only(state(first, failures), 1),
            PollRecord::state_only(state(second, failures), 1),
        ]
    };
    let none = newswatch::store::Signals::default();
    store
        .record_polls(&batch(0), &none)
        .await
        .expect("the feeds exist");
    // Another daemon's transaction holds the second feed's row...
    let mut other = sqlx::AnyConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql("BEGIN")
        .execute(&mut other)
        .await
        .expect("begin");
    let lock = |id: &str| format!("UPDATE feeds SET failures = 9 WHERE feed_id = '{id}'");
    sqlx::raw_sql(sqlx::AssertSqlSafe(lock(second)))
        .execute(&mut other)
        .await
        .expect("lock the second");
    // ...while the batch takes the first and waits for the second...
    let writer = store.clone();
    let again = batch(1);
    let written = tokio::spawn(async move { writer.record_polls(&again, &none).await });
    let mut watcher = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut watcher)
        .await
        .expect("pg_locks");
        if waiting > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the batch never waited for the row"
        );
        tokio::task::yield_now().await;
    }
    // ...and the other asks for the first: a deadlock. PostgreSQL rolls
    // back the batch, which waited longest; the other goes on and commits.
    sqlx::raw_sql(sqlx::AssertSqlSafe(lock(first)))
        .execute(&mut other)
        .await
        .expect("the other transaction is not the one rolled back");
    sqlx::raw_sql("COMMIT")
        .execute(&mut other)
        .await
        .expect("commit");
    // The batch was written again, after the other's.
    written
        .await
        .expect("task")
        .expect("written on a later attempt");
    let states = store.feed_states().await.expect("states");
    assert_eq!(states[first].failures, 1);
    assert_eq!(states[second].failures, 1);
}

#[test]
fn a_named_member_killed_and_restarted_takes_its_feeds_back_at_once() {
    let work = tempfile::tempdir().expect("tempdir");
    let Some(database) = fleet_database(work.path()) else {
        return;
    };
    let server = TestServer::start();
    // A slow feed: its poll holds the lease for seconds.
    let reply = Reply::status(200)
        .header("content-type", "application/rss+xml")
        .body(crate::support::bulletin_feed(1))
        .delay(Duration::from_millis(1500));
    server.script("/slow.xml", vec![], reply);
    let url = server.url("/slow.xml");
    let feeds = feed_tables(std::slice::from_ref(&url), "");
    let poll = "interval = \"1s\"\nstartup_spread = \"0s\"";
    let mut one = member(work.path(), "one", &database, poll, &feeds, "");
    wait_until(Duration::from_secs(30), "the store made", || {
        !strings(
            &database,
            "SELECT tablename::text FROM pg_tables WHERE tablename = 'feed_leases'",
        )
        .is_empty()
    });
    let held = || {
        strings(
            &database,
            &format!(
                "SELECT CAST(lease_until AS TEXT) FROM feed_leases \
                 WHERE owner = 'one' AND lease_until >= {}",
                newswatch::clock::now_ms()
            ),
        )
    };
    wait_until(Duration::from_secs(30), "one polling the slow feed", || {
        !held().is_empty()
    });
    one.kill().expect("SIGKILL one");
    one.wait().expect("one is gone");
    let killed_ms = newswatch::clock::now_ms();
    let until: i64 = held()
        .first()
        .expect("the lease outlives the process")
        .parse()
        .expect("a time");
    // The same name on the same machine, its process gone: not a clash.
    let mut again = member(work.path(), "one", &database, poll, &feeds, "");
    let last_poll = || -> i64 {
        strings(
            &database,
            &format!("SELECT CAST(last_poll_at AS TEXT) FROM feeds WHERE feed_id = '{url}'"),
        )
        .first()
        .and_then(|at| at.parse().ok())
        .unwrap_or(0)
    };
    // (The killed process's last poll was never written.)
    wait_until(
        Duration::from_secs(30),
        "a poll by the restarted member",
        || last_poll() > killed_ms,
    );
    let started = last_poll();
    assert!(
        started < until,
        "the feed was polled again {} ms after the kill, only once its old lease ran out ({} ms)",
        started - killed_ms,
        until - killed_ms
    );
    let log = std::fs::read_to_string(work.path().join("one.log")).unwrap_or_default();
    assert!(log.contains("took back the leases"), "{log}");
    assert!(signal_and_wait(&mut again, "TERM").success());
}
