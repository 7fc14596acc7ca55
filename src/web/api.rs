//! The JSON API: `GET /api/alerts?list=&q=&since=&limit=&cursor=` (alerts,
//! newest first, with a cursor for the next page), `GET /api/feeds` (feed
//! states, as `newswatch feeds --json`), `GET /api/stories?since=`.

use std::collections::HashMap;

use serde_json::json;

use super::views::{FeedView, StoryView};
use super::{Reply, Site};
use crate::clock::ms_ago;
use crate::matcher::MatchScratch;
use crate::matcher::search::query_matcher;
use crate::model::{Alert, Item, ItemKey};
use crate::store::{AlertCursor, Store};
use crate::units::HumanDuration;

/// Alerts per page unless `limit` says otherwise, and the most it may say.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// Alerts looked at per request when `q` filters them: past it, the
/// page ends early and its cursor goes on from there.
const SCAN: usize = 5_000;

/// A request's query parameters.
pub type Params = HashMap<String, String>;

/// The milliseconds of `since` ("24h", "7days"; default `default`)
/// before now, or why it cannot be read.
fn since_ms(params: &Params, default: &str) -> Result<i64, String> {
    let text = params.get("since").map_or(default, String::as_str);
    let since: HumanDuration = text.parse().map_err(|e| format!("since={text:?}: {e}"))?;
    Ok(ms_ago(since.0))
}

/// `GET /api/alerts`.
pub async fn alerts(store: &Store, site: &Site, params: &Params) -> Reply {
    let since = match since_ms(params, "30days") {
        Ok(since) => since,
        Err(message) => return Reply::bad_request(&message),
    };
    let limit = match params.get("limit").map(|l| l.parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
        Some(_) => return Reply::bad_request(&format!("limit must be between 1 and {MAX_LIMIT}")),
    };
    let mut cursor = match params.get("cursor") {
        None => None,
        Some(text) => match AlertCursor::decode(text) {
            Some(cursor) => Some(cursor),
            None => return Reply::bad_request("cursor is not one this API handed out"),
        },
    };
    let list = params
        .get("list")
        .filter(|l| !l.is_empty())
        .map(String::as_str);
    if let Some(list) = list
        && !site.lists.iter().any(|l| l == list)
    {
        return Reply::not_found(&format!("there is no watch list named {list:?}"));
    }
    let matcher = match params.get("q").filter(|q| !q.trim().is_empty()) {
        Some(q) => match query_matcher(q, &site.entities) {
            Ok(matcher) => Some(matcher),
            Err(message) => return Reply::bad_request(&message),
        },
        None => None,
    };
    let mut found: Vec<Alert> = Vec::new();
    let mut scanned = 0;
    let mut scratch = MatchScratch::default();
    loop {
        let want = if matcher.is_some() {
            limit.max(100)
        } else {
            limit - found.len()
        };
        let (page, next) = match store.alerts_page(list, since, cursor.as_ref(), want).await {
            Ok(page) => page,
            Err(error) => return Reply::unavailable(&error.to_string()),
        };
        let mut last_taken = None;
        for (place, alert) in page {
            scanned += 1;
            let keep = matcher
                .as_ref()
                .is_none_or(|m| !m.find(&item_of(&alert), &mut scratch).is_empty());
            last_taken = Some(place);
            if keep {
                found.push(alert);
                if found.len() == limit {
                    break;
                }
            }
        }
        cursor = if found.len() == limit || scanned >= SCAN {
            // More may follow the last alert looked at.
            last_taken.or(next)
        } else {
            next
        };
        if found.len() == limit || scanned >= SCAN || cursor.is_none() {
            break;
        }
    }
    let next_cursor = cursor.map(|c| c.encode());
    Reply::json(&json!({ "alerts": found, "next_cursor": next_cursor }))
}

/// An alert as an item for `q`: its headline, and its snippets as the
/// summary (what an alert keeps of the text).
fn item_of(alert: &Alert) -> Item {
    let snippets: Vec<String> = alert
        .hits
        .iter()
        .map(|h| h.snippet.replace("**", ""))
        .collect();
    Item {
        key: ItemKey::from_stored(alert.item_key.clone()),
        source_id: None,
        title: alert.title.clone(),
        link: alert.link.clone(),
        summary: format!("{} {}", alert.snippet.replace("**", ""), snippets.join(" ")),
        content: String::new(),
        article: String::new(),
        published: None,
        published_raw: None,
    }
}

/// `GET /api/feeds`.
pub async fn feeds(store: &Store, site: &Site) -> Reply {
    match store.feed_states().await {
        Ok(states) => {
            let views: Vec<FeedView> = site
                .feeds
                .iter()
                .map(|feed| FeedView::of(feed, states.get(feed.url.as_str())))
                .collect();
            Reply::json(&json!({ "feeds": views }))
        }
        Err(error) => Reply::unavailable(&error.to_string()),
    }
}

/// `GET /api/stories`.
pub async fn stories(store: &Store, params: &Params) -> Reply {
    let since = match since_ms(params, "24h") {
        Ok(since) => since,
        Err(message) => return Reply::bad_request(&message),
    };
    match store.recent_stories(since, MAX_LIMIT as i64).await {
        Ok(listed) => {
            let views: Vec<StoryView> = listed.iter().map(StoryView::of).collect();
            Reply::json(&json!({ "stories": views }))
        }
        Err(error) => Reply::unavailable(&error.to_string()),
    }
}
