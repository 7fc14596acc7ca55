//! The query parser: what each operator reads as, and where malformed
//! queries are reported.

use super::{ALL_FIELDS, LeafKind, Node, check_satisfiable, lang_matches, parse};

fn words(query: &str) -> Vec<String> {
    parse(query)
        .expect("parses")
        .leaves
        .iter()
        .map(|l| l.written.clone())
        .collect()
}

/// The offset and message of a query's error.
fn error(query: &str) -> (usize, String) {
    let error = match parse(query) {
        Ok(parsed) => check_satisfiable(&parsed).expect_err(query),
        Err(error) => error,
    };
    (error.at, error.message)
}

#[test]
fn juxtaposition_is_and_and_or_binds_loosest() {
    let query = parse("KFOR troops OR NATO").expect("parses");
    assert_eq!(
        query.root,
        Node::Or(vec![
            Node::And(vec![Node::Leaf(0), Node::Leaf(1)]),
            Node::Leaf(2)
        ])
    );
    let explicit = parse("KFOR AND troops OR NATO").expect("parses");
    assert_eq!(explicit.root, query.root);
}

#[test]
fn a_not_b_is_a_and_not_b_and_lower_case_operators_are_words() {
    let query = parse("KFOR NOT football").expect("parses");
    assert_eq!(
        query.root,
        Node::And(vec![Node::Leaf(0), Node::Not(Box::new(Node::Leaf(1)))])
    );
    assert_eq!(
        words("kfor and not troops or"),
        ["kfor", "and", "not", "troops", "or"]
    );
}

#[test]
fn leaves_are_folded_words_prefixes_phrases_and_entities() {
    let query = parse("Вучић troop* \"Kosovo, Force\" @vucic").expect("parses");
    let kinds: Vec<&LeafKind> = query.leaves.iter().map(|l| &l.kind).collect();
    assert_eq!(
        kinds,
        [
            &LeafKind::Word("vucic".into()),
            &LeafKind::Prefix("troop".into()),
            &LeafKind::Phrase(vec!["kosovo".into(), "force".into()]),
            &LeafKind::Entity("vucic".into()),
        ]
    );
    assert_eq!(query.leaves[2].written, "\"Kosovo, Force\"");
    assert_eq!(query.leaves[1].at, "Вучић ".len());
    assert_eq!(
        query.entities(),
        [("vucic", "Вучић troop* \"Kosovo, Force\" ".len())]
    );
}

#[test]
fn near_takes_leaves_or_or_groups_and_keeps_its_distance_and_order() {
    let query = parse("(KFOR OR NATO) NEAR/6 (troop* OR soldier*)").expect("parses");
    assert_eq!(
        query.root,
        Node::Near {
            left: vec![0, 1],
            right: vec![2, 3],
            distance: 6,
            ordered: false
        }
    );
    let ordered = parse("KFOR ONEAR/2 troops").expect("parses");
    assert!(matches!(
        ordered.root,
        Node::Near {
            ordered: true,
            distance: 2,
            ..
        }
    ));
}

#[test]
fn scopes_reach_every_leaf_of_their_group() {
    let query = parse("KFOR NOT title:(football OR \"Serie A\")").expect("parses");
    let fields: Vec<u8> = query.leaves.iter().map(|l| l.fields).collect();
    assert_eq!(fields, [ALL_FIELDS, 0b001, 0b001]);
    let scoped = parse("summary:KFOR content:troops text:NATO article:patrol").expect("parses");
    let fields: Vec<u8> = scoped.leaves.iter().map(|l| l.fields).collect();
    assert_eq!(fields, [0b010, 0b100, ALL_FIELDS, 0b1000]);
    // text: takes in the fetched article too.
    assert_eq!(ALL_FIELDS & 0b1000, 0b1000);
}

#[test]
fn lang_is_a_node_and_serbo_croatian_is_one_family() {
    let query = parse("KFOR lang:sr").expect("parses");
    assert_eq!(
        query.root,
        Node::And(vec![Node::Leaf(0), Node::Lang("sr".into())])
    );
    assert!(lang_matches("sh", "hr") && lang_matches("sh", "sr") && lang_matches("sr", "sr"));
    assert!(!lang_matches("sr", "sq") && !lang_matches("sh", "sq"));
}

#[test]
fn malformed_queries_point_at_the_offending_token() {
    let cases: [(&str, usize, &str); 17] = [
        ("", 0, "empty"),
        ("KFOR OR", 7, "ends where"),
        ("(KFOR OR NATO", 0, "never closed"),
        ("KFOR)", 4, "closes no ("),
        ("KFOR AND ()", 9, "empty"),
        ("KFOR NEAR/0 troops", 5, "at least 1"),
        ("KFOR NEAR troops", 5, "needs a distance"),
        ("KFOR NEAR/x troops", 5, "needs a distance"),
        ("ko* troops", 0, "too short"),
        ("k*r", 0, "only end"),
        ("\"KFOR troops", 0, "never closed"),
        ("KFOR NEAR/3 (troops AND army)", 12, "OR-group"),
        ("A NEAR/3 B NEAR/3 C", 11, "do not chain"),
        ("headline:KFOR", 0, "unknown field"),
        ("KFOR lang:serbian", 5, "two-letter"),
        ("KFOR OR AND troops", 8, "not an operator"),
        ("KFOR @", 5, "entity name"),
    ];
    for (query, at, says) in cases {
        let (found_at, message) = error(query);
        assert_eq!(found_at, at, "{query}: {message}");
        assert!(message.contains(says), "{query}: {message}");
    }
}

#[test]
fn queries_that_never_match_or_need_no_word_are_refused() {
    assert!(error("KFOR NOT KFOR").1.contains("never match"));
    assert!(error("(KFOR troops) NOT KFOR").1.contains("never match"));
    assert!(error("NOT KFOR").1.contains("none of its words"));
    assert!(error("lang:sr").1.contains("none of its words"));
    assert!(error("KFOR OR NOT troops").1.contains("none of its words"));
    // The same word in another field is another condition.
    let scoped = parse("KFOR NOT title:KFOR").expect("parses");
    assert!(check_satisfiable(&scoped).is_ok());
    assert!(check_satisfiable(&parse("KFOR lang:sr NOT lang:sq").expect("parses")).is_ok());
}
