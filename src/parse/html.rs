//! HTML to plain text for matching and display: tags removed (scripts and
//! styles with their contents), block elements turned into spaces, entities
//! decoded, whitespace collapsed.

use crate::text::plain::collapse_whitespace;

/// Turns an HTML fragment (or plain text with entities) into plain text.
pub fn to_plain_text(html: &str) -> String {
    let stripped = strip_tags(html);
    let decoded = html_escape::decode_html_entities(&stripped);
    collapse_whitespace(&decoded)
}

/// Elements whose content is never text for a reader.
const SKIPPED_ELEMENTS: [&str; 4] = ["script", "style", "head", "template"];

fn strip_tags(html: &str) -> String {
    if !html.contains('<') {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(first) = after.chars().next() else {
            out.push('<');
            rest = after;
            break;
        };
        if !(first.is_ascii_alphabetic() || matches!(first, '/' | '!' | '?')) {
            // A lone "<" in text, as in "a < b".
            out.push('<');
            rest = after;
            continue;
        }
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(close) = tag_end(after) else {
            // An unterminated tag: drop the remainder, it is markup.
            rest = "";
            break;
        };
        let tag = &after[..close];
        let name = tag_name(tag);
        rest = &after[close + 1..];
        if !tag.starts_with('/') && SKIPPED_ELEMENTS.contains(&name.as_str()) {
            rest = skip_element(rest, &name);
        }
        // Block-level and line-break tags separate words.
        out.push(' ');
    }
    out.push_str(rest);
    out
}

/// Index of the '>' ending a tag, honouring quoted attribute values.
pub(crate) fn tag_end(tag: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (index, ch) in tag.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '>') => return Some(index),
            _ => {}
        }
    }
    None
}

/// A tag's element name, lowercased (`/a` and `A href=..` are both "a").
pub(crate) fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Skips past `</name>` (ASCII case-insensitive); everything if it never
/// closes. Linear in what it skips: it never copies or rescans the rest.
pub(crate) fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let bytes = rest.as_bytes();
    let mut from = 0;
    while let Some(at) = rest[from..].find("</").map(|i| from + i) {
        let after = at + 2;
        let candidate = &bytes[after..bytes.len().min(after + name.len())];
        if candidate.eq_ignore_ascii_case(name.as_bytes()) {
            let tail = &rest[after + name.len()..];
            return tail.find('>').map_or("", |end| &tail[end + 1..]);
        }
        from = after;
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_removed_and_entities_decoded() {
        assert_eq!(
            to_plain_text("<p>KFOR&nbsp;troops in <b>Zvečan</b></p><p>Second&amp;more</p>"),
            "KFOR troops in Zvečan Second&more"
        );
    }

    #[test]
    fn scripts_styles_and_comments_vanish() {
        assert_eq!(
            to_plain_text("a<script>var kosovo = 1;</script>b<!-- Serbia --><STYLE>x{}</STYLE>c"),
            "a b c"
        );
    }

    #[test]
    fn control_characters_are_dropped_and_line_breaks_fold() {
        assert_eq!(
            to_plain_text("KFOR\u{1b}[2J in\r\n Zvečan\u{1b}]0;owned\u{7}\u{9b}31m \u{7f}\u{0}"),
            "KFOR[2J in Zvečan]0;owned31m"
        );
        assert!(!to_plain_text("a\u{85}b").contains('\u{85}'));
        assert_eq!(to_plain_text("a \u{1} b \u{1b}"), "a b");
    }

    #[test]
    fn plain_text_with_angle_brackets_survives() {
        assert_eq!(to_plain_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(to_plain_text("<a href=\"x>y\">link</a> text"), "link text");
        assert_eq!(to_plain_text("broken <b"), "broken");
    }
}
