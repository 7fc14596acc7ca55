//! What single characters fold to: ASCII whitespace, invisible
//! characters, typographic punctuation, the Cyrillic-to-Gaj-Latin table,
//! and the diacritics-keeping letters `diacritics = "exact"` compares.
//! `fold` puts them together into a folded text.

use unicode_normalization::UnicodeNormalization;

use super::fold::is_word_char;

/// ASCII whitespace, including the vertical tab `is_ascii_whitespace` omits.
pub(super) fn is_ascii_space(byte: u8) -> bool {
    byte.is_ascii_whitespace() || byte == 0x0b
}

/// Characters that carry no letters: soft hyphen, zero-width spaces and
/// joiners, word joiner, byte order mark.
pub(super) fn is_invisible(ch: char) -> bool {
    matches!(
        ch,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// Typographic apostrophes, quotes and dashes to their ASCII forms, so
/// "KFOR’s" and "KFOR's", "Kosovo–Serbia" and "Kosovo-Serbia" fold equal.
pub(super) fn punctuation_to_ascii(ch: char) -> Option<u8> {
    match ch {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' => Some(b'\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => Some(b'"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Some(b'-'),
        _ => None,
    }
}

/// Serbian Cyrillic (and the other common Cyrillic letters) to folded Gaj
/// Latin, by a fixed table: Љ -> lj, Њ -> nj, Џ -> dž -> dz, Ђ -> đ -> dj,
/// Ћ -> ć -> c, Ч -> č -> c, Ш -> š -> s, Ж -> ž -> z. Already folded, so the
/// output needs no further work.
pub(super) fn cyrillic_to_latin(ch: char) -> Option<&'static str> {
    match ch as u32 {
        code @ 0x0400..=0x045F => CYRILLIC[(code - 0x0400) as usize],
        _ if ch == 'Ґ' || ch == 'ґ' => Some("g"),
        _ => None,
    }
}

/// [`lower_cyrillic_to_latin`] for U+0400 to U+045F, looked up rather than
/// matched: Serbian text folds every letter through it.
const CYRILLIC: [Option<&str>; 0x60] = {
    let mut table = [None; 0x60];
    let mut index = 0;
    while index < 0x60 {
        // Capitals: U+0400..U+040F lower by 0x50, U+0410..U+042F by 0x20.
        let lower = match index {
            0x00..=0x0F => 0x0450 + index,
            0x10..=0x2F => 0x0430 + (index - 0x10),
            _ => 0x0400 + index,
        };
        if let Some(ch) = char::from_u32(lower as u32) {
            table[index] = lower_cyrillic_to_latin(ch);
        }
        index += 1;
    }
    table
};

/// A lower-case Cyrillic letter in folded Gaj Latin.
const fn lower_cyrillic_to_latin(lower: char) -> Option<&'static str> {
    Some(match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'ђ' => "dj",
        'е' => "e",
        'ж' => "z",
        'з' => "z",
        'и' => "i",
        'ј' => "j",
        'к' => "k",
        'л' => "l",
        'љ' => "lj",
        'м' => "m",
        'н' => "n",
        'њ' => "nj",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'ћ' => "c",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "c",
        'ч' => "c",
        'џ' => "dz",
        'ш' => "s",
        // Macedonian, Russian, Ukrainian and Belarusian letters, so text in
        // neighbouring languages folds consistently too.
        'ѓ' => "gj",
        'ќ' => "kj",
        'ѕ' => "dz",
        'й' => "j",
        'ё' => "e",
        'ы' => "y",
        'э' => "e",
        'ю' => "ju",
        'я' => "ja",
        'щ' => "sc",
        'ї' => "ji",
        'і' => "i",
        'є' => "je",
        'ў' => "u",
        'ъ' | 'ь' => "",
        'ѐ' => "e",
        'ѝ' => "i",
        _ => return None,
    })
}

/// The letters and digits of `text`, lowercased, diacritics kept, Serbian
/// Cyrillic in Gaj Latin (ћ to ć, not c): what a `diacritics = "exact"`
/// term compares against the original text of a folded hit. Only hits of
/// such terms pay for it.
pub fn marked_letters(text: &str) -> String {
    let mut letters = String::with_capacity(text.len());
    for ch in text.nfkc().filter(|c| is_word_char(*c)) {
        for lower in ch.to_lowercase() {
            match cyrillic_to_marked_latin(lower) {
                Some(latin) => letters.push_str(latin),
                None => letters.push(lower),
            }
        }
    }
    letters
}

/// Like [`cyrillic_to_latin`], keeping the diacritics of Gaj Latin.
fn cyrillic_to_marked_latin(ch: char) -> Option<&'static str> {
    match ch {
        'ђ' => Some("đ"),
        'ж' => Some("ž"),
        'ћ' => Some("ć"),
        'ч' => Some("č"),
        'џ' => Some("dž"),
        'ш' => Some("š"),
        _ => cyrillic_to_latin(ch),
    }
}
