//! Slack bodies for alerts and digests (Mattermost reads the same):
//! message attachments, which both services show, with the headline once
//! as the linked title, the snippets with their hits in mrkdwn bold, the
//! lists and terms as fields, and the feed and publication time in the
//! footer. Every feed text is escaped (see [`slack_escape`]) and cut to
//! Slack's limits before it is.

use serde_json::{Value, json};

use super::markup::{Dialect, digest_lines, slack_escape};
use super::text::{alert_line, digest_heading, time_line, web_link};
use crate::model::{Alert, Digest};

/// Slack's limit on a text block: the most any text we send may have.
pub const TEXT: usize = 3_000;
/// Characters of a headline.
const TITLE: usize = 250;
/// Characters of a field's value (lists, terms).
const FIELD: usize = 1_000;
/// Characters of the footer (feed and time).
const FOOTER: usize = 300;
/// Most snippets an alert shows (one per place its terms hit).
const SNIPPETS: usize = 3;
/// The attachments' bar.
const COLOR: &str = "#b03a2e";

/// Slack's mrkdwn: `*bold*`, `<url|text>`.
const SLACK: Dialect = Dialect {
    escape: slack_escape,
    bold: "*",
    link,
};

/// One alert as one attachment: no top-level `text`, so the headline is
/// shown once (the `fallback`, which also names it, is only for
/// notifications).
pub fn alert(alert: &Alert) -> Value {
    let mut attachment = json!({
        "fallback": escaped(&alert_line(alert), TEXT),
        "color": COLOR,
        "title": escaped(&alert.title, TITLE),
        "text": SLACK.snippets(alert, SNIPPETS, TEXT),
        "mrkdwn_in": ["text"],
        "fields": [
            { "title": "Lists", "value": escaped(&alert.lists.join(", "), FIELD), "short": true },
            { "title": "Terms", "value": escaped(&alert.terms.join(", "), FIELD), "short": true },
        ],
        "footer": escaped(&format!("{} · {}", alert.feed, time_line(alert)), FOOTER),
    });
    if let Some(link) = web_link(alert.link.as_ref()) {
        attachment["title_link"] = Value::from(link);
    }
    json!({ "attachments": [attachment] })
}

/// A digest: its heading as the message, then one line per alert (linked
/// headline, feed, lists) while they fit, and how many were left out.
pub fn digest(digest: &Digest, max: usize) -> Value {
    let heading = escaped(&digest_heading(digest), TEXT);
    let lines = digest_lines(digest, TEXT, max, "\n", |alert| {
        SLACK.digest_line(alert, TITLE)
    });
    json!({
        "text": heading,
        "attachments": [{
            "fallback": heading,
            "color": COLOR,
            "text": lines,
            "mrkdwn_in": ["text"],
        }],
    })
}

/// Plain text escaped for Slack, at most `limit` characters.
pub fn escaped(text: &str, limit: usize) -> String {
    SLACK.escaped(text, limit)
}

/// `<url|text>`: in the link, Slack's control characters as entities and
/// the `|` that would end it percent-encoded.
fn link(url: &str, text: &str) -> String {
    let url = url
        .replace('&', "&amp;")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('|', "%7C");
    format!("<{url}|{text}>")
}
