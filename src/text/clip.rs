//! Cutting text to a limit on a character boundary, marked with "…" where
//! it was cut. Feed fields are capped with it at parse time, and chat
//! messages and listings with it at display time, so one rule decides
//! what a cut looks like everywhere.

/// The mark left where text was cut.
pub const MARK: char = '…';

/// Cuts text to at most `max` characters, the last being "…" when cut.
pub fn clip(text: &str, max: usize) -> String {
    let mut cut = text.to_string();
    clip_chars_in_place(&mut cut, max);
    cut
}

/// Cuts `text` in place to at most `max` characters, the last being "…"
/// when cut. Reads only as far as the limit.
pub fn clip_chars_in_place(text: &mut String, max: usize) {
    if let Some((end, _)) = text.char_indices().nth(max.saturating_sub(1))
        && text.len() > end
        && text[end..].chars().nth(1).is_some()
    {
        text.truncate(end);
        text.push(MARK);
    }
}

/// Cuts `text` in place to at most `max` bytes of UTF-8, "…" included,
/// on a character boundary.
pub fn clip_bytes_in_place(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max.saturating_sub(MARK.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push(MARK);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_untouched() {
        assert_eq!(clip("Priština", 8), "Priština");
        let mut text = "Priština".to_string();
        clip_chars_in_place(&mut text, 8);
        assert_eq!(text, "Priština");
        clip_bytes_in_place(&mut text, 9);
        assert_eq!(text, "Priština");
    }

    #[test]
    fn cuts_count_characters_or_bytes_and_end_with_the_mark() {
        assert_eq!(clip("Приштина", 4), "При…");
        let mut text = "Приштина".to_string();
        clip_chars_in_place(&mut text, 4);
        assert_eq!(text, "При…");
        // Cyrillic letters are two bytes: 8 bytes hold the mark (3) and
        // two letters (4), not a half letter.
        let mut text = "Приштина".to_string();
        clip_bytes_in_place(&mut text, 8);
        assert_eq!(text, "Пр…");
        assert!(text.len() <= 8);
    }

    #[test]
    fn both_cuts_agree_with_clip() {
        for max in 1..12 {
            let mut text = "Kosovë – Srbija".to_string();
            clip_chars_in_place(&mut text, max);
            assert_eq!(text, clip("Kosovë – Srbija", max), "max {max}");
            assert!(text.chars().count() <= max);
        }
    }
}
