//! Checks on `[[watch]]` lists (their types live with the matcher, in
//! [`crate::matcher::watch`]): every problem points at the offending line
//! and column.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::check::Checker;
use super::load::Located;
use crate::matcher::watch::WatchConfig;
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
    ) -> HashSet<String> {
        let mut names = HashSet::new();
        for watch in watches {
            let watch = &watch.value;
            self.watch_name(watch, &names);
            names.insert(watch.name.get_ref().clone());
            self.watch_terms(watch);
        }
        names.extend(unread.iter().cloned());
        self.requirements(watches, &names);
        names
    }

    fn watch_name(&mut self, watch: &WatchConfig, seen: &HashSet<String>) {
        let name = watch.name.get_ref();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            self.report(
                Some(watch.name.span()),
                format!("watch list name {name:?} must be letters, digits, '-', '_' or '.'"),
            );
        } else if seen.contains(name) {
            self.report(
                Some(watch.name.span()),
                format!("watch list {name:?} is defined twice"),
            );
        }
    }

    fn watch_terms(&mut self, watch: &WatchConfig) {
        let name = watch.name.get_ref();
        if watch.terms.is_empty() && watch.require.is_empty() {
            self.report(
                Some(watch.name.span()),
                format!("watch list {name:?} has no terms (and requires no other list)"),
            );
        }
        for term in watch.terms.iter().chain(&watch.exclude) {
            let text = term.get_ref().text();
            if fold(text).trim().is_empty() {
                self.report(
                    Some(term.span()),
                    format!("watch list {name:?}: term {text:?} is empty once folded"),
                );
            }
        }
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
    }
}
