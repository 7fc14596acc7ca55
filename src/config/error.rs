//! Config errors that point at the exact place: `path:line:column: message`,
//! one line per error, every error of the file at once.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why a config could not be used. Its `Display` is what the operator sees.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("{path}: cannot read config: {source}")]
    Read {
        /// The file we tried.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file was read but something in it is wrong.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column (in characters) of the offending text.
        column: usize,
        /// What is wrong, naming the field.
        message: String,
    },
    /// Several things in the file are wrong: each is an `Invalid`, in file
    /// order, so one `check` shows them all instead of one per run.
    #[error("{}", lines(.0))]
    Many(Vec<ConfigError>),
    /// No config file was given and none exists in the usual places.
    #[error("no config file found; tried {tried}")]
    NotFound {
        /// The places looked at, in order.
        tried: String,
    },
}

/// The errors of `Many`, one a line.
fn lines(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ConfigError {
    /// An error at a byte span of the file's text.
    pub fn at(
        path: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// Errors found in file order, as one result: none is valid, one is
    /// itself, several are [`ConfigError::Many`].
    pub fn all(mut errors: Vec<ConfigError>) -> Result<(), ConfigError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(ConfigError::Many(errors)),
        }
    }

    /// Each error this one stands for (the list of `Many`, else itself), so
    /// callers and tests need not match on how many there were.
    pub fn each(&self) -> &[ConfigError] {
        match self {
            ConfigError::Many(errors) => errors,
            single => std::slice::from_ref(single),
        }
    }
}

/// Gathers the errors of one pass over a config's text: the checks go on
/// after a bad value, so the operator fixes the file in one round instead
/// of one error per `check`.
pub(crate) struct Findings<'a> {
    path: &'a Path,
    text: &'a str,
    /// Each error with the byte offset it points at, in the order found.
    found: Vec<(usize, ConfigError)>,
    /// The offsets already blamed: a value that fails two checks (a zero
    /// `per_host` is below its minimum and outside its range) is reported
    /// once, by the check that runs first.
    blamed: HashSet<usize>,
}

/// Most edits between an unknown key and one it may have meant.
const SUGGEST_DISTANCE: usize = 2;

/// An "unknown field `X`, expected one of `a`, `b`" message (or "unknown
/// variant", for a value such as a sink's `type`) with "did you mean
/// `b`?" appended when one expected key is a small edit away
/// (`ulr` for `url`, `per_hots` for `per_host`); other messages as they are.
fn with_suggestion(message: String) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message;
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message;
    };
    match closest(unknown, expected.split('`').skip(1).step_by(2)) {
        Some(known) => format!("{message}; did you mean `{known}`?"),
        None => message,
    }
}

/// The known name a small edit away from `unknown`, if any: what a "did
/// you mean" suggests.
pub(crate) fn closest<'k>(
    unknown: &str,
    known: impl IntoIterator<Item = &'k str>,
) -> Option<&'k str> {
    known
        .into_iter()
        .map(|known| (strsim::damerau_levenshtein(unknown, known), known))
        .filter(|(distance, _)| *distance <= SUGGEST_DISTANCE)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

impl<'a> Findings<'a> {
    /// No errors yet, in the config at `path` whose text is `text`.
    pub(crate) fn new(path: &'a Path, text: &'a str) -> Self {
        Findings {
            path,
            text,
            found: Vec::new(),
            blamed: HashSet::new(),
        }
    }

    /// Records an error at a byte span of the text (`None`: the file as a
    /// whole), unless that place has one already.
    pub(crate) fn add(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        let offset = span.as_ref().map_or(0, |s| s.start);
        if span.is_some() && !self.blamed.insert(offset) {
            return;
        }
        let message = with_suggestion(message.into());
        let error = ConfigError::at(self.path, self.text, span, message);
        self.found.push((offset, error));
    }

    /// The config's text (to find a position inside a value).
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// Records an error serde reported while reading the text.
    pub(crate) fn add_toml(&mut self, error: &toml::de::Error) {
        self.add(error.span(), error.message().trim());
    }

    /// Nothing found: the config is valid. Else its one error as before, or
    /// all of them in file order.
    pub(crate) fn finish(self) -> Result<(), ConfigError> {
        let mut found = self.found;
        found.sort_by_key(|(offset, _)| *offset);
        ConfigError::all(found.into_iter().map(|(_, e)| e).collect())
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_a_small_edit_away_gets_a_suggestion() {
        assert_eq!(
            with_suggestion(
                "unknown field `ulr`, expected one of `name`, `url`, `interval`".into()
            ),
            "unknown field `ulr`, expected one of `name`, `url`, `interval`; did you mean `url`?"
        );
        assert_eq!(
            with_suggestion("unknown field `per_hots`, expected `per_host` or `interval`".into()),
            "unknown field `per_hots`, expected `per_host` or `interval`; did you mean `per_host`?"
        );
        let far = "unknown field `colour`, expected one of `name`, `url`";
        assert_eq!(with_suggestion(far.into()), far);
        assert_eq!(with_suggestion("invalid type".into()), "invalid type");
    }

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nč = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // 'č' is two bytes; the space after it is column 2.
        assert_eq!(line_column(text, 8), (2, 2));
    }

    #[test]
    fn findings_are_reported_in_file_order_once_per_place() {
        let text = "a = 1\nb = 2\n";
        let mut findings = Findings::new(Path::new("f.toml"), text);
        findings.add(Some(10..11), "b is wrong");
        findings.add(Some(4..5), "a is wrong");
        findings.add(Some(4..5), "a is wrong again");
        let error = findings.finish().expect_err("two errors");
        assert_eq!(
            error.to_string(),
            "f.toml:1:5: a is wrong\nf.toml:2:5: b is wrong"
        );
        assert_eq!(error.each().len(), 2);
    }

    #[test]
    fn one_finding_is_a_single_error() {
        let mut findings = Findings::new(Path::new("f.toml"), "a = 1\n");
        findings.add(Some(4..5), "a is wrong");
        assert!(matches!(
            findings.finish(),
            Err(ConfigError::Invalid {
                line: 1,
                column: 5,
                ..
            })
        ));
        assert!(Findings::new(Path::new("f.toml"), "").finish().is_ok());
    }
}
