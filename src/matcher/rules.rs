//! Deciding which lists an item matches, once its fields were scanned:
//! query hits turned into occurrences for the lists worth evaluating,
//! then each list's rules (min_hits or threshold, its query, require,
//! exclude), requirements first.

use super::query::eval::{self, Occurrence};
use super::term::{word_span, word_start_offsets};
use super::{MatchScratch, Matcher, Role};
use crate::model::{Field, Item};

impl Matcher {
    /// Turns the query hits of the candidate lists into occurrences with
    /// word positions, grouped by list.
    pub(super) fn record_occurrences(&self, scratch: &mut MatchScratch) {
        let MatchScratch {
            fields,
            pattern_hits,
            candidate,
            occurrences,
            query_ranges,
            word_starts,
            ..
        } = scratch;
        for hit in pattern_hits.iter() {
            for target in &self.groups[hit.group].targets {
                let list = &self.lists[target.list];
                if target.role != Role::Query
                    || !candidate[target.list]
                    || !list.searches(Field::ALL[hit.field])
                    || !list.query_term_searches(target.term, Field::ALL[hit.field])
                {
                    continue;
                }
                let starts = word_starts[hit.field].get_or_insert_with(Vec::new);
                if starts.is_empty() {
                    starts.extend(word_start_offsets(fields[hit.field].as_str()));
                }
                let (first, last) = word_span(starts, hit.start, hit.end);
                occurrences.push(Occurrence {
                    list: target.list,
                    leaf: list.query_terms[target.term].1,
                    field: hit.field,
                    first,
                    last,
                    start: hit.start,
                    end: hit.end,
                });
            }
        }
        // Grouped by list, so each list's hits are one slice.
        occurrences.sort_unstable_by_key(|o| o.list);
        let mut at = 0;
        while at < occurrences.len() {
            let list = occurrences[at].list;
            let end = at
                + occurrences[at..]
                    .iter()
                    .position(|o| o.list != list)
                    .unwrap_or(occurrences.len() - at);
            query_ranges[list] = (at, end);
            at = end;
        }
    }

    /// Applies the list rules, requirements first.
    pub(super) fn decide(&self, item: &Item, declared: Option<&str>, scratch: &mut MatchScratch) {
        // The language, found once and only if a query with a hit asks.
        let mut language: Option<Option<String>> = None;
        for &index in &self.order {
            let list = &self.lists[index];
            let (start, end) = scratch.query_ranges[index];
            let made_of_requirements = list.terms.is_empty() && list.query.is_none();
            if scratch.hits_per_list[index] == 0 && start == end && !made_of_requirements {
                // Nothing of its own hit: it cannot match (matched stays false).
                continue;
            }
            let terms_hold = || match list.threshold {
                Some(threshold) => self.score(index, scratch) >= threshold,
                None => scratch.hits_per_list[index] >= list.min_hits,
            };
            let mut query_holds = || {
                list.query.as_ref().is_some_and(|query| {
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
            scratch.matched[index] = own && required && scratch.excluded[index].is_none();
            if let (true, true, Some(term)) = (own, required, scratch.excluded[index]) {
                scratch.vetoes.push((index, term));
            }
        }
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
