//! Bytes to UTF-8 before parsing. The encoding comes from a byte order
//! mark, else the XML declaration, else the HTTP `charset`, else UTF-8
//! (and windows-1252 if the bytes are not valid UTF-8). Text in another
//! encoding has its declaration rewritten to say UTF-8, so the parser does
//! not decode a second time; valid UTF-8 (most feeds) is borrowed as it is.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Feed text, and the encoding it was read as.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text, with any XML declaration matching it.
    pub text: Cow<'a, str>,
    /// The encoding's canonical name ("UTF-8", "windows-1251", ...).
    pub encoding: &'static str,
}

/// Decodes feed bytes; `content_type` is the HTTP header, if there was one.
pub fn to_utf8<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Decoded<'a> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return transcode(&bytes[bom..], encoding);
    }
    // UTF-16 without a byte order mark shows itself by "<?" with NULs.
    if bytes.starts_with(&[0, b'<', 0, b'?']) {
        return transcode(bytes, encoding_rs::UTF_16BE);
    }
    if bytes.starts_with(&[b'<', 0, b'?', 0]) {
        return transcode(bytes, encoding_rs::UTF_16LE);
    }
    let declared =
        xml_declared_encoding(bytes).and_then(|label| Encoding::for_label(label.as_bytes()));
    let from_header = content_type
        .and_then(charset)
        .and_then(|label| Encoding::for_label(label.as_bytes()));
    match declared.or(from_header) {
        Some(encoding) => transcode(bytes, encoding),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => Decoded {
                text: Cow::Borrowed(text),
                encoding: UTF_8.name(),
            },
            Err(_) => transcode(bytes, WINDOWS_1252),
        },
    }
}

fn transcode<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Decoded<'a> {
    let asked_for_utf8 = encoding == UTF_8;
    // A declaration of UTF-16 in a file without a BOM is ASCII-compatible
    // text in practice; decode it as UTF-8.
    let encoding = if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        let ascii_compatible = bytes.len() >= 2 && bytes[0] != 0 && bytes[1] != 0;
        if ascii_compatible { UTF_8 } else { encoding }
    } else {
        encoding
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    // A document that is not what it declares but is valid UTF-8 (a
    // template's stale declaration) is read as UTF-8.
    if had_errors
        && encoding != UTF_8
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return Decoded {
            text: Cow::Owned(declare_utf8(text)),
            encoding: UTF_8.name(),
        };
    }
    // Valid UTF-8 read as UTF-8 comes back borrowed, and its declaration
    // (if any) already fits.
    let text = match text {
        Cow::Borrowed(text) if asked_for_utf8 => Cow::Borrowed(text),
        text => Cow::Owned(declare_utf8(&text)),
    };
    Decoded {
        text,
        encoding: encoding.name(),
    }
}

/// The `encoding` of an XML declaration at the start of the document.
fn xml_declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = head.get(start..)?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&head[..end]).ok()?;
    attribute(declaration, "encoding")
}

/// An attribute's value in a tag's text (`name="value"` or `name='value'`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(name)? + name.len();
    let rest = tag[at..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let end = value.find(quote)?;
    Some(value[..end].trim().to_string())
}

/// The `charset` parameter of a Content-Type header.
fn charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// Rewrites the XML declaration's encoding to UTF-8 (the text now is).
fn declare_utf8(text: &str) -> String {
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return text.to_string();
    }
    let Some(end) = trimmed.find("?>") else {
        return text.to_string();
    };
    let declaration = &trimmed[..end];
    let Some(at) = declaration.find("encoding") else {
        return text.to_string();
    };
    let after = &declaration[at..];
    let value_end = after
        .char_indices()
        .filter(|(_, c)| *c == '"' || *c == '\'')
        .nth(1)
        .map(|(i, _)| at + i + 1);
    match value_end {
        Some(value_end) => format!(
            "{}encoding=\"UTF-8\"{}",
            &trimmed[..at],
            &trimmed[value_end..]
        ),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(decoded: &'a Decoded<'_>) -> &'a str {
        &decoded.text
    }

    #[test]
    fn the_xml_declaration_names_the_encoding() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss>Вучић</rss>");
        let decoded = to_utf8(&bytes, Some("text/xml; charset=utf-8"));
        assert_eq!(decoded.encoding, "windows-1251");
        assert_eq!(
            text(&decoded),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>Вучић</rss>"
        );
    }

    #[test]
    fn the_http_charset_applies_when_the_declaration_has_none() {
        let (bytes, _, _) =
            encoding_rs::ISO_8859_2.encode("<?xml version=\"1.0\"?><rss>Priština, Zvečan</rss>");
        let decoded = to_utf8(&bytes, Some("application/rss+xml; charset=ISO-8859-2"));
        assert_eq!(decoded.encoding, "ISO-8859-2");
        assert!(text(&decoded).contains("Priština, Zvečan"));
    }

    #[test]
    fn a_byte_order_mark_wins() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss>Србија</rss>".encode_utf16()
        {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = to_utf8(&bytes, None);
        assert_eq!(decoded.encoding, "UTF-16LE");
        assert!(text(&decoded).contains("encoding=\"UTF-8\""));
        assert!(text(&decoded).contains("Србија"));
    }

    #[test]
    fn utf16_without_a_mark_is_recognised() {
        let mut bytes = Vec::new();
        for unit in "<?xml version=\"1.0\"?><rss>Косово</rss>".encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        let decoded = to_utf8(&bytes, None);
        assert_eq!(decoded.encoding, "UTF-16BE");
        assert!(text(&decoded).ends_with("<rss>Косово</rss>"));
    }

    #[test]
    fn utf8_is_borrowed_and_a_wrong_utf16_declaration_rewritten() {
        let declared = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>Kosovë</rss>";
        assert!(matches!(
            to_utf8(declared.as_bytes(), None).text,
            Cow::Borrowed(_)
        ));
        let wrong = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss>Kosovë</rss>";
        let decoded = to_utf8(wrong.as_bytes(), None);
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(
            text(&decoded).contains("encoding=\"UTF-8\""),
            "{}",
            text(&decoded)
        );
    }

    #[test]
    fn undeclared_invalid_utf8_is_read_as_windows_1252() {
        let decoded = to_utf8(b"<rss>caf\xe9</rss>", None);
        assert_eq!(text(&decoded), "<rss>café</rss>");
        let plain = to_utf8("<rss>Kosovë</rss>".as_bytes(), None);
        assert_eq!(plain.encoding, "UTF-8");
    }
}
