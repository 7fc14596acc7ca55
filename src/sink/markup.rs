//! Feed text inside chat markup: escaped for Slack mrkdwn and Discord
//! markdown (no links, mentions or formatting from a headline), snippets
//! with their hits in the service's bold, digests listed a line per alert,
//! and everything cut to a service's limit *before* escaping, so no escape
//! or mark is ever cut in two.

use super::text::web_link;
use crate::matcher::marked_parts;
use crate::model::{Alert, Digest};
use crate::text::clip::clip;

/// Text for Slack (and Mattermost): its three control characters as the
/// entities Slack asks for, so a headline cannot link, mention
/// (`<!channel>`, `<@U123>`) or break out of our `<url|text>`; `@` is
/// followed by a zero-width space, so Mattermost, which reads `@channel`
/// in attachments, notifies no one; line breaks become spaces.
pub fn slack_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{200B}"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Characters Discord's markdown gives a meaning anywhere: bold,
/// italics, underline, strike, code, spoilers, masked links, mentions and
/// timestamps (`<@id>`, `<t:...>`), `@everyone`.
const DISCORD_INLINE: &[char] = &['\\', '*', '_', '~', '`', '|', '<', '[', ']', '(', ')', '@'];

/// Characters it gives a meaning at the start of a line: headings,
/// quotes, list items (`2026.` too, after digits).
const DISCORD_LINE_START: &[char] = &['#', '>', '-', '+', '.'];

/// Text for Discord markdown: each markup character behind a backslash
/// (which Discord hides), those that only matter at a line's start only
/// there (the text may start a line), line breaks as spaces. Mentions are
/// off in every body as well.
pub fn discord_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    // Still at the start of the line: only spaces, then only digits.
    let mut line_start = true;
    for c in text.chars() {
        if DISCORD_INLINE.contains(&c)
            || (line_start
                && DISCORD_LINE_START.contains(&c)
                && (c != '.' || !out.trim().is_empty()))
        {
            out.push('\\');
        }
        line_start &= c == ' ' || c.is_ascii_digit();
        out.push(if c == '\n' || c == '\r' { ' ' } else { c });
    }
    out
}

/// `text` (lines of our own, of feed text) cut to at most `limit`
/// characters once each line is escaped: for events, whose lines we
/// break ourselves.
pub fn escape_lines(text: &str, limit: usize, escape: impl Fn(&str) -> String) -> String {
    within(limit, |keep| {
        clip(text, keep)
            .split('\n')
            .map(&escape)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// A snippet with each `**hit**` between `bold` marks and every part
/// escaped; spaces at a hit's edges stay outside the marks (Slack and
/// Discord bold nothing that starts or ends with one).
fn bold_hits(snippet: &str, bold: &str, escape: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(snippet.len() + 16);
    for (part, hit) in marked_parts(snippet) {
        let inner = part.trim();
        if !hit || inner.is_empty() {
            out.push_str(&escape(part));
            continue;
        }
        out.push_str(&part[..part.len() - part.trim_start().len()]);
        out.push_str(bold);
        out.push_str(&escape(inner));
        out.push_str(bold);
        out.push_str(&part[part.trim_end().len()..]);
    }
    out
}

/// How one chat service marks text up: its escape, its bold, its links.
pub struct Dialect {
    /// Makes feed text plain text in the service's markup.
    pub escape: fn(&str) -> String,
    /// What goes on each side of a bold hit.
    pub bold: &'static str,
    /// A link from its (http) target and its escaped text.
    pub link: fn(&str, &str) -> String,
}

impl Dialect {
    /// Plain text escaped, at most `limit` characters.
    pub fn escaped(&self, text: &str, limit: usize) -> String {
        within(limit, |keep| (self.escape)(&clip(text, keep)))
    }

    /// An alert's snippets (at most `max`), a line each, hits in bold, at
    /// most `limit` characters in all.
    pub fn snippets(&self, alert: &Alert, max: usize, limit: usize) -> String {
        let snippets = hit_snippets(alert, max);
        within(limit, |keep| {
            let each = keep / snippets.len().max(1);
            snippets
                .iter()
                .map(|s| bold_hits(&clip(s, each), self.bold, self.escape))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// A digest's line for an alert: its headline (linked when it has a
    /// web link), feed and lists, each cut to `limit` characters.
    pub fn digest_line(&self, alert: &Alert, limit: usize) -> String {
        let title = self.escaped(&alert.title, limit);
        let title = match web_link(alert.link.as_ref()) {
            Some(link) => (self.link)(link, &title),
            None => title,
        };
        format!(
            "• {title} — {} — {}",
            self.escaped(&alert.feed, limit),
            self.escaped(&alert.lists.join(", "), limit)
        )
    }
}

/// `render(keep)` for the largest `keep` (from `limit` down) whose result
/// is at most `limit` characters: `render` cuts its text to `keep`
/// characters and escapes it, which may lengthen it (an `&` becomes five).
pub fn within(limit: usize, render: impl Fn(usize) -> String) -> String {
    let mut keep = limit;
    loop {
        let text = render(keep);
        if text.chars().count() <= limit || keep == 0 {
            return text;
        }
        keep = keep * 3 / 4;
    }
}

/// The distinct snippets of an alert's hits, first hit first, at most
/// `max` (its `snippet` when it carries no hits).
fn hit_snippets(alert: &Alert, max: usize) -> Vec<&str> {
    let mut snippets: Vec<&str> = Vec::new();
    for hit in &alert.hits {
        if snippets.len() == max {
            break;
        }
        if !hit.snippet.is_empty() && !snippets.contains(&hit.snippet.as_str()) {
            snippets.push(&hit.snippet);
        }
    }
    if snippets.is_empty() && !alert.snippet.is_empty() {
        snippets.push(&alert.snippet);
    }
    snippets
}

/// A digest's alerts as `line`s joined by `separator`, while they fit in
/// `room` characters and number at most `max`, then "…and N more" for
/// those left out (the room keeps space for it).
pub fn digest_lines(
    digest: &Digest,
    room: usize,
    max: usize,
    separator: &str,
    line: impl Fn(&Alert) -> String,
) -> String {
    // "…and 1234567 more" and its separator.
    const MORE: usize = 40;
    let mut text = String::new();
    let mut used = 0;
    let mut shown = 0;
    for alert in digest.alerts.iter().take(max) {
        let line = line(alert);
        let length = line.chars().count() + separator.chars().count();
        if used + length > room.saturating_sub(MORE) {
            break;
        }
        if shown > 0 {
            text.push_str(separator);
        }
        text.push_str(&line);
        used += length;
        shown += 1;
    }
    let total = digest.count.max(digest.alerts.len());
    if total > shown {
        if shown > 0 {
            text.push_str(separator);
        }
        text.push_str(&format!("…and {} more", total - shown));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_text_cannot_link_or_mention() {
        assert_eq!(
            slack_escape("<!channel> & <https://x.example|click> @here"),
            "&lt;!channel&gt; &amp; &lt;https://x.example|click&gt; @\u{200B}here"
        );
    }

    #[test]
    fn discord_text_has_no_markup_left() {
        assert_eq!(
            discord_escape("**bold** [x](https://e.example) <@123> @everyone"),
            "\\*\\*bold\\*\\* \\[x\\]\\(https://e.example\\) \\<\\@123> \\@everyone"
        );
        assert_eq!(discord_escape("1999. Kosovo"), "1999\\. Kosovo");
        assert_eq!(discord_escape("v1.2 - 3. x > y"), "v1.2 - 3. x > y");
        assert_eq!(discord_escape(" # a\n- b"), " \\# a - b");
        assert_eq!(discord_escape("> quote"), "\\> quote");
        assert_eq!(
            escape_lines("# a\n- b", 100, discord_escape),
            "\\# a\n\\- b"
        );
    }

    #[test]
    fn hits_are_bold_and_the_rest_escaped() {
        let snippet = "…a <b> **KFOR** patrol **near Jarinje **…";
        assert_eq!(
            bold_hits(snippet, "*", slack_escape),
            "…a &lt;b&gt; *KFOR* patrol *near Jarinje* …"
        );
        assert_eq!(
            bold_hits("**-KFOR-1** x", "**", discord_escape),
            "**\\-KFOR-1** x"
        );
    }

    #[test]
    fn within_shortens_until_the_escaped_text_fits() {
        let text = "&".repeat(100);
        let fitted = within(50, |keep| {
            slack_escape(&crate::text::clip::clip(&text, keep))
        });
        assert!(fitted.chars().count() <= 50, "{fitted}");
        assert!(fitted.ends_with('…'), "{fitted}");
        assert!(!fitted.contains("&amp…"), "no entity cut: {fitted}");
    }
}
