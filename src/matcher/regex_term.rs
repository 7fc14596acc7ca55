//! Regular-expression terms (`{ regex = "KFOR\\s*-?\\s*\\d+" }`), for the
//! rare term that words, prefixes and phrases cannot say.
//!
//! A regex runs on the same folded text as every other term (lowercase,
//! no diacritics, Serbian Cyrillic in Latin, whitespace runs as one space,
//! typographic dashes and quotes in ASCII), so it is made to work as
//! written: it is compiled case-insensitively, and every literal character
//! that folding would change is replaced by its folding before compiling
//! (`Č` by `c`, `Љ` by `(?:lj)`, `–` by `-`); a character class cannot
//! hold a letter that folds to two (`[Љ]`) or a range of such letters, and
//! says so. It uses the `regex` crate: linear time, no backtracking, its
//! compiled size capped, and a pattern that could match empty text, or
//! never match, is refused.

use regex_syntax::ast::{self, Ast, ClassSetItem, Visitor};

use crate::text::fold::fold;

/// Most bytes one compiled regex may take (the `regex` crate's
/// `size_limit`), and its lazy DFA's cache; a hostile or careless pattern
/// (`\w{1,500}`) is refused instead of eating memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Longest text of a regex hit reported as what it matched.
pub const MATCHED_CHARS: usize = 200;

/// How a regex term is shown in hits, vetoes and alerts: `/pattern/`.
pub fn written(source: &str) -> String {
    format!("/{source}/")
}

/// Compiles a regex term for matching folded text; the error, one line,
/// says what is wrong (the `regex` crate's own words for bad syntax, with
/// the character of the pattern where it is).
pub fn compile(source: &str) -> Result<regex::Regex, String> {
    let ast = ast::parse::Parser::new()
        .parse(source)
        .map_err(|e| at_character(e.kind(), e.span(), source))?;
    // Errors that only the translation finds (a class range backwards, an
    // unknown Unicode class), still at their place in what was written.
    regex_syntax::hir::translate::TranslatorBuilder::new()
        .case_insensitive(true)
        .build()
        .translate(source, &ast)
        .map_err(|e| at_character(e.kind(), e.span(), source))?;
    let folded = fold_literals(source, &ast)?;
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(&folded)
        .map_err(|e| one_line(&e.to_string()))?;
    match hir.properties().minimum_len() {
        Some(0) => {
            return Err("it can match empty text; make it need at least one character".into());
        }
        None => return Err("it can never match anything".into()),
        Some(_) => {}
    }
    regex::RegexBuilder::new(&folded)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => format!(
                "it compiles to more than {} KiB; make it simpler (repetitions of \\w or \\d are large)",
                limit / 1024
            ),
            other => one_line(&other.to_string()),
        })
}

/// A syntax error as "unclosed group (at character 5)".
fn at_character(kind: &impl std::fmt::Display, span: &ast::Span, source: &str) -> String {
    let column = source
        .get(..span.start.offset)
        .map_or(1, |before| before.chars().count() + 1);
    format!("{kind} (at character {column})")
}

/// The last line of a multi-line error of the `regex` crate (its message;
/// the lines above repeat the pattern).
fn one_line(message: &str) -> String {
    let last = message.lines().last().unwrap_or(message);
    last.trim_start_matches("error: ").to_string()
}

/// `source` with every literal that folding changes replaced by its
/// folding (escaped; two or more characters grouped so a repetition still
/// applies to all of them).
fn fold_literals(source: &str, ast: &Ast) -> Result<String, String> {
    let mut edits = ast::visit(ast, Literals::default())?;
    edits.sort_by_key(|(range, _)| range.start);
    let mut folded = String::with_capacity(source.len());
    let mut at = 0;
    for (range, replacement) in edits {
        folded.push_str(&source[at..range.start]);
        folded.push_str(&replacement);
        at = range.end;
    }
    folded.push_str(&source[at..]);
    Ok(folded)
}

/// The folding of `c` when it differs from its lower case, the only change
/// a case-insensitive regex does not make by itself.
fn changed_by_folding(c: char) -> Option<String> {
    let folded = fold(c.encode_utf8(&mut [0; 4]));
    (folded != c.to_lowercase().to_string()).then_some(folded)
}

/// Collects the edits that fold a pattern's literals.
#[derive(Default)]
struct Literals {
    edits: Vec<(std::ops::Range<usize>, String)>,
}

impl Visitor for Literals {
    type Output = Vec<(std::ops::Range<usize>, String)>;
    type Err = String;

    fn finish(self) -> Result<Self::Output, String> {
        Ok(self.edits)
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), String> {
        if let Ast::Literal(literal) = ast
            && let Some(folded) = changed_by_folding(literal.c)
        {
            let escaped = regex_syntax::escape(&folded);
            let replacement = if folded.chars().count() == 1 {
                escaped
            } else {
                format!("(?:{escaped})")
            };
            self.edits.push((span_range(&literal.span), replacement));
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), String> {
        match item {
            ClassSetItem::Literal(literal) => {
                let Some(folded) = changed_by_folding(literal.c) else {
                    return Ok(());
                };
                if folded.chars().count() != 1 {
                    return Err(format!(
                        "{:?} inside [...] becomes {folded:?} in the folded text the regex reads; \
                         write it outside the brackets, as (?:{folded}|...)",
                        literal.c
                    ));
                }
                self.edits
                    .push((span_range(&literal.span), regex_syntax::escape(&folded)));
            }
            ClassSetItem::Range(range)
                if changed_by_folding(range.start.c).is_some()
                    || changed_by_folding(range.end.c).is_some() =>
            {
                return Err(format!(
                    "the range {:?}-{:?} names letters the folded text the regex reads never has \
                     (it is lower case Latin without diacritics); write the folded letters",
                    range.start.c, range.end.c
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

fn span_range(span: &ast::Span) -> std::ops::Range<usize> {
    span.start.offset..span.end.offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(pattern: &str, text: &str) -> Option<String> {
        let regex = compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let folded = fold(text);
        regex.find(&folded).map(|m| m.as_str().to_string())
    }

    #[test]
    fn patterns_match_folded_text_as_written() {
        let kfor = r"KFOR\s*-?\s*\d+";
        assert_eq!(finds(kfor, "Kfor-12 arrives").as_deref(), Some("kfor-12"));
        assert_eq!(finds(kfor, "КФОР 12 у Звечану").as_deref(), Some("kfor 12"));
        assert_eq!(finds(kfor, "KFOR – 7"), Some("kfor - 7".into()), "en dash");
        assert_eq!(finds(kfor, "KFOR troops"), None);
        // Literals are folded: diacritics, Cyrillic, digraphs.
        assert_eq!(finds(r"Vučić\b", "ВУЧИЋ каже").as_deref(), Some("vucic"));
        assert_eq!(finds("Љубљана", "Ljubljana").as_deref(), Some("ljubljana"));
        assert_eq!(finds("Љ+a", "LJLJa").as_deref(), Some("ljlja"), "a group");
        assert_eq!(finds("[ČĆ]acak", "Čačak").as_deref(), Some("cacak"));
    }

    #[test]
    fn word_boundaries_hold_on_folded_text() {
        assert_eq!(finds(r"\bkfor\b", "The workforce grew"), None);
        assert_eq!(finds(r"\bkfor\b", "KFOR’s patrol").as_deref(), Some("kfor"));
    }

    #[test]
    fn patterns_that_match_empty_text_or_nothing_are_refused() {
        for pattern in [r"\d*", "a?", r"\b", "(?:)", "x{0}", "kfor|"] {
            let error = compile(pattern).expect_err(pattern);
            assert!(error.contains("empty text"), "{pattern}: {error}");
        }
        let error = compile(r"[^\s\S]").expect_err("never");
        assert!(error.contains("never match"), "{error}");
    }

    #[test]
    fn bad_syntax_says_what_and_where_on_one_line() {
        let error = compile("KFOR(").expect_err("unclosed");
        assert_eq!(error, "unclosed group (at character 5)");
        let error = compile("a{2,1}").expect_err("backwards");
        assert!(error.contains("(at character"), "{error}");
        let error = compile("[z-a]").expect_err("backwards range");
        assert!(error.contains("invalid character class range"), "{error}");
        assert!(!error.contains('\n'));
    }

    #[test]
    fn letters_that_cannot_be_folded_inside_classes_are_refused() {
        let error = compile("[Љ]ubljana").expect_err("two letters");
        assert!(error.contains("(?:lj|...)"), "{error}");
        let error = compile("[а-я]+").expect_err("a Cyrillic range");
        assert!(error.contains("range"), "{error}");
    }

    #[test]
    fn huge_patterns_are_refused_and_ordinary_ones_fit() {
        let error = compile(r"\w{1,500}").expect_err("too big");
        assert!(error.contains("KiB"), "{error}");
        for pattern in [
            r"\b\w+ovi[cć]\b",
            r"\d{1,4}\s*(?:km|kilometara)",
            r"[a-z]+\d",
        ] {
            assert!(compile(pattern).is_ok(), "{pattern}");
        }
    }
}
