//! Discord bodies for alerts and digests: one embed, with the headline
//! once as its linked title, the snippets with their hits in markdown
//! bold, the lists and terms as fields, the feed in the footer and the
//! publication time as the embed's timestamp (Discord shows it in the
//! reader's time zone). Every feed text is escaped (see
//! [`discord_escape`]) and cut to Discord's limits before it is; mentions
//! are off in every body.

use serde_json::{Value, json};

use super::markup::{Dialect, digest_lines, discord_escape};
use super::text::{digest_heading, web_link};
use crate::model::{Alert, Digest};
use crate::text::clip::clip;

/// Discord's limit on a message's `content`.
pub const CONTENT: usize = 2_000;
/// Its limit on an embed's title.
const TITLE: usize = 256;
/// Its limit on an embed's description.
const DESCRIPTION: usize = 4_096;
/// Characters of an alert's snippets (less than the description may have,
/// so the whole embed stays within [`EMBED`]).
const SNIPPETS_TEXT: usize = 3_000;
/// Its limit on a field's value (lists, terms).
const FIELD: usize = 1_024;
/// Characters of the footer (its limit is 2,048).
const FOOTER: usize = 256;
/// Its limit on all the text of one embed.
const EMBED: usize = 6_000;
/// Most snippets an alert shows (one per place its terms hit).
const SNIPPETS: usize = 3;
/// The embed's bar (#b03a2e).
const COLOR: u32 = 0xb0_3a_2e;

// Title, snippets, two fields with their names and the footer fit.
const _: () = assert!(TITLE + SNIPPETS_TEXT + 2 * (FIELD + 5) + FOOTER <= EMBED);

/// Discord's markdown: `**bold**`, `[text](url)`.
const DISCORD: Dialect = Dialect {
    escape: discord_escape,
    bold: "**",
    link,
};

/// One alert as one embed and no `content`, so the headline is shown once.
pub fn alert(alert: &Alert) -> Value {
    let terms = if alert.terms.is_empty() {
        "—".to_string()
    } else {
        escaped(&alert.terms.join(", "), FIELD)
    };
    let mut embed = json!({
        "title": escaped(&alert.title, TITLE),
        "description": DISCORD.snippets(alert, SNIPPETS, SNIPPETS_TEXT),
        "color": COLOR,
        "fields": [
            { "name": "Lists", "value": escaped(&alert.lists.join(", "), FIELD), "inline": true },
            { "name": "Terms", "value": terms, "inline": true },
        ],
        // Footers show no markdown: the feed's name is only cut.
        "footer": { "text": clip(&alert.feed, FOOTER) },
        "timestamp": alert.published.as_deref().unwrap_or(&alert.detected_at),
    });
    if let Some(link) = web_link(alert.link.as_ref()) {
        embed["url"] = Value::from(link);
    }
    json!({ "embeds": [embed], "allowed_mentions": { "parse": [] } })
}

/// A digest: its heading as the `content`, then one embed listing a line
/// per alert (linked headline, feed, lists) while they fit, and how many
/// were left out.
pub fn digest(digest: &Digest, max: usize) -> Value {
    let lines = digest_lines(digest, DESCRIPTION, max, "\n", |alert| {
        DISCORD.digest_line(alert, TITLE)
    });
    json!({
        "content": escaped(&digest_heading(digest), CONTENT),
        "embeds": [{ "description": lines, "color": COLOR }],
        "allowed_mentions": { "parse": [] },
    })
}

/// Plain text escaped for Discord, at most `limit` characters.
pub fn escaped(text: &str, limit: usize) -> String {
    DISCORD.escaped(text, limit)
}

/// `[text](url)`: in the link, the characters that would end it or
/// break it percent-encoded.
fn link(url: &str, text: &str) -> String {
    let url = url
        .replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
        .replace('<', "%3C")
        .replace('>', "%3E");
    format!("[{text}]({url})")
}
