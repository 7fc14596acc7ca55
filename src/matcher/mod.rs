//! Matching: which watch lists an item hits, with which terms, where.
//!
//! Every term (and exclude term) is folded once at start-up and all of them
//! go into one aho-corasick automaton. An item's fields are folded into
//! reused buffers and scanned once; each raw match is then checked against
//! its term's mode on character boundaries, so "workforce" never hits
//! `kfor` in word mode. List rules (exclude, min_hits, fields, require) are
//! applied to the per-list counts afterwards.

pub mod forms;
mod snippet;
pub mod watch;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

pub use crate::text::fold::{self, Folded, fold};
pub use snippet::snippet;

use crate::model::{Field, Hit, Item};
use watch::{Diacritics, TermConfig, TermMode, WatchConfig};

/// One compiled term of one list.
#[derive(Debug, Clone)]
struct Term {
    /// As written in the config (what alerts show).
    written: String,
    mode: TermMode,
    /// For `diacritics = "exact"`: its [`fold::marked_letters`], which the
    /// original text of a hit must equal.
    marks: Option<String>,
}

impl Term {
    /// Whether a hit at `range` of `folded` keeps the term's diacritics
    /// (always, unless the term asks for exact ones).
    fn marks_hold(&self, folded: &Folded, source: &str, range: std::ops::Range<usize>) -> bool {
        self.marks.as_ref().is_none_or(|marks| {
            let original = folded.original_range(range, source);
            fold::marked_letters(&source[original]) == *marks
        })
    }
}

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
    exclude: bool,
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
}

/// Why a matcher could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the matcher: {0}")]
pub struct MatcherError(String);

impl Matcher {
    /// Compiles validated watch lists.
    pub fn new(watches: &[WatchConfig]) -> Result<Matcher, MatcherError> {
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
                    .map(|t| Term {
                        written: t.get_ref().text().to_string(),
                        mode: t.get_ref().mode(watch.mode),
                        marks: (t.get_ref().diacritics() == Diacritics::Exact)
                            .then(|| fold::marked_letters(t.get_ref().text())),
                    })
                    .collect()
            };
            let terms = compile(&watch.terms);
            let excludes = compile(&watch.exclude);
            for (term, config) in watch.terms.iter().enumerate() {
                add(
                    folded_term(config.get_ref()),
                    Target {
                        list,
                        term,
                        exclude: false,
                    },
                );
            }
            for (term, config) in watch.exclude.iter().enumerate() {
                add(
                    folded_term(config.get_ref()),
                    Target {
                        list,
                        term,
                        exclude: true,
                    },
                );
            }
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
                terms,
                excludes,
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
    /// summary before content). Empty when nothing matches.
    pub fn find(&self, item: &Item, scratch: &mut MatchScratch) -> Vec<Hit> {
        self.reset(scratch);
        for field in Field::ALL {
            if self.fields & (1 << field.index()) == 0 {
                continue;
            }
            let source = item.field(field);
            let folded = &mut scratch.fields[field.index()];
            folded.fold_from(source);
            let (first, touched, counts, excluded) = (
                &mut scratch.first,
                &mut scratch.touched,
                &mut scratch.hits_per_list,
                &mut scratch.excluded,
            );
            self.scan(folded, source, Some(field), |target, start, end| {
                let list = &self.lists[target.list];
                if target.exclude {
                    excluded[target.list] = true;
                    return;
                }
                let slot = list.first_slot + target.term;
                if first[slot].is_none() {
                    first[slot] = Some((field, start, end));
                    touched.push(slot);
                    counts[target.list] += 1;
                }
            });
        }
        if scratch.touched.is_empty() {
            return Vec::new();
        }
        self.decide(scratch);
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
                exclude: target.exclude,
                start,
                end,
            });
        });
    }

    /// Runs the automaton over `folded` (the folding of `source`); reports
    /// targets whose list searches `field` (any list when `None`) and
    /// whose boundaries and diacritics hold.
    fn scan(
        &self,
        folded: &Folded,
        source: &str,
        field: Option<Field>,
        mut each: impl FnMut(Target, usize, usize),
    ) {
        let text = folded.as_str();
        for found in self.automaton.find_overlapping_iter(text) {
            for &target in &self.targets[found.pattern().as_usize()] {
                if field.is_some_and(|f| !self.lists[target.list].searches(f)) {
                    continue;
                }
                let term = self.term(target);
                if on_boundaries(text, found.start(), found.end(), term.mode)
                    && term.marks_hold(folded, source, found.range())
                {
                    each(target, found.start(), found.end());
                }
            }
        }
    }

    /// The term (or exclude term) a pattern leads to.
    fn term(&self, target: Target) -> &Term {
        let list = &self.lists[target.list];
        if target.exclude {
            &list.excludes[target.term]
        } else {
            &list.terms[target.term]
        }
    }

    fn reset(&self, scratch: &mut MatchScratch) {
        if scratch.first.len() != self.slots || scratch.matched.len() != self.lists.len() {
            scratch.first = vec![None; self.slots];
            scratch.hits_per_list = vec![0; self.lists.len()];
            scratch.excluded = vec![false; self.lists.len()];
            scratch.matched = vec![false; self.lists.len()];
        }
        for &slot in &scratch.touched {
            scratch.first[slot] = None;
        }
        scratch.touched.clear();
        scratch.hits_per_list.fill(0);
        scratch.excluded.fill(false);
    }

    /// Applies the list rules, requirements first.
    fn decide(&self, scratch: &mut MatchScratch) {
        for &index in &self.order {
            let list = &self.lists[index];
            let own = list.terms.is_empty() || scratch.hits_per_list[index] >= list.min_hits;
            let required = list.require.iter().all(|&r| scratch.matched[r]);
            scratch.matched[index] = own && required && !scratch.excluded[index];
        }
    }

    /// The hits of the matching lists, in config order.
    fn explain(&self, item: &Item, scratch: &mut MatchScratch) -> Vec<Hit> {
        scratch.touched.sort_unstable();
        let mut hits = Vec::new();
        for &slot in &scratch.touched {
            let Some((field, start, end)) = scratch.first[slot] else {
                continue;
            };
            let list_index = self.list_of_slot(slot);
            if !scratch.matched[list_index] {
                continue;
            }
            let list = &self.lists[list_index];
            let source = item.field(field);
            let range = scratch.fields[field.index()].original_range(start..end, source);
            hits.push(Hit {
                list: list.name.clone(),
                term: list.terms[slot - list.first_slot].written.clone(),
                field,
                snippet: snippet(source, range),
            });
        }
        // A list made only of requirements is explained by their hits.
        for &index in &self.order {
            let list = &self.lists[index];
            if !list.terms.is_empty() || !scratch.matched[index] {
                continue;
            }
            let borrowed: Vec<Hit> = hits
                .iter()
                .filter(|h| list.require.iter().any(|&r| self.lists[r].name == h.list))
                .map(|h| Hit {
                    list: list.name.clone(),
                    ..h.clone()
                })
                .collect();
            hits.extend(borrowed);
        }
        hits
    }

    fn list_of_slot(&self, slot: usize) -> usize {
        self.lists
            .partition_point(|l| l.first_slot + l.terms.len() <= slot)
            .min(self.lists.len().saturating_sub(1))
    }
}

fn folded_term(term: &TermConfig) -> String {
    fold(term.text()).trim().to_string()
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

#[cfg(test)]
mod tests;
