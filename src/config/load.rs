//! Reading the parsed TOML document into the config's types, one section
//! and one array element at a time, so a bad value in one place does not
//! hide the errors in the others. Each value read keeps the table it came
//! from, so the checks that follow can point at any of its keys.

use std::ops::Range;

use serde::Deserialize;
use serde::de::Error as _;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::{
    ArchiveConfig, DaemonConfig, DedupConfig, FeedConfig, Findings, HttpConfig, PollConfig,
    SignalsConfig, StateConfig, WatchConfig,
};
use crate::matcher::watch::EntityConfig;
use crate::sink::SinkConfig;

/// The top-level keys a config may have, in the order serde used to name
/// them when refusing another.
const SECTIONS: &[&str] = &[
    "state", "poll", "daemon", "dedup", "archive", "signals", "http", "entity", "feed", "watch",
    "sink",
];

/// A value read from one table of the document, with that table: the
/// table's spans are where the checks' errors point.
pub(super) struct Located<'d, T> {
    /// What was read.
    pub(super) value: T,
    /// The table it was read from (`None` for a section the file leaves
    /// out, whose defaults cannot be wrong).
    table: Option<&'d DeTable<'d>>,
    /// Where the table starts (its header).
    span: Option<Range<usize>>,
}

impl<T> Located<'_, T> {
    /// Where `key`'s value is written; the table's header if the key is
    /// not there.
    pub(super) fn at(&self, key: &str) -> Option<Range<usize>> {
        self.table
            .and_then(|table| table.get(key))
            .map(Spanned::span)
            .or_else(|| self.span.clone())
    }

    /// Where the key `inner` of the table `key` is written (a header's
    /// name in `headers`); else where `key` is.
    pub(super) fn key_in(&self, key: &str, inner: &str) -> Option<Range<usize>> {
        self.table
            .and_then(|table| table.get(key))
            .and_then(|value| value.get_ref().as_table())
            .and_then(|table| table.iter().find(|(name, _)| name.get_ref() == inner))
            .map(|(name, _)| name.span())
            .or_else(|| self.at(key))
    }

    /// Where `text` is written in the array `key`; else where `key` is.
    pub(super) fn element(&self, key: &str, text: &str) -> Option<Range<usize>> {
        self.table
            .and_then(|table| table.get(key))
            .and_then(|value| value.get_ref().as_array())
            .and_then(|array| {
                array
                    .iter()
                    .find(|item| item.get_ref().as_str() == Some(text))
            })
            .map(Spanned::span)
            .or_else(|| self.at(key))
    }

    /// Where the table starts.
    fn span(&self) -> Option<Range<usize>> {
        self.span.clone()
    }

    /// The byte offset where the table starts.
    pub(super) fn start(&self) -> Option<usize> {
        self.span.as_ref().map(|s| s.start)
    }
}

/// The whole document, read: what could not be read is left at its
/// default (sections) or left out (array elements), and is in the findings.
pub(super) struct RawConfig<'d> {
    /// `[state]`.
    pub(super) state: Located<'d, StateConfig>,
    /// `[poll]`.
    pub(super) poll: Located<'d, PollConfig>,
    /// `[daemon]`.
    pub(super) daemon: Located<'d, DaemonConfig>,
    /// `[dedup]`.
    pub(super) dedup: Located<'d, DedupConfig>,
    /// `[archive]`.
    pub(super) archive: Located<'d, ArchiveConfig>,
    /// `[signals]`.
    pub(super) signals: Located<'d, SignalsConfig>,
    /// `[http]`.
    pub(super) http: Located<'d, HttpConfig>,
    /// The `[[feed]]`s that could be read.
    pub(super) feeds: Vec<Located<'d, FeedConfig>>,
    /// The `[[watch]]` lists that could be read.
    pub(super) watches: Vec<Located<'d, WatchConfig>>,
    /// The `[[entity]]`s that could be read.
    pub(super) entities: Vec<Located<'d, EntityConfig>>,
    /// The `[[sink]]`s that could be read.
    pub(super) sinks: Vec<Located<'d, SinkConfig>>,
    /// The names of `[[watch]]` lists that could not be read: they exist,
    /// so a sink or list naming them is not wrong too.
    pub(super) unread_watch_names: Vec<String>,
}

/// Reads every section and element of `root`, adding each value serde
/// refuses to `findings` at its own place.
pub(super) fn read<'d>(root: &'d DeTable<'d>, findings: &mut Findings<'_>) -> RawConfig<'d> {
    for (key, _) in root.iter() {
        let name: &str = key.get_ref();
        if !SECTIONS.contains(&name) {
            let error = toml::de::Error::unknown_field(name, SECTIONS);
            findings.add(Some(key.span()), error.message().trim());
        }
    }
    let watch_values = root.get("watch");
    let watches = elements(watch_values, findings);
    let unread_watch_names = unread_names(watch_values, &watches);
    RawConfig {
        state: section(root.get("state"), findings),
        poll: section(root.get("poll"), findings),
        daemon: section(root.get("daemon"), findings),
        dedup: section(root.get("dedup"), findings),
        archive: section(root.get("archive"), findings),
        signals: section(root.get("signals"), findings),
        http: section(root.get("http"), findings),
        feeds: elements(root.get("feed"), findings),
        watches,
        entities: elements(root.get("entity"), findings),
        sinks: elements(root.get("sink"), findings),
        unread_watch_names,
    }
}

/// One section (`[poll]`, ...): its defaults when absent, and with every
/// bad key at its default, so the keys that were read are still checked.
fn section<'d, T>(
    value: Option<&'d Spanned<DeValue<'d>>>,
    findings: &mut Findings<'_>,
) -> Located<'d, T>
where
    T: Deserialize<'d> + Default,
{
    let read = value.map_or(Read::Clean(T::default()), |value| table(value, findings));
    let value_read = match read {
        Read::Clean(v) | Read::Partial(v) => v,
        Read::Failed => T::default(),
    };
    located(value, value_read)
}

/// The elements of an array of tables (`[[feed]]`, ...): those read
/// without an error; the others are in the findings.
fn elements<'d, T: Deserialize<'d>>(
    value: Option<&'d Spanned<DeValue<'d>>>,
    findings: &mut Findings<'_>,
) -> Vec<Located<'d, T>> {
    let Some(value) = value else {
        return Vec::new();
    };
    let Some(array) = value.get_ref().as_array() else {
        // Not an array: serde says so, as it did for the whole file.
        if let Err(error) = Vec::<T>::deserialize(ValueDeserializer::from(value.clone())) {
            findings.add_toml(&error);
        }
        return Vec::new();
    };
    array
        .iter()
        .filter_map(|element| match table(element, findings) {
            Read::Clean(read) => Some(located(Some(element), read)),
            // Read without its bad keys, an element could look wrong in
            // ways the file is not ("no terms" for a list whose terms were
            // dropped): it is checked once it reads cleanly.
            Read::Partial(_) | Read::Failed => None,
        })
        .collect()
}

/// A value read, with the table it came from.
fn located<'d, T>(value: Option<&'d Spanned<DeValue<'d>>>, read: T) -> Located<'d, T> {
    Located {
        value: read,
        table: value.and_then(|v| v.get_ref().as_table()),
        span: value.map(Spanned::span),
    }
}

/// How reading one table went.
enum Read<T> {
    /// Every key was read.
    Clean(T),
    /// Read once the bad keys (in the findings) were left out.
    Partial(T),
    /// Could not be read even so (a required key is missing or bad, or the
    /// error is the table's own).
    Failed,
}

/// Where an error without a place is about, from its message: an unknown
/// field at that key, an unknown variant (a sink's `type`) at `type`.
fn unplaced_key(message: &str, table: &DeValue<'_>) -> Option<Range<usize>> {
    let key = if let Some(rest) = message.trim().strip_prefix("unknown field `") {
        rest.split('`').next()?
    } else if message.trim().starts_with("unknown variant `") {
        "type"
    } else {
        return None;
    };
    let DeValue::Table(items) = table else {
        return None;
    };
    let (name, value) = items.iter().find(|(name, _)| name.get_ref() == key)?;
    // The key itself for an unknown key, the value for a bad one.
    Some(if key == "type" {
        value.span()
    } else {
        name.span()
    })
}

/// The most bad keys reported for one table: each costs another reading
/// of it, and past a screenful the operator has enough to go on.
const MOST_BAD_KEYS: usize = 64;

/// Reads a table as `T`. serde stops at the first bad value, so each bad
/// key is reported, left out, and the table read again: every bad key of
/// the table is found (up to [`MOST_BAD_KEYS`]), each at its own place.
/// Each round leaves out one more key, so this ends.
fn table<'d, T: Deserialize<'d>>(
    value: &Spanned<DeValue<'d>>,
    findings: &mut Findings<'_>,
) -> Read<T> {
    let mut current = value.clone();
    let mut left_out: Vec<String> = Vec::new();
    while left_out.len() < MOST_BAD_KEYS {
        let error = match T::deserialize(ValueDeserializer::from(current.clone())) {
            Ok(read) if left_out.is_empty() => return Read::Clean(read),
            Ok(read) => return Read::Partial(read),
            Err(error) => error,
        };
        // A required key that was left out for being bad is missing now:
        // that is the same error again, not another.
        if left_out
            .iter()
            .any(|key| error.message().trim() == format!("missing field `{key}`"))
        {
            return Read::Failed;
        }
        // An error serde could not place (a type that reads its table
        // itself, like a sink's) is put at the key it names, else at the
        // table.
        let span = error
            .span()
            .or_else(|| unplaced_key(error.message(), current.get_ref()))
            .unwrap_or_else(|| value.span());
        findings.add(Some(span.clone()), error.message().trim());
        let DeValue::Table(items) = current.get_mut() else {
            return Read::Failed;
        };
        let Some(key) = key_holding(items, &span) else {
            return Read::Failed;
        };
        items.remove(key.as_str());
        left_out.push(key);
    }
    Read::Failed
}

/// The key of `items` whose name or value holds `span`.
fn key_holding(items: &DeTable<'_>, span: &Range<usize>) -> Option<String> {
    let holds = |outer: Range<usize>| outer.start <= span.start && span.end <= outer.end;
    items
        .iter()
        .find(|(key, value)| holds(key.span()) || holds(value.span()))
        .map(|(key, _)| key.get_ref().to_string())
}

/// The `name`s of the array's tables that were not read.
fn unread_names<T>(value: Option<&Spanned<DeValue<'_>>>, read: &[Located<'_, T>]) -> Vec<String> {
    let Some(array) = value.and_then(|v| v.get_ref().as_array()) else {
        return Vec::new();
    };
    let read_at: Vec<Option<Range<usize>>> = read.iter().map(Located::span).collect();
    array
        .iter()
        .filter(|element| !read_at.contains(&Some(element.span())))
        .filter_map(|element| element.get_ref().get("name"))
        .filter_map(|name| name.get_ref().as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, ConfigError};

    /// Every error of `text` as (line, column, message), in file order.
    fn errors_of(text: &str) -> Vec<(usize, usize, String)> {
        let error = Config::parse(text, Path::new("t.toml")).expect_err("invalid");
        error
            .each()
            .iter()
            .map(|e| match e {
                ConfigError::Invalid {
                    line,
                    column,
                    message,
                    ..
                } => (*line, *column, message.clone()),
                other => panic!("expected located errors, got {other:?}"),
            })
            .collect()
    }

    #[test]
    fn every_bad_key_of_a_section_is_reported() {
        let errors =
            errors_of("[poll]\ninterval = \"soon\"\nconcurrency = \"many\"\nper_hots = 2\n");
        let places: Vec<(usize, usize)> = errors.iter().map(|(l, c, _)| (*l, *c)).collect();
        assert_eq!(places, [(2, 12), (3, 15), (4, 1)], "{errors:?}");
        assert!(errors[0].2.contains("invalid duration"), "{errors:?}");
        assert!(
            errors[2].2.contains("unknown field `per_hots`"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_bad_section_does_not_hide_the_checks_of_its_good_keys() {
        let errors = errors_of("[poll]\ninterval = \"soon\"\njitter = 3.0\n");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[1].0, errors[1].1), (3, 10), "{errors:?}");
        assert!(errors[1].2.contains("jitter must be between"), "{errors:?}");
    }

    #[test]
    fn a_bad_required_value_is_one_error_not_two() {
        let errors = errors_of("[[feed]]\nurl = 5\ninterval = \"soon\"\n");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors.iter().all(|(_, _, m)| !m.contains("missing field")),
            "{errors:?}"
        );
        // Truly missing is still said.
        let errors = errors_of("[[feed]]\nname = \"x\"\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].2.contains("missing field `url`"), "{errors:?}");
    }

    #[test]
    fn a_list_that_could_not_be_read_still_exists_for_sinks_and_lists() {
        let errors = errors_of(
            "[[watch]]\nname = \"k\"\nterms = [{ term = \"x\", mode = \"fuzzy\" }]\n\n\
             [[watch]]\nname = \"j\"\nterms = [\"y\"]\nrequire = [\"k\"]\n\n\
             [[sink]]\ntype = \"stdout\"\nlists = [\"k\"]\n",
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, 3, "{errors:?}");
    }

    #[test]
    fn a_cycle_is_reported_once() {
        let errors = errors_of(
            "[[watch]]\nname = \"a\"\nterms = [\"x\"]\nrequire = [\"b\"]\n\
             [[watch]]\nname = \"b\"\nterms = [\"y\"]\nrequire = [\"a\"]\n",
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn errors_in_every_kind_of_table_come_together() {
        let errors = errors_of(
            "[http]\nmax_connections = 0\n\n\
             [[feed]]\nurl = \"https://a.example/\"\nschedule = \"never\"\n\n\
             [[watch]]\nname = \"bad name\"\nterms = [\"x\"]\n\n\
             [[sink]]\ntype = \"exec\"\ncommand = []\n\n\
             [bogus]\n",
        );
        let lines: Vec<usize> = errors.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lines, [2, 6, 9, 14, 16], "{errors:?}");
    }
}
