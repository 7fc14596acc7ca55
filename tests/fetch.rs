//! The fetch stage against a real HTTP server: conditional GET, the body
//! cap, status errors and the User-Agent.

mod support;

use newswatch::config::{ByteSize, PollConfig};
use newswatch::fetch::{FetchError, FetchOutcome, Fetcher, Validators};
use support::TestServer;

fn fetcher(max_body: u64) -> Fetcher {
    let poll = PollConfig {
        max_body: ByteSize(max_body),
        ..PollConfig::default()
    };
    Fetcher::new(&poll).expect("client")
}

#[tokio::test]
async fn a_stored_etag_turns_the_next_fetch_into_304() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let fetcher = fetcher(1 << 20);
    let first = fetcher
        .fetch(&server.url("/rss2.xml"), &Validators::default())
        .await
        .expect("fetch");
    let FetchOutcome::Fetched(body) = first else {
        panic!("expected a body, got {first:?}");
    };
    assert_eq!(body.status, 200);
    assert!(body.validators.etag.is_some());
    assert_eq!(body.content_type.as_deref(), Some("application/rss+xml"));
    let second = fetcher
        .fetch(&server.url("/rss2.xml"), &body.validators)
        .await
        .expect("fetch");
    assert!(matches!(second, FetchOutcome::NotModified(_)), "{second:?}");
    let seen = server.requests("/rss2.xml");
    assert!(
        seen[0].headers["user-agent"]
            .starts_with(&format!("newswatch/{}", env!("CARGO_PKG_VERSION")))
    );
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    let server = TestServer::start();
    server.serve_feed("/big.xml", vec![b'x'; 64 * 1024], "application/rss+xml");
    let error = fetcher(16 * 1024)
        .fetch(&server.url("/big.xml"), &Validators::default())
        .await
        .expect_err("over the cap");
    assert!(
        matches!(error, FetchError::TooLarge { limit: 16384 }),
        "{error}"
    );
    assert!(!error.is_transient());
}

#[tokio::test]
async fn statuses_say_whether_to_try_again() {
    let server = TestServer::start();
    server.hook("/gone", &[], 410);
    server.hook("/busy", &[], 503);
    let fetcher = fetcher(1 << 20);
    let gone = fetcher
        .fetch(&server.url("/gone"), &Validators::default())
        .await
        .expect_err("410");
    assert!(matches!(gone, FetchError::Status { status: 410, .. }));
    assert!(!gone.is_transient());
    let busy = fetcher
        .fetch(&server.url("/busy"), &Validators::default())
        .await
        .expect_err("503");
    assert!(busy.is_transient());
    let missing = fetcher
        .fetch(&server.url("/nothing"), &Validators::default())
        .await
        .expect_err("404");
    assert_eq!(missing.to_string(), "HTTP 404");
}
