//! `newswatch discover URL`: fetches a web page and prints the feeds it
//! advertises (`<link rel="alternate" type="application/rss+xml" ...>`
//! and Atom, JSON Feed kin) as `[[feed]]` entries ready to paste; a URL
//! that is a feed already is said to be one. Fetched like a feed (the
//! `[poll]` size cap, timeouts, User-Agent and proxy), but without the
//! `[poll]` headers (they are meant for feeds, not for any page) and with
//! redirects into private address space allowed: a person runs it on a
//! URL of their choosing.

use super::opml::{Subscription, toml_entries};
use super::{Failure, output};
use crate::config::{HeaderSettings, PollConfig, parse_http_url};
use crate::fetch::{FetchOutcome, Fetcher, Validators};
use crate::parse::alternates::{advertised_feeds, looks_like_html, page_text};
use crate::parse::{ParseError, ParsedFeed, parse_feed};
use crate::text::clip::clip;

/// The longest feed title put in an entry's name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Runs the command on `url` with the `[poll]` settings `poll`.
pub async fn run(poll: &PollConfig, url: &str) -> Result<(), Failure> {
    let url = parse_http_url(url).map_err(|e| anyhow::anyhow!(e))?;
    let shown = crate::redact::public_url(url.as_str());
    let poll = PollConfig {
        headers: HeaderSettings::default(),
        ..poll.clone()
    };
    let fetcher = Fetcher::new(&poll)
        .map_err(anyhow::Error::from)?
        .allowing_private();
    let body = match fetcher.fetch(url.as_str(), &Validators::default()).await {
        Ok(FetchOutcome::Fetched(body)) => body,
        Ok(FetchOutcome::NotModified(_)) => {
            return Err(anyhow::anyhow!("{shown}: unexpected 304").into());
        }
        Err(error) => return Err(anyhow::anyhow!("{shown}: {error}").into()),
    };
    let content_type = body.content_type.as_deref();
    let text = page_text(&body.bytes, content_type);
    // A page served as HTML may be a feed all the same: the parser says.
    if !looks_like_html(&text) {
        match parse_feed(&body.bytes, &body.final_url, content_type) {
            Ok(feed) => return is_a_feed(feed, &url, &shown),
            Err(ParseError::HtmlPage(_)) => {}
            Err(error) => {
                return Err(anyhow::anyhow!(
                    "{shown} is neither a feed nor an HTML page ({error})"
                )
                .into());
            }
        }
    }
    let found = advertised_feeds(&text, &body.final_url);
    if found.is_empty() {
        return Err(anyhow::anyhow!(
            "{shown} is an HTML page that advertises no feed (no <link rel=\"alternate\"> \
             of an RSS, Atom or JSON feed type)"
        )
        .into());
    }
    let entries: Vec<Subscription> = found
        .iter()
        .map(|feed| Subscription {
            name: feed.title.clone(),
            url: feed.url.clone(),
            tags: Vec::new(),
        })
        .collect();
    print_entries(&entries, |index| {
        let kind = found.get(index).map_or("", |feed| feed.kind);
        Some(if index == 0 {
            format!(
                "{shown} advertises {} feed{}\n# {kind}",
                found.len(),
                if found.len() == 1 { "" } else { "s" }
            )
        } else {
            kind.to_string()
        })
    })
}

/// Says the URL is a feed, with its title, as an entry.
fn is_a_feed(feed: ParsedFeed, url: &url::Url, shown: &str) -> Result<(), Failure> {
    let title = feed
        .title
        .map(|t| clip(&t, MAX_NAME_CHARS))
        .filter(|t| !t.is_empty());
    let said = title
        .as_deref()
        .map_or("untitled".to_string(), |t| format!("{t:?}"));
    let comment = format!(
        "{shown} is a feed already: {said}, {} items",
        feed.items.len()
    );
    let entry = Subscription {
        name: title,
        url: url.to_string(),
        tags: Vec::new(),
    };
    print_entries(&[entry], |_| Some(comment.clone()))
}

fn print_entries(
    entries: &[Subscription],
    comment: impl Fn(usize) -> Option<String>,
) -> Result<(), Failure> {
    for line in toml_entries(entries, comment)?.lines() {
        output::line(line)?;
    }
    Ok(())
}
