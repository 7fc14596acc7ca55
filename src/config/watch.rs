//! Checks on `[[watch]]` lists and `[[entity]]`s (their types live with
//! the matcher, in [`crate::matcher::watch`]): every problem points at the
//! offending line and column, inside a query at the offending token.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::check::Checker;
use super::load::Located;
use crate::matcher::query;
use crate::matcher::watch::{EntityConfig, TermConfig, WatchConfig};
use crate::model::Field;
use crate::text::fold::fold;

impl Checker<'_, '_> {
    /// Checks every list and the `require` graph; returns the list names.
    /// `unread` names the lists that could not be read: they are there,
    /// so requiring them is no error.
    pub(super) fn watches(
        &mut self,
        watches: &[Located<'_, WatchConfig>],
        unread: &[String],
        entities: &HashSet<String>,
    ) -> HashSet<String> {
        let mut names = HashSet::new();
        for watch in watches {
            let watch = &watch.value;
            self.watch_name(watch, &names);
            names.insert(watch.name.get_ref().clone());
            self.watch_terms(watch);
            self.watch_weights(watch);
            self.watch_query(watch, entities);
        }
        names.extend(unread.iter().cloned());
        self.requirements(watches, &names);
        names
    }

    fn watch_name(&mut self, watch: &WatchConfig, seen: &HashSet<String>) {
        self.unique_name("watch list", &watch.name, seen);
    }

    /// A list's or entity's name: letters, digits, `-_.`, and only once.
    fn unique_name(&mut self, what: &str, name: &Spanned<String>, seen: &HashSet<String>) {
        let text = name.get_ref();
        if text.is_empty()
            || !text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            self.report(
                Some(name.span()),
                format!("{what} name {text:?} must be letters, digits, '-', '_' or '.'"),
            );
        } else if seen.contains(text) {
            self.report(
                Some(name.span()),
                format!("{what} {text:?} is defined twice"),
            );
        }
    }

    /// Checks every `[[entity]]`; returns their names.
    pub(super) fn entities(&mut self, entities: &[Located<'_, EntityConfig>]) -> HashSet<String> {
        let mut names = HashSet::new();
        for entity in entities {
            let entity = &entity.value;
            self.unique_name("entity", &entity.name, &names);
            let name = entity.name.get_ref();
            names.insert(name.clone());
            if entity.variants.is_empty() {
                self.report(
                    Some(entity.name.span()),
                    format!("entity {name:?} has no variants"),
                );
            }
            for variant in &entity.variants {
                if variant.get_ref().regex().is_some() {
                    self.report(
                        Some(variant.span()),
                        format!(
                            "entity {name:?}: a variant cannot be a regex; put it in a list's terms"
                        ),
                    );
                }
            }
            self.terms_not_empty(&format!("entity {name:?}"), &entity.variants);
        }
        names
    }

    /// Every term folds to something, and its `forms` are languages we
    /// have tables for, for a term in word mode with any diacritics; a
    /// regex term compiles, within its size, and cannot match empty text.
    fn terms_not_empty(&mut self, whose: &str, terms: &[Spanned<TermConfig>]) {
        for term in terms {
            let text = term.get_ref().text();
            if let Some(source) = term.get_ref().regex() {
                if let Err(error) = crate::matcher::regex_term::compile(source) {
                    self.report(
                        Some(term.span()),
                        format!("{whose}: regex {source:?}: {error}"),
                    );
                }
                continue;
            }
            if fold(text).trim().is_empty() {
                self.report(
                    Some(term.span()),
                    format!("{whose}: term {text:?} is empty once folded"),
                );
            }
            let TermConfig::Detailed(detailed) = term.get_ref() else {
                continue;
            };
            let Some(codes) = &detailed.forms else {
                continue;
            };
            let problem = match crate::matcher::forms::FormLangs::parse(codes) {
                Err(error) => Some(error),
                Ok(_) if detailed.diacritics == crate::matcher::watch::Diacritics::Exact => {
                    Some("forms and diacritics = \"exact\" do not combine".to_string())
                }
                Ok(_)
                    if detailed
                        .mode
                        .is_some_and(|m| m != crate::matcher::watch::TermMode::Word) =>
                {
                    Some("forms replaces mode: leave mode out".to_string())
                }
                Ok(_) => None,
            };
            if let Some(problem) = problem {
                self.report(
                    Some(term.span()),
                    format!("{whose}: term {text:?}: {problem}"),
                );
            }
        }
    }

    /// Weights and the threshold: finite, and a threshold the terms can
    /// reach.
    fn watch_weights(&mut self, watch: &WatchConfig) {
        let name = watch.name.get_ref();
        for term in &watch.terms {
            if !term.get_ref().weight().is_finite() {
                self.report(
                    Some(term.span()),
                    format!("watch list {name:?}: a term's weight must be a number"),
                );
            }
        }
        let Some(threshold) = &watch.threshold else {
            return;
        };
        if watch.terms.is_empty() {
            self.report(
                Some(threshold.span()),
                format!("watch list {name:?}: threshold weighs terms, and the list has none"),
            );
            return;
        }
        let reachable: f64 = watch
            .terms
            .iter()
            .map(|t| t.get_ref().weight())
            .filter(|w| *w > 0.0)
            .fold(0.0, |sum, w| sum + w);
        let value = *threshold.get_ref();
        if !(value.is_finite() && value > 0.0) || value > reachable {
            self.report(
                Some(threshold.span()),
                format!(
                    "watch list {name:?}: threshold must be above 0 and at most the sum of its positive weights ({reachable})"
                ),
            );
        }
    }

    /// A query parses, names known entities, and can match.
    fn watch_query(&mut self, watch: &WatchConfig, entities: &HashSet<String>) {
        let Some(text) = &watch.query else {
            return;
        };
        let name = watch.name.get_ref();
        let parsed = query::parse(text.get_ref()).and_then(|parsed| {
            query::check_satisfiable(&parsed)?;
            Ok(parsed)
        });
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                let at = self.inside(text, error.at);
                self.report(Some(at), format!("watch list {name:?}: query: {error}"));
                return;
            }
        };
        for (entity, at) in parsed.entities() {
            if !entities.contains(entity) {
                let at = self.inside(text, at);
                self.report(
                    Some(at),
                    format!(
                        "watch list {name:?}: query: unknown entity @{entity}; define it with [[entity]] name = {entity:?}"
                    ),
                );
            }
        }
    }

    /// Where byte `at` of a string value is in the file: exact when the
    /// string is written without escapes (literal strings always are),
    /// else the start of the string.
    fn inside(&self, value: &Spanned<String>, at: usize) -> std::ops::Range<usize> {
        let span = value.span();
        let raw = self.text().get(span.clone()).unwrap_or_default();
        let opening = ["'''", "\"\"\"", "'", "\""]
            .into_iter()
            .find(|quote| raw.starts_with(quote))
            .map_or(0, str::len);
        let mut start = span.start + opening;
        let body = raw.get(opening..).unwrap_or_default();
        // A multi-line string drops the line break right after its quotes.
        if opening == 3 && body.starts_with('\n') {
            start += 1;
        }
        let written = self.text().get(start..start + value.get_ref().len());
        if written == Some(value.get_ref().as_str()) {
            start + at..start + at + 1
        } else {
            span
        }
    }

    fn watch_terms(&mut self, watch: &WatchConfig) {
        let name = watch.name.get_ref();
        if watch.terms.is_empty() && watch.require.is_empty() && watch.query.is_none() {
            self.report(
                Some(watch.name.span()),
                format!("watch list {name:?} has no terms or query (and requires no other list)"),
            );
        }
        self.terms_not_empty(&format!("watch list {name:?}"), &watch.terms);
        self.terms_not_empty(&format!("watch list {name:?}"), &watch.exclude);
        if let Some(min) = &watch.min_hits
            && (*min.get_ref() == 0 || *min.get_ref() > watch.terms.len())
        {
            self.report(
                Some(min.span()),
                format!(
                    "watch list {name:?}: min_hits must be between 1 and its {} terms",
                    watch.terms.len()
                ),
            );
        }
        if let Some(fields) = &watch.fields {
            let list = fields.get_ref();
            let unique: HashSet<&Field> = list.iter().collect();
            if list.is_empty() || unique.len() != list.len() {
                self.report(
                    Some(fields.span()),
                    format!(
                        "watch list {name:?}: fields must name title, summary or content, each once"
                    ),
                );
            }
        }
    }

    /// Every required list exists, and no list requires itself, directly
    /// or through others. A cycle is reported once, at the first of its
    /// lists in the file.
    fn requirements(&mut self, watches: &[Located<'_, WatchConfig>], names: &HashSet<String>) {
        let graph: HashMap<&str, Vec<&Spanned<String>>> = watches
            .iter()
            .map(|w| {
                (
                    w.value.name.get_ref().as_str(),
                    w.value.require.iter().collect(),
                )
            })
            .collect();
        let mut in_reported_cycle: HashSet<String> = HashSet::new();
        for watch in watches {
            let watch = &watch.value;
            let name = watch.name.get_ref();
            for required in &watch.require {
                if !names.contains(required.get_ref()) {
                    self.report(
                        Some(required.span()),
                        format!(
                            "watch list {name:?} requires unknown list {:?}",
                            required.get_ref()
                        ),
                    );
                }
            }
            if in_reported_cycle.contains(name) {
                continue;
            }
            if let Some(cycle) = find_cycle(name, &graph) {
                let at = watch
                    .require
                    .first()
                    .map_or(watch.name.span(), |r| r.span());
                self.report(
                    Some(at),
                    format!(
                        "watch lists require each other in a cycle: {}",
                        cycle.join(" -> ")
                    ),
                );
                in_reported_cycle.extend(cycle);
            }
        }
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
        let (line, _, message) = error_of(
            "[[watch]]\nname = \"a\"\nterms = [\"x\",\n  { term = \"Kosovo\", forms = \"sr,hr\" }]\n",
        );
        assert_eq!(line, 4, "{message}");
        assert!(message.contains("\"hr\""), "{message}");
        let (_, _, message) = error_of(
            "[[watch]]\nname = \"a\"\nterms = [{ term = \"Kosovo\", forms = \"sr\", diacritics = \"exact\" }]\n",
        );
        assert!(message.contains("do not combine"), "{message}");
    }

    #[test]
    fn bad_regex_terms_are_errors_at_their_line() {
        let (line, column, message) =
            error_of("[[watch]]\nname = \"a\"\nterms = [\"x\",\n  { regex = 'KFOR\\s*(\\d+' }]\n");
        assert_eq!((line, column), (4, 3), "{message}");
        assert_eq!(
            message,
            "watch list \"a\": regex \"KFOR\\\\s*(\\\\d+\": unclosed group (at character 8)"
        );
        let (line, _, message) = error_of(
            "[[watch]]\nname = \"a\"\nterms = [\"x\"]\nexclude = [\n  \"y\",\n  { regex = '\\d*' },\n]\n",
        );
        assert_eq!(line, 6, "{message}");
        assert!(message.contains("can match empty text"), "{message}");
        let (line, _, message) =
            error_of("[[watch]]\nname = \"a\"\nterms = [{ regex = '\\w{1,900}' }]\n");
        assert_eq!(line, 3, "{message}");
        assert!(message.contains("KiB"), "{message}");
        let (line, _, message) = error_of(
            "[[entity]]\nname = \"kfor\"\nvariants = [\"KFOR\", { regex = 'kfor\\d' }]\n\n\
             [[watch]]\nname = \"a\"\nquery = '@kfor'\n",
        );
        assert_eq!(line, 3, "{message}");
        assert!(message.contains("cannot be a regex"), "{message}");
    }

    #[test]
    fn good_regex_terms_parse_with_their_weight() {
        let config = Config::parse(
            "[[watch]]\nname = \"a\"\nthreshold = 2\nterms = [\"x\", { regex = 'kfor\\s*\\d+', weight = 2 }]\n",
            Path::new("w.toml"),
        )
        .expect("valid");
        let term = config.watches[0].terms[1].get_ref();
        assert_eq!((term.regex(), term.weight()), (Some(r"kfor\s*\d+"), 2.0));
    }

    #[test]
    fn query_errors_point_into_the_query() {
        let (line, column, message) = error_of(
            "[[entity]]\nname = \"vucic\"\nvariants = [\"Vučić\"]\n\n[[watch]]\nname = \"a\"\nquery = '@vucic NEAR/3 @kurti'\n",
        );
        assert_eq!((line, column), (7, 24), "{message}");
        assert!(message.contains("unknown entity @kurti"), "{message}");
        let (line, column, message) =
            error_of("[[watch]]\nname = \"a\"\nquery = \"\"\"\nKFOR AND (troops\"\"\"\n");
        assert_eq!((line, column), (4, 10), "{message}");
        assert!(message.contains("never closed"), "{message}");
        let (line, _, message) =
            error_of("[[watch]]\nname = \"a\"\nthreshold = 2.0\nterms = [\"x\"]\n");
        assert_eq!(line, 3, "{message}");
    }
}
