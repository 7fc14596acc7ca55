//! Watch-list queries as an analyst writes them: Boolean combinations,
//! phrases, prefixes, entities, proximity (`NEAR/n`, `ONEAR/n`), field
//! scopes and the item's language, e.g.
//!
//! ```text
//! (KFOR OR NATO OR "Kosovo Force") NEAR/6 (troop* OR soldier*) NOT title:(football OR "Serie A")
//! ```
//!
//! [`parse`] turns the text into a [`Query`]: a tree over numbered
//! [`Leaf`]s, each with the fields it may hit in. Errors carry the byte
//! offset of the offending token in the query text, so the config can
//! point at its line and column.

pub mod eval;
pub mod explain;
mod parse;
#[cfg(test)]
mod tests;

pub use parse::parse;

/// Bit per field: title, summary, content, article (as
/// [`crate::model::Field::index`]).
pub type FieldMask = u8;

/// Every field: `text:` and the default.
pub const ALL_FIELDS: FieldMask = 0b1111;

/// A parsed query: its tree and the leaves the tree refers to by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The Boolean and proximity structure.
    pub root: Node,
    /// The words, prefixes, phrases and entities, in the order written.
    pub leaves: Vec<Leaf>,
}

/// A node of the query tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A leaf (an index into [`Query::leaves`]) hits.
    Leaf(usize),
    /// The item's language is this ISO 639-1 code (`sh`: sr, hr or bs).
    Lang(String),
    /// Every child holds.
    And(Vec<Node>),
    /// Some child holds.
    Or(Vec<Node>),
    /// The child does not hold.
    Not(Box<Node>),
    /// A hit of a `left` leaf and one of a `right` leaf in the same field,
    /// at most `distance` words apart (`ordered`: left first).
    Near {
        /// Leaves of the left operand (one, or an OR-group).
        left: Vec<usize>,
        /// Leaves of the right operand.
        right: Vec<usize>,
        /// Most words between their positions (at least 1).
        distance: u32,
        /// `ONEAR`: the left operand comes first.
        ordered: bool,
    },
}

/// What a leaf looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafKind {
    /// A whole word, folded as terms are.
    Word(String),
    /// The start of a word (`troop*`), at least three letters.
    Prefix(String),
    /// Words in a row (`"Kosovo Force"`), punctuation between them ignored.
    Phrase(Vec<String>),
    /// Any variant of an `[[entity]]` (`@vucic`).
    Entity(String),
}

/// One leaf of a query, as written and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// What it looks for (folded).
    pub kind: LeafKind,
    /// As written in the query (what alerts show).
    pub written: String,
    /// The fields it may hit in.
    pub fields: FieldMask,
    /// Byte offset of the token in the query text.
    pub at: usize,
}

/// A query that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// Byte offset in the query text of the token the error is about.
    pub at: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(at: usize, message: impl Into<String>) -> Self {
        QueryError {
            at,
            message: message.into(),
        }
    }
}

impl Query {
    /// The names of the entities it uses, each with the offset of its
    /// first use (the config checks that they exist).
    pub fn entities(&self) -> Vec<(&str, usize)> {
        let mut named: Vec<(&str, usize)> = Vec::new();
        for leaf in &self.leaves {
            if let LeafKind::Entity(name) = &leaf.kind
                && !named.iter().any(|(n, _)| n == name)
            {
                named.push((name, leaf.at));
            }
        }
        named
    }

    /// Whether it asks for the item's language anywhere.
    pub fn uses_lang(&self) -> bool {
        !langs_of(&self.root).is_empty()
    }

    /// Evaluates the tree with each leaf's and each language's truth
    /// given; NEAR is taken as "both hit" (proximity needs positions).
    pub fn holds_with(&self, leaf: &impl Fn(usize) -> bool, lang: &impl Fn(&str) -> bool) -> bool {
        self.root.holds_with(leaf, lang)
    }
}

impl Node {
    fn holds_with(&self, leaf: &impl Fn(usize) -> bool, lang: &impl Fn(&str) -> bool) -> bool {
        match self {
            Node::Leaf(index) => leaf(*index),
            Node::Lang(code) => lang(code),
            Node::And(children) => children.iter().all(|c| c.holds_with(leaf, lang)),
            Node::Or(children) => children.iter().any(|c| c.holds_with(leaf, lang)),
            Node::Not(child) => !child.holds_with(leaf, lang),
            Node::Near { left, right, .. } => {
                left.iter().any(|&l| leaf(l)) && right.iter().any(|&r| leaf(r))
            }
        }
    }
}

/// Languages detectors cannot tell apart: `lang:sh` matches any of them,
/// and each matches the others' family.
const SERBO_CROATIAN: [&str; 4] = ["sh", "sr", "hr", "bs"];

/// Whether `lang:code` holds for an item in language `item`.
pub fn lang_matches(code: &str, item: &str) -> bool {
    code == item
        || (code == "sh" && SERBO_CROATIAN.contains(&item))
        || (item == "sh" && SERBO_CROATIAN.contains(&code))
}

/// Most distinct leaves for which [`check_satisfiable`] tries every
/// combination (2^16 evaluations of a small tree: a few milliseconds).
const EXHAUSTIVE_LEAVES: usize = 16;

/// Rejects a query that can never match (`A NOT A`) and one that matches
/// with none of its words (`NOT A`, `lang:sr` alone): the matcher looks at
/// a list only when one of its words hit. Queries with more than
/// [`EXHAUSTIVE_LEAVES`] distinct leaves are checked for the second only.
pub fn check_satisfiable(query: &Query) -> Result<(), QueryError> {
    let langs: Vec<&str> = langs_of(&query.root);
    // With no word hitting, whatever the language: must be false.
    let without_words = (0..=langs.len()).any(|chosen| {
        query.holds_with(&|_| false, &|code| {
            langs
                .get(chosen)
                .is_some_and(|item| lang_matches(code, item))
        })
    });
    if without_words {
        return Err(QueryError::new(
            0,
            "this query matches items with none of its words; give it a word, phrase or @entity that must hit",
        ));
    }
    let leaves = query.leaves.len();
    if leaves > EXHAUSTIVE_LEAVES {
        return Ok(());
    }
    let satisfiable = (0u32..1 << leaves).any(|bits| {
        (0..=langs.len()).any(|chosen| {
            query.holds_with(&|leaf| same_leaf_bit(query, bits, leaf), &|code| {
                langs
                    .get(chosen)
                    .is_some_and(|item| lang_matches(code, item))
            })
        })
    });
    if satisfiable {
        Ok(())
    } else {
        Err(QueryError::new(
            0,
            "this query can never match (a term is both required and excluded)",
        ))
    }
}

/// The truth of `leaf` when the leaves set in `bits` hit: leaves that look
/// for the same thing in the same fields share the truth of the first.
fn same_leaf_bit(query: &Query, bits: u32, leaf: usize) -> bool {
    let this = &query.leaves[leaf];
    let first = query
        .leaves
        .iter()
        .position(|l| l.kind == this.kind && l.fields == this.fields)
        .unwrap_or(leaf);
    bits & (1 << first) != 0
}

fn langs_of(node: &Node) -> Vec<&str> {
    match node {
        Node::Lang(code) => vec![code.as_str()],
        Node::And(children) | Node::Or(children) => children.iter().flat_map(langs_of).collect(),
        Node::Not(child) => langs_of(child),
        Node::Leaf(_) | Node::Near { .. } => Vec::new(),
    }
}
