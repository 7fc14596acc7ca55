//! A query as a tree, each node with its result for one item: what
//! `newswatch test --explain` prints, so an analyst sees why a story did
//! or did not match.

use super::eval::{Occurrence, holds};
use super::{ALL_FIELDS, Leaf, Node, Query};

/// The tree of `query` for an item whose leaves hit at `hits`, one line
/// per node, indented by depth, each starting `+` (holds) or `-`.
pub fn tree(query: &Query, hits: &[Occurrence], lang: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    node(query, &query.root, hits, lang, 0, &mut lines);
    lines
}

fn node(
    query: &Query,
    at: &Node,
    hits: &[Occurrence],
    lang: Option<&str>,
    depth: usize,
    lines: &mut Vec<String>,
) {
    let mark = if holds(at, hits, lang) { '+' } else { '-' };
    let indent = "  ".repeat(depth);
    let leaf_line = |leaf: usize, depth: usize, lines: &mut Vec<String>| {
        let hit = hits.iter().any(|h| h.leaf == leaf);
        let mark = if hit { '+' } else { '-' };
        let indent = "  ".repeat(depth);
        lines.push(format!("{indent}{mark} {}", written(&query.leaves[leaf])));
    };
    match at {
        Node::Leaf(leaf) => leaf_line(*leaf, depth, lines),
        Node::Lang(code) => lines.push(format!("{indent}{mark} lang:{code}")),
        Node::And(children) | Node::Or(children) => {
            let name = if matches!(at, Node::And(_)) {
                "AND"
            } else {
                "OR"
            };
            lines.push(format!("{indent}{mark} {name}"));
            for child in children {
                node(query, child, hits, lang, depth + 1, lines);
            }
        }
        Node::Not(child) => {
            lines.push(format!("{indent}{mark} NOT"));
            node(query, child, hits, lang, depth + 1, lines);
        }
        Node::Near {
            left,
            right,
            distance,
            ordered,
        } => {
            let name = if *ordered { "ONEAR" } else { "NEAR" };
            lines.push(format!("{indent}{mark} {name}/{distance}"));
            for side in [left, right] {
                for &leaf in side {
                    leaf_line(leaf, depth + 1, lines);
                }
            }
        }
    }
}

/// A leaf as written, with its scope when it has one.
fn written(leaf: &Leaf) -> String {
    let scope = match leaf.fields {
        ALL_FIELDS => return leaf.written.clone(),
        0b001 => "title",
        0b010 => "summary",
        0b100 => "content",
        _ => "fields",
    };
    format!("{scope}:{}", leaf.written)
}
