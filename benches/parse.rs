//! Parse throughput: feed bytes to items (feed-rs, our keys, HTML
//! cleanup), for RSS 2.0 and Atom feeds of 50 items like the reference
//! corpus. Run with `cargo bench --bench parse`.

use divan::Bencher;
use divan::counter::BytesCount;
use newswatch::parse::parse_feed;

fn main() {
    divan::main();
}

const LEDE: &str = "Ethnic Serbs in the north do not recognize the government in Pristina. \
    The central bank left interest rates unchanged on Thursday. Officials said the new rail \
    line would open next spring &amp; more.";

fn rss(items: usize) -> Vec<u8> {
    let mut text = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Wire</title><link>https://wire.example/</link>",
    );
    for n in 0..items {
        text.push_str(&format!(
            "<item><title>KFOR says it will act if stability is jeopardized in Kosovo {n}</title>\
             <link>https://wire.example/story/{n}?utm_source=feed</link><guid isPermaLink=\"false\">urn:wire:{n}</guid>\
             <pubDate>Sat, 28 Nov 2026 09:{:02}:00 +0000</pubDate><description>{LEDE}</description></item>",
            n % 60
        ));
    }
    text.push_str("</channel></rss>");
    text.into_bytes()
}

fn atom(items: usize) -> Vec<u8> {
    let mut text = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Wire</title><id>urn:wire</id><updated>2026-11-28T12:00:00Z</updated>",
    );
    for n in 0..items {
        text.push_str(&format!(
            "<entry><title>Вучић затражио повратак војске на Косово {n}</title><id>urn:wire:{n}</id>\
             <link href=\"https://wire.example/a/{n}\"/><updated>2026-11-28T09:00:00Z</updated><summary>{LEDE}</summary></entry>"
        ));
    }
    text.push_str("</feed>");
    text.into_bytes()
}

fn parse(bencher: Bencher, bytes: Vec<u8>) {
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let parsed = parse_feed(&bytes, "https://wire.example/feed", None).expect("parses");
        assert_eq!(parsed.items.len(), 50);
        parsed
    });
}

#[divan::bench]
fn rss_50_items(bencher: Bencher) {
    parse(bencher, rss(50));
}

#[divan::bench]
fn atom_50_items(bencher: Bencher) {
    parse(bencher, atom(50));
}
