//! How many items a document holds, counted from its bytes alone: every
//! `<item` and `<entry` start tag (with or without a prefix, except the
//! content module's `<content:item>`) outside comments and CDATA. It shares no code with either parser, so an item
//! both of them miss still shows up as a shortfall.

use memchr::memchr;

/// Counts the item and entry start tags in XML text. Linear: every byte is
/// looked at once.
pub fn count_item_tags(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let tag = &bytes[at + offset + 1..];
        at += offset + 1;
        if let Some(comment) = tag.strip_prefix(b"!--") {
            at += 3 + find(comment, b"-->").map_or(comment.len(), |end| end + 3);
            continue;
        }
        if let Some(cdata) = tag.strip_prefix(b"![CDATA[") {
            at += 8 + find(cdata, b"]]>").map_or(cdata.len(), |end| end + 3);
            continue;
        }
        let name_len = tag
            .iter()
            .take(64)
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
            .unwrap_or(0);
        let name = &tag[..name_len];
        let (prefix, local) = match name.iter().rposition(|b| *b == b':') {
            Some(colon) => (&name[..colon], &name[colon + 1..]),
            None => (&name[..0], name),
        };
        // The RSS 1.0 content module's <content:item> is no feed item.
        if (local == b"item" || local == b"entry") && prefix != b"content" {
            count += 1;
        }
    }
    count
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_entries_are_counted_with_any_prefix() {
        let text = "<rss><channel><item>a</item><item/><rss:item about='x'>\
                    <atom:entry>\n<entry\n></entry><items/><itemx/><content:item/></channel></rss>";
        assert_eq!(count_item_tags(text), 5);
    }

    #[test]
    fn comments_cdata_and_escaped_markup_do_not_count() {
        let text = "<rss><!-- <item> --><item><description><![CDATA[<item>x</item>]]>\
                    &lt;item&gt;</description></item><!-- never closed <item>";
        assert_eq!(count_item_tags(text), 1);
    }
}
