//! Plain data that flows through the pipeline: items, their keys, hits and
//! alerts. Nothing here does I/O; every stage speaks in these types.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::http::is_web_url;

mod signals;
pub use signals::{ListSpike, SourceSeen, SpikeStory, StoryBreaking};

/// A stable identity for one news item, independent of feed-rs generated ids.
///
/// It is a hex digest of where the identity came from (source id, canonical
/// link, or feed + folded title + date), so keys are compact in the store and
/// equal keys mean "the same item" across polls and restarts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemKey(String);

impl ItemKey {
    /// Builds a key from a kind tag ("id", "link", "hash") and the identifying text.
    pub fn from_parts(kind: &str, parts: &[&str]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(kind.as_bytes());
        for part in parts {
            hasher.update([0u8]);
            hasher.update(part.as_bytes());
        }
        ItemKey(hex(&hasher.finalize()[..16]))
    }

    /// Wraps a key read back from the store.
    pub fn from_stored(key: String) -> Self {
        ItemKey(key)
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One parsed news item with its text already cleaned of HTML and entities.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Our own stable key (see [`ItemKey`]).
    pub key: ItemKey,
    /// The id the source gave the item (guid or Atom id), if it gave one.
    pub source_id: Option<String>,
    /// Headline, plain text.
    pub title: String,
    /// Absolute link to the story, if any.
    pub link: Option<String>,
    /// Summary or description, plain text.
    pub summary: String,
    /// Full content, plain text (often empty).
    pub content: String,
    /// The article's main text, fetched from the item's link for feeds
    /// with `full_text` (empty otherwise, or when the fetch failed).
    pub article: String,
    /// Publication (or else update) time, if the feed gave one we could
    /// read and believe (from 1990 on, at most a day ahead).
    pub published: Option<DateTime<Utc>>,
    /// The date text the feed gave when it was not believed or not
    /// readable (cut to 100 characters).
    pub published_raw: Option<String>,
}

impl Item {
    /// The text of one field, for matching and snippets.
    pub fn field(&self, field: Field) -> &str {
        match field {
            Field::Title => &self.title,
            Field::Summary => &self.summary,
            Field::Content => &self.content,
            Field::Article => &self.article,
        }
    }
}

/// The parts of an item a watch list can look at.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The headline.
    Title,
    /// The summary or description.
    Summary,
    /// The full content.
    Content,
    /// The article's text, fetched from the item's link (`full_text`).
    Article,
}

impl Field {
    /// How many fields there are.
    pub const COUNT: usize = 4;

    /// Every field, in the order they are searched.
    pub const ALL: [Field; Field::COUNT] =
        [Field::Title, Field::Summary, Field::Content, Field::Article];

    /// The field's position in [`Field::ALL`].
    pub fn index(self) -> usize {
        match self {
            Field::Title => 0,
            Field::Summary => 1,
            Field::Content => 2,
            Field::Article => 3,
        }
    }

    /// The field's name as written in the config and in alerts.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Content => "content",
            Field::Article => "article",
        }
    }
}

/// Why an item matched: one term of one list, found in one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The watch list's name.
    pub list: String,
    /// The term as written in the config.
    pub term: String,
    /// Where it was found.
    pub field: Field,
    /// The original text around the hit, with the hit marked `**like this**`.
    pub snippet: String,
    /// For a regex term: the original text it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

/// One alert: what the sinks receive, and what the store keeps.
///
/// Its JSON form is the documented alert schema (see README.md).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Alert {
    /// Always "alert": tells alerts from feed-health events.
    #[serde(rename = "type", default = "alert_type")]
    pub kind: String,
    /// Stable alert id (time-ordered UUID); the same on every delivery attempt.
    pub id: String,
    /// The feed's display name.
    pub feed: String,
    /// The feed's configured URL, less its user info and any query
    /// parameter that looks like a credential.
    pub feed_url: String,
    /// Headline.
    pub title: String,
    /// Link to the story, if any: always an http(s) URL.
    pub link: Option<String>,
    /// The item's link as the feed gave it, when it is no http(s) URL
    /// (`javascript:`, `data:` ...): kept for programs, shown to nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_raw: Option<String>,
    /// Publication time (RFC 3339), if known.
    pub published: Option<String>,
    /// The feed's date text, when it gave one that could not be read or
    /// believed (`published` is then null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_raw: Option<String>,
    /// Lists that matched, sorted.
    pub lists: Vec<String>,
    /// Terms that matched, as written in the config, sorted and unique.
    pub terms: Vec<String>,
    /// The first hit's snippet, for one-line displays.
    pub snippet: String,
    /// Every hit, explaining the alert.
    pub hits: Vec<AlertHit>,
    /// When newswatch detected the item (RFC 3339).
    pub detected_at: String,
    /// The item's stable key.
    pub item_key: String,
    /// The story's stable id: every copy of one story shares it.
    #[serde(default)]
    pub story: String,
    /// Names of the feeds that carried the story so far.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Hits left out so the alert's JSON stays within 64 KiB.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hits_omitted: usize,
    /// For lists with weighted terms: the score the item reached and the
    /// list's threshold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<ListScore>,
    /// Whether the article behind the link was fetched and its text
    /// matched (feeds with `full_text`); absent when it was not.
    #[serde(default, skip_serializing_if = "is_false")]
    pub full_text: bool,
    /// The article page's canonical URL (its `<link rel="canonical">`,
    /// else the address the link redirected to), when the article was
    /// fetched: the publisher's own address behind a wrapper link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_link: Option<String>,
}

/// How far an item got on a list with weighted terms.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ListScore {
    /// The list.
    pub list: String,
    /// The summed weights of the different terms that hit.
    pub score: f64,
    /// What the list asks for.
    pub threshold: f64,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

/// An alert's JSON body is at most this many bytes: an item matching
/// hundreds of terms gives up hits (counted in `hits_omitted`), then terms.
pub const MAX_ALERT_BYTES: usize = 64 * 1024;

/// A hit as carried in an alert (owned strings, serialisable both ways).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AlertHit {
    /// The watch list's name.
    pub list: String,
    /// The term as written in the config.
    pub term: String,
    /// `title`, `summary`, `content` or `article`.
    pub field: String,
    /// Original text around the hit, hit marked `**like this**`.
    pub snippet: String,
    /// For a regex term: the original text it matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

impl Alert {
    /// Builds the alert for a matched item.
    pub fn new(
        id: String,
        feed: &str,
        feed_url: &str,
        item: &Item,
        hits: &[Hit],
        detected_at: DateTime<Utc>,
    ) -> Self {
        let mut lists: Vec<String> = hits.iter().map(|h| h.list.clone()).collect();
        lists.sort();
        lists.dedup();
        let mut terms: Vec<String> = hits.iter().map(|h| h.term.clone()).collect();
        terms.sort();
        terms.dedup();
        let (link, link_raw) = match &item.link {
            Some(link) if is_web_url(link) => (Some(link.clone()), None),
            other => (None, other.clone()),
        };
        let mut alert = Alert {
            kind: alert_type(),
            id,
            feed: feed.to_string(),
            feed_url: crate::redact::public_url(feed_url),
            title: item.title.clone(),
            link,
            link_raw,
            published: item.published.map(rfc3339),
            published_raw: item.published_raw.clone(),
            lists,
            terms,
            snippet: hits.first().map(|h| h.snippet.clone()).unwrap_or_default(),
            hits: hits
                .iter()
                .map(|h| AlertHit {
                    list: h.list.clone(),
                    term: h.term.clone(),
                    field: h.field.as_str().to_string(),
                    snippet: h.snippet.clone(),
                    matched: h.matched.clone(),
                })
                .collect(),
            detected_at: rfc3339(detected_at),
            item_key: item.key.to_string(),
            story: String::new(),
            sources: vec![feed.to_string()],
            hits_omitted: 0,
            scores: Vec::new(),
            full_text: !item.article.is_empty(),
            canonical_link: None,
        };
        alert.fit(MAX_ALERT_BYTES);
        alert
    }

    /// Leaves out hits from the end, then terms, until the JSON body is at
    /// most `max` bytes (the first hit and term always stay).
    fn fit(&mut self, max: usize) {
        let mut total = json_len(self);
        while total > max && self.hits.len() > 1 {
            if let Some(hit) = self.hits.pop() {
                // The hit and the comma before it.
                total -= json_len(&hit) + 1;
                self.hits_omitted += 1;
            }
        }
        // The count itself takes room too.
        total = json_len(self);
        while total > max && self.terms.len() > 1 {
            if let Some(term) = self.terms.pop() {
                total -= json_len(&term) + 1;
            }
        }
    }
}

/// Bytes of a value's compact JSON.
fn json_len<T: Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(0, |json| json.len())
}

fn alert_type() -> String {
    "alert".to_string()
}

/// A change in a feed's health, for sinks that opt in with
/// `events = ["feed_health"]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FeedHealthEvent {
    /// "feed_unhealthy" or "feed_recovered".
    #[serde(rename = "type")]
    pub kind: String,
    /// Stable event id (time-ordered UUID).
    pub id: String,
    /// The feed's display name.
    pub feed: String,
    /// The feed's configured URL.
    pub feed_url: String,
    /// When the run of failures began (RFC 3339).
    pub failing_since: String,
    /// Consecutive failures so far (at recovery: before it).
    pub failures: i64,
    /// The last error seen.
    pub last_error: Option<String>,
    /// When newswatch raised the event (RFC 3339).
    pub detected_at: String,
}

impl FeedHealthEvent {
    /// The `type` of an event raised when a feed has failed too long.
    pub const UNHEALTHY: &'static str = "feed_unhealthy";
    /// The `type` of an event raised when an unhealthy feed works again.
    pub const RECOVERED: &'static str = "feed_recovered";
}

/// Several alerts sent as one message, for sinks with `digest = "15m"`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Digest {
    /// Always "digest".
    #[serde(rename = "type")]
    pub kind: String,
    /// Stable for the period and sink, so a retried digest keeps its id.
    pub id: String,
    /// Start of the period the alerts were detected in (RFC 3339).
    pub period_start: String,
    /// End of the period (RFC 3339).
    pub period_end: String,
    /// How many alerts.
    pub count: usize,
    /// The alerts, in detection order.
    pub alerts: Vec<Alert>,
}

/// A story already alerted turned up in another feed: for sinks with
/// `on_repeat = "update"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StoryUpdate {
    /// Always "story_update".
    #[serde(rename = "type")]
    pub kind: String,
    /// Stable update id (time-ordered UUID).
    pub id: String,
    /// The story's id, as in its alert.
    pub story: String,
    /// The story's headline, as first alerted.
    pub title: String,
    /// The new copy's link, if any.
    pub link: Option<String>,
    /// The lists the story was alerted for.
    pub lists: Vec<String>,
    /// Every feed that carried it so far.
    pub sources: Vec<String>,
    /// The feed that just carried it.
    pub new_source: String,
    /// Lists this copy brought to the story, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_lists: Vec<String>,
    /// When (RFC 3339).
    pub detected_at: String,
}

/// What travels through the outbox to the sinks.
// Alerts are nearly every message: boxing them would cost each one an
// allocation to save a few hundred bytes on the rare events.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A matching story.
    Alert(Alert),
    /// A feed turned unhealthy or recovered.
    FeedHealth(FeedHealthEvent),
    /// A period's alerts, sent together.
    Digest(Digest),
    /// More sources for a story already alerted.
    StoryUpdate(StoryUpdate),
    /// A story many feeds picked up fast.
    StoryBreaking(StoryBreaking),
    /// A watch list much busier than usual.
    ListSpike(ListSpike),
}

impl Message {
    /// The kind as stored in the outbox.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Alert(_) => "alert",
            Message::FeedHealth(_) => "feed_health",
            Message::Digest(_) => "digest",
            Message::StoryUpdate(_) => "story_update",
            Message::StoryBreaking(_) => StoryBreaking::KIND,
            Message::ListSpike(_) => ListSpike::KIND,
        }
    }

    /// The message's id.
    pub fn id(&self) -> &str {
        match self {
            Message::Alert(alert) => &alert.id,
            Message::FeedHealth(event) => &event.id,
            Message::Digest(digest) => &digest.id,
            Message::StoryUpdate(update) => &update.id,
            Message::StoryBreaking(event) => &event.id,
            Message::ListSpike(event) => &event.id,
        }
    }

    /// Reads a stored message back from its kind and JSON body.
    pub fn from_stored(kind: &str, body: &str) -> Result<Message, serde_json::Error> {
        Ok(match kind {
            "feed_health" => Message::FeedHealth(serde_json::from_str(body)?),
            "story_update" => Message::StoryUpdate(serde_json::from_str(body)?),
            StoryBreaking::KIND => Message::StoryBreaking(serde_json::from_str(body)?),
            ListSpike::KIND => Message::ListSpike(serde_json::from_str(body)?),
            _ => Message::Alert(serde_json::from_str(body)?),
        })
    }

    /// The message's JSON body.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        match self {
            Message::Alert(alert) => serde_json::to_string(alert),
            Message::FeedHealth(event) => serde_json::to_string(event),
            Message::Digest(digest) => serde_json::to_string(digest),
            Message::StoryUpdate(update) => serde_json::to_string(update),
            Message::StoryBreaking(event) => serde_json::to_string(event),
            Message::ListSpike(event) => serde_json::to_string(event),
        }
    }
}

/// Lowercase hex of bytes, without a String per byte (item keys and body
/// hashes are made for every item and every fetch).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    out
}

/// Formats a time the way every alert and listing shows it.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_with_thousands_of_hits_stays_within_its_cap() {
        let item = Item {
            key: ItemKey::from_parts("id", &["x"]),
            source_id: None,
            title: "Kosovo ".repeat(140),
            link: Some(format!("https://n.example/{}", "a".repeat(4_000))),
            summary: String::new(),
            content: String::new(),
            article: String::new(),
            published: None,
            published_raw: None,
        };
        let hits: Vec<Hit> = (0..3_000)
            .map(|n| Hit {
                list: "kosovo".into(),
                term: format!("term number {n} of a very long list"),
                field: Field::Summary,
                snippet: format!("…some context before the **term number {n}** and some after…"),
                matched: None,
            })
            .collect();
        let alert = Alert::new(
            "id".into(),
            "feed",
            "https://n.example/feed",
            &item,
            &hits,
            Utc::now(),
        );
        let json = serde_json::to_string(&alert).expect("JSON");
        assert!(json.len() <= MAX_ALERT_BYTES, "{} bytes", json.len());
        assert!(json.len() > MAX_ALERT_BYTES - 1_000, "{} bytes", json.len());
        assert_eq!(alert.hits.len() + alert.hits_omitted, 3_000);
        assert!(alert.hits_omitted > 0);
        assert_eq!(alert.hits[0].term, "term number 0 of a very long list");
        // A small alert is left whole, and says nothing of omissions.
        let small = Alert::new("id".into(), "feed", "u", &item, &hits[..2], Utc::now());
        assert_eq!(small.hits.len(), 2);
        assert!(
            !serde_json::to_string(&small)
                .expect("JSON")
                .contains("hits_omitted")
        );
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn item_keys_are_stable_and_distinguish_kinds() {
        let a = ItemKey::from_parts("id", &["https://example.org/1"]);
        let b = ItemKey::from_parts("id", &["https://example.org/1"]);
        let c = ItemKey::from_parts("link", &["https://example.org/1"]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.as_str().len(), 32);
        // Parts are separated, so ("ab","c") and ("a","bc") differ.
        assert_ne!(
            ItemKey::from_parts("hash", &["ab", "c"]),
            ItemKey::from_parts("hash", &["a", "bc"])
        );
    }
}
