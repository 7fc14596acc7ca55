//! Matching: which watch lists an item hits, with which terms, where.
//!
//! Every term (and exclude term, query word, phrase, prefix and entity
//! variant) is folded once at start-up and all of them go into one
//! aho-corasick automaton. An item's fields are folded into reused buffers
//! and scanned once; each raw match is then checked against its term's mode
//! on character boundaries, so "workforce" never hits `kfor` in word mode,
//! and a phrase's further words are checked after its first. List rules
//! (exclude, min_hits, weights and threshold, fields, require) are applied
//! to the per-list counts afterwards, and a query (`query/`) is evaluated
//! only for lists where one of its words hit.

mod compile;
mod explain;
pub mod forms;
pub mod query;
mod snippet;
mod term;
pub mod watch;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

pub use crate::text::fold::{self, Folded, fold};
pub use snippet::snippet;

use crate::model::{Field, Hit, Item};
use compile::{CompiledQuery, QueryTerms, compile_query};
use query::eval::{self, Occurrence};
pub use term::on_boundaries;
use term::{Term, boundary_after, boundary_before, word_span, word_start_offsets};
use watch::{EntityConfig, TermConfig, TermMode, WatchConfig};

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
}

/// Where one automaton pattern leads.
#[derive(Debug, Clone, Copy)]
struct Target {
    list: usize,
    term: usize,
    role: Role,
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

/// All watch lists, compiled into one automaton. Cheap to share (`Sync`).
#[derive(Debug, Clone)]
pub struct Matcher {
    automaton: AhoCorasick,
    /// For each automaton pattern, every (list, term) that folds to it.
    targets: Vec<Vec<Target>>,
    lists: Vec<WatchList>,
    /// Lists in an order where every list comes after those it requires.
    order: Vec<usize>,
    slots: usize,
    /// Fields any list searches (bit per field).
    fields: u8,
}

/// Reusable per-task buffers, so matching allocates nothing per item
/// unless something hits.
#[derive(Debug, Default)]
pub struct MatchScratch {
    fields: [Folded; 3],
    /// First hit per term slot: (field, folded range).
    first: Vec<Option<(Field, usize, usize)>>,
    touched: Vec<usize>,
    hits_per_list: Vec<usize>,
    excluded: Vec<bool>,
    matched: Vec<bool>,
    /// Query hits of this item: (list, occurrence).
    occurrences: Vec<Occurrence>,
    /// For each list, its slice of `occurrences` once they are sorted.
    query_ranges: Vec<(usize, usize)>,
    /// Byte offsets of the word starts of the field being scanned, made
    /// when a query hit needs word positions.
    word_starts: Vec<usize>,
}

/// Why a matcher could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the matcher: {0}")]
pub struct MatcherError(String);

impl Matcher {
    /// Compiles validated watch lists and the entities their queries name.
    pub fn new(
        watches: &[WatchConfig],
        entities: &[EntityConfig],
    ) -> Result<Matcher, MatcherError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut add =
            |folded: String, target: Target| match patterns.iter().position(|p| *p == folded) {
                Some(existing) => targets[existing].push(target),
                None => {
                    patterns.push(folded);
                    targets.push(vec![target]);
                }
            };
        let mut lists = Vec::with_capacity(watches.len());
        let mut slots = 0;
        for (list, watch) in watches.iter().enumerate() {
            let compile = |terms: &[toml::Spanned<TermConfig>]| -> Vec<Term> {
                terms
                    .iter()
                    .map(|t| Term::of(t.get_ref(), watch.mode))
                    .collect()
            };
            let terms = compile(&watch.terms);
            let excludes = compile(&watch.exclude);
            for (role, configs, compiled) in [
                (Role::Term, &watch.terms, &terms),
                (Role::Exclude, &watch.exclude, &excludes),
            ] {
                for (term, config) in configs.iter().enumerate() {
                    let pattern = compiled[term].pattern_of(config.get_ref());
                    add(pattern, Target { list, term, role });
                }
            }
            let mut query_terms = Vec::new();
            let query = match &watch.query {
                Some(text) => {
                    let (compiled, terms, patterns) = compile_query(text.get_ref(), entities)?;
                    query_terms = terms;
                    for (term, pattern) in patterns.into_iter().enumerate() {
                        add(
                            pattern,
                            Target {
                                list,
                                term,
                                role: Role::Query,
                            },
                        );
                    }
                    Some(compiled)
                }
                None => None,
            };
            let require = watch
                .require
                .iter()
                .filter_map(|r| watches.iter().position(|w| w.name.get_ref() == r.get_ref()))
                .collect();
            lists.push(WatchList {
                name: watch.name.get_ref().clone(),
                fields: watch
                    .fields()
                    .iter()
                    .fold(0, |bits, f| bits | 1 << f.index()),
                min_hits: watch.min_hits(),
                require,
                first_slot: slots,
                weights: watch.terms.iter().map(|t| t.get_ref().weight()).collect(),
                threshold: watch.threshold.as_ref().map(|t| *t.get_ref()),
                terms,
                excludes,
                query,
                query_terms,
            });
            slots += watch.terms.len();
        }
        let order = requirement_order(&lists)?;
        // A DFA: the largest build cost, the fastest scan; with thousands of
        // terms it still builds in milliseconds.
        let automaton = AhoCorasickBuilder::new()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| MatcherError(e.to_string()))?;
        let fields = lists.iter().fold(0, |bits, l| bits | l.fields);
        Ok(Matcher {
            automaton,
            targets,
            lists,
            order,
            slots,
            fields,
        })
    }

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
            let (first, touched, counts, excluded, occurrences, word_starts) = (
                &mut scratch.first,
                &mut scratch.touched,
                &mut scratch.hits_per_list,
                &mut scratch.excluded,
                &mut scratch.occurrences,
                &mut scratch.word_starts,
            );
            word_starts.clear();
            let text = folded.as_str();
            self.scan(folded, source, Some(field), |target, start, end| {
                let list = &self.lists[target.list];
                match target.role {
                    Role::Exclude => excluded[target.list] = true,
                    Role::Term => {
                        let slot = list.first_slot + target.term;
                        if first[slot].is_none() {
                            first[slot] = Some((field, start, end));
                            touched.push(slot);
                            counts[target.list] += 1;
                        }
                    }
                    Role::Query => {
                        let Some(query) = &list.query else { return };
                        let leaf = list.query_terms[target.term].1;
                        if query.query.leaves[leaf].fields & (1 << field.index()) == 0 {
                            return;
                        }
                        if word_starts.is_empty() {
                            word_starts.extend(word_start_offsets(text));
                        }
                        let (first, last) = word_span(word_starts, start, end);
                        occurrences.push(Occurrence {
                            list: target.list,
                            leaf,
                            field: field.index(),
                            first,
                            last,
                            start,
                            end,
                        });
                    }
                }
            });
        }
        if scratch.touched.is_empty() && scratch.occurrences.is_empty() {
            return Vec::new();
        }
        // Grouped by list, so each list's hits are one slice.
        scratch.occurrences.sort_unstable_by_key(|o| o.list);
        let mut at = 0;
        while at < scratch.occurrences.len() {
            let list = scratch.occurrences[at].list;
            let end = at + scratch.occurrences[at..].partition_point(|o| o.list == list);
            scratch.query_ranges[list] = (at, end);
            at = end;
        }
        self.decide(item, declared, scratch);
        self.explain(item, scratch)
    }

    /// Calls `each` with every checked hit (boundaries, diacritics) in
    /// `text`, ignoring list rules and fields; ranges are in `fold(text)`.
    pub fn for_each_raw_hit<'a>(&'a self, text: &str, mut each: impl FnMut(RawHit<'a>)) {
        let mut folded = Folded::default();
        folded.fold_from(text);
        self.scan(&folded, text, None, |target, start, end| {
            let term = self.term(target);
            each(RawHit {
                list: &self.lists[target.list].name,
                term: &term.written,
                mode: term.mode,
                exclude: target.role == Role::Exclude,
                start,
                end,
            });
        });
    }

    /// Runs the automaton over `folded` (the folding of `source`); reports
    /// targets whose list searches `field` (any list when `None`) and
    /// whose boundaries, further phrase words and diacritics hold, with
    /// the whole hit's range.
    fn scan(
        &self,
        folded: &Folded,
        source: &str,
        field: Option<Field>,
        mut each: impl FnMut(Target, usize, usize),
    ) {
        let text = folded.as_str();
        for found in self.automaton.find_overlapping_iter(text) {
            // One pattern may stand for many terms: its boundaries are
            // looked at once.
            let (mut left, mut right) = (None, None);
            let mut left_ok = || *left.get_or_insert_with(|| boundary_before(text, found.start()));
            let mut right_ok = || *right.get_or_insert_with(|| boundary_after(text, found.end()));
            for &target in &self.targets[found.pattern().as_usize()] {
                if field.is_some_and(|f| !self.lists[target.list].searches(f)) {
                    continue;
                }
                let term = self.term(target);
                // A phrase's first word is a whole word; its mode is the last's.
                let first_mode = if term.forms.is_some() {
                    TermMode::Prefix
                } else if term.rest.is_empty() {
                    term.mode
                } else {
                    TermMode::Word
                };
                let bounded = match first_mode {
                    TermMode::Substring => true,
                    TermMode::Prefix => left_ok(),
                    TermMode::Word => left_ok() && right_ok(),
                };
                if !bounded {
                    continue;
                }
                let Some(end) = term.extend(text, found.end()) else {
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
                if !term.marks_hold(folded, source, found.start()..end) {
                    continue;
                }
                each(target, found.start(), end);
            }
        }
    }

    /// The term a pattern leads to.
    fn term(&self, target: Target) -> &Term {
        let list = &self.lists[target.list];
        match target.role {
            Role::Term => &list.terms[target.term],
            Role::Exclude => &list.excludes[target.term],
            Role::Query => &list.query_terms[target.term].0,
        }
    }

    fn reset(&self, scratch: &mut MatchScratch) {
        if scratch.first.len() != self.slots || scratch.matched.len() != self.lists.len() {
            scratch.first = vec![None; self.slots];
            scratch.hits_per_list = vec![0; self.lists.len()];
            scratch.excluded = vec![false; self.lists.len()];
            scratch.matched = vec![false; self.lists.len()];
            scratch.query_ranges = vec![(0, 0); self.lists.len()];
            scratch.occurrences.clear();
        }
        for &slot in &scratch.touched {
            scratch.first[slot] = None;
        }
        scratch.touched.clear();
        for occurrence in &scratch.occurrences {
            scratch.query_ranges[occurrence.list] = (0, 0);
        }
        scratch.occurrences.clear();
        scratch.hits_per_list.fill(0);
        scratch.excluded.fill(false);
        scratch.matched.fill(false);
    }

    /// Applies the list rules, requirements first.
    fn decide(&self, item: &Item, declared: Option<&str>, scratch: &mut MatchScratch) {
        // The language, found once and only if a query with a hit asks.
        let mut language: Option<Option<String>> = None;
        for &index in &self.order {
            let list = &self.lists[index];
            let terms_hold = || match list.threshold {
                Some(threshold) => self.score(index, scratch) >= threshold,
                None => scratch.hits_per_list[index] >= list.min_hits,
            };
            let mut query_holds = || {
                list.query.as_ref().is_some_and(|query| {
                    let (start, end) = scratch.query_ranges[index];
                    let hits = &scratch.occurrences[start..end];
                    if hits.is_empty() {
                        return false;
                    }
                    let lang = if query.uses_lang {
                        language
                            .get_or_insert_with(|| item_language(item, declared))
                            .as_deref()
                    } else {
                        None
                    };
                    eval::holds(&query.query.root, hits, lang)
                })
            };
            let own = match (list.terms.is_empty(), list.query.is_some()) {
                (true, false) => true,
                (false, false) => terms_hold(),
                (true, true) => query_holds(),
                (false, true) => terms_hold() || query_holds(),
            };
            let required = list.require.iter().all(|&r| scratch.matched[r]);
            scratch.matched[index] = own && required && !scratch.excluded[index];
        }
    }

    fn list_of_slot(&self, slot: usize) -> usize {
        self.lists
            .partition_point(|l| l.first_slot + l.terms.len() <= slot)
            .min(self.lists.len().saturating_sub(1))
    }
}

/// The item's language: the declared one, else detected from its
/// headline and summary.
fn item_language(item: &Item, declared: Option<&str>) -> Option<String> {
    if let Some(declared) = declared {
        return Some(declared.to_string());
    }
    let text = format!("{} {}", item.title, item.summary);
    crate::text::lang::detect(&text).map(str::to_string)
}

/// Orders lists so that each follows the lists it requires.
fn requirement_order(lists: &[WatchList]) -> Result<Vec<usize>, MatcherError> {
    let mut order = Vec::with_capacity(lists.len());
    let mut placed = vec![false; lists.len()];
    while order.len() < lists.len() {
        let before = order.len();
        for (index, list) in lists.iter().enumerate() {
            if !placed[index] && list.require.iter().all(|&r| placed[r]) {
                placed[index] = true;
                order.push(index);
            }
        }
        if order.len() == before {
            return Err(MatcherError(
                "watch lists require each other in a cycle".into(),
            ));
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests;
