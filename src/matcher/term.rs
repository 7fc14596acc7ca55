//! One compiled term: what the automaton searches for it (its folded
//! text, a phrase's first word, a stem with word forms) and what is checked
//! around a raw match (boundaries, a phrase's further words, endings,
//! diacritics); and word positions in folded text, for NEAR.

use super::forms::FormTerm;
use super::watch::{Diacritics, TermConfig, TermMode};
use crate::text::fold::{self, Folded, fold};

/// One compiled term of one list.
#[derive(Debug, Clone)]
pub(super) struct Term {
    /// As written in the config (what alerts show).
    pub(super) written: String,
    pub(super) mode: TermMode,
    /// For `diacritics = "exact"`: its [`fold::marked_letters`], which the
    /// original text of a hit must equal.
    pub(super) marks: Option<String>,
    /// A phrase's words after the first (which is the pattern): they must
    /// follow it, with only spaces and punctuation between.
    pub(super) rest: Vec<String>,
    /// With `forms`: the pattern is the stem, and the rest of the word
    /// must be one of the language's endings.
    pub(super) forms: Option<FormTerm>,
    /// A regex term: found by its regex, not by a pattern (its hits carry
    /// the text they matched).
    pub(super) regex: bool,
}

impl Term {
    /// A term as the config writes it (its whole folded text is the
    /// pattern).
    pub(super) fn of(config: &TermConfig, default: TermMode) -> Term {
        Term {
            written: match config.regex() {
                Some(source) => super::regex_term::written(source),
                None => config.text().to_string(),
            },
            mode: config.mode(default),
            marks: (config.diacritics() == Diacritics::Exact)
                .then(|| fold::marked_letters(config.text())),
            rest: Vec::new(),
            forms: config
                .forms()
                .map(|langs| FormTerm::new(&folded_term(config), langs)),
            regex: config.regex().is_some(),
        }
    }

    /// The automaton pattern of a term from the config: its folded text,
    /// or with `forms` its stem.
    pub(super) fn pattern_of(&self, config: &TermConfig) -> String {
        match &self.forms {
            Some(forms) => forms.stem().to_string(),
            None => folded_term(config),
        }
    }

    /// A query leaf's or entity variant's pattern: its first word, the
    /// rest checked after it.
    pub(super) fn of_words(
        written: &str,
        words: &[String],
        mode: TermMode,
        marks: Option<String>,
    ) -> (Term, String) {
        let first = words.first().cloned().unwrap_or_default();
        let term = Term {
            written: written.to_string(),
            mode,
            marks,
            rest: words.iter().skip(1).cloned().collect(),
            forms: None,
            regex: false,
        };
        (term, first)
    }

    /// How a raw match of its pattern must sit: a phrase's first word is a
    /// whole word (its mode is the last word's), a stem with forms starts
    /// a word.
    pub(super) fn first_mode(&self) -> TermMode {
        if self.forms.is_some() {
            TermMode::Prefix
        } else if self.rest.is_empty() {
            self.mode
        } else {
            TermMode::Word
        }
    }

    /// Whether a raw match is checked for `other` exactly as for this term
    /// (so one check serves both).
    pub(super) fn checks_like(&self, other: &Term) -> bool {
        self.mode == other.mode
            && self.marks == other.marks
            && self.rest == other.rest
            && self.forms == other.forms
    }

    /// Where a hit whose pattern ends at `end` ends: after the phrase's
    /// further words, if they follow; `None` if they do not.
    pub(super) fn extend(&self, text: &str, end: usize) -> Option<usize> {
        let mut end = end;
        for (n, word) in self.rest.iter().enumerate() {
            let gap = text[end..].find(fold::is_word_char)?;
            let start = end + gap;
            if gap == 0 || !text[start..].starts_with(word.as_str()) {
                return None;
            }
            end = start + word.len();
            let last_is_prefix = n + 1 == self.rest.len() && self.mode != TermMode::Word;
            if !last_is_prefix && text[end..].chars().next().is_some_and(fold::is_word_char) {
                return None;
            }
        }
        Some(end)
    }

    /// Whether a hit at `range` of `folded` keeps the term's diacritics
    /// (always, unless the term asks for exact ones).
    pub(super) fn marks_hold(
        &self,
        folded: &Folded,
        source: &str,
        range: std::ops::Range<usize>,
    ) -> bool {
        self.marks.as_ref().is_none_or(|marks| {
            let original = folded.original_range(range, source);
            fold::marked_letters(&source[original]) == *marks
        })
    }
}

/// Byte offsets where words start in folded `text`.
pub(super) fn word_start_offsets(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut previous_is_word = false;
    text.char_indices().filter_map(move |(at, c)| {
        let is_word = fold::is_word_char(c);
        let starts = is_word && !previous_is_word;
        previous_is_word = is_word;
        starts.then_some(at)
    })
}

/// The indexes of the first and last words of a hit at `start..end`.
pub(super) fn word_span(word_starts: &[usize], start: usize, end: usize) -> (u32, u32) {
    let index = |at: usize| {
        let n = word_starts.partition_point(|&s| s <= at).saturating_sub(1);
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    (index(start), index(end.saturating_sub(1).max(start)))
}

pub(super) fn folded_term(term: &TermConfig) -> String {
    fold(term.text()).trim().to_string()
}

/// Whether a match at `start..end` of folded `text` sits on the boundaries
/// its mode asks for, judged on the neighbouring characters.
pub fn on_boundaries(text: &str, start: usize, end: usize, mode: TermMode) -> bool {
    match mode {
        TermMode::Substring => true,
        TermMode::Prefix => boundary_before(text, start),
        TermMode::Word => boundary_before(text, start) && boundary_after(text, end),
    }
}

/// Whether no word character comes right before `at`.
pub(super) fn boundary_before(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !fold::is_word_char(c))
}

/// Whether no word character comes right at `at`.
pub(super) fn boundary_after(text: &str, at: usize) -> bool {
    text[at..]
        .chars()
        .next()
        .is_none_or(|c| !fold::is_word_char(c))
}
