//! Building a [`Matcher`]: every term, exclude term and query leaf of
//! every list folded into a pattern; the patterns' targets grouped by how
//! a raw match is checked; and the search that finds them (word starts,
//! or one automaton when a substring term needs every byte read). Regex
//! terms are compiled apart, each distinct one once, with a group of its
//! own.

use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::compile::compile_query;
use super::term::Term;
use super::watch::{EntityConfig, TermConfig, TermMode, WatchConfig};
use super::word_search::WordSearch;
use super::{
    Group, Matcher, MatcherError, RegexSearch, Role, Search, Target, WatchList, fold, regex_term,
    term_of,
};

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
        // Each distinct regex with its targets and the fields they search.
        let mut regex_targets: Vec<(&str, Vec<Target>, u8)> = Vec::new();
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
                    let target = Target {
                        list,
                        term,
                        role,
                        promotes: false,
                    };
                    if let Some(source) = config.get_ref().regex() {
                        let fields = field_bits(watch);
                        match regex_targets.iter_mut().find(|(s, _, _)| *s == source) {
                            Some((_, targets, bits)) => {
                                targets.push(target);
                                *bits |= fields;
                            }
                            None => regex_targets.push((source, vec![target], fields)),
                        }
                        continue;
                    }
                    add(compiled[term].pattern_of(config.get_ref()), target);
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
                                promotes: compiled.promoting[query_terms[term].1],
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
                fields: field_bits(watch),
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
        let only_at_word_starts = patterns.iter().zip(&targets).all(|(pattern, targets)| {
            pattern.chars().next().is_some_and(fold::is_word_char)
                && targets
                    .iter()
                    .all(|&t| term_of(&lists, t).first_mode() != TermMode::Substring)
        });
        // With a pattern that may hit inside a word, the automaton reads
        // every byte anyway: it takes them all, in one pass.
        let search = if only_at_word_starts {
            Search::WordStarts(WordSearch::new(
                patterns.iter().enumerate().map(|(id, p)| (id, p.as_str())),
            ))
        } else {
            // A DFA: the largest build cost, the fastest scan; with
            // thousands of terms it still builds in milliseconds.
            Search::Anywhere(
                AhoCorasickBuilder::new()
                    .kind(Some(AhoCorasickKind::DFA))
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| MatcherError(e.to_string()))?,
            )
        };
        let fields = lists.iter().fold(0, |bits, l| bits | l.fields);
        let mut groups: Vec<Group> = Vec::new();
        let mut pattern_groups = Vec::with_capacity(targets.len());
        for pattern_targets in targets {
            let first = groups.len();
            for target in pattern_targets {
                let term = term_of(&lists, target);
                match groups[first..]
                    .iter_mut()
                    .find(|g| term_of(&lists, g.targets[0]).checks_like(term))
                {
                    Some(group) => group.targets.push(target),
                    None => groups.push(Group {
                        targets: vec![target],
                    }),
                }
            }
            pattern_groups.push((first, groups.len()));
        }
        let mut regexes = Vec::with_capacity(regex_targets.len());
        for (source, targets, fields) in regex_targets {
            let regex = regex_term::compile(source)
                .map_err(|e| MatcherError(format!("regex {source:?}: {e}")))?;
            regexes.push(RegexSearch {
                regex,
                group: groups.len(),
                fields,
            });
            groups.push(Group { targets });
        }
        let slot_lists = lists
            .iter()
            .enumerate()
            .flat_map(|(index, list)| std::iter::repeat_n(index, list.terms.len()))
            .collect();
        Ok(Matcher {
            slot_lists,
            search,
            pattern_groups,
            groups,
            lists,
            order,
            slots,
            fields,
            regexes,
        })
    }
}

/// The fields a list searches, a bit per field.
fn field_bits(watch: &WatchConfig) -> u8 {
    watch
        .fields()
        .iter()
        .fold(0, |bits, f| bits | 1 << f.index())
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
