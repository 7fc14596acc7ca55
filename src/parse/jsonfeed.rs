//! The lenient reading of a JSON Feed: each item on its own, so one item
//! with a wrong-typed field costs that field, not the feed. feed-rs reads
//! JSON Feeds strictly and rejects the whole document for such an item.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::dates::FoundDate;
use super::entry::Fields;
use super::lenient::Scan;

/// Reads a JSON Feed leniently; `None` if the text is not JSON with an
/// `items` array. The second value counts the entries of `items`.
pub fn scan(text: &str, feed_url: &str, now: DateTime<Utc>) -> Option<(Scan, usize)> {
    let document: Value = serde_json::from_str(text).ok()?;
    let items = document.get("items")?.as_array()?;
    let base = url::Url::parse(feed_url).ok();
    let scan = Scan {
        title: string(document.get("title")),
        items: items
            .iter()
            .filter(|item| item.is_object())
            .map(|item| fields(item, base.as_ref(), now))
            .collect(),
    };
    Some((scan, items.len()))
}

fn fields(item: &Value, base: Option<&url::Url>, now: DateTime<Utc>) -> Fields {
    let field = |name: &str| string(item.get(name));
    let date =
        |name: &str| field(name).map_or(FoundDate::Missing, |text| FoundDate::read(&text, now));
    let link = field("url")
        .or_else(|| field("external_url"))
        .and_then(|link| match base {
            Some(base) => base.join(link.trim()).ok().map(String::from),
            None => url::Url::parse(link.trim()).ok().map(String::from),
        });
    Fields {
        title: field("title"),
        summary: field("summary"),
        content: field("content_html").or_else(|| field("content_text")),
        link,
        id: field("id"),
        published: date("date_published"),
        updated: date("date_modified"),
    }
}

/// A JSON value as text: strings as they are, numbers and booleans
/// written out; anything else is no value.
fn string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}
