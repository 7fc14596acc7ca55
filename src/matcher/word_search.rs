//! Finding the patterns that can only hit at the start of a word (every
//! word, prefix, phrase and word-forms pattern) without running an
//! automaton over every byte: the folded text's word starts are found
//! eight bytes at a time, most are ruled out by their first two bytes,
//! and a trie is walked from the rest. On news text this reads each byte
//! once, cheaply, instead of through a DFA.

use crate::text::fold::is_word_char;

/// Patterns that start with a word character, searched at word starts.
#[derive(Debug, Clone)]
pub(super) struct WordSearch {
    /// Bit `a * 256 + b`: some pattern starts with the bytes `a`, `b` (a
    /// one-byte pattern `a` sets every `b`).
    pairs: Box<[u64]>,
    /// The root's children by first byte (0: none), looked up directly.
    roots: Box<[u32]>,
    /// The patterns as a trie; node 0 is the root.
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// (byte, node): few past the first byte, so looked through in turn.
    next: Vec<(u8, u32)>,
    /// The patterns that end here.
    ends: Vec<usize>,
}

impl WordSearch {
    /// Indexes `patterns` (pattern ids and their text; each starts with a
    /// word character).
    pub(super) fn new<'a>(patterns: impl IntoIterator<Item = (usize, &'a str)>) -> WordSearch {
        let mut pairs = vec![0u64; 65536 / 64].into_boxed_slice();
        let mut nodes = vec![Node::default()];
        for (id, pattern) in patterns {
            let bytes = pattern.as_bytes();
            let Some(&first) = bytes.first() else {
                continue;
            };
            match bytes.get(1) {
                Some(&second) => set_pair(&mut pairs, first, second),
                None => (0..=255).for_each(|second| set_pair(&mut pairs, first, second)),
            }
            let mut node = 0;
            for &byte in bytes {
                node = match nodes[node].next.iter().find(|&&(b, _)| b == byte) {
                    Some(&(_, next)) => next as usize,
                    None => {
                        let new = nodes.len();
                        nodes[node].next.push((byte, new as u32));
                        nodes.push(Node::default());
                        new
                    }
                };
            }
            nodes[node].ends.push(id);
        }
        let mut roots = vec![0; 256].into_boxed_slice();
        for &(byte, node) in &nodes[0].next {
            roots[usize::from(byte)] = node;
        }
        WordSearch {
            pairs,
            roots,
            nodes,
        }
    }

    /// Calls `each(pattern, start, end)` for every pattern that occurs in
    /// `text` starting at a word start (a word character with none before
    /// it), in order of start, shorter patterns first.
    pub(super) fn for_each_match(&self, text: &str, mut each: impl FnMut(usize, usize, usize)) {
        let bytes = text.as_bytes();
        for_each_word_start(text, |start| {
            let first = bytes[start];
            let second = bytes.get(start + 1).copied().unwrap_or(0);
            let pair = usize::from(first) << 8 | usize::from(second);
            if self.pairs[pair / 64] & (1 << (pair % 64)) == 0 {
                return;
            }
            let mut node = self.roots[usize::from(first)] as usize;
            for (length, byte) in bytes[start..].iter().enumerate() {
                if length > 0 {
                    match self.nodes[node].next.iter().find(|&&(b, _)| b == *byte) {
                        Some(&(_, next)) => node = next as usize,
                        None => return,
                    }
                }
                for &pattern in &self.nodes[node].ends {
                    each(pattern, start, start + length + 1);
                }
            }
        });
    }
}

fn set_pair(pairs: &mut [u64], first: u8, second: u8) {
    let pair = usize::from(first) << 8 | usize::from(second);
    pairs[pair / 64] |= 1 << (pair % 64);
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH: u64 = ONES * 0x80;

/// The high bit of each byte of `chunk` (all ASCII) that is a letter or
/// a digit.
fn ascii_word_bytes(chunk: u64) -> u64 {
    // Byte in lo..=hi: adding 0x80 - lo sets its high bit, adding
    // 0x80 - (hi + 1) does not (ASCII bytes never carry into the next).
    let within = |lo: u8, hi: u8| {
        let from = chunk + ONES * u64::from(0x80 - lo);
        let past = chunk + ONES * u64::from(0x80 - (hi + 1));
        from & !past & HIGH
    };
    within(b'0', b'9') | within(b'a', b'z') | within(b'A', b'Z')
}

/// Calls `each` with the byte offset of every word start in `text`: a
/// character that is part of a word (see [`is_word_char`]) with none
/// right before it. Plain ASCII is looked at eight bytes at a time.
pub(super) fn for_each_word_start(text: &str, mut each: impl FnMut(usize)) {
    let bytes = text.as_bytes();
    let mut previous_is_word = false;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(chunk) = bytes.get(at..at + 8)
            && let Ok(chunk) = <[u8; 8]>::try_from(chunk)
        {
            let chunk = u64::from_le_bytes(chunk);
            if chunk & HIGH == 0 {
                let words = ascii_word_bytes(chunk);
                let mut starts = words & !(words << 8 | u64::from(previous_is_word) << 7);
                while starts != 0 {
                    each(at + (starts.trailing_zeros() / 8) as usize);
                    starts &= starts - 1;
                }
                previous_is_word = words >> 63 != 0;
                at += 8;
                continue;
            }
        }
        let Some(ch) = text.get(at..).and_then(|rest| rest.chars().next()) else {
            // Not on a character boundary: cannot happen on a &str walked
            // by whole characters and ASCII chunks.
            at += 1;
            continue;
        };
        let is_word = is_word_char(ch);
        if is_word && !previous_is_word {
            each(at);
        }
        previous_is_word = is_word;
        at += ch.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts_of(text: &str) -> Vec<usize> {
        let mut starts = Vec::new();
        for_each_word_start(text, |at| starts.push(at));
        starts
    }

    fn starts_by_characters(text: &str) -> Vec<usize> {
        let mut previous = false;
        text.char_indices()
            .filter_map(|(at, c)| {
                let word = is_word_char(c);
                let start = word && !previous;
                previous = word;
                start.then_some(at)
            })
            .collect()
    }

    #[test]
    fn word_starts_are_found_in_ascii_chunks_as_character_by_character() {
        let alphabet = [
            "a", "Z", "0", "9", " ", "-", "'", "_", "@", "[", "`", "{", "/", ":", "č", "ж", "ß",
            "€", "\u{0301}", "٣",
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..5000 {
            let text: String = (0..rng.usize(0..40))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            assert_eq!(starts_of(&text), starts_by_characters(&text), "{text:?}");
        }
    }

    #[test]
    fn every_pattern_at_every_word_start_is_found() {
        let patterns = ["kfor", "kfor troops", "k", "kosov", "kosovo", "vucic", "9"];
        let search = WordSearch::new(patterns.iter().copied().enumerate());
        let text = "kfor troops: workforce kosovo, (kosovo) k9 9 vucicu-kfor";
        let mut found = Vec::new();
        search.for_each_match(text, |p, start, end| found.push((patterns[p], start, end)));
        let mut expected = Vec::new();
        for start in starts_by_characters(text) {
            for (p, pattern) in patterns.iter().enumerate() {
                if text[start..].starts_with(pattern) {
                    expected.push((p, start, start + pattern.len()));
                }
            }
        }
        expected.sort_by_key(|&(_, start, end)| (start, end));
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(p, start, end)| (patterns[p], start, end))
            .collect();
        assert_eq!(found, expected);
        assert!(found.contains(&("kfor troops", 0, 11)));
        assert!(found.contains(&("kfor", 52, 56)));
        assert!(!found.iter().any(|&(_, start, _)| start == 17), "workforce");
    }
}
