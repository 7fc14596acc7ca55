//! The daemon keeps answering `/healthz` within a second while it parses
//! 10 MB hostile feeds (tests/it/support/hostile.rs): documents over 256 KiB
//! are parsed on the blocking pool, never on the runtime's workers. Its
//! own test binary, so no other test competes for the CPU meanwhile.

use crate::support;

use std::time::Duration;

use crate::support::{
    Daemon, TestServer, free_port, hostile, http_get, newswatch_command, wait_until,
};

const SIZE: usize = 10 * 1024 * 1024;

#[test]
fn healthz_answers_within_a_second_while_hostile_feeds_are_parsed() {
    // Two workers' worth of 10 MB hostile feeds: parsed on the runtime's
    // workers they would leave nothing to answer /healthz.
    let server = TestServer::start();
    let names = ["bare ampersands", "many tiny items", "deeply nested XML"];
    let cases = hostile::cases(SIZE);
    let mut urls = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let (_, bytes) = cases.iter().find(|(n, _)| n == name).expect("a known case");
        for copy in 0..2 {
            let path = format!("/hostile-{index}-{copy}.xml");
            server.serve_feed(&path, bytes.clone(), "application/rss+xml");
            urls.push(server.url(&path));
        }
    }
    drop(cases);
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = support::write_config_file(
        dir.path(),
        &format!("127.0.0.1:{port}"),
        "interval = \"1h\"\nstartup_spread = \"0s\"\nmax_body = \"20MiB\"",
        &urls,
        support::TEST_LISTS,
        "",
    );
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let _daemon = Daemon::spawn(newswatch_command(&["run", "--config", &config]), log);

    let second = Duration::from_secs(1);
    wait_until(Duration::from_secs(30), "the daemon healthy", || {
        http_get(port, "/healthz", second).is_some_and(|(status, _)| status == 200)
    });
    let parsed = |metrics: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("newswatch_polls_total{outcome=\"fetched\"} "))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0)
    };
    let mut checks_while_parsing = 0;
    wait_until(
        Duration::from_secs(600),
        "every hostile feed parsed",
        || {
            let served = urls.len()
                == (0..names.len())
                    .flat_map(|i| (0..2).map(move |c| format!("/hostile-{i}-{c}.xml")))
                    .filter(|p| !server.requests(p).is_empty())
                    .count();
            let (status, body) = http_get(port, "/healthz", second)
                .expect("/healthz did not answer within a second");
            assert_eq!(status, 200, "/healthz while parsing: {body}");
            // Only a progress gauge: /healthz is what must answer at once.
            let Some((_, metrics)) = http_get(port, "/metrics", Duration::from_secs(10)) else {
                panic!("/metrics did not answer");
            };
            let done = parsed(&metrics);
            if served && done < urls.len() {
                checks_while_parsing += 1;
            }
            done == urls.len()
        },
    );
    assert!(
        checks_while_parsing > 0,
        "no health check fell between the fetches and the end of the parses"
    );
}
