//! `[[watch]]` lists: terms and their modes, and the rules that combine
//! them (exclude, min_hits, fields, require), with checks that point at
//! the offending line and column.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use super::{Checker, ConfigError};
use crate::matcher::fold;
use crate::model::Field;

/// How a term must sit in the text to count as a hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermMode {
    /// A whole word or phrase: boundaries on both sides.
    #[default]
    Word,
    /// The start of a word: "kosov" hits Kosovo, Kosova, Kosovu.
    Prefix,
    /// Anywhere, even inside a word.
    Substring,
}

/// Whether a term's diacritics must be in the text as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Diacritics {
    /// Folded away: "Vucic" hits "Vučić" (the default).
    #[default]
    Any,
    /// As written, in either script: "Mitrovica" hits "Митровица" but
    /// not "Mitrovića", the surname Mitrović's genitive.
    Exact,
}

/// `[[watch]]`: one named watch list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    /// The list's name, used in alerts and in sink routing.
    pub name: Spanned<String>,
    /// Default mode for its terms.
    #[serde(default)]
    pub mode: TermMode,
    /// The terms (`terms` or `any`); the list matches when at least
    /// `min_hits` of them hit.
    #[serde(default, alias = "any")]
    pub terms: Vec<Spanned<TermConfig>>,
    /// Terms that veto the list when any of them hits the same item.
    #[serde(default)]
    pub exclude: Vec<Spanned<TermConfig>>,
    /// How many different terms must hit (default 1).
    #[serde(default)]
    pub min_hits: Option<Spanned<usize>>,
    /// Which fields are searched (default all: title, summary, content).
    #[serde(default)]
    pub fields: Option<Spanned<Vec<Field>>>,
    /// Other lists that must also match the item.
    #[serde(default)]
    pub require: Vec<Spanned<String>>,
}

impl WatchConfig {
    /// The minimum number of distinct terms that must hit.
    pub fn min_hits(&self) -> usize {
        self.min_hits.as_ref().map_or(1, |m| *m.get_ref())
    }

    /// The fields searched.
    pub fn fields(&self) -> Vec<Field> {
        self.fields
            .as_ref()
            .map_or_else(|| Field::ALL.to_vec(), |f| f.get_ref().clone())
    }
}

/// One term: a plain string, or `{ term = "...", mode = "prefix" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TermConfig {
    /// A term in the list's default mode.
    Plain(String),
    /// A term with its own mode.
    Detailed(DetailedTerm),
}

/// The table form of a term.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailedTerm {
    /// The term as the operator writes it.
    pub term: String,
    /// Its mode; default the list's.
    #[serde(default)]
    pub mode: Option<TermMode>,
    /// Whether its diacritics must match too; default not.
    #[serde(default)]
    pub diacritics: Diacritics,
}

impl TermConfig {
    /// The term as written.
    pub fn text(&self) -> &str {
        match self {
            TermConfig::Plain(text) => text,
            TermConfig::Detailed(detailed) => &detailed.term,
        }
    }

    /// Whether the term's diacritics must match as written.
    pub fn diacritics(&self) -> Diacritics {
        match self {
            TermConfig::Plain(_) => Diacritics::Any,
            TermConfig::Detailed(detailed) => detailed.diacritics,
        }
    }

    /// The term's mode, given the list's default.
    pub fn mode(&self, default: TermMode) -> TermMode {
        match self {
            TermConfig::Plain(_) => default,
            TermConfig::Detailed(detailed) => detailed.mode.unwrap_or(default),
        }
    }
}

impl Checker<'_> {
    /// Checks every list and the `require` graph; returns the list names.
    pub(super) fn watches(
        &self,
        watches: &[Spanned<WatchConfig>],
    ) -> Result<HashSet<String>, ConfigError> {
        let mut names = HashSet::new();
        for watch in watches {
            let watch = watch.get_ref();
            self.watch_name(watch, &names)?;
            names.insert(watch.name.get_ref().clone());
            self.watch_terms(watch)?;
        }
        self.requirements(watches, &names)?;
        Ok(names)
    }

    fn watch_name(&self, watch: &WatchConfig, seen: &HashSet<String>) -> Result<(), ConfigError> {
        let name = watch.name.get_ref();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(self.error(
                watch.name.span(),
                format!("watch list name {name:?} must be letters, digits, '-', '_' or '.'"),
            ));
        }
        if seen.contains(name) {
            return Err(self.error(
                watch.name.span(),
                format!("watch list {name:?} is defined twice"),
            ));
        }
        Ok(())
    }

    fn watch_terms(&self, watch: &WatchConfig) -> Result<(), ConfigError> {
        let name = watch.name.get_ref();
        if watch.terms.is_empty() && watch.require.is_empty() {
            return Err(self.error(
                watch.name.span(),
                format!("watch list {name:?} has no terms (and requires no other list)"),
            ));
        }
        for term in watch.terms.iter().chain(&watch.exclude) {
            let text = term.get_ref().text();
            if fold(text).trim().is_empty() {
                return Err(self.error(
                    term.span(),
                    format!("watch list {name:?}: term {text:?} is empty once folded"),
                ));
            }
        }
        if let Some(min) = &watch.min_hits
            && (*min.get_ref() == 0 || *min.get_ref() > watch.terms.len())
        {
            return Err(self.error(
                min.span(),
                format!(
                    "watch list {name:?}: min_hits must be between 1 and its {} terms",
                    watch.terms.len()
                ),
            ));
        }
        if let Some(fields) = &watch.fields {
            let list = fields.get_ref();
            let unique: HashSet<&Field> = list.iter().collect();
            if list.is_empty() || unique.len() != list.len() {
                return Err(self.error(
                    fields.span(),
                    format!(
                        "watch list {name:?}: fields must name title, summary or content, each once"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every required list exists, and no list requires itself, directly
    /// or through others.
    fn requirements(
        &self,
        watches: &[Spanned<WatchConfig>],
        names: &HashSet<String>,
    ) -> Result<(), ConfigError> {
        let graph: HashMap<&str, Vec<&Spanned<String>>> = watches
            .iter()
            .map(|w| {
                (
                    w.get_ref().name.get_ref().as_str(),
                    w.get_ref().require.iter().collect(),
                )
            })
            .collect();
        for watch in watches {
            let watch = watch.get_ref();
            let name = watch.name.get_ref();
            for required in &watch.require {
                if !names.contains(required.get_ref()) {
                    return Err(self.error(
                        required.span(),
                        format!(
                            "watch list {name:?} requires unknown list {:?}",
                            required.get_ref()
                        ),
                    ));
                }
            }
            if let Some(cycle) = find_cycle(name, &graph) {
                let at = watch
                    .require
                    .first()
                    .map_or(watch.name.span(), |r| r.span());
                return Err(self.error(
                    at,
                    format!(
                        "watch lists require each other in a cycle: {}",
                        cycle.join(" -> ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A path from `start` back to itself through `require`, if there is one.
fn find_cycle(start: &str, graph: &HashMap<&str, Vec<&Spanned<String>>>) -> Option<Vec<String>> {
    let mut path = vec![start.to_string()];
    let mut visited = HashSet::new();
    fn walk(
        node: &str,
        start: &str,
        graph: &HashMap<&str, Vec<&Spanned<String>>>,
        path: &mut Vec<String>,
        visited: &mut HashSet<String>,
    ) -> bool {
        for next in graph.get(node).into_iter().flatten() {
            let next = next.get_ref().as_str();
            path.push(next.to_string());
            if next == start {
                return true;
            }
            if visited.insert(next.to_string()) && walk(next, start, graph, path, visited) {
                return true;
            }
            path.pop();
        }
        false
    }
    walk(start, start, graph, &mut path, &mut visited).then_some(path)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, ConfigError};

    fn error_of(text: &str) -> (usize, usize, String) {
        match Config::parse(text, Path::new("w.toml")) {
            Err(ConfigError::Invalid {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    const BASE: &str = "[[watch]]\nname = \"kosovo\"\nterms = [\"Kosovo\"]\n";

    #[test]
    fn rules_parse() {
        let text = format!(
            "{BASE}\n[[watch]]\nname = \"troops\"\nany = [\"troops\", \"soldiers\"]\nexclude = [\"Ukraine\"]\n\
             min_hits = 1\nfields = [\"title\", \"summary\"]\nrequire = [\"kosovo\"]\n"
        );
        let config = Config::parse(&text, Path::new("w.toml")).expect("valid");
        let troops = &config.watches[1];
        assert_eq!(troops.terms.len(), 2);
        assert_eq!(troops.exclude.len(), 1);
        assert_eq!(troops.fields().len(), 2);
        assert_eq!(troops.require[0].get_ref(), "kosovo");
    }

    #[test]
    fn unknown_required_lists_are_errors_at_the_name() {
        let (line, column, message) = error_of(&format!(
            "{BASE}[[watch]]\nname = \"x\"\nterms = [\"y\"]\nrequire = [\"kosvo\"]\n"
        ));
        assert_eq!((line, column), (7, 12), "{message}");
        assert!(message.contains("unknown list \"kosvo\""), "{message}");
    }

    #[test]
    fn cycles_are_errors() {
        let (line, _, message) = error_of(
            "[[watch]]\nname = \"a\"\nterms = [\"x\"]\nrequire = [\"b\"]\n\
             [[watch]]\nname = \"b\"\nterms = [\"y\"]\nrequire = [\"a\"]\n",
        );
        assert_eq!(line, 4, "{message}");
        assert!(message.contains("a -> b -> a"), "{message}");
        let (_, _, message) =
            error_of("[[watch]]\nname = \"a\"\nterms = [\"x\"]\nrequire = [\"a\"]\n");
        assert!(message.contains("a -> a"), "{message}");
    }

    #[test]
    fn impossible_rules_are_errors() {
        let (line, _, message) =
            error_of("[[watch]]\nname = \"a\"\nterms = [\"x\"]\nmin_hits = 2\n");
        assert_eq!(line, 4, "{message}");
        let (line, _, message) =
            error_of("[[watch]]\nname = \"a\"\nterms = [\"x\"]\nfields = []\n");
        assert_eq!(line, 4, "{message}");
        let (line, _, message) =
            error_of("[[watch]]\nname = \"a\"\nterms = [\"x\"]\nfields = [\"body\"]\n");
        assert_eq!(line, 4, "{message}");
        let (line, _, message) =
            error_of("[[watch]]\nname = \"a\"\nterms = [\"x\"]\nexclude = [\" \"]\n");
        assert_eq!(line, 4, "{message}");
        let (line, _, message) = error_of("[[watch]]\nname = \"a\"\n");
        assert_eq!(line, 2, "{message}");
        assert!(message.contains("no terms"), "{message}");
    }
}
