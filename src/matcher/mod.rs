//! Matching: which watch lists an item hits, with which terms, where.
//!
//! Every term (and exclude term, query word, phrase, prefix and entity
//! variant) is folded once at start-up into a pattern. When every pattern
//! can only hit at a word start (no substring terms), they go into a
//! word-start search (`word_search`), else into one aho-corasick
//! automaton. An item's fields are folded into reused buffers and scanned
//! once; each raw match is then checked against its term's mode on
//! character boundaries, so "workforce" never hits `kfor` in word mode,
//! and a phrase's further words are checked after its first. List rules
//! (exclude, min_hits, weights and threshold, fields, require) are applied
//! to the per-list counts afterwards, and a query (`query/`) is evaluated
//! only for lists where one of its words hit. Regex terms (`regex_term`)
//! are not patterns: each runs on the folded fields its lists search,
//! and only when some list has one.

mod build;
mod compile;
mod explain;
pub use explain::Veto;
pub mod forms;
pub mod query;
pub mod regex_term;
mod rules;
pub mod search;
mod snippet;
mod term;
pub mod watch;
mod word_search;

use aho_corasick::AhoCorasick;

pub use crate::text::fold::{self, Folded, fold};
pub use snippet::{marked_parts, snippet};

use crate::model::{Field, Hit, Item};
use compile::{CompiledQuery, QueryTerms};
use query::eval::Occurrence;
pub use term::on_boundaries;
use term::{Term, boundary_after, boundary_before};
use watch::TermMode;
use word_search::WordSearch;

/// A compiled watch list.
#[derive(Debug, Clone)]
pub struct WatchList {
    /// The list's name.
    pub name: String,
    terms: Vec<Term>,
    excludes: Vec<Term>,
    /// Bit `i` set: field `Field::ALL[i]` is searched.
    fields: u8,
    min_hits: usize,
    /// Indexes of the lists this one requires.
    require: Vec<usize>,
    /// Index of its first term's slot in the per-item scratch.
    first_slot: usize,
    /// Each term's weight, for `threshold`.
    weights: Vec<f64>,
    /// With it, the list matches when the weights of the terms that hit
    /// add up to it (instead of `min_hits`).
    threshold: Option<f64>,
    /// Its query, if it has one.
    query: Option<CompiledQuery>,
    /// The terms of its query (none without one): each pattern of each
    /// leaf (an entity has one per variant), with the leaf it stands for.
    query_terms: QueryTerms,
}

impl WatchList {
    fn searches(&self, field: Field) -> bool {
        self.fields & (1 << field.index()) != 0
    }

    /// Whether query term `term` may hit in `field` (its leaf's scope).
    fn query_term_searches(&self, term: usize, field: Field) -> bool {
        self.query.as_ref().is_some_and(|query| {
            let leaf = self.query_terms[term].1;
            query.query.leaves[leaf].fields & (1 << field.index()) != 0
        })
    }
}

/// Where one automaton pattern leads.
#[derive(Debug, Clone, Copy)]
struct Target {
    list: usize,
    term: usize,
    role: Role,
    /// A query term whose hit can make its query hold (see
    /// [`CompiledQuery::promoting`]).
    promotes: bool,
}

/// The targets of one pattern whose terms check a raw match alike (mode,
/// phrase words, forms, diacritics): the check is made once for all.
#[derive(Debug, Clone)]
struct Group {
    targets: Vec<Target>,
}

/// A checked hit of a group with query targets, kept until the scan of
/// every field shows which query lists are worth evaluating.
#[derive(Debug, Clone, Copy)]
struct PatternHit {
    group: usize,
    field: usize,
    start: usize,
    end: usize,
}

/// What a pattern is to its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// One of its `terms`.
    Term,
    /// One of its `exclude` terms.
    Exclude,
    /// A pattern of its query.
    Query,
}

/// One raw, boundary-checked hit on folded text (for tests and tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHit<'a> {
    /// The list's name.
    pub list: &'a str,
    /// The term as written.
    pub term: &'a str,
    /// The term's mode.
    pub mode: TermMode,
    /// Whether it is an exclude term.
    pub exclude: bool,
    /// Byte range in the folded text.
    pub start: usize,
    /// End of the byte range in the folded text.
    pub end: usize,
}

/// All watch lists, compiled into one search. Cheap to share (`Sync`).
#[derive(Debug, Clone)]
pub struct Matcher {
    search: Search,
    /// For each automaton pattern, its range of `groups`: every (list,
    /// term) that folds to it.
    pattern_groups: Vec<(usize, usize)>,
    groups: Vec<Group>,
    lists: Vec<WatchList>,
    /// Lists in an order where every list comes after those it requires.
    order: Vec<usize>,
    slots: usize,
    /// For each term slot, its list.
    slot_lists: Vec<usize>,
    /// Fields any list searches (bit per field).
    fields: u8,
    /// The regex terms, each run once per field for all its targets.
    regexes: Vec<RegexSearch>,
}

/// One distinct regex of the lists' terms and exclude terms.
#[derive(Debug, Clone)]
struct RegexSearch {
    regex: regex::Regex,
    /// Its group of targets (after the patterns' groups).
    group: usize,
    /// Fields the lists that have it search (bit per field).
    fields: u8,
}

/// Reusable per-task buffers, so matching allocates nothing per item
/// unless something hits.
#[derive(Debug, Default)]
pub struct MatchScratch {
    fields: [Folded; Field::COUNT],
    /// First hit per term slot: (field, folded range).
    first: Vec<Option<(Field, usize, usize)>>,
    touched: Vec<usize>,
    hits_per_list: Vec<usize>,
    /// Per list: the first of its exclude terms that hit, if any.
    excluded: Vec<Option<usize>>,
    /// (list, exclude term) of the lists that matched but for an exclude.
    vetoes: Vec<(usize, usize)>,
    matched: Vec<bool>,
    /// Hits of query terms, before it is known which lists they concern.
    pattern_hits: Vec<PatternHit>,
    /// Per list: a term of its query hit that can make it hold.
    candidate: Vec<bool>,
    /// The lists set in `candidate`.
    candidates: Vec<usize>,
    /// Query hits of the candidate lists: (list, occurrence).
    occurrences: Vec<Occurrence>,
    /// For each list, its slice of `occurrences` once they are sorted.
    query_ranges: Vec<(usize, usize)>,
    /// Per field, byte offsets of its word starts, made when a query hit
    /// there needs word positions.
    word_starts: [Option<Vec<usize>>; Field::COUNT],
    /// Record the hits of every query, not only of candidates, so that
    /// [`Matcher::explain_queries`] can show each node's result.
    explaining: bool,
}

impl MatchScratch {
    /// Buffers for [`Matcher::explain_queries`] after each match.
    pub fn explaining() -> MatchScratch {
        MatchScratch {
            explaining: true,
            ..MatchScratch::default()
        }
    }
}

/// How the patterns are found in folded text.
#[derive(Debug, Clone)]
enum Search {
    /// Every pattern can only hit at a word start (no substring terms, none
    /// that starts with punctuation): only word starts are looked at.
    WordStarts(WordSearch),
    /// One automaton pass over every byte.
    Anywhere(AhoCorasick),
}

/// Why a matcher could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the matcher: {0}")]
pub struct MatcherError(String);

impl Matcher {
    /// The compiled lists, in config order.
    pub fn lists(&self) -> &[WatchList] {
        &self.lists
    }

    /// Finds the lists the item matches. Each matching list reports every
    /// term that hit, explained by the first place it hit (title before
    /// summary before content). Empty when nothing matches. The item's
    /// language, for `lang:`, is detected from its text.
    pub fn find(&self, item: &Item, scratch: &mut MatchScratch) -> Vec<Hit> {
        self.find_in(item, None, scratch)
    }

    /// [`Matcher::find`] for an item of a feed that declares its language
    /// (ISO 639-1), which `lang:` then takes instead of detecting one.
    pub fn find_in(
        &self,
        item: &Item,
        declared: Option<&str>,
        scratch: &mut MatchScratch,
    ) -> Vec<Hit> {
        self.reset(scratch);
        for field in Field::ALL {
            if self.fields & (1 << field.index()) == 0 {
                continue;
            }
            let source = item.field(field);
            let folded = &mut scratch.fields[field.index()];
            folded.fold_from(source);
            let (first, touched, counts, excluded, pattern_hits, candidate, candidates) = (
                &mut scratch.first,
                &mut scratch.touched,
                &mut scratch.hits_per_list,
                &mut scratch.excluded,
                &mut scratch.pattern_hits,
                &mut scratch.candidate,
                &mut scratch.candidates,
            );
            let mut on_hit = |group: usize, start: usize, end: usize| {
                let mut query_hit = false;
                for target in &self.groups[group].targets {
                    let list = &self.lists[target.list];
                    if !list.searches(field) {
                        continue;
                    }
                    match target.role {
                        Role::Exclude => {
                            excluded[target.list].get_or_insert(target.term);
                        }
                        Role::Term => {
                            let slot = list.first_slot + target.term;
                            if first[slot].is_none() {
                                first[slot] = Some((field, start, end));
                                touched.push(slot);
                                counts[target.list] += 1;
                            }
                        }
                        Role::Query => {
                            query_hit = true;
                            if target.promotes
                                && !candidate[target.list]
                                && list.query_term_searches(target.term, field)
                            {
                                candidate[target.list] = true;
                                candidates.push(target.list);
                            }
                        }
                    }
                }
                if query_hit {
                    pattern_hits.push(PatternHit {
                        group,
                        field: field.index(),
                        start,
                        end,
                    });
                }
            };
            self.scan(folded, source, &mut on_hit);
            self.scan_regexes(folded.as_str(), Some(field), &mut on_hit);
        }
        if scratch.explaining {
            for (index, list) in self.lists.iter().enumerate() {
                if list.query.is_some() && !scratch.candidate[index] {
                    scratch.candidate[index] = true;
                    scratch.candidates.push(index);
                }
            }
        }
        if scratch.touched.is_empty() && scratch.candidates.is_empty() {
            return Vec::new();
        }
        self.record_occurrences(scratch);
        self.decide(item, declared, scratch);
        self.explain(item, scratch)
    }

    /// Calls `each` with every checked hit (boundaries, diacritics) in
    /// `text`, ignoring list rules and fields; ranges are in `fold(text)`.
    pub fn for_each_raw_hit<'a>(&'a self, text: &str, mut each: impl FnMut(RawHit<'a>)) {
        let mut folded = Folded::default();
        folded.fold_from(text);
        let mut on_hit = |group: usize, start: usize, end: usize| {
            for &target in &self.groups[group].targets {
                let term = self.term(target);
                each(RawHit {
                    list: &self.lists[target.list].name,
                    term: &term.written,
                    mode: term.mode,
                    exclude: target.role == Role::Exclude,
                    start,
                    end,
                });
            }
        };
        self.scan(&folded, text, &mut on_hit);
        self.scan_regexes(folded.as_str(), None, &mut on_hit);
    }

    /// Runs each regex term on folded `text` (of `field`: only the regexes
    /// of lists that search it; `None`: all) and reports its hits as
    /// [`Matcher::scan`] reports a group's: in a field, only the first
    /// (what the lists keep of a term), else every one.
    fn scan_regexes(
        &self,
        text: &str,
        field: Option<Field>,
        mut each: impl FnMut(usize, usize, usize),
    ) {
        for search in &self.regexes {
            match field {
                Some(field) => {
                    if search.fields & (1 << field.index()) == 0 {
                        continue;
                    }
                    if let Some(found) = search.regex.find(text) {
                        each(search.group, found.start(), found.end());
                    }
                }
                None => {
                    for found in search.regex.find_iter(text) {
                        each(search.group, found.start(), found.end());
                    }
                }
            }
        }
    }

    /// Searches `folded` (the folding of `source`) for every pattern;
    /// reports each group of targets whose boundaries, further phrase
    /// words and diacritics hold, with the whole hit's range.
    fn scan(&self, folded: &Folded, source: &str, mut each: impl FnMut(usize, usize, usize)) {
        let text = folded.as_str();
        let mut check = |pattern: usize, start: usize, found_end: usize| {
            // One pattern may stand for many terms: its boundaries are
            // looked at once.
            let (mut left, mut right) = (None, None);
            let mut left_ok = || *left.get_or_insert_with(|| boundary_before(text, start));
            let mut right_ok = || *right.get_or_insert_with(|| boundary_after(text, found_end));
            let (from, to) = self.pattern_groups[pattern];
            for group in from..to {
                let term = self.term(self.groups[group].targets[0]);
                let bounded = match term.first_mode() {
                    TermMode::Substring => true,
                    TermMode::Prefix => left_ok(),
                    TermMode::Word => left_ok() && right_ok(),
                };
                if !bounded {
                    continue;
                }
                let Some(end) = term.extend(text, found_end) else {
                    continue;
                };
                let end = match &term.forms {
                    Some(forms) => {
                        let word_end = end
                            + text[end..]
                                .find(|c: char| !fold::is_word_char(c))
                                .unwrap_or(text.len() - end);
                        if !forms.accepts(&text[end..word_end]) {
                            continue;
                        }
                        word_end
                    }
                    None => end,
                };
                if !term.marks_hold(folded, source, start..end) {
                    continue;
                }
                each(group, start, end);
            }
        };
        match &self.search {
            Search::WordStarts(words) => words.for_each_match(text, &mut check),
            Search::Anywhere(automaton) => {
                for found in automaton.find_overlapping_iter(text) {
                    check(found.pattern().as_usize(), found.start(), found.end());
                }
            }
        }
    }

    /// The term a pattern leads to.
    fn term(&self, target: Target) -> &Term {
        term_of(&self.lists, target)
    }

    fn reset(&self, scratch: &mut MatchScratch) {
        if scratch.first.len() != self.slots || scratch.matched.len() != self.lists.len() {
            scratch.first = vec![None; self.slots];
            scratch.hits_per_list = vec![0; self.lists.len()];
            scratch.excluded = vec![None; self.lists.len()];
            scratch.matched = vec![false; self.lists.len()];
            scratch.candidate = vec![false; self.lists.len()];
            scratch.query_ranges = vec![(0, 0); self.lists.len()];
            scratch.occurrences.clear();
            scratch.candidates.clear();
        }
        for &slot in &scratch.touched {
            scratch.first[slot] = None;
        }
        scratch.touched.clear();
        for occurrence in &scratch.occurrences {
            scratch.query_ranges[occurrence.list] = (0, 0);
        }
        scratch.occurrences.clear();
        for &list in &scratch.candidates {
            scratch.candidate[list] = false;
        }
        scratch.candidates.clear();
        scratch.pattern_hits.clear();
        for starts in scratch.word_starts.iter_mut().flatten() {
            starts.clear();
        }
        scratch.hits_per_list.fill(0);
        scratch.excluded.fill(None);
        scratch.vetoes.clear();
        scratch.matched.fill(false);
    }

    fn list_of_slot(&self, slot: usize) -> usize {
        self.slot_lists[slot]
    }
}

/// The term a target leads to.
fn term_of(lists: &[WatchList], target: Target) -> &Term {
    let list = &lists[target.list];
    match target.role {
        Role::Term => &list.terms[target.term],
        Role::Exclude => &list.excludes[target.term],
        Role::Query => &list.query_terms[target.term].0,
    }
}

#[cfg(test)]
mod tests;
