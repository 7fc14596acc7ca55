//! Evaluating a query on one item, from where its leaves hit: plain code
//! over [`Occurrence`]s (leaf, field, word positions), run only for lists
//! with at least one hit.

use super::{Node, lang_matches};

/// One hit of a leaf: in which field, at which words (first and last, as
/// word indexes of the folded field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The list whose query it belongs to.
    pub list: usize,
    /// The leaf's index in its query.
    pub leaf: usize,
    /// The field's index ([`crate::model::Field::index`]).
    pub field: usize,
    /// Index of its first word in the field.
    pub first: u32,
    /// Index of its last word.
    pub last: u32,
    /// Its byte range in the folded field (for the snippet).
    pub start: usize,
    /// End of that range.
    pub end: usize,
}

/// Whether `node` holds for an item whose leaves hit at `hits` (already
/// limited to each leaf's fields) and whose language is `lang`.
pub fn holds(node: &Node, hits: &[Occurrence], lang: Option<&str>) -> bool {
    match node {
        Node::Leaf(leaf) => hits.iter().any(|h| h.leaf == *leaf),
        Node::Lang(code) => lang.is_some_and(|item| lang_matches(code, item)),
        Node::And(children) => children.iter().all(|c| holds(c, hits, lang)),
        Node::Or(children) => children.iter().any(|c| holds(c, hits, lang)),
        Node::Not(child) => !holds(child, hits, lang),
        Node::Near {
            left,
            right,
            distance,
            ordered,
        } => hits.iter().filter(|a| left.contains(&a.leaf)).any(|a| {
            hits.iter()
                .filter(|b| right.contains(&b.leaf) && b.field == a.field)
                .any(|b| near(a, b, *distance, *ordered))
        }),
    }
}

/// Whether `b` is within `distance` words of `a` (after it, if ordered).
/// Adjacent words are 1 apart; overlapping hits 0.
pub fn near(a: &Occurrence, b: &Occurrence, distance: u32, ordered: bool) -> bool {
    if b.first > a.last {
        b.first - a.last <= distance
    } else if ordered {
        false
    } else if a.first > b.last {
        a.first - b.last <= distance
    } else {
        true
    }
}

/// The leaves whose hit can turn the query from false to true: those
/// under an even number of NOTs. A query that matches with no words is
/// rejected at config time, so while none of these hit it is false.
pub fn promoting_leaves(node: &Node, into: &mut Vec<usize>) {
    collect_at_parity(node, true, into);
}

fn collect_at_parity(node: &Node, even: bool, into: &mut Vec<usize>) {
    match node {
        Node::Leaf(leaf) if even => into.push(*leaf),
        Node::Near { left, right, .. } if even => into.extend(left.iter().chain(right)),
        Node::And(children) | Node::Or(children) => {
            for child in children {
                collect_at_parity(child, even, into);
            }
        }
        Node::Not(child) => collect_at_parity(child, !even, into),
        Node::Leaf(_) | Node::Near { .. } | Node::Lang(_) => {}
    }
}
