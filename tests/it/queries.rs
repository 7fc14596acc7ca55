//! The query language as an analyst meets it: a table of queries and
//! items (English, Serbian Latin and Cyrillic, Albanian), each case saying
//! whether the list matches, run through the real config loader and
//! matcher.

use std::path::Path;

use newswatch::config::Config;
use newswatch::matcher::{MatchScratch, Matcher};

use crate::support::item;

const ENTITIES: &str = r#"
[[entity]]
name = "vucic"
variants = ["Vučić", "Vuçiq", "Vuchich"]

[[entity]]
name = "kfor"
variants = ["KFOR", "Kosovo Force", "КФОР"]

[[entity]]
name = "kosovo"
variants = [{ term = "Kosovo", forms = "sr" }, { term = "Kosovë", forms = "sq" }]

[[entity]]
name = "mitrovica"
variants = [{ term = "Mitrovica", forms = "sr,sq" }]

[[entity]]
name = "pristina"
variants = ["Priština", "Prishtina", "Prishtinë", { term = "Prishtin", mode = "prefix" }]
"#;

/// (query, title, summary, whether it matches).
type Case = (&'static str, &'static str, &'static str, bool);

const CASES: &[Case] = &[
    // Words, folded: case, diacritics, Cyrillic.
    ("KFOR", "KFOR patrols the north", "", true),
    ("KFOR", "The workforce grew", "", false),
    ("Vučić", "Vucic met the envoy", "", true),
    ("Vučić", "Вучић се састао са изаслаником", "", true),
    ("vucic", "VUČIĆ SPEAKS", "", true),
    ("Priština", "Prishtina airport reopens", "", false),
    // AND, implicit AND, OR, NOT.
    ("KFOR troops", "KFOR sends troops", "", true),
    ("KFOR troops", "KFOR sends soldiers", "", false),
    ("KFOR AND troops", "Troops and KFOR", "", true),
    ("KFOR OR NATO", "NATO summit", "", true),
    ("KFOR OR NATO", "EU summit", "", false),
    ("KFOR NOT football", "KFOR patrols", "", true),
    ("KFOR NOT football", "KFOR football team wins", "", false),
    (
        "KFOR AND NOT football",
        "KFOR football team wins",
        "",
        false,
    ),
    (
        "KFOR (troops OR soldiers)",
        "KFOR soldiers arrive",
        "",
        true,
    ),
    ("KFOR (troops OR soldiers)", "KFOR arrives", "", false),
    (
        "(KFOR OR NATO) NOT (football OR basketball)",
        "NATO basketball cup",
        "",
        false,
    ),
    (
        "(KFOR OR NATO) NOT (football OR basketball)",
        "NATO meets",
        "",
        true,
    ),
    // Lower-case operators are words.
    ("KFOR and", "KFOR patrols", "", false),
    ("KFOR and", "KFOR and EULEX", "", true),
    ("Kosovo or", "Kosovo or Serbia", "", true),
    // Prefixes.
    ("troop*", "Troops deployed", "", true),
    ("troop*", "Trooper arrives", "", true),
    ("troop*", "A new troupe", "", false),
    ("vojsk*", "Vojska Srbije u pripravnosti", "", true),
    ("vojsk*", "Војска Србије у приправности", "", true),
    ("kosov*", "Kosova dhe Serbia", "", true),
    // Phrases: consecutive words, punctuation between ignored.
    ("\"Kosovo Force\"", "The Kosovo Force said", "", true),
    ("\"Kosovo Force\"", "Kosovo, Force majeure", "", true),
    ("\"Kosovo Force\"", "Kosovo security force", "", false),
    ("\"Kosovo Force\"", "Force in Kosovo", "", false),
    ("\"Serie A\"", "Serie A round", "", true),
    ("\"Serie A\"", "Serie Apps", "", false),
    (
        "\"north Kosovo\"",
        "Tension in North-Kosovo grows",
        "",
        true,
    ),
    // Entities: any variant.
    ("@vucic", "Vuçiq takon Kurtin", "", true),
    ("@vucic", "Vuchich said", "", true),
    ("@vucic", "Вучић", "", true),
    ("@vucic", "Vukovic said", "", false),
    ("@kfor", "Kosovo Force chief", "", true),
    ("@kfor", "КФОР патролира", "", true),
    ("@pristina", "Prishtinës i jepet", "", true),
    ("@pristina NOT title:sport", "Prishtina sport", "", false),
    // NEAR at the boundary: n words apart holds, n + 1 does not.
    ("KFOR NEAR/3 troops", "KFOR sent more troops", "", true),
    ("KFOR NEAR/2 troops", "KFOR sent more troops", "", false),
    ("KFOR NEAR/1 troops", "KFOR troops", "", true),
    ("KFOR NEAR/1 troops", "KFOR, troops", "", true),
    ("KFOR NEAR/3 troops", "troops sent by KFOR", "", true),
    ("KFOR NEAR/4 troops", "troops were sent by KFOR", "", true),
    ("KFOR NEAR/3 troops", "troops were sent by KFOR", "", false),
    (
        "(KFOR OR NATO) NEAR/6 (troop* OR soldier*)",
        "NATO says extra soldiers will arrive",
        "",
        true,
    ),
    (
        "(KFOR OR NATO) NEAR/2 (troop* OR soldier*)",
        "NATO says its extra soldiers will arrive",
        "",
        false,
    ),
    (
        "\"Kosovo Force\" NEAR/2 troops",
        "Kosovo Force troops",
        "",
        true,
    ),
    (
        "\"Kosovo Force\" NEAR/1 troops",
        "troops of the Kosovo Force",
        "",
        false,
    ),
    (
        "\"Kosovo Force\" NEAR/3 troops",
        "troops of the Kosovo Force",
        "",
        true,
    ),
    ("@vucic NEAR/3 Kurti", "Vučić i Kurti u Briselu", "", true),
    (
        "@vucic NEAR/3 Kurti",
        "Vučić je juče u Briselu rekao da Kurti",
        "",
        false,
    ),
    // NEAR wants one field: a word in the title and one in the summary are not near.
    ("KFOR NEAR/5 troops", "KFOR", "troops", false),
    ("KFOR troops", "KFOR", "troops", true),
    // ONEAR: order matters.
    ("KFOR ONEAR/3 troops", "KFOR sent troops", "", true),
    ("KFOR ONEAR/3 troops", "troops for KFOR", "", false),
    ("troops ONEAR/3 KFOR", "troops for KFOR", "", true),
    // Field scopes.
    ("title:KFOR", "KFOR patrols", "", true),
    ("title:KFOR", "Patrols", "KFOR patrols", false),
    ("summary:KFOR", "Patrols", "KFOR patrols", true),
    ("text:KFOR", "Patrols", "KFOR patrols", true),
    (
        "KFOR NOT title:football",
        "KFOR patrol",
        "football later",
        true,
    ),
    ("KFOR NOT title:football", "KFOR football", "", false),
    (
        "KFOR NOT title:(football OR \"Serie A\")",
        "KFOR Serie A friendly",
        "",
        false,
    ),
    (
        "KFOR NOT title:(football OR \"Serie A\")",
        "KFOR patrols",
        "after the Serie A game",
        true,
    ),
    ("title:(KFOR NEAR/2 troops)", "KFOR troops", "", true),
    ("title:(KFOR NEAR/2 troops)", "News", "KFOR troops", false),
    // Albanian.
    ("Kosova NOT futboll", "Kosova fiton", "", true),
    ("Kosova NOT futboll", "Kosova fiton në futboll", "", false),
    (
        "\"Mitrovicë e Veriut\"",
        "Tension në Mitrovicë e Veriut",
        "",
        true,
    ),
    ("ushtar*", "Ushtarët e KFOR-it", "", true),
    // Word forms: the inflections, not the look-alikes.
    ("@kosovo", "Na Kosovu mirno", "", true),
    ("@kosovo", "Kosovom je prošao konvoj", "", true),
    ("@kosovo", "Kosovska policija", "", true),
    ("@kosovo", "На Косову мирно", "", true),
    ("@kosovo", "Policia e Kosovës", "", true),
    ("@kosovo", "Kosovën e re", "", true),
    ("@kosovo", "Pesnik Kosovel", "", false),
    ("@kosovo", "Kosovarac", "", false),
    ("@mitrovica", "U Mitrovici napetost", "", true),
    ("@mitrovica", "Në Mitrovicë", "", true),
    ("@mitrovica", "Mitrovicës së Veriut", "", true),
    ("@mitrovica", "Mitrovich said", "", false),
    ("@mitrovica NEAR/2 sever*", "U severnoj Mitrovici", "", true),
    // Deeper nesting and mixed operators.
    (
        "((KFOR OR NATO) AND (troop* OR vojsk*)) OR @vucic",
        "Vučić u Briselu",
        "",
        true,
    ),
    (
        "((KFOR OR NATO) AND (troop* OR vojsk*)) OR @vucic",
        "NATO vojska",
        "",
        true,
    ),
    (
        "((KFOR OR NATO) AND (troop* OR vojsk*)) OR @vucic",
        "NATO summit",
        "",
        false,
    ),
    ("NOT football KFOR", "KFOR patrols", "", true),
    ("NOT football KFOR", "KFOR football", "", false),
    (
        "KFOR NOT (football NOT troops)",
        "KFOR football troops",
        "",
        true,
    ),
    ("KFOR NOT (football NOT troops)", "KFOR football", "", false),
    ("title:@kfor summary:troop*", "КФОР", "troops arrive", true),
    (
        "title:@kfor summary:troop*",
        "troops",
        "KFOR arrives",
        false,
    ),
    (
        "\"Kosovo Force\" ONEAR/4 @vucic",
        "Kosovo Force meets Vučić",
        "",
        true,
    ),
    (
        "\"Kosovo Force\" ONEAR/4 @vucic",
        "Vučić meets the Kosovo Force",
        "",
        false,
    ),
    (
        "(troop* OR soldier*) NEAR/2 (Kosovo OR Kosova)",
        "Soldiers in Kosova",
        "",
        true,
    ),
    (
        "(troop* OR soldier*) NEAR/1 (Kosovo OR Kosova)",
        "Soldiers in Kosova",
        "",
        false,
    ),
    ("content:KFOR", "KFOR", "KFOR", false),
    // The item's language, detected (Latin-script Serbian, Croatian and
    // Bosnian are one family).
    (
        "KFOR lang:sq",
        "KFOR dhe policia e Kosovës patrullojnë në veri",
        "",
        true,
    ),
    (
        "KFOR lang:sq",
        "KFOR patrols in the north of the country",
        "",
        false,
    ),
    (
        "KFOR lang:en",
        "KFOR patrols in the north of the country",
        "",
        true,
    ),
    (
        "KFOR lang:sh",
        "KFOR patrolira na severu Kosova i u Mitrovici",
        "",
        true,
    ),
    (
        "KFOR lang:sr",
        "KFOR patrolira na severu Kosova i u Mitrovici",
        "",
        true,
    ),
    (
        "KFOR lang:sr",
        "КФОР патролира на северу Косова и у Митровици",
        "",
        true,
    ),
    (
        "KFOR NOT lang:en",
        "KFOR patrols in the north of the country",
        "",
        false,
    ),
    (
        "KFOR (lang:sq OR lang:sh)",
        "KFOR patrols in the north of the country",
        "",
        false,
    ),
    // Serbian Latin and Cyrillic together.
    ("\"Severno Kosovo\"", "Северно Косово", "", true),
    ("Srbija NEAR/2 Kosovo", "Србија и Косово", "", true),
    // A word under two NOTs counts for the query like one under none.
    ("KFOR OR NOT (NOT troops)", "Troops arrive", "", true),
    ("KFOR OR NOT (NOT troops)", "Nothing here", "", false),
];

fn matcher(query: &str) -> Matcher {
    let text = format!("{ENTITIES}\n[[watch]]\nname = \"q\"\nquery = '{query}'\n");
    let config =
        Config::parse(&text, Path::new("q.toml")).unwrap_or_else(|e| panic!("{query}: {e}"));
    Matcher::new(&config.watches, &config.entities).expect("matcher")
}

#[test]
fn every_case_of_the_table_matches_as_it_says() {
    let mut scratch = MatchScratch::default();
    let mut wrong = Vec::new();
    for (query, title, summary, expected) in CASES {
        let matched = !matcher(query)
            .find(&item(title, summary), &mut scratch)
            .is_empty();
        if matched != *expected {
            wrong.push(format!(
                "{query:?} on {title:?} / {summary:?}: expected {expected}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases wrong:\n{}",
        wrong.len(),
        CASES.len(),
        wrong.join("\n")
    );
}

/// Malformed queries through the config: the line and column `check`
/// reports, inside the query string.
const MALFORMED: &[(&str, usize, &str)] = &[
    ("(KFOR OR NATO", 10, "never closed"),
    ("KFOR NEAR/0 troops", 15, "at least 1"),
    ("KFOR ONEAR troops", 15, "needs a distance"),
    ("ko* troops", 10, "too short"),
    ("KFOR AND ()", 19, "empty"),
    ("KFOR OR", 17, "ends where"),
    ("\"Kosovo Force", 10, "never closed"),
    ("KFOR NEAR/3 (troops AND army)", 22, "OR-group"),
    ("headline:KFOR", 10, "unknown field"),
    ("KFOR @kurti", 15, "unknown entity"),
    ("KFOR NOT KFOR", 10, "never match"),
    ("NOT KFOR", 10, "none of its words"),
    ("KFOR)", 14, "closes no"),
];

#[test]
fn malformed_queries_are_config_errors_at_their_token() {
    for (query, column, says) in MALFORMED {
        let text = format!("{ENTITIES}\n[[watch]]\nname = \"q\"\nquery = '{query}'\n");
        let line = text.lines().count();
        match Config::parse(&text, Path::new("q.toml")) {
            Err(newswatch::config::ConfigError::Invalid {
                line: at_line,
                column: at_column,
                message,
                ..
            }) => {
                assert_eq!((at_line, at_column), (line, *column), "{query}: {message}");
                assert!(message.contains(says), "{query}: {message}");
            }
            other => panic!("{query}: expected an error, got {other:?}"),
        }
    }
}

#[test]
fn a_query_list_explains_which_operands_hit_where() {
    let matcher = matcher("(KFOR OR NATO) NEAR/6 troop* NOT title:football");
    let hits = matcher.find(
        &item("NATO to send more troops", "KFOR confirmed it."),
        &mut MatchScratch::default(),
    );
    let shown: Vec<(&str, &str)> = hits
        .iter()
        .map(|h| (h.term.as_str(), h.field.as_str()))
        .collect();
    assert_eq!(
        shown,
        [("KFOR", "summary"), ("NATO", "title"), ("troop*", "title")]
    );
    assert!(
        hits[2].snippet.contains("**troops**"),
        "{}",
        hits[2].snippet
    );
}

#[test]
fn weighted_terms_match_when_their_weights_reach_the_threshold() {
    let text = r#"
[[watch]]
name = "unrest"
threshold = 3.0
terms = [{ term = "barricade", weight = 2.0 }, { term = "protest", weight = 1.0 }, { term = "police", weight = 1.0 }]
"#;
    let config = Config::parse(text, Path::new("w.toml")).expect("valid");
    let matcher = Matcher::new(&config.watches, &config.entities).expect("matcher");
    let mut scratch = MatchScratch::default();
    matcher.find(&item("Police remove a barricade", ""), &mut scratch);
    let scores = matcher.scores(&scratch);
    assert_eq!(scores.len(), 1, "{scores:?}");
    assert_eq!(
        (
            scores[0].list.as_str(),
            scores[0].score,
            scores[0].threshold
        ),
        ("unrest", 3.0, 3.0)
    );
    matcher.find(&item("Nothing here", ""), &mut scratch);
    assert!(matcher.scores(&scratch).is_empty(), "a miss has no score");
    let mut matches = |title: &str| !matcher.find(&item(title, ""), &mut scratch).is_empty();
    assert!(matches("Barricade and protest in the north"), "2 + 1");
    assert!(
        !matches("Barricade, barricade, barricade"),
        "each term counts once: 2"
    );
    assert!(!matches("Protest as police watch"), "1 + 1");
    assert!(matches("Police remove a barricade"), "1 + 2");
    assert!(matches("Protest, police and a barricade"), "4");
}

/// Words the property tests build texts from: region words in both
/// scripts, inflections, look-alikes, filler and punctuation.
const VOCABULARY: &[&str] = &[
    "KFOR",
    "КФОР",
    "troops",
    "trooper",
    "soldiers",
    "Kosovo",
    "Kosovu",
    "Косову",
    "Kosovel",
    "Vučić",
    "Вучић",
    "Vuçiq",
    "Kurti",
    "north",
    "northern",
    "police",
    "football",
    "the",
    "and",
    "in",
    "said",
    ",",
    ".",
    "-",
    "Mitrovica",
    "Mitrovici",
    "border",
    "crossing",
];

/// Operands the property tests combine.
const OPERANDS: &[&str] = &[
    "KFOR",
    "troop*",
    "Kosovo",
    "@vucic",
    "@kosovo",
    "\"border crossing\"",
    "police",
    "title:football",
    "summary:north*",
    "@mitrovica",
    "Kurti",
];

fn text_of(words: &[usize]) -> String {
    words
        .iter()
        .map(|&w| VOCABULARY[w % VOCABULARY.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn matches(query: &str, title: &str, summary: &str) -> bool {
    !matcher(query)
        .find(&item(title, summary), &mut MatchScratch::default())
        .is_empty()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn or_matches_when_either_side_does_and_and_needs_both(
        a in 0..OPERANDS.len(),
        b in 0..OPERANDS.len(),
        title in proptest::collection::vec(0..VOCABULARY.len(), 0..12),
        summary in proptest::collection::vec(0..VOCABULARY.len(), 0..12),
    ) {
        let (a, b) = (OPERANDS[a], OPERANDS[b]);
        let (title, summary) = (text_of(&title), text_of(&summary));
        let left = matches(a, &title, &summary);
        let right = matches(b, &title, &summary);
        proptest::prop_assert_eq!(matches(&format!("{a} OR {b}"), &title, &summary), left || right);
        proptest::prop_assert_eq!(matches(&format!("{a} AND {b}"), &title, &summary), left && right);
    }

    #[test]
    fn near_n_implies_near_n_plus_one_and_both_operands(
        a in 0..OPERANDS.len(),
        b in 0..OPERANDS.len(),
        n in 1u32..6,
        words in proptest::collection::vec(0..VOCABULARY.len(), 0..16),
    ) {
        // Scoped operands are not NEAR operands; use their words.
        let bare = |op: &str| op.split(':').next_back().unwrap_or(op).to_string();
        let (a, b) = (bare(OPERANDS[a]), bare(OPERANDS[b]));
        let title = text_of(&words);
        let near = format!("{a} NEAR/{n} {b}");
        let farther = format!("{a} NEAR/{} {b}", n + 1);
        let both = format!("{a} AND {b}");
        let ordered = format!("{a} ONEAR/{n} {b}");
        if matches(&near, &title, "") {
            proptest::prop_assert!(matches(&farther, &title, ""), "{} but not {}", near, farther);
            proptest::prop_assert!(matches(&both, &title, ""), "{} but not {}", near, both);
        }
        if matches(&ordered, &title, "") {
            proptest::prop_assert!(matches(&near, &title, ""), "{} but not {}", ordered, near);
        }
    }

    #[test]
    fn folding_the_text_first_changes_nothing(
        a in 0..OPERANDS.len(),
        b in 0..OPERANDS.len(),
        title in proptest::collection::vec(0..VOCABULARY.len(), 0..12),
    ) {
        let query = format!("{} NEAR/3 {} OR {}", OPERANDS[a].split(':').next_back().unwrap_or("x"), OPERANDS[b].split(':').next_back().unwrap_or("x"), OPERANDS[a]);
        let title = text_of(&title);
        let folded = newswatch::matcher::fold(&title);
        proptest::prop_assert_eq!(matches(&query, &title, ""), matches(&query, &folded, ""));
    }
}

#[test]
fn test_explain_prints_each_query_as_a_tree_with_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, feed) = crate::support::test_config_and_feed(
        dir.path(),
        &format!(
            "{ENTITIES}\n[[watch]]\nname = \"troops\"\n\
             query = '(KFOR OR NATO) NEAR/3 troop* NOT title:football'\n"
        ),
        "<item><title>NATO sends more troops</title><guid>a</guid></item>\
         <item><title>KFOR football troops win</title><guid>b</guid></item>\
         <item><title>Football final tonight</title><guid>c</guid></item>",
    );
    let output = crate::support::newswatch(&["test", &feed, "--explain", "--config", &config]);
    assert!(
        output.status.success(),
        "{}",
        crate::support::describe(&output)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let expected_first = "  +  [troops] NATO sends more troops\n\
        \u{20}      troops / \"NATO\" in title: **NATO** sends more troops\n\
        \u{20}      troops / \"troop*\" in title: NATO sends more **troops**\n\
        \u{20}      query of troops:\n\
        \u{20}        + AND\n\
        \u{20}          + NEAR/3\n\
        \u{20}            - KFOR\n\
        \u{20}            + NATO\n\
        \u{20}            + troop*\n\
        \u{20}          + NOT\n\
        \u{20}            - title:football\n";
    assert!(text.contains(expected_first), "{text}");
    assert!(text.contains("  -  KFOR football troops win"), "{text}");
    assert!(text.contains("            + title:football"), "{text}");
    // An item where only an excluded word hits is explained too.
    let (_, last) = text
        .split_once("  -  Football final tonight\n")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        last.contains("           - NOT\n             + title:football\n"),
        "{text}"
    );
}

#[test]
fn the_readme_query_examples_are_valid() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .filter(|block| block.contains("query =") || block.contains("threshold ="))
        .collect();
    assert_eq!(blocks.len(), 2, "the query and weights examples");
    let config =
        Config::parse(&blocks.join("\n"), Path::new("README.md")).unwrap_or_else(|e| panic!("{e}"));
    let matcher = Matcher::new(&config.watches, &config.entities).expect("matcher");
    let mut scratch = MatchScratch::default();
    let hits = matcher.find(
        &item("Tension in North Mitrovica as KFOR troops deploy", ""),
        &mut scratch,
    );
    let lists: Vec<&str> = hits.iter().map(|h| h.list.as_str()).collect();
    assert!(lists.contains(&"troops"), "{lists:?}");
}

#[test]
fn a_feed_s_declared_language_wins_over_detection() {
    let matcher = matcher("KFOR lang:sq");
    let english = item("KFOR patrols in the north of the country", "");
    let mut scratch = MatchScratch::default();
    assert!(
        matcher.find(&english, &mut scratch).is_empty(),
        "detected: en"
    );
    assert!(
        !matcher
            .find_in(&english, Some("sq"), &mut scratch)
            .is_empty(),
        "declared: sq"
    );
}
