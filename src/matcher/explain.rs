//! What a match shows: each matching list's hits with a snippet of the
//! original text (terms at their first place, a query's operands that
//! hit), the score of a weighted list, and a query's tree with each node's
//! result for `newswatch test --explain`.

use super::{MatchScratch, Matcher, query, regex_term, snippet};
use crate::model::{Field, Hit, Item, ListScore};
use crate::text::clip::clip;
use crate::text::fold;

/// A list an item matched but for one of its exclude terms.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Veto {
    /// The list.
    pub list: String,
    /// The exclude term that hit, as written.
    pub exclude: String,
}

impl Matcher {
    /// The summed weights of the different terms of list `index` that hit.
    pub(super) fn score(&self, index: usize, scratch: &MatchScratch) -> f64 {
        let list = &self.lists[index];
        (0..list.terms.len())
            .filter(|&term| scratch.first[list.first_slot + term].is_some())
            .map(|term| list.weights[term])
            .sum()
    }

    /// After [`Matcher::find`] on `scratch`: the score and threshold of
    /// each matching list with weighted terms (what alerts and `newswatch
    /// test` show).
    pub fn scores(&self, scratch: &MatchScratch) -> Vec<ListScore> {
        self.lists
            .iter()
            .enumerate()
            .filter(|(index, _)| scratch.matched.get(*index).copied().unwrap_or(false))
            .filter_map(|(index, list)| {
                Some(ListScore {
                    list: list.name.clone(),
                    score: self.score(index, scratch),
                    threshold: list.threshold?,
                })
            })
            .collect()
    }

    /// After [`Matcher::find`] on `scratch`: the lists the item would have
    /// matched but for one of their exclude terms, with the term (what
    /// `newswatch test` shows of an excluded item).
    pub fn vetoes(&self, scratch: &MatchScratch) -> Vec<Veto> {
        scratch
            .vetoes
            .iter()
            .map(|&(list, term)| Veto {
                list: self.lists[list].name.clone(),
                exclude: self.lists[list].excludes[term].written.clone(),
            })
            .collect()
    }

    /// After [`Matcher::find`] on `scratch`: each query list's tree with
    /// every node's result for that item (for `newswatch test --explain`).
    pub fn explain_queries(&self, scratch: &MatchScratch) -> Vec<(String, Vec<String>)> {
        self.lists
            .iter()
            .enumerate()
            .filter_map(|(index, list)| {
                let query = list.query.as_ref()?;
                let (start, end) = scratch.query_ranges.get(index).copied().unwrap_or_default();
                let hits = scratch.occurrences.get(start..end).unwrap_or_default();
                Some((
                    list.name.clone(),
                    query::explain::tree(&query.query, hits, None),
                ))
            })
            .collect()
    }

    /// The hits of the matching lists, in config order.
    pub(super) fn explain(&self, item: &Item, scratch: &mut MatchScratch) -> Vec<Hit> {
        scratch.touched.sort_unstable();
        let mut hits = Vec::new();
        // Many lists may hit at the same place: its snippet is made once.
        let mut snippets = Vec::new();
        for &slot in &scratch.touched {
            let Some((field, start, end)) = scratch.first[slot] else {
                continue;
            };
            let list_index = self.list_of_slot(slot);
            if !scratch.matched[list_index] {
                continue;
            }
            let list = &self.lists[list_index];
            let term = &list.terms[slot - list.first_slot];
            Self::push_hit(
                &mut hits,
                item,
                scratch,
                &mut snippets,
                (&list.name, &term.written),
                (field, start..end),
                if term.regex {
                    Shown::WithMatch
                } else {
                    Shown::AsFound
                },
            );
        }
        // A query list: each leaf that can make it hold and hit, at its
        // first place.
        for (index, list) in self.lists.iter().enumerate() {
            let Some(query) = &list.query else { continue };
            if !scratch.matched[index] {
                continue;
            }
            for leaf in (0..query.promoting.len()).filter(|&l| query.promoting[l]) {
                let (start, end) = scratch.query_ranges[index];
                let first = scratch.occurrences[start..end]
                    .iter()
                    .filter(|o| o.leaf == leaf)
                    .min_by_key(|o| (o.field, o.start))
                    .copied();
                if let Some(o) = first {
                    let written = &query.query.leaves[leaf].written;
                    if hits
                        .iter()
                        .any(|h: &Hit| h.list == list.name && h.term == *written)
                    {
                        continue;
                    }
                    Self::push_hit(
                        &mut hits,
                        item,
                        scratch,
                        &mut snippets,
                        (&list.name, written),
                        (Field::ALL[o.field], o.start..o.end),
                        Shown::WholeWord,
                    );
                }
            }
        }
        // A list made only of requirements is explained by their hits.
        for &index in &self.order {
            let list = &self.lists[index];
            if !list.terms.is_empty() || list.query.is_some() || !scratch.matched[index] {
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

    /// Pushes one hit of `term` of `list`, with a snippet of the original
    /// text around where it hit (`folded` in `field`), made once per place.
    fn push_hit(
        hits: &mut Vec<Hit>,
        item: &Item,
        scratch: &MatchScratch,
        snippets: &mut Vec<Snippet>,
        (list, term): (&str, &str),
        (field, folded): (Field, std::ops::Range<usize>),
        shown: Shown,
    ) {
        let source = item.field(field);
        // A query's prefix hit is shown as the whole word it starts.
        let text = scratch.fields[field.index()].as_str();
        let word_end = if shown == Shown::WholeWord {
            folded.end
                + text[folded.end..]
                    .find(|c: char| !fold::is_word_char(c))
                    .unwrap_or(text.len() - folded.end)
        } else {
            folded.end
        };
        let place = folded.start..word_end;
        let matched = (shown == Shown::WithMatch).then(|| {
            let range = scratch.fields[field.index()].original_range(place.clone(), source);
            let mut matched = String::new();
            snippet::push_collapsed(&mut matched, &source[range]);
            clip(matched.trim(), regex_term::MATCHED_CHARS)
        });
        let snippet = match snippets
            .iter()
            .find(|s| s.field == field && s.place == place)
        {
            Some(made) => hits[made.hit].snippet.clone(),
            None => {
                snippets.push(Snippet {
                    field,
                    place: place.clone(),
                    hit: hits.len(),
                });
                let range = scratch.fields[field.index()].original_range(place, source);
                snippet::snippet(source, range)
            }
        };
        hits.push(Hit {
            list: list.to_string(),
            term: term.to_string(),
            field,
            snippet,
            matched,
        });
    }
}

/// How a hit is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// As the term found it.
    AsFound,
    /// As the whole word it starts (a query's prefix).
    WholeWord,
    /// As found, with the text it matched (a regex).
    WithMatch,
}

/// Where a snippet was made: the hit that carries it.
struct Snippet {
    field: Field,
    place: std::ops::Range<usize>,
    hit: usize,
}
