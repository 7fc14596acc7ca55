//! Text folding: the one normal form that both watch terms and item text are
//! put into before matching.
//!
//! Serbian Cyrillic becomes Gaj Latin by a fixed table, then NFKD, combining
//! marks dropped, lowercase, `đ` to `dj`. Whitespace runs (including
//! non-breaking spaces and line breaks) become one space, soft hyphens and
//! zero-width characters vanish, typographic apostrophes and dashes become
//! their ASCII forms. So "Vučić", "VUCIC" and "Вучић" all fold to "vucic".
//!
//! [`Folded`] also keeps, for every folded byte, the byte offset of the
//! original character it came from, so hits can be shown in the original.

use std::ops::Range;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

pub use super::letters::marked_letters;
use super::letters::{cyrillic_to_latin, is_ascii_space, is_invisible, punctuation_to_ascii};

/// Folds `text` into a new string (for terms and tests; the hot path reuses a
/// [`Folded`] buffer instead).
pub fn fold(text: &str) -> String {
    let mut folded = Folded::default();
    folded.fold_from(text);
    folded.text
}

/// A folded text with a map back to the original: a reusable buffer.
#[derive(Debug, Default, Clone)]
pub struct Folded {
    text: String,
    /// Where the folded bytes came from, as runs in folded order (see
    /// [`Run`]): plain ASCII text is one run, so folding it costs no more
    /// than copying it.
    runs: Vec<Run>,
    /// Whether the last pushed character was a (folded) space.
    after_space: bool,
}

/// Folded bytes from `folded` on (to the next run) came from the original
/// from byte `source` on: one for one, or, when `spread`, all from the one
/// character at `source` (a digraph like "lj" from "љ").
#[derive(Debug, Clone, Copy)]
struct Run {
    folded: u32,
    source: u32,
    spread: bool,
}

impl Folded {
    /// The folded text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Replaces the buffer's contents with the folding of `source`.
    pub fn fold_from(&mut self, source: &str) {
        self.text.clear();
        self.runs.clear();
        self.after_space = false;
        let bytes = source.as_bytes();
        // Offsets are u32: texts are capped far below 4 GiB by the fetch limit.
        let mut at = 0;
        while at < bytes.len() {
            // The common case: a run of plain ASCII with single spaces,
            // copied and lowercased at once.
            let start = at;
            let after_space;
            (at, after_space) = plain_run_end(bytes, at, self.after_space);
            if at > start {
                let from = self.text.len();
                self.map_one_to_one(from, start);
                self.text.push_str(&source[start..at]);
                self.text.as_mut_str()[from..].make_ascii_lowercase();
                self.after_space = after_space;
            } else if bytes[at].is_ascii() {
                self.push_space(at as u32);
                at += 1;
            } else {
                let Some(ch) = source[at..].chars().next() else {
                    break;
                };
                match COMMON.get((ch as usize).wrapping_sub(COMMON_FROM)) {
                    Some(Folding::Nothing) => {}
                    Some(Folding::Space) => self.push_space(at as u32),
                    Some(Folding::Text(text)) => self.push_folded_str(text, at as u32),
                    Some(Folding::Other) | None => self.push_other(ch, at as u32),
                }
                at += ch.len_utf8();
            }
        }
    }

    /// Maps a byte range of the folded text back to the original text's byte
    /// range, widened to whole original characters.
    pub fn original_range(&self, folded: Range<usize>, source: &str) -> Range<usize> {
        if self.text.is_empty() || folded.start >= folded.end {
            return 0..0;
        }
        let last = folded.end.min(self.text.len()) - 1;
        let start = self.origin(folded.start.min(last));
        let last_start = self.origin(last);
        let end = source
            .get(last_start..)
            .and_then(|rest| rest.chars().next())
            .map_or(last_start, |c| last_start + c.len_utf8());
        start..end
    }

    /// The original byte offset of the character folded byte `at` came from.
    fn origin(&self, at: usize) -> usize {
        let index = self
            .runs
            .partition_point(|run| run.folded as usize <= at)
            .saturating_sub(1);
        match self.runs.get(index) {
            Some(run) if run.spread => run.source as usize,
            Some(run) => run.source as usize + (at - run.folded as usize),
            None => 0,
        }
    }

    /// Records that folded bytes from `folded` on come one for one from
    /// the original from `source` on, unless the last run already says so.
    fn map_one_to_one(&mut self, folded: usize, source: usize) {
        if let Some(last) = self.runs.last()
            && !last.spread
            && last.source as usize + (folded - last.folded as usize) == source
        {
            return;
        }
        self.runs.push(Run {
            folded: folded as u32,
            source: source as u32,
            spread: false,
        });
    }

    /// Appends `folded`, which came from the one character at `source`.
    fn push_from(&mut self, folded: &str, source: u32) {
        let at = self.text.len();
        if folded.len() == 1 {
            self.map_one_to_one(at, source as usize);
        } else {
            self.runs.push(Run {
                folded: at as u32,
                source,
                spread: true,
            });
        }
        self.text.push_str(folded);
    }

    fn push_ascii(&mut self, byte: u8, offset: u32) {
        if is_ascii_space(byte) {
            self.push_space(offset);
        } else {
            self.after_space = false;
            let mut buffer = [0; 4];
            let lower = char::from(byte.to_ascii_lowercase()).encode_utf8(&mut buffer);
            self.push_from(lower, offset);
        }
    }

    fn push_space(&mut self, offset: u32) {
        if !self.after_space {
            self.after_space = true;
            self.push_from(" ", offset);
        }
    }

    fn push_folded_str(&mut self, folded: &str, offset: u32) {
        if folded.is_empty() {
            // Hard and soft signs carry no letter; they must not end a space run.
            return;
        }
        self.after_space = false;
        self.push_from(folded, offset);
    }

    /// Folds one character the long way: whitespace, invisibles,
    /// Cyrillic, punctuation, then compatibility decomposition.
    fn push_other(&mut self, ch: char, offset: u32) {
        if ch.is_whitespace() {
            return self.push_space(offset);
        }
        if is_invisible(ch) {
            return;
        }
        if let Some(latin) = cyrillic_to_latin(ch) {
            return self.push_folded_str(latin, offset);
        }
        if let Some(ascii) = punctuation_to_ascii(ch) {
            return self.push_ascii(ascii, offset);
        }
        decompose_compatible(ch, |part| {
            for lower in part.to_lowercase() {
                self.push_decomposed(lower, offset);
            }
        });
    }

    fn push_decomposed(&mut self, ch: char, offset: u32) {
        if ch.is_ascii() {
            return self.push_ascii(ch as u8, offset);
        }
        if is_combining_mark(ch) || is_invisible(ch) {
            return;
        }
        if ch.is_whitespace() {
            return self.push_space(offset);
        }
        if let Some(ascii) = punctuation_to_ascii(ch) {
            // Compatibility forms decompose to typographic dashes too (⁻ to −).
            return self.push_ascii(ascii, offset);
        }
        match ch {
            'đ' => self.push_folded_str("dj", offset),
            // Letters without a decomposition that users type without the stroke.
            'ł' => self.push_folded_str("l", offset),
            'ø' => self.push_folded_str("o", offset),
            'ı' => self.push_folded_str("i", offset),
            _ => {
                if let Some(latin) = cyrillic_to_latin(ch) {
                    return self.push_folded_str(latin, offset);
                }
                self.after_space = false;
                let mut buffer = [0; 4];
                self.push_from(ch.encode_utf8(&mut buffer), offset);
            }
        }
    }
}

/// Where the run of plain text from `at` ends: ASCII, no whitespace but
/// single spaces (a space after `after_space` ends it), and whether it
/// ends in a space. Eight bytes are checked at a time while they are all
/// plain, which in English text is most of it.
fn plain_run_end(bytes: &[u8], mut at: usize, mut after_space: bool) -> (usize, bool) {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = ONES * 0x80;
    loop {
        while let Some(chunk) = bytes.get(at..at + 8) {
            let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            let word = u64::from_le_bytes(chunk);
            if word & HIGH != 0 {
                break;
            }
            // Bytes below 0x20 (controls, tabs, line breaks): their high
            // bit stays clear when 0x60 is added.
            let controls = !(word + ONES * 0x60) & HIGH;
            // Spaces: the bytes that XOR to zero, found exactly.
            let x = word ^ (ONES * 0x20);
            let spaces = !(((x & !HIGH) + !HIGH) | x) & HIGH;
            let doubled = spaces & ((spaces << 8) | u64::from(after_space) << 7);
            if controls != 0 || doubled != 0 {
                break;
            }
            after_space = chunk[7] == b' ';
            at += 8;
        }
        let stop = (at + 8).min(bytes.len());
        while at < stop {
            let byte = bytes[at];
            if !byte.is_ascii() || (byte == b' ' && after_space) {
                return (at, after_space);
            }
            if byte == b' ' {
                after_space = true;
            } else if is_ascii_space(byte) {
                return (at, after_space);
            } else {
                after_space = false;
            }
            at += 1;
        }
        if at == bytes.len() {
            return (at, after_space);
        }
    }
}

/// The first character of [`COMMON`].
const COMMON_FROM: usize = 0x80;

/// How the characters from U+0080 to U+052F (Latin-1, Latin Extended,
/// IPA, Greek, Cyrillic: the letters of the region's languages) fold,
/// worked out once by [`Folded::push_other`] so that text in Serbian and
/// Albanian folds at table speed.
static COMMON: std::sync::LazyLock<Vec<Folding>> = std::sync::LazyLock::new(|| {
    (COMMON_FROM..0x0530)
        .map(|code| {
            let Some(ch) = char::from_u32(code as u32) else {
                return Folding::Other;
            };
            let mut alone = Folded::default();
            alone.push_other(ch, 0);
            match alone.as_str() {
                "" => Folding::Nothing,
                " " => Folding::Space,
                text if text.contains(' ') => Folding::Other,
                text => Folding::Text(text.into()),
            }
        })
        .collect()
});

/// What one character folds to, on its own.
#[derive(Debug, Clone)]
enum Folding {
    /// No letters (a combining mark, a soft hyphen, a hard sign).
    Nothing,
    /// A space (collapsing with its neighbours).
    Space,
    /// This text, which holds no space.
    Text(Box<str>),
    /// Worked out each time.
    Other,
}

/// Whether `ch` is part of a word, for the boundary checks of term modes.
pub fn is_word_char(ch: char) -> bool {
    ch.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serbian_names_fold_equal_across_scripts_and_diacritics() {
        for spelling in ["Vučić", "VUČIĆ", "Vucic", "Вучић", "ВУЧИЋ"] {
            assert_eq!(fold(spelling), "vucic", "{spelling}");
        }
        for spelling in ["Priština", "Pristina", "Приштина", "PRIŠTINA"] {
            assert_eq!(fold(spelling), "pristina", "{spelling}");
        }
    }

    #[test]
    fn digraph_letters_follow_the_serbian_table() {
        assert_eq!(fold("Љубљана"), "ljubljana");
        assert_eq!(fold("Његош"), "njegos");
        assert_eq!(fold("Џаковица"), "dzakovica");
        assert_eq!(fold("Ђорђе"), "djordje");
        assert_eq!(fold("Đorđe"), "djordje");
        assert_eq!(fold("Звечан"), "zvecan");
        assert_eq!(fold("Zvečan"), "zvecan");
    }

    #[test]
    fn albanian_and_compatibility_forms_fold() {
        assert_eq!(fold("Prishtinë"), "prishtine");
        assert_eq!(fold("Kosovës"), "kosoves");
        assert_eq!(fold("Çeliku"), "celiku");
        assert_eq!(fold("ＫＦＯＲ"), "kfor");
        assert_eq!(fold("ﬁle"), "file");
    }

    #[test]
    fn whitespace_and_invisible_characters_fold_to_single_spaces() {
        assert_eq!(fold("Kosovo\u{00A0}\n\t Force"), "kosovo force");
        assert_eq!(fold("li\u{00AD}cence  plates"), "licence plates");
        assert_eq!(fold("KFOR\u{2019}s"), "kfor's");
        assert_eq!(fold("Kosovo\u{2013}Serbia"), "kosovo-serbia");
        // A letterless Cyrillic sign between spaces leaves one space.
        assert_eq!(fold("a ъ b"), "a b");
        // A superscript minus decomposes to a minus sign, folded to '-'.
        assert_eq!(fold("⁻"), "-");
    }

    #[test]
    fn folding_is_idempotent_on_examples() {
        for text in [
            "Вучић у Приштини",
            "Kosovës",
            "ＫＦＯＲ’s  mission",
            "Đakovica",
        ] {
            let once = fold(text);
            assert_eq!(fold(&once), once);
        }
    }

    #[test]
    fn marked_letters_keep_diacritics_across_scripts() {
        assert_eq!(marked_letters("Митровића"), marked_letters("Mitrovića"));
        assert_eq!(marked_letters("MITROVICA"), "mitrovica");
        assert_ne!(marked_letters("Mitrovića"), marked_letters("Mitrovica"));
        // Decomposed marks compose; punctuation and spaces do not count.
        assert_eq!(
            marked_letters("Pris\u{030C}tine"),
            marked_letters("Приштине")
        );
        assert_eq!(
            marked_letters("Kosovska\u{00A0}Mitrovica!"),
            "kosovskamitrovica"
        );
        assert_eq!(marked_letters("Џајић Ђорђе"), "džajićđorđe");
    }

    #[test]
    fn every_folded_word_maps_back_to_its_original_word() {
        let source = "Председник  Вучић,\tSrbija ﬁle\u{00A0}Đorđe ＫＦＯＲ’s Љубљана \
                      li\u{00AD}cence Kosovë";
        let mut folded = Folded::default();
        folded.fold_from(source);
        let mut original_words = Vec::new();
        let mut at = 0;
        for word in source.split(char::is_whitespace) {
            if !word.is_empty() {
                original_words.push(at..at + word.len());
            }
            at += word.len()
                + source[at + word.len()..]
                    .chars()
                    .next()
                    .map_or(0, char::len_utf8);
        }
        let text = folded.as_str();
        let mut folded_at = 0;
        let mut mapped = Vec::new();
        for word in text.split(' ') {
            mapped.push(folded.original_range(folded_at..folded_at + word.len(), source));
            folded_at += word.len() + 1;
        }
        assert_eq!(
            text,
            "predsednik vucic, srbija file djordje kfor's ljubljana licence kosove"
        );
        assert_eq!(mapped, original_words);
    }

    #[test]
    fn the_plain_text_fast_path_folds_as_character_by_character_does() {
        let alphabet = [
            'a', 'B', ' ', ' ', '\t', '\n', '\u{0b}', 'č', 'Ж', 'љ', '\u{00AD}', '.', 'ë', 'Ç',
            'ǅ', '´', 'ъ', '\u{0301}', '\u{00A0}', 'ß', 'İ', 'Ω', 'ﬁ', '’', '\u{2003}',
        ];
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..3000 {
            let text: String = (0..rng.usize(0..40))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            let mut fast = Folded::default();
            fast.fold_from(&text);
            let mut slow = Folded::default();
            for (at, ch) in text.char_indices() {
                if ch.is_ascii() {
                    slow.push_ascii(ch as u8, at as u32);
                } else {
                    slow.push_other(ch, at as u32);
                }
            }
            assert_eq!(fast.as_str(), slow.as_str(), "{text:?}");
            for at in 0..fast.as_str().len() {
                assert_eq!(fast.origin(at), slow.origin(at), "{text:?} at {at}");
            }
        }
    }

    #[test]
    fn offsets_map_back_to_original_characters() {
        let source = "Председник Вучић, Srbija";
        let mut folded = Folded::default();
        folded.fold_from(source);
        let start = folded.as_str().find("vucic").expect("folded name");
        let range = folded.original_range(start..start + 5, source);
        assert_eq!(&source[range], "Вучић");
        // A range ending inside a digraph widens to the whole original letter.
        let mut lj = Folded::default();
        lj.fold_from("Љ");
        assert_eq!(lj.original_range(0..1, "Љ"), 0..2);
    }
}
