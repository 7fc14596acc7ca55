//! The fetch stage against a real HTTP server: conditional GET, the body
//! cap, status errors and the User-Agent.

use crate::support;

use crate::support::TestServer;
use newswatch::config::{ByteSize, PollConfig};
use newswatch::fetch::{FetchError, FetchOutcome, Fetcher, Validators};

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

#[tokio::test]
async fn a_gzip_bomb_is_cut_at_the_cap_on_decoded_bytes() {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..16 {
        encoder.write_all(&zeros).expect("compress");
    }
    let bomb = encoder.finish().expect("gzip");
    assert!(
        bomb.len() < 100 * 1024,
        "the bomb is small on the wire: {}",
        bomb.len()
    );
    let server = TestServer::start();
    server.script(
        "/bomb.xml",
        vec![],
        support::Reply::status(200)
            .header("content-type", "application/rss+xml")
            .header("content-encoding", "gzip")
            .body(bomb),
    );
    let error = fetcher(1 << 20)
        .fetch(&server.url("/bomb.xml"), &Validators::default())
        .await
        .expect_err("16 MiB decoded is over the 1 MiB cap");
    assert!(
        matches!(error, FetchError::TooLarge { limit: 1048576 }),
        "{error}"
    );
}

/// A server that sends headers, then one body byte every 100 ms.
fn trickling_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n");
            for _ in 0..600 {
                if stream.write_all(b"<").is_err() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    });
    format!("http://{address}/feed")
}

#[tokio::test]
async fn a_server_that_trickles_is_cut_by_the_total_timeout() {
    let poll = PollConfig {
        timeout: newswatch::config::HumanDuration(std::time::Duration::from_secs(1)),
        read_timeout: newswatch::config::HumanDuration(std::time::Duration::from_secs(30)),
        ..PollConfig::default()
    };
    let fetcher = Fetcher::new(&poll).expect("client");
    let error = fetcher
        .fetch(&trickling_server(), &Validators::default())
        .await
        .expect_err("cut");
    // Bytes keep coming faster than the read timeout, so only the total
    // timeout can have ended it.
    assert!(matches!(error, FetchError::Timeout(_)), "{error:?}");
    assert!(error.is_transient());
}
