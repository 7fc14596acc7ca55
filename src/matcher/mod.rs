//! Matching: which watch lists an item hits, with which terms, where.
//!
//! Every term is folded once at start-up and all of them go into one
//! aho-corasick automaton. An item's fields are folded into reused buffers
//! and scanned once; each raw match is then checked against its term's mode
//! on character boundaries, so "workforce" never hits `kfor` in word mode.

pub mod fold;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

pub use fold::{Folded, fold};

use crate::config::{TermMode, WatchConfig};
use crate::model::{Field, Hit, Item};

/// One compiled term of one list.
#[derive(Debug, Clone)]
struct Term {
    /// As written in the config (what alerts show).
    written: String,
    mode: TermMode,
}

/// A compiled watch list.
#[derive(Debug, Clone)]
pub struct WatchList {
    /// The list's name.
    pub name: String,
    terms: Vec<Term>,
}

/// Where one automaton pattern leads: a (list, term) pair.
#[derive(Debug, Clone, Copy)]
struct PatternTarget {
    list: usize,
    term: usize,
}

/// All watch lists, compiled into one automaton. Cheap to share (`Sync`).
#[derive(Debug, Clone)]
pub struct Matcher {
    automaton: AhoCorasick,
    /// For each automaton pattern, every (list, term) that folds to it.
    targets: Vec<Vec<PatternTarget>>,
    lists: Vec<WatchList>,
}

/// Reusable per-task buffers, so matching allocates nothing per item unless
/// something hits.
#[derive(Debug, Default)]
pub struct MatchScratch {
    fields: [Folded; 3],
    /// First hit per (list, term), flattened: (field, folded range).
    first: Vec<Option<(Field, usize, usize)>>,
    touched: Vec<usize>,
}

/// Why a matcher could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the matcher: {0}")]
pub struct MatcherError(String);

impl Matcher {
    /// Compiles the configured watch lists.
    pub fn new(watches: &[WatchConfig]) -> Result<Matcher, MatcherError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<PatternTarget>> = Vec::new();
        let mut lists = Vec::with_capacity(watches.len());
        for (list_index, watch) in watches.iter().enumerate() {
            let mut terms = Vec::with_capacity(watch.terms.len());
            for (term_index, term) in watch.terms.iter().enumerate() {
                let term = term.get_ref();
                let folded = fold(term.text()).trim().to_string();
                let target = PatternTarget {
                    list: list_index,
                    term: term_index,
                };
                match patterns.iter().position(|p| *p == folded) {
                    Some(existing) => targets[existing].push(target),
                    None => {
                        patterns.push(folded);
                        targets.push(vec![target]);
                    }
                }
                terms.push(Term {
                    written: term.text().to_string(),
                    mode: term.mode(watch.mode),
                });
            }
            lists.push(WatchList {
                name: watch.name.get_ref().clone(),
                terms,
            });
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| MatcherError(e.to_string()))?;
        Ok(Matcher {
            automaton,
            targets,
            lists,
        })
    }

    /// The compiled lists, in config order.
    pub fn lists(&self) -> &[WatchList] {
        &self.lists
    }

    /// Finds every (list, term) that hits the item; the first place each one
    /// hits (title before summary before content) explains it.
    pub fn find(&self, item: &Item, scratch: &mut MatchScratch) -> Vec<Hit> {
        let slots: usize = self.lists.iter().map(|l| l.terms.len()).sum();
        if scratch.first.len() != slots {
            scratch.first = vec![None; slots];
        }
        scratch.touched.clear();
        for (index, field) in Field::ALL.into_iter().enumerate() {
            let folded = &mut scratch.fields[index];
            folded.fold_from(item.field(field));
            self.scan(
                field,
                folded.as_str(),
                &mut scratch.first,
                &mut scratch.touched,
            );
        }
        if scratch.touched.is_empty() {
            return Vec::new();
        }
        scratch.touched.sort_unstable();
        let mut hits = Vec::with_capacity(scratch.touched.len());
        for &slot in &scratch.touched {
            let Some((field, start, end)) = scratch.first[slot].take() else {
                continue;
            };
            let (list, term) = self.slot_owner(slot);
            let folded = &scratch.fields[field_index(field)];
            let source = item.field(field);
            let range = folded.original_range(start..end, source);
            hits.push(Hit {
                list: self.lists[list].name.clone(),
                term: self.lists[list].terms[term].written.clone(),
                field,
                snippet: snippet(source, range),
            });
        }
        hits
    }

    fn scan(
        &self,
        field: Field,
        text: &str,
        first: &mut [Option<(Field, usize, usize)>],
        touched: &mut Vec<usize>,
    ) {
        for found in self.automaton.find_overlapping_iter(text) {
            for target in &self.targets[found.pattern().as_usize()] {
                let slot = self.slot(target.list, target.term);
                if first[slot].is_some() {
                    continue;
                }
                let mode = self.lists[target.list].terms[target.term].mode;
                if on_boundaries(text, found.start(), found.end(), mode) {
                    first[slot] = Some((field, found.start(), found.end()));
                    touched.push(slot);
                }
            }
        }
    }

    fn slot(&self, list: usize, term: usize) -> usize {
        self.lists[..list]
            .iter()
            .map(|l| l.terms.len())
            .sum::<usize>()
            + term
    }

    fn slot_owner(&self, mut slot: usize) -> (usize, usize) {
        for (index, list) in self.lists.iter().enumerate() {
            if slot < list.terms.len() {
                return (index, slot);
            }
            slot -= list.terms.len();
        }
        (self.lists.len().saturating_sub(1), 0)
    }
}

fn field_index(field: Field) -> usize {
    match field {
        Field::Title => 0,
        Field::Summary => 1,
        Field::Content => 2,
    }
}

/// Whether a match at `start..end` of folded `text` sits on the boundaries
/// its mode asks for, judged on the neighbouring characters.
pub fn on_boundaries(text: &str, start: usize, end: usize, mode: TermMode) -> bool {
    let left_ok = || {
        text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !fold::is_word_char(c))
    };
    let right_ok = || {
        text[end..]
            .chars()
            .next()
            .is_none_or(|c| !fold::is_word_char(c))
    };
    match mode {
        TermMode::Substring => true,
        TermMode::Prefix => left_ok(),
        TermMode::Word => left_ok() && right_ok(),
    }
}

/// Characters of context shown on each side of a hit.
const SNIPPET_CONTEXT: usize = 60;

/// The original text around `hit`, whitespace collapsed, the hit marked
/// `**like this**`, cut at word boundaries with "…" where shortened.
pub fn snippet(source: &str, hit: std::ops::Range<usize>) -> String {
    let before = &source[..hit.start];
    let after = &source[hit.end..];
    let mut start = hit.start;
    for (count, (index, _)) in before.char_indices().rev().enumerate() {
        if count >= SNIPPET_CONTEXT {
            break;
        }
        start = index;
    }
    let mut end = hit.end;
    for (count, (index, ch)) in after.char_indices().enumerate() {
        if count >= SNIPPET_CONTEXT {
            break;
        }
        end = hit.end + index + ch.len_utf8();
    }
    // Do not cut words in half at either edge.
    if start > 0
        && let Some(space) = source[start..hit.start].find(char::is_whitespace)
    {
        start += space;
    }
    if end < source.len()
        && let Some(space) = source[hit.end..end].rfind(char::is_whitespace)
    {
        end = hit.end + space;
    }
    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    push_collapsed(&mut out, &source[start..hit.start]);
    out.push_str("**");
    push_collapsed(&mut out, &source[hit.clone()]);
    out.push_str("**");
    push_collapsed(&mut out, &source[hit.end..end]);
    if end < source.len() {
        out.push('…');
    }
    out.trim().to_string()
}

fn push_collapsed(out: &mut String, text: &str) {
    let mut last_space = out.ends_with(' ');
    for ch in text.chars() {
        if ch.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(ch);
            last_space = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, TermMode};
    use crate::model::ItemKey;
    use std::path::Path;

    fn matcher(lists: &str) -> Matcher {
        let config = Config::parse(lists, Path::new("t.toml")).expect("valid config");
        Matcher::new(&config.watches).expect("matcher")
    }

    fn item(title: &str) -> Item {
        Item {
            key: ItemKey::from_parts("test", &[title]),
            source_id: None,
            title: title.to_string(),
            link: None,
            summary: String::new(),
            content: String::new(),
            published: None,
        }
    }

    fn lists_hit(matcher: &Matcher, title: &str) -> Vec<String> {
        let mut scratch = MatchScratch::default();
        let mut lists: Vec<String> = matcher
            .find(&item(title), &mut scratch)
            .into_iter()
            .map(|h| h.list)
            .collect();
        lists.dedup();
        lists
    }

    const LISTS: &str = r#"
[[watch]]
name = "kfor"
terms = ["KFOR", "Kosovo Force"]

[[watch]]
name = "kosovo"
mode = "prefix"
terms = ["kosov", "Priština"]

[[watch]]
name = "serbia"
terms = ["Vučić", "Srbija", { term = "serb", mode = "prefix" }]
"#;

    #[test]
    fn word_mode_respects_both_boundaries() {
        let m = matcher(LISTS);
        assert!(lists_hit(&m, "The workforce grew").is_empty());
        assert!(lists_hit(&m, "KFORM Industries shares rose").is_empty());
        assert_eq!(lists_hit(&m, "KFOR’s commander spoke"), ["kfor"]);
        assert_eq!(
            lists_hit(&m, "Србија тражи од КФОР-а дозволу"),
            ["kfor", "serbia"]
        );
        assert_eq!(
            lists_hit(&m, "NATO's Kosovo\u{00A0}Force boosts patrols"),
            ["kfor", "kosovo"]
        );
    }

    #[test]
    fn prefix_mode_catches_inflections() {
        let m = matcher(LISTS);
        for title in ["Kosovu", "Kosovar striker", "Kosovës", "Косову"] {
            assert_eq!(lists_hit(&m, title), ["kosovo"], "{title}");
        }
        assert!(lists_hit(&m, "Serena Williams wins").is_empty());
        assert!(lists_hit(&m, "Preserbia").is_empty());
    }

    #[test]
    fn hits_explain_themselves_in_the_original_text() {
        let m = matcher(LISTS);
        let mut scratch = MatchScratch::default();
        let hits = m.find(
            &item("Председник Вучић разговарао са командантом КФОР-а"),
            &mut scratch,
        );
        let vucic = hits.iter().find(|h| h.term == "Vučić").expect("Vučić hit");
        assert_eq!(vucic.list, "serbia");
        assert_eq!(vucic.field, Field::Title);
        assert!(vucic.snippet.contains("**Вучић**"), "{}", vucic.snippet);
        // The scratch is reusable: a miss afterwards reports nothing stale.
        assert!(m.find(&item("Weather"), &mut scratch).is_empty());
    }

    #[test]
    fn boundaries_are_checked_on_characters() {
        assert!(on_boundaries(
            "čkfor",
            "č".len(),
            "č".len() + 4,
            TermMode::Substring
        ));
        assert!(!on_boundaries(
            "čkfor",
            "č".len(),
            "č".len() + 4,
            TermMode::Word
        ));
        assert!(on_boundaries("-kfor-", 1, 5, TermMode::Word));
    }

    #[test]
    fn snippets_cut_long_text_and_mark_the_hit() {
        let text = format!("{} KFOR troops {}", "word ".repeat(40), "more ".repeat(40));
        let start = text.find("KFOR").expect("present");
        let s = snippet(&text, start..start + 4);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("**KFOR**"), "{s}");
        assert!(s.chars().count() < 140, "{s}");
    }
}
