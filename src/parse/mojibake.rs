//! Double-encoded UTF-8 ("mojibake"): text that was UTF-8, was read as
//! windows-1252 and written out as UTF-8 again, so "Priština" arrives as
//! "PriÅ¡tina" and "Вучић" as "Ð’ÑƒÑ‡Ð¸Ñ›". The repair encodes the text back
//! to windows-1252 and reads those bytes as UTF-8. It is kept only when
//! every character maps back, the bytes are valid UTF-8, and the text had
//! the tell-tale pairs to begin with; anything else is left as it is.

use encoding_rs::WINDOWS_1252;

/// The repaired text, if `text` is double-encoded UTF-8. Most text is
/// not, and costs one scan without a copy.
pub fn repaired(text: &str) -> Option<String> {
    if !looks_double_encoded(text) {
        return None;
    }
    let (bytes, _, unmappable) = WINDOWS_1252.encode(text);
    if unmappable {
        return None;
    }
    std::str::from_utf8(&bytes)
        .ok()
        .filter(|fixed| !fixed.contains('\u{fffd}'))
        .map(str::to_string)
}

/// Whether the text has a UTF-8 lead byte read as windows-1252 ("Ã", "Å",
/// "Ð", "Ñ" ...) followed by a continuation byte read the same way.
fn looks_double_encoded(text: &str) -> bool {
    // Every mark is a two-byte character from U+00C2 on: pure ASCII (most
    // feeds) has none.
    if text.is_ascii() {
        return false;
    }
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ('\u{c2}'..='\u{f4}').contains(&ch)
            && chars.peek().is_some_and(|next| is_continuation(*next))
        {
            return true;
        }
    }
    false
}

/// A character windows-1252 writes as a byte from 0x80 to 0xBF.
fn is_continuation(ch: char) -> bool {
    let mut buffer = [0u8; 4];
    let (bytes, _, unmappable) = WINDOWS_1252.encode(ch.encode_utf8(&mut buffer));
    !unmappable && bytes.len() == 1 && (0x80..=0xbf).contains(&bytes[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double_encode(text: &str) -> String {
        WINDOWS_1252
            .decode_without_bom_handling(text.as_bytes())
            .0
            .into_owned()
    }

    #[test]
    fn double_encoded_text_is_repaired() {
        for original in [
            "Priština, Zvečan i Leposavić",
            "Вучић у Приштини",
            "Kosovë: Kurti takon ambasadorët",
            "Đoković — „citat“",
        ] {
            let text = double_encode(original);
            assert_ne!(text, original);
            assert_eq!(repaired(&text).as_deref(), Some(original));
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for original in [
            "Priština, Zvečan i Leposavić",
            "Вучић у Приштини",
            "Ã la carte: a menu, not mojibake", // "Ã" then a space
            "café crème à la Ñandú",
            "KFOR",
        ] {
            assert_eq!(repaired(original), None, "{original}");
        }
    }

    #[test]
    fn a_half_repairable_text_is_left_alone() {
        // Mojibake next to a character windows-1252 cannot write.
        let text = format!("{} Вучић", double_encode("Priština"));
        assert_eq!(repaired(&text), None);
    }
}
