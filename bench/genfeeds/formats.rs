//! The three feed formats the corpus mixes, written as publishers write
//! them: RSS 2.0 with guids, Atom 1.0 with ids, and RSS 1.0 (RDF), whose
//! items carry no guid, so the link is the identity.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::Item;

/// A feed format; feed number `n` gets `Format::of(n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RSS 2.0.
    Rss2,
    /// Atom 1.0.
    Atom,
    /// RSS 1.0, RDF.
    Rdf,
}

impl Format {
    /// Every tenth feed is RSS 2.0 (the commonest format), the rest cycle
    /// through the three.
    pub fn of(feed_no: usize) -> Format {
        match (feed_no % 10, feed_no % 3) {
            (0, _) | (_, 0) => Format::Rss2,
            (_, 1) => Format::Atom,
            _ => Format::Rdf,
        }
    }

    /// The name the truth file gives the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Rss2 => "rss2",
            Format::Atom => "atom",
            Format::Rdf => "rdf",
        }
    }

    /// The item's identity in this format, as the truth file records it.
    pub fn id_of(self, item: &Item) -> &str {
        match self {
            Format::Rdf => &item.link,
            Format::Rss2 | Format::Atom => &item.guid,
        }
    }

    /// The feed document for feed `feed_no` holding `items`.
    pub fn render(self, feed_no: usize, items: &[Item], updated: DateTime<Utc>) -> String {
        match self {
            Format::Rss2 => rss2(feed_no, items),
            Format::Atom => atom(feed_no, items, updated),
            Format::Rdf => rdf(feed_no, items),
        }
    }
}

fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// `write!` to a String cannot fail; its Result is dropped on purpose.
fn rss2(feed_no: usize, items: &[Item]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\n\
         <title>Example Wire {feed_no}</title>\n\
         <link>https://site{feed_no}.example.com/</link>\n\
         <description>Synthetic feed for load tests</description>\n<ttl>15</ttl>\n"
    );
    for item in items {
        let _ = writeln!(
            out,
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid>\
             <pubDate>{}</pubDate><description>{}</description></item>",
            text(&item.title),
            text(&item.link),
            text(&item.guid),
            item.published.to_rfc2822(),
            text(&item.body),
        );
    }
    out.push_str("</channel></rss>");
    out
}

fn atom(feed_no: usize, items: &[Item], updated: DateTime<Utc>) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>Example Atom {feed_no}</title>\n<id>urn:feed{feed_no}</id>\n\
         <updated>{}</updated>\n<link href=\"https://site{feed_no}.example.com/\"/>\n",
        iso(updated)
    );
    for item in items {
        let _ = writeln!(
            out,
            "<entry><title>{}</title><id>{}</id><link href=\"{}\"/>\
             <updated>{}</updated><summary>{}</summary></entry>",
            text(&item.title),
            text(&item.guid),
            attr(&item.link),
            iso(item.published),
            text(&item.body),
        );
    }
    out.push_str("</feed>");
    out
}

fn rdf(feed_no: usize, items: &[Item]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         <channel rdf:about=\"https://site{feed_no}.example.com/\">\n\
         <title>Example RDF {feed_no}</title><link>https://site{feed_no}.example.com/</link>\n\
         <description>Synthetic</description></channel>\n"
    );
    for item in items {
        let _ = writeln!(
            out,
            "<item rdf:about=\"{}\"><title>{}</title><link>{}</link>\
             <description>{}</description><dc:date>{}</dc:date></item>",
            attr(&item.link),
            text(&item.title),
            text(&item.link),
            text(&item.body),
            iso(item.published),
        );
    }
    out.push_str("</rdf:RDF>");
    out
}
