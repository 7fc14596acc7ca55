//! The feed `newswatch demo` serves on loopback: a small wire of made-up
//! headlines, a new one every period (`--every`, default 20 s), some matching the demo's watch
//! lists (in English, Serbian Latin and Cyrillic, and Albanian) and some
//! matching nothing until the user adds a term, so editing a list and
//! reloading shows its effect within a minute.

use std::convert::Infallible;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// Headlines already on the wire when the demo starts.
const ON_START: usize = 4;

/// Items the feed shows at most, newest first.
const SHOWN: usize = 10;

/// The headlines, in the order they appear (then again, as new items).
const HEADLINES: [(&str, &str); 10] = [
    (
        "KFOR patrols increased near Jarinje crossing",
        "NATO's Kosovo Force says extra patrols will stay through the week.",
    ),
    (
        "Vučić meets EU envoy in Belgrade",
        "Serbian president discusses the dialogue with Pristina.",
    ),
    (
        "Kosova dhe Serbia takohen në Bruksel",
        "Kryeministri i Kosovës udhëton për takimin e radhës.",
    ),
    (
        "Local elections announced in Montenegro",
        "Voters in 14 municipalities go to the polls in spring.",
    ),
    (
        "Mitrovica bridge reopens to traffic",
        "The bridge over the Ibar is open to cars for the first time in years.",
    ),
    (
        "Влада Србије усвојила буџет за наредну годину",
        "Скупштина ће о предлогу расправљати следеће недеље.",
    ),
    (
        "Weather: snow expected across the Western Balkans",
        "Roads in the mountains may close overnight.",
    ),
    (
        "Priština airport reports record passenger numbers",
        "More than three million travellers passed through this year.",
    ),
    (
        "Ibar river levels rise after heavy rain",
        "Authorities in Mitrovica warn residents living near the banks.",
    ),
    (
        "Kfor commander visits Zvečan",
        "The visit follows talks with local officials.",
    ),
];

/// The wire as it stands at `now`, for a demo started at `started` that
/// adds a headline `every` period.
pub fn document(started: DateTime<Utc>, now: DateTime<Utc>, every: Duration) -> String {
    let every = chrono::Duration::from_std(every.max(Duration::from_millis(100)))
        .unwrap_or_else(|_| chrono::Duration::seconds(20));
    let elapsed = (now - started).num_milliseconds().max(0);
    let appeared = ON_START + (elapsed / every.num_milliseconds().max(1)) as usize;
    let mut items = String::new();
    for n in (appeared.saturating_sub(SHOWN)..appeared).rev() {
        let (title, summary) = HEADLINES[n % HEADLINES.len()];
        let published = started + every * (n as i32 - ON_START as i32);
        items.push_str(&format!(
            "<item><title>{title}</title><description>{summary}</description>\
             <link>https://demo.newswatch.invalid/story/{n}</link>\
             <guid isPermaLink=\"false\">demo-{n}</guid><pubDate>{}</pubDate></item>\n",
            published.to_rfc2822()
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>newswatch demo wire</title><link>https://demo.newswatch.invalid/</link>\
         <description>Made-up headlines for trying newswatch</description>\n{items}</channel></rss>\n"
    )
}

/// Serves [`document`] at every path on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, started: DateTime<Utc>, every: Duration) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let service = service_fn(move |_request: Request<Incoming>| async move {
                let body = document(started, Utc::now(), every);
                let response = Response::builder()
                    .header("content-type", "application/rss+xml; charset=utf-8")
                    .body(Full::new(Bytes::from(body)));
                Ok::<_, Infallible>(response.unwrap_or_else(|_| Response::new(Full::default())))
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: Duration = Duration::from_secs(20);

    #[test]
    fn the_wire_grows_by_one_headline_each_period_newest_first() {
        let started = Utc::now();
        let first = document(started, started, EVERY);
        assert_eq!(first.matches("<item>").count(), ON_START);
        let later = document(started, started + chrono::Duration::seconds(41), EVERY);
        assert_eq!(later.matches("<item>").count(), ON_START + 2);
        let newest = later.find("demo-5").expect("the newest item");
        assert!(newest < later.find("demo-4").expect("the one before"));
        let much_later = document(started, started + chrono::Duration::hours(1), EVERY);
        assert_eq!(much_later.matches("<item>").count(), SHOWN);
        let parsed = crate::parse::parse_feed(much_later.as_bytes(), "http://127.0.0.1/", None)
            .expect("a valid feed");
        assert_eq!(parsed.items.len(), SHOWN);
    }
}
