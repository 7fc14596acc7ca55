//! Config errors that point at the exact place: `path:line:column: message`.

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
    /// No config file was given and none exists in the usual places.
    #[error("no config file found; tried {tried}")]
    NotFound {
        /// The places looked at, in order.
        tried: String,
    },
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

/// Finds `needle` inside the table that starts at `span` (to point at one
/// value when the table's span is all we know); falls back to the span.
/// The table runs to the next line that opens another table.
pub fn narrow(text: &str, span: Range<usize>, needle: &str) -> Range<usize> {
    let from = span.end.max(span.start + 1).min(text.len());
    let end = text
        .get(from..)
        .and_then(|rest| rest.find("\n["))
        .map_or(text.len(), |at| from + at);
    text.get(span.start..end)
        .and_then(|region| region.find(needle))
        .map_or(span.clone(), |at| {
            span.start + at..span.start + at + needle.len()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nč = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // 'č' is two bytes; the space after it is column 2.
        assert_eq!(line_column(text, 8), (2, 2));
    }

    #[test]
    fn narrow_finds_a_value_inside_a_table() {
        let text = "[[sink]]\ntype = \"stdout\"\nlists = [\"kosvo\"]\n";
        let span = narrow(text, 0..text.len(), "\"kosvo\"");
        assert_eq!(line_column(text, span.start), (3, 10));
    }
}
