//! The query text to a [`Query`]: a lexer that keeps each token's offset,
//! and a recursive-descent parser, loosest binding first:
//!
//! ```text
//! or      = and { "OR" and }
//! and     = near { ["AND"] near | "NOT" near }      (juxtaposition is AND)
//! near    = unary [ ("NEAR/n" | "ONEAR/n") unary ]
//! unary   = "NOT" unary | primary
//! primary = FIELD ":" primary | "lang:" CODE | "(" or ")" | WORD | WORD* | "PHRASE" | @NAME
//! ```
//!
//! Operators are upper case; `and`, `or`, `not` are words.

use super::{ALL_FIELDS, FieldMask, Leaf, LeafKind, Node, Query, QueryError};
use crate::text::fold::{fold, is_word_char};

/// Shortest prefix before `*`, in letters (as the big monitors require,
/// so one prefix cannot hit most of the text).
const MIN_PREFIX: usize = 3;

/// Longest NEAR distance.
const MAX_DISTANCE: u32 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Near {
        distance: u32,
        ordered: bool,
    },
    /// `title:` and the like, `lang:` included.
    Scope(String),
    Phrase(String),
    Entity(String),
    Word(String),
}

/// Parses a query. The result still names entities unchecked: the caller
/// knows which exist.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        leaves: Vec::new(),
        end: text.len(),
    };
    if parser.tokens.is_empty() {
        return Err(QueryError::new(0, "the query is empty"));
    }
    let root = parser.or(ALL_FIELDS)?;
    if let Some((token, at)) = parser.tokens.get(parser.next) {
        let message = match token {
            Token::Close => "this ) closes no (".to_string(),
            _ => "expected OR, AND, NOT or the end of the query here".to_string(),
        };
        return Err(QueryError::new(*at, message));
    }
    Ok(Query {
        root,
        leaves: parser.leaves,
    })
}

fn lex(text: &str) -> Result<Vec<(Token, usize)>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, ch)) = chars.peek() {
        match ch {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push((Token::Open, at));
            }
            ')' => {
                chars.next();
                tokens.push((Token::Close, at));
            }
            '"' => {
                chars.next();
                let start = at + 1;
                let mut end = None;
                for (i, c) in chars.by_ref() {
                    if c == '"' {
                        end = Some(i);
                        break;
                    }
                }
                let end = end.ok_or_else(|| QueryError::new(at, "this quote is never closed"))?;
                tokens.push((Token::Phrase(text[start..end].to_string()), at));
            }
            _ => {
                let mut end = text.len();
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                        end = i;
                        break;
                    }
                    chars.next();
                    // A field scope ends at its colon (`title:(` and
                    // `title:"` go on); `lang:sr` is one token.
                    if c == ':' && is_scope(&text[at..i]) && &text[at..i] != "lang" {
                        end = i + 1;
                        break;
                    }
                }
                tokens.push((word_token(&text[at..end], at)?, at));
            }
        }
    }
    Ok(tokens)
}

/// The names a scope may have before its colon.
fn is_scope(name: &str) -> bool {
    matches!(
        name,
        "title" | "summary" | "content" | "article" | "text" | "lang"
    )
}

/// A bare token: an operator, a scope, an entity or a word.
fn word_token(raw: &str, at: usize) -> Result<Token, QueryError> {
    Ok(match raw {
        "AND" => Token::And,
        "OR" => Token::Or,
        "NOT" => Token::Not,
        _ if raw.starts_with("NEAR/")
            || raw.starts_with("ONEAR/")
            || raw == "NEAR"
            || raw == "ONEAR" =>
        {
            near(raw, at)?
        }
        _ if raw.ends_with(':') && is_scope(&raw[..raw.len() - 1]) => {
            Token::Scope(raw[..raw.len() - 1].to_string())
        }
        _ if raw.starts_with("lang:") => {
            // `lang:sr` is one token.
            Token::Scope(raw.to_string())
        }
        _ if raw.contains(':') && !raw.starts_with(':') && is_field_like(raw) => {
            let name = raw.split(':').next().unwrap_or_default();
            return Err(QueryError::new(
                at,
                format!(
                    "unknown field {name:?}: write title:, summary:, content:, article:, text: or lang:"
                ),
            ));
        }
        _ => match raw.strip_prefix('@') {
            Some(name) => {
                if name.is_empty() {
                    return Err(QueryError::new(at, "@ needs an entity name, as in @vucic"));
                }
                Token::Entity(name.to_string())
            }
            None => Token::Word(raw.to_string()),
        },
    })
}

/// `name:` where name is letters only: meant as a field, not a word like
/// "12:30".
fn is_field_like(raw: &str) -> bool {
    raw.split(':')
        .next()
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase()))
}

fn near(raw: &str, at: usize) -> Result<Token, QueryError> {
    let (ordered, rest) = match raw.strip_prefix("ONEAR") {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix("NEAR").unwrap_or_default()),
    };
    let operator = if ordered { "ONEAR" } else { "NEAR" };
    let digits = rest.strip_prefix('/').unwrap_or_default();
    let distance: u32 = digits.parse().map_err(|_| {
        QueryError::new(
            at,
            format!("{operator} needs a distance in words, as in {operator}/5"),
        )
    })?;
    if distance == 0 {
        return Err(QueryError::new(
            at,
            format!(
                "{operator}/0 can never hold: the distance must be at least 1 (use a \"phrase\" for words in a row)"
            ),
        ));
    }
    if distance > MAX_DISTANCE {
        return Err(QueryError::new(
            at,
            format!("{operator}/{distance} is too far: at most {MAX_DISTANCE} words"),
        ));
    }
    Ok(Token::Near { distance, ordered })
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
    leaves: Vec<Leaf>,
    /// The text's length: where "the end of the query" is.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(t, _)| t)
    }

    /// Offset of the next token, or the end of the text.
    fn here(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |(_, at)| *at)
    }

    fn or(&mut self, fields: FieldMask) -> Result<Node, QueryError> {
        let mut children = vec![self.and(fields)?];
        while self.peek() == Some(&Token::Or) {
            self.next += 1;
            children.push(self.and(fields)?);
        }
        Ok(one_or(children, Node::Or))
    }

    fn and(&mut self, fields: FieldMask) -> Result<Node, QueryError> {
        let mut children = vec![self.near(fields)?];
        loop {
            match self.peek() {
                Some(Token::And) => {
                    self.next += 1;
                    children.push(self.near(fields)?);
                }
                Some(Token::Not) => {
                    // `A NOT B` is `A AND NOT B`; the NOT is read by `unary`.
                    children.push(self.near(fields)?);
                }
                Some(Token::Or | Token::Close) | None => break,
                Some(_) => children.push(self.near(fields)?),
            }
        }
        Ok(one_or(children, Node::And))
    }

    fn near(&mut self, fields: FieldMask) -> Result<Node, QueryError> {
        let left_at = self.here();
        let left = self.unary(fields)?;
        let Some(&Token::Near { distance, ordered }) = self.peek() else {
            return Ok(left);
        };
        self.next += 1;
        let right_at = self.here();
        let right = self.unary(fields)?;
        if let Some(Token::Near { .. }) = self.peek() {
            return Err(QueryError::new(
                self.here(),
                "NEAR and ONEAR do not chain: group one side, as in (A NEAR/3 B) AND (B NEAR/3 C)",
            ));
        }
        Ok(Node::Near {
            left: leaves_of(&left, left_at)?,
            right: leaves_of(&right, right_at)?,
            distance,
            ordered,
        })
    }

    fn unary(&mut self, fields: FieldMask) -> Result<Node, QueryError> {
        if self.peek() == Some(&Token::Not) {
            self.next += 1;
            return Ok(Node::Not(Box::new(self.unary(fields)?)));
        }
        self.primary(fields)
    }

    fn primary(&mut self, fields: FieldMask) -> Result<Node, QueryError> {
        let at = self.here();
        let Some((token, _)) = self.tokens.get(self.next).cloned() else {
            return Err(QueryError::new(
                at,
                "the query ends where a word, \"phrase\", @entity or ( was expected",
            ));
        };
        self.next += 1;
        match token {
            Token::Open => {
                if self.peek() == Some(&Token::Close) {
                    return Err(QueryError::new(at, "this group is empty"));
                }
                let inner = self.or(fields)?;
                if self.peek() != Some(&Token::Close) {
                    return Err(QueryError::new(at, "this ( is never closed"));
                }
                self.next += 1;
                Ok(inner)
            }
            Token::Scope(scope) => self.scoped(&scope, at),
            Token::Word(word) => self.leaf_of_word(&word, fields, at),
            Token::Phrase(text) => {
                let words: Vec<String> = fold(&text)
                    .split(|c: char| !is_word_char(c))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect();
                let kind = match words.len() {
                    0 => return Err(QueryError::new(at, "this phrase has no words")),
                    1 => LeafKind::Word(words[0].clone()),
                    _ => LeafKind::Phrase(words),
                };
                Ok(self.leaf(kind, format!("\"{text}\""), fields, at))
            }
            Token::Entity(name) => Ok(self.leaf(
                LeafKind::Entity(name.clone()),
                format!("@{name}"),
                fields,
                at,
            )),
            Token::Close => Err(QueryError::new(
                at,
                "expected a word, \"phrase\", @entity or ( before this )",
            )),
            Token::And | Token::Or | Token::Near { .. } => Err(QueryError::new(
                at,
                "expected a word, \"phrase\", @entity or ( here, not an operator",
            )),
            Token::Not => Err(QueryError::new(at, "NOT needs something after it")),
        }
    }

    /// `title:X`, `lang:sr`.
    fn scoped(&mut self, scope: &str, at: usize) -> Result<Node, QueryError> {
        if let Some(code) = scope.strip_prefix("lang:") {
            let valid = code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase());
            if !valid {
                return Err(QueryError::new(
                    at,
                    format!(
                        "lang: needs a two-letter ISO 639-1 code in lower case (sr, sq, en, sh), not {code:?}"
                    ),
                ));
            }
            return Ok(Node::Lang(code.to_string()));
        }
        if scope == "lang" {
            return Err(QueryError::new(
                at,
                "write the language right after lang:, as in lang:sr",
            ));
        }
        let fields = match scope {
            "title" => 0b001,
            "summary" => 0b010,
            "content" => 0b100,
            "article" => 0b1000,
            _ => ALL_FIELDS,
        };
        if self.peek().is_none() {
            return Err(QueryError::new(
                at,
                format!("{scope}: needs something to look for"),
            ));
        }
        self.primary(fields)
    }

    fn leaf_of_word(
        &mut self,
        word: &str,
        fields: FieldMask,
        at: usize,
    ) -> Result<Node, QueryError> {
        let (stem, prefix) = match word.strip_suffix('*') {
            Some(stem) => (stem, true),
            None => (word, false),
        };
        if stem.contains('*') {
            return Err(QueryError::new(at, "* may only end a word (troop*)"));
        }
        let folded = fold(stem).trim().to_string();
        if folded.is_empty() || !folded.chars().any(is_word_char) {
            return Err(QueryError::new(
                at,
                format!("{word:?} has nothing to match once folded"),
            ));
        }
        let kind = if prefix {
            if folded.chars().filter(|c| is_word_char(*c)).count() < MIN_PREFIX {
                return Err(QueryError::new(
                    at,
                    format!(
                        "the prefix {word} is too short: at least {MIN_PREFIX} letters before *"
                    ),
                ));
            }
            LeafKind::Prefix(folded)
        } else {
            LeafKind::Word(folded)
        };
        Ok(self.leaf(kind, word.to_string(), fields, at))
    }

    fn leaf(&mut self, kind: LeafKind, written: String, fields: FieldMask, at: usize) -> Node {
        self.leaves.push(Leaf {
            kind,
            written,
            fields,
            at,
        });
        Node::Leaf(self.leaves.len() - 1)
    }
}

/// One child as itself, several as `make(children)`.
fn one_or(mut children: Vec<Node>, make: fn(Vec<Node>) -> Node) -> Node {
    if children.len() == 1 {
        children.remove(0)
    } else {
        make(children)
    }
}

/// The leaves of a NEAR operand: a leaf, or an OR-group of leaves.
fn leaves_of(node: &Node, at: usize) -> Result<Vec<usize>, QueryError> {
    match node {
        Node::Leaf(index) => Ok(vec![*index]),
        Node::Or(children) => {
            children
                .iter()
                .map(|c| leaves_of(c, at))
                .try_fold(Vec::new(), |mut all, some| {
                    all.extend(some?);
                    Ok(all)
                })
        }
        _ => Err(QueryError::new(
            at,
            "each side of NEAR and ONEAR must be a word, prefix, \"phrase\", @entity or an OR-group of those",
        )),
    }
}
