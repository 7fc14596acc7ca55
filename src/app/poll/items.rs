//! What a fetched body holds: parsing it, keeping the newest items,
//! matching them against the watch lists and applying the first poll's
//! backlog rule, with each matched item's alert, routing and story
//! signature ready for the dedup stage.

use std::time::Duration;

use chrono::Utc;

use super::PollContext;
use super::articles::Articles;
use crate::app::feeds::{Backlog, FeedSpec};
use crate::matcher::{MatchScratch, Matcher};
use crate::model::{Alert, Item};
use crate::parse::link::canonical_link_with;
use crate::parse::{ParsedFeed, newest_first, parse_feed};
use crate::redact::public_url;
use crate::service::metrics::metrics;
use crate::sink::{OnRepeat, SinkConfig};
use crate::store::{ARTICLE_BYTES, ArchivedItem, NewAlert, SUMMARY_BYTES};
use crate::story::Signature;
use crate::text::clip::clip_bytes_in_place;

/// What parsing and matching a fetched body produced.
pub(super) struct Matched {
    /// Items the document holds, found, recovered and dropped.
    pub census: Census,
    pub alerts: Vec<NewAlert>,
    /// A first poll's old backlog: keys and lists to mark seen quietly.
    pub silent: Vec<(String, Vec<String>)>,
    /// Every item kept, for the archive (none when it is off).
    pub archive: Vec<ArchivedItem>,
    /// The feed's own refresh period, if it states one.
    pub refresh_hint: Option<Duration>,
    /// The feed's own title, if it states one.
    pub title: Option<String>,
}

/// A fetched body parsed: its newest items and what it says of itself.
pub(super) struct ParsedItems {
    /// The newest `max_items` items, newest first.
    pub items: Vec<Item>,
    census: Census,
    /// Why the strict parser fell short, if it did.
    shortfall: Option<String>,
    language: Option<String>,
    refresh_hint: Option<Duration>,
    /// The feed's own title, if it states one.
    pub title: Option<String>,
}

impl ParsedItems {
    /// Counts the items, and logs a shortfall or recovered items, under
    /// the feed's name (its title, if unnamed).
    pub(super) fn report(&self, feed: &FeedSpec, url: &str) {
        self.census.report(feed, url, self.shortfall.as_deref());
    }
}

impl PollContext {
    /// Parses a body and keeps its newest `max_items` items.
    pub(super) fn parse_items(
        &self,
        feed: &FeedSpec,
        url: &str,
        bytes: &[u8],
        content_type: Option<&str>,
    ) -> Result<ParsedItems, String> {
        let parsed = parse_feed(bytes, url, content_type).map_err(|e| e.to_string())?;
        Ok(ParsedItems {
            census: Census::of(&parsed),
            shortfall: parsed.strict_shortfall,
            items: newest_first(parsed.items, feed.max_items),
            language: parsed.language,
            refresh_hint: parsed.refresh_hint,
            title: parsed.title,
        })
    }

    /// Matches parsed items (with their articles, if fetched) and applies
    /// the first-poll backlog rule; `feed` is as the caller calls it (by
    /// its title, if unnamed).
    pub(super) fn match_items(
        &self,
        feed: &FeedSpec,
        parsed: ParsedItems,
        articles: &Articles,
        first_poll: bool,
    ) -> Matched {
        let routing = Routing {
            sinks: &self.sinks,
            tracking: &self.dedup.tracking_parameters,
        };
        let language = parsed.language;
        let items = parsed.items;
        let mut scratch = MatchScratch::default();
        let detected = Utc::now();
        let mut alerts = Vec::new();
        let mut silent = Vec::new();
        let mut archive = Vec::new();
        for item in &items {
            if self.archive {
                archive.push(archived(item, feed, language.as_deref(), detected));
            }
            let matching = Matching {
                matcher: &self.matcher,
                language: language.as_deref(),
            };
            let canonical = articles
                .canonical
                .get(item.key.as_str())
                .map(String::as_str);
            let Some(new) = new_alert(
                &matching,
                &mut scratch,
                item,
                canonical,
                feed,
                detected,
                &routing,
            ) else {
                continue;
            };
            if first_poll && !feed.backlog.alerts(item, detected) {
                silent.push((new.alert.item_key, new.alert.lists));
            } else {
                alerts.push(new);
            }
        }
        if !silent.is_empty() {
            report_backlog(feed, silent.len());
        }
        // Deliver in publication order, oldest first.
        alerts.reverse();
        Matched {
            census: parsed.census,
            alerts,
            silent,
            archive,
            refresh_hint: parsed.refresh_hint,
            title: parsed.title,
        }
    }
}

/// Says once, at a feed's first poll, how many matching items were older
/// than its backlog window and so were marked seen without an alert, and
/// how to have them: otherwise `once` says "0 new alerts" while `test`
/// shows matches, with nothing to explain the difference.
fn report_backlog(feed: &FeedSpec, items: usize) {
    let window = match feed.backlog {
        Backlog::Within(window) => humantime::format_duration(window).to_string(),
        Backlog::All => return,
    };
    tracing::info!(
        feed = %feed.name,
        items,
        backlog_window = %window,
        "first poll: {items} matching items published before the backlog window \
         were taken as backlog (marked seen, no alert); set backlog = \"all\" on \
         the feed to alert them"
    );
}

/// An item as the archive keeps it (its story and lists are noted when
/// the poll is recorded).
fn archived(
    item: &Item,
    feed: &FeedSpec,
    language: Option<&str>,
    read: chrono::DateTime<Utc>,
) -> ArchivedItem {
    let mut summary = item.summary.clone();
    clip_bytes_in_place(&mut summary, SUMMARY_BYTES);
    let mut article = item.article.clone();
    clip_bytes_in_place(&mut article, ARTICLE_BYTES);
    ArchivedItem {
        item_key: item.key.to_string(),
        feed_id: feed.id.clone(),
        feed: feed.name.clone(),
        title: item.title.clone(),
        summary,
        link: item.link.clone(),
        published_ms: item.published.map(|p| p.timestamp_millis()),
        language: language.map(str::to_string),
        story_id: None,
        lists: Vec::new(),
        archived_ms: read.timestamp_millis(),
        article,
    }
}

/// How many items a parsed document held and how many were read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Census {
    pub found: usize,
    recovered: usize,
    pub dropped: usize,
    expected: usize,
}

impl Census {
    fn of(parsed: &ParsedFeed) -> Census {
        Census {
            found: parsed.items.len(),
            recovered: parsed.recovered,
            dropped: parsed.dropped(),
            expected: parsed.expected,
        }
    }

    /// Counts the items, and says so in the log when the strict parser
    /// fell short or items were lost: a shortfall is never silent.
    fn report(&self, feed: &FeedSpec, url: &str, shortfall: Option<&str>) {
        metrics().items_parsed(self.found, self.recovered, self.dropped);
        if self.dropped > 0 {
            tracing::warn!(
                feed = %feed.name,
                url = %public_url(url),
                expected = self.expected,
                found = self.found,
                dropped = self.dropped,
                "items in the feed could not be read"
            );
        }
        if self.recovered > 0 {
            tracing::info!(
                feed = %feed.name,
                recovered = self.recovered,
                reason = shortfall.unwrap_or_default(),
                "items read by the lenient parser"
            );
        }
    }
}

impl Backlog {
    /// Whether a first poll alerts this item.
    pub(super) fn alerts(&self, item: &Item, now: chrono::DateTime<Utc>) -> bool {
        match self {
            Backlog::All => true,
            Backlog::Within(window) => item.published.is_some_and(|published| {
                chrono::Duration::from_std(*window).is_ok_and(|window| published >= now - window)
            }),
        }
    }
}

/// Where alerts go, and how their links are made canonical.
struct Routing<'a> {
    sinks: &'a [SinkConfig],
    tracking: &'a [String],
}

/// The matcher, and the language the feed declares (for `lang:`).
struct Matching<'a> {
    matcher: &'a Matcher,
    language: Option<&'a str>,
}

/// The alert for an item, if it matches any list, with what identifies
/// its story: its article page's canonical link when its article was
/// fetched (`canonical`), else its own link.
fn new_alert(
    matching: &Matching<'_>,
    scratch: &mut MatchScratch,
    item: &Item,
    canonical: Option<&str>,
    feed: &FeedSpec,
    detected: chrono::DateTime<Utc>,
    routing: &Routing<'_>,
) -> Option<NewAlert> {
    let matcher = matching.matcher;
    let mut hits = matcher.find_in(item, matching.language, scratch);
    if !feed.unwatched.is_empty() {
        hits.retain(|hit| !feed.unwatched.contains(&hit.list));
    }
    if hits.is_empty() {
        return None;
    }
    let mut alert = Alert::new(
        uuid::Uuid::now_v7().to_string(),
        &feed.name,
        &feed.id,
        item,
        &hits,
        detected,
    );
    alert.scores = matcher.scores(scratch);
    alert.canonical_link = canonical.map(str::to_string);
    alert
        .scores
        .retain(|score| alert.lists.contains(&score.list));
    let routed: Vec<&SinkConfig> = routing
        .sinks
        .iter()
        .filter(|s| s.routes(&alert.lists) && !feed.unrouted.iter().any(|n| n == s.name()))
        .collect();
    let sinks = routed.iter().map(|s| s.name().to_string()).collect();
    let update_sinks = routed
        .iter()
        .filter(|s| s.on_repeat == OnRepeat::Update)
        .map(|s| s.name().to_string())
        .collect();
    let link = canonical.or(item.link.as_deref());
    let link_key = link.and_then(|l| canonical_link_with(l, routing.tracking));
    let signature = Signature::of(&item.title, &item.summary, link);
    Some(NewAlert {
        alert,
        sinks,
        signature,
        link_key,
        update_sinks,
    })
}
