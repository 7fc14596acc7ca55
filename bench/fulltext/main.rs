//! Full text, one cold cycle: serves FEEDS feeds of ITEMS items each and
//! every item's article page (about 3 KB of paragraphs) from an
//! in-process HTTP server on loopback, runs `newswatch once` with
//! `full_text = true` on a fresh state directory under GNU time, and
//! prints the wall time, peak RSS and the article fetches it counted.
//!
//! Usage: cargo run --release --example fulltext_bench -- BINARY [FEEDS] [ITEMS]
//! (BINARY: a release `newswatch`; default 100 feeds × 20 items).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// Paragraphs of every article: wire-story prose, one term in some.
const PROSE: &str = "Officials met on Tuesday to discuss the crossing, the roads and \
    the schedule of the coming weeks, and said more talks would follow.";

fn feed(address: SocketAddr, feed: usize, items: usize) -> String {
    let mut body =
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed {feed}</title>");
    for item in 0..items {
        body.push_str(&format!(
            "<item><title>Story {feed}-{item}</title><description>A short note.</description>\
             <link>http://{address}/article/{feed}/{item}</link><guid>s-{feed}-{item}</guid></item>"
        ));
    }
    body.push_str("</channel></rss>");
    body
}

fn article(path: &str) -> String {
    let mut body = String::from("<html><head><title>Story</title></head><body><nav>Menu</nav>");
    for paragraph in 0..20 {
        body.push_str("<p>");
        body.push_str(PROSE);
        if paragraph == 7 && path.ends_with('3') {
            body.push_str(" KFOR troops patrolled nearby.");
        }
        body.push_str("</p>");
    }
    body.push_str("</body></html>");
    body
}

async fn answer(
    request: Request<Incoming>,
    address: SocketAddr,
    items: usize,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    let (kind, body) = if let Some(n) = path
        .strip_prefix("/feed/")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok())
    {
        ("application/rss+xml", feed(address, n, items))
    } else if path.starts_with("/article/") {
        ("text/html; charset=utf-8", article(&path))
    } else {
        ("text/plain", String::new())
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    if let Ok(value) = kind.parse() {
        response.headers_mut().insert("content-type", value);
    }
    Ok(response)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(binary) = args.get(1) else {
        eprintln!("usage: fulltext_bench BINARY [FEEDS] [ITEMS]");
        std::process::exit(2);
    };
    let feeds: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100);
    let items: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(20);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let address = listener.local_addr().expect("address");
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(move |request| answer(request, address, items));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = format!(
        "[state]\ndirectory = {:?}\n\n[http]\nlisten = \"\"\n\n[poll]\nstartup_spread = \"0s\"\n\
         backlog = \"all\"\nfull_text = true\nconcurrency = 16\nper_host = 16\n\n\
         [[watch]]\nname = \"kfor\"\nterms = [\"KFOR\"]\n\n\
         [[sink]]\ntype = \"file\"\npath = {:?}\n\n",
        dir.path().join("state"),
        dir.path().join("alerts.jsonl"),
    );
    for n in 0..feeds {
        config.push_str(&format!(
            "[[feed]]\nurl = \"http://{address}/feed/{n}.xml\"\n\n"
        ));
    }
    let path = dir.path().join("newswatch.toml");
    std::fs::write(&path, config).expect("config");
    let config = path.to_string_lossy().into_owned();
    let output = Command::new("/usr/bin/time")
        .args(["-v", binary.as_str(), "once", "--config", &config])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run /usr/bin/time -v newswatch once");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let field = |name: &str| {
        stderr
            .lines()
            .find_map(|line| line.trim().strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    let alerts = std::fs::read_to_string(dir.path().join("alerts.jsonl"))
        .map(|text| text.lines().count())
        .unwrap_or(0);
    for line in stderr
        .lines()
        .filter(|l| l.starts_with("polled") || l.starts_with("article"))
    {
        println!("{line}");
    }
    println!(
        "{feeds} feeds x {items} items, full text, cold: wall {}, peak RSS {} KB, user {} s, system {} s, {alerts} alerts",
        field("Elapsed (wall clock) time (h:mm:ss or m:ss):"),
        field("Maximum resident set size (kbytes):"),
        field("User time (seconds):"),
        field("System time (seconds):"),
    );
}
