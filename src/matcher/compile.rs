//! Compiling a watch list's query: a term (and automaton pattern) for
//! each word, prefix, phrase and entity variant it names.

use super::MatcherError;
use super::query::{self, LeafKind, Query, eval};
use super::term::{Term, folded_term};
use super::watch::{Diacritics, EntityConfig, TermMode};
use crate::text::fold;

/// A list's query with the patterns of its leaves.
#[derive(Debug, Clone)]
pub(super) struct CompiledQuery {
    pub(super) query: Query,
    /// Whether it asks for the item's language (`lang:`).
    pub(super) uses_lang: bool,
    /// Per leaf: whether its hit can make the query hold (see
    /// [`eval::promoting_leaves`]); until one does, the list is skipped.
    /// These are the leaves an explanation shows when they hit.
    pub(super) promoting: Vec<bool>,
}

/// A query's terms, each with the leaf it stands for.
pub(super) type QueryTerms = Vec<(Term, usize)>;

/// A list's query; a term per word, prefix, phrase and entity variant,
/// with the leaf it stands for; and each term's automaton pattern (its
/// first word, or a stem).
pub(super) fn compile_query(
    text: &str,
    entities: &[EntityConfig],
) -> Result<(CompiledQuery, QueryTerms, Vec<String>), MatcherError> {
    let query = query::parse(text).map_err(|e| MatcherError(format!("query {text:?}: {e}")))?;
    let mut terms = Vec::new();
    let mut patterns = Vec::new();
    let mut push = |(term, pattern): (Term, String), leaf: usize| {
        terms.push((term, leaf));
        patterns.push(pattern);
    };
    for (leaf, spec) in query.leaves.iter().enumerate() {
        let words = |folded: &str| -> Vec<String> {
            folded
                .split(|c: char| !fold::is_word_char(c))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        match &spec.kind {
            LeafKind::Word(word) => {
                push(
                    Term::of_words(
                        &spec.written,
                        std::slice::from_ref(word),
                        TermMode::Word,
                        None,
                    ),
                    leaf,
                );
            }
            LeafKind::Prefix(stem) => {
                push(
                    Term::of_words(
                        &spec.written,
                        std::slice::from_ref(stem),
                        TermMode::Prefix,
                        None,
                    ),
                    leaf,
                );
            }
            LeafKind::Phrase(phrase) => {
                push(
                    Term::of_words(&spec.written, phrase, TermMode::Word, None),
                    leaf,
                );
            }
            LeafKind::Entity(name) => {
                let entity = entities
                    .iter()
                    .find(|e| e.name.get_ref() == name)
                    .ok_or_else(|| {
                        MatcherError(format!("query {text:?}: unknown entity @{name}"))
                    })?;
                for variant in &entity.variants {
                    let variant = variant.get_ref();
                    if variant.regex().is_some() {
                        return Err(MatcherError(format!(
                            "entity @{name}: a variant cannot be a regex"
                        )));
                    }
                    if variant.forms().is_some() {
                        let mut term = Term::of(variant, TermMode::Word);
                        term.written = spec.written.clone();
                        let pattern = term.pattern_of(variant);
                        push((term, pattern), leaf);
                        continue;
                    }
                    let marks = (variant.diacritics() == Diacritics::Exact)
                        .then(|| fold::marked_letters(variant.text()));
                    let folded = folded_term(variant);
                    let mode = variant.mode(TermMode::Word);
                    push(
                        Term::of_words(&spec.written, &words(&folded), mode, marks),
                        leaf,
                    );
                }
            }
        }
    }
    let mut promoting = vec![false; query.leaves.len()];
    let mut leaves = Vec::new();
    eval::promoting_leaves(&query.root, &mut leaves);
    for leaf in leaves {
        promoting[leaf] = true;
    }
    Ok((
        CompiledQuery {
            promoting,
            uses_lang: query.uses_lang(),
            query,
        },
        terms,
        patterns,
    ))
}
