//! Unit tests of the matcher: modes, boundaries, rules, explanations.

use std::path::Path;

use super::*;
use crate::config::{Config, TermMode};
use crate::model::ItemKey;

fn matcher(lists: &str) -> Matcher {
    let config = Config::parse(lists, Path::new("t.toml")).expect("valid config");
    Matcher::new(&config.watches, &config.entities).expect("matcher")
}

fn item(title: &str, summary: &str, content: &str) -> Item {
    Item {
        key: ItemKey::from_parts("test", &[title]),
        source_id: None,
        title: title.to_string(),
        link: None,
        summary: summary.to_string(),
        content: content.to_string(),
        article: String::new(),
        published: None,
        published_raw: None,
    }
}

fn lists_hit_item(matcher: &Matcher, item: &Item) -> Vec<String> {
    let mut scratch = MatchScratch::default();
    let mut lists: Vec<String> = matcher
        .find(item, &mut scratch)
        .into_iter()
        .map(|h| h.list)
        .collect();
    lists.sort();
    lists.dedup();
    lists
}

fn lists_hit(matcher: &Matcher, title: &str) -> Vec<String> {
    lists_hit_item(matcher, &item(title, "", ""))
}

const LISTS: &str = r#"
[[watch]]
name = "kfor"
terms = ["KFOR", "Kosovo Force"]

[[watch]]
name = "kosovo"
mode = "prefix"
terms = ["kosov", "Priština"]

[[watch]]
name = "serbia"
terms = ["Vučić", "Srbija", { term = "serb", mode = "prefix" }]
"#;

#[test]
fn word_mode_respects_both_boundaries() {
    let m = matcher(LISTS);
    assert!(lists_hit(&m, "The workforce grew").is_empty());
    assert!(lists_hit(&m, "KFORM Industries shares rose").is_empty());
    assert_eq!(lists_hit(&m, "KFOR’s commander spoke"), ["kfor"]);
    assert_eq!(
        lists_hit(&m, "Србија тражи од КФОР-а дозволу"),
        ["kfor", "serbia"]
    );
    assert_eq!(
        lists_hit(&m, "NATO's Kosovo\u{00A0}Force boosts patrols"),
        ["kfor", "kosovo"]
    );
}

#[test]
fn prefix_mode_catches_inflections() {
    let m = matcher(LISTS);
    for title in ["Kosovu", "Kosovar striker", "Kosovës", "Косову"] {
        assert_eq!(lists_hit(&m, title), ["kosovo"], "{title}");
    }
    assert!(lists_hit(&m, "Serena Williams wins").is_empty());
    assert!(lists_hit(&m, "Preserbia").is_empty());
}

#[test]
fn hits_explain_themselves_in_the_original_text() {
    let m = matcher(LISTS);
    let mut scratch = MatchScratch::default();
    let hits = m.find(
        &item("Председник Вучић разговарао са командантом КФОР-а", "", ""),
        &mut scratch,
    );
    let vucic = hits.iter().find(|h| h.term == "Vučić").expect("Vučić hit");
    assert_eq!(vucic.list, "serbia");
    assert_eq!(vucic.field, Field::Title);
    assert!(vucic.snippet.contains("**Вучић**"), "{}", vucic.snippet);
    // The scratch is reusable: a miss afterwards reports nothing stale.
    assert!(m.find(&item("Weather", "", ""), &mut scratch).is_empty());
}

#[test]
fn boundaries_are_checked_on_characters() {
    assert!(on_boundaries(
        "čkfor",
        "č".len(),
        "č".len() + 4,
        TermMode::Substring
    ));
    assert!(!on_boundaries(
        "čkfor",
        "č".len(),
        "č".len() + 4,
        TermMode::Word
    ));
    assert!(on_boundaries("-kfor-", 1, 5, TermMode::Word));
}

const RULES: &str = r#"
[[watch]]
name = "kosovo"
mode = "prefix"
terms = ["kosov"]
fields = ["title", "summary"]

[[watch]]
name = "troops"
any = ["troops", "soldiers", "peacekeepers"]
exclude = ["Ukraine"]
require = ["kosovo"]

[[watch]]
name = "talks"
terms = ["Brussels", "dialogue", "EU envoy"]
min_hits = 2
fields = ["title"]

[[watch]]
name = "both"
require = ["kosovo", "talks"]
"#;

#[test]
fn require_means_and() {
    let m = matcher(RULES);
    assert_eq!(
        lists_hit(&m, "More NATO troops for Kosovo"),
        ["kosovo", "troops"]
    );
    assert!(lists_hit(&m, "More NATO troops for the Baltics").is_empty());
    // Kosovo named among unrelated places still is Kosovo, but not troops.
    assert_eq!(
        lists_hit(&m, "Flights resume to Albania, Kosovo and Croatia"),
        ["kosovo"]
    );
}

#[test]
fn exclude_vetoes_the_list_on_the_same_item() {
    let m = matcher(RULES);
    assert_eq!(
        lists_hit(&m, "Kosovo veterans train soldiers bound for Ukraine"),
        ["kosovo"],
        "troops is vetoed, kosovo is not"
    );
}

#[test]
fn min_hits_counts_distinct_terms() {
    let m = matcher(RULES);
    assert!(lists_hit(&m, "Dialogue resumes, dialogue stalls").is_empty());
    assert_eq!(
        lists_hit(&m, "EU envoy opens dialogue in Brussels"),
        ["talks"]
    );
    assert_eq!(
        lists_hit(&m, "Kosovo dialogue: EU envoy in Brussels"),
        ["both", "kosovo", "talks"]
    );
}

#[test]
fn fields_limit_where_a_list_looks() {
    let m = matcher(RULES);
    // kosovo looks at title and summary, not content.
    assert!(lists_hit_item(&m, &item("Weather", "", "Snow in Kosovo")).is_empty());
    assert_eq!(
        lists_hit_item(&m, &item("Weather", "Snow in Kosovo", "")),
        ["kosovo"]
    );
    // talks looks at the title only.
    assert!(lists_hit_item(&m, &item("Weather", "EU envoy in Brussels", "")).is_empty());
}

#[test]
fn raw_hits_report_folded_ranges() {
    let m = matcher(LISTS);
    let folded = fold("KFOR i Вучић");
    let mut seen = Vec::new();
    m.for_each_raw_hit("KFOR i Вучић", |hit| {
        seen.push((hit.list, &folded[hit.start..hit.end]))
    });
    assert_eq!(seen, [("kfor", "kfor"), ("serbia", "vucic")]);
}

const EXACT: &str = r#"
[[watch]]
name = "kosovo"
terms = [
  { term = "Mitrovica", diacritics = "exact" },
  { term = "Prištin", mode = "prefix", diacritics = "exact" },
]

[[watch]]
name = "football"
terms = [{ term = "Mitrovic", mode = "prefix" }]
exclude = [{ term = "Mitrovica", diacritics = "exact" }]
"#;

#[test]
fn exact_diacritics_tell_the_town_from_the_surname() {
    let m = matcher(EXACT);
    for town in [
        "Protest in Mitrovica",
        "Neredi u Kosovskoj MITROVICA",
        "Нереди у Митровица",
        "Pris\u{030C}tina airport reopens",
        "Sastanak u Prištini",
        "Састанак у Приштини",
    ] {
        assert!(
            lists_hit(&m, town).contains(&"kosovo".to_string()),
            "{town}"
        );
    }
    for other in [
        "Gol Mitrovića za pobedu",
        "Гол Митровића",
        "Pristine beaches",
        "Pristina airport",
    ] {
        assert!(
            !lists_hit(&m, other).contains(&"kosovo".to_string()),
            "{other}"
        );
    }
    // An exact exclude vetoes only the form it names.
    assert_eq!(lists_hit(&m, "Gol Mitrovića"), ["football"]);
    assert_eq!(lists_hit(&m, "Mitrović u Mitrovica"), ["kosovo"]);
}

#[test]
fn a_term_with_forms_hits_its_inflections_and_not_look_alikes() {
    let m = matcher(
        "[[watch]]\nname = \"kosovo\"\nterms = [{ term = \"Kosovo\", forms = \"sr\" }, \
         { term = \"Kosovë\", forms = \"sq\" }]\n",
    );
    for title in [
        "Kosovo",
        "na Kosovu",
        "Косову",
        "Kosovës",
        "kosovska policija",
    ] {
        assert_eq!(lists_hit(&m, title), ["kosovo"], "{title}");
    }
    for title in ["Kosovel", "Kosovarac", "Kosov"] {
        assert!(lists_hit(&m, title).is_empty(), "{title}");
    }
    let hits = m.find(
        &item("Na Kosovu mirno", "", ""),
        &mut MatchScratch::default(),
    );
    assert_eq!(hits[0].snippet, "Na **Kosovu** mirno");
}

#[test]
fn the_word_start_search_finds_what_the_automaton_finds() {
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/newswatch.toml"),
    )
    .expect("shipped config");
    let queries = "\n[[entity]]\nname = \"vucic\"\nvariants = [\"Vučić\", \"Vuchich\"]\n\
        \n[[watch]]\nname = \"q\"\n\
        query = '(KFOR OR @vucic) NEAR/3 troop* NOT title:football OR \"northern Kosovo\"'\n";
    let at_word_starts = matcher(&format!("{shipped}{queries}"));
    // One substring term anywhere makes the matcher read every byte with
    // the automaton instead.
    let anywhere = matcher(&format!(
        "{shipped}{queries}\n[[watch]]\nname = \"zz\"\nterms = [{{ term = \"qqqq\", mode = \"substring\" }}]\n"
    ));
    assert!(matches!(at_word_starts.search, Search::WordStarts(_)));
    assert!(matches!(anywhere.search, Search::Anywhere(_)));
    let words = [
        "KFOR",
        "kfor-a",
        "workforce",
        "Kosovo",
        "Kosova",
        "Kosovel",
        "Косово",
        "Vučić",
        "Вучић",
        "troops",
        "troop",
        "football",
        "northern",
        "Srbija",
        "Srbije",
        "(KFOR)",
        "\"Kosovo\"",
        "Priština",
        "Prishtinë",
        "the",
        "and",
        "9",
        "—",
        ",",
        "Mitrovica",
        "Zubin",
        "Potok",
        "ＫＦＯＲ",
        "ß",
        "Leposavić",
    ];
    let mut rng = fastrand::Rng::with_seed(17);
    let mut matched = 0;
    for _ in 0..3000 {
        let mut pick = || {
            (0..rng.usize(0..14))
                .map(|_| words[rng.usize(..words.len())])
                .collect::<Vec<_>>()
                .join(if rng.bool() { " " } else { "  " })
        };
        let item = item(&pick(), &pick(), "");
        let mut scratch = MatchScratch::default();
        let expected = anywhere.find(&item, &mut scratch);
        let found = at_word_starts.find(&item, &mut scratch);
        assert_eq!(found, expected, "{:?} / {:?}", item.title, item.summary);
        matched += usize::from(!found.is_empty());
    }
    assert!(matched > 1000, "{matched} of 3000 items matched");
}

const REGEXES: &str = r#"
[[watch]]
name = "units"
terms = ["Kosovo Force", { regex = "KFOR\\s*-?\\s*\\d+" }]
exclude = [{ regex = "\\bKFOR[- ]TV\\b" }]

[[watch]]
name = "bounded"
fields = ["title"]
terms = [{ regex = "\\bkfor\\b" }]
"#;

#[test]
fn regex_terms_match_the_folded_text_and_show_what_they_matched() {
    let m = matcher(REGEXES);
    let mut scratch = MatchScratch::default();
    // (title, what the regex matched, as shown: whitespace collapsed).
    for (title, matched) in [
        ("Kfor-12 arrives in Zvečan", "Kfor-12"),
        ("КФОР 12 у Звечану", "КФОР 12"),
        ("New rotation: KFOR\u{00A0} –  7 soldiers", "KFOR – 7"),
    ] {
        let hits = m.find(&item(title, "", ""), &mut scratch);
        let hit = hits
            .iter()
            .find(|h| h.list == "units")
            .unwrap_or_else(|| panic!("{title}: {hits:?}"));
        assert_eq!(hit.term, r"/KFOR\s*-?\s*\d+/", "{title}");
        assert_eq!(hit.matched.as_deref(), Some(matched), "{title}");
        assert!(hit.snippet.contains(&format!("**{matched}**")), "{hit:?}");
    }
    for title in ["KFOR troops", "KFOR-a", "KFORM 12"] {
        let hits = m.find(&item(title, "", ""), &mut scratch);
        assert!(hits.iter().all(|h| h.list != "units"), "{title}: {hits:?}");
    }
    // Other terms keep their `matched` empty.
    let hits = m.find(&item("Kosovo Force", "", ""), &mut scratch);
    assert_eq!(
        (hits[0].term.as_str(), hits[0].matched.as_deref()),
        ("Kosovo Force", None)
    );
}

#[test]
fn regex_word_boundaries_and_fields_hold() {
    let m = matcher(REGEXES);
    assert!(lists_hit(&m, "The workforce grew").is_empty());
    assert_eq!(lists_hit(&m, "KFOR’s patrol"), ["bounded"]);
    assert_eq!(lists_hit(&m, "Патрола КФОР-а"), ["bounded"]);
    // "bounded" searches titles only: its regex never hit the summary.
    assert!(lists_hit_item(&m, &item("Weather", "KFOR patrols", "")).is_empty());
}

#[test]
fn a_regex_exclude_vetoes_and_says_so() {
    let m = matcher(REGEXES);
    let mut scratch = MatchScratch::default();
    let hits = m.find(&item("KFOR-TV: KFOR 12 on patrol", "", ""), &mut scratch);
    assert!(hits.iter().all(|h| h.list != "units"), "{hits:?}");
    assert_eq!(
        m.vetoes(&scratch),
        [Veto {
            list: "units".into(),
            exclude: r"/\bKFOR[- ]TV\b/".into()
        }]
    );
}

#[test]
fn raw_hits_include_every_regex_hit() {
    let m = matcher(REGEXES);
    let text = "KFOR 1 and KFOR-2";
    let folded = fold(text);
    let mut seen = Vec::new();
    m.for_each_raw_hit(text, |hit| {
        if hit.list == "units" && !hit.exclude {
            seen.push(&folded[hit.start..hit.end]);
        }
    });
    assert_eq!(seen, ["kfor 1", "kfor-2"]);
}

#[test]
fn lists_without_regex_terms_run_no_regex() {
    assert!(matcher(LISTS).regexes.is_empty());
    // One regex shared by two lists is compiled and run once.
    let shared = matcher(
        "[[watch]]\nname = \"a\"\nterms = [{ regex = 'kfor\\d' }]\n\
         [[watch]]\nname = \"b\"\nterms = [{ regex = 'kfor\\d' }, \"x\"]\n",
    );
    assert_eq!(shared.regexes.len(), 1);
    assert_eq!(lists_hit(&shared, "KFOR7"), ["a", "b"]);
}

#[test]
fn regex_terms_weigh_towards_a_threshold() {
    let m = matcher(
        "[[watch]]\nname = \"w\"\nthreshold = 3\n\
         terms = [{ regex = 'kfor\\s*\\d+', weight = 2 }, \"patrol\"]\n",
    );
    assert!(lists_hit(&m, "KFOR 12 arrives").is_empty());
    assert_eq!(lists_hit(&m, "KFOR 12 on patrol"), ["w"]);
}

#[test]
fn the_article_field_is_searched_by_default_and_by_its_scope() {
    let config = r#"
[[watch]]
name = "patrols"
terms = ["patrol"]

[[watch]]
name = "titles"
fields = ["title"]
terms = ["patrol"]

[[watch]]
name = "in-article"
query = "article:(KFOR NEAR/3 troops)"
"#;
    let matcher = matcher(config);
    let mut teaser = item("Night in the north", "Calm.", "");
    teaser.article = "KFOR sent more troops on patrol near Jarinje.".to_string();
    assert_eq!(lists_hit_item(&matcher, &teaser), ["in-article", "patrols"]);
    let hit = matcher
        .find(&teaser, &mut MatchScratch::default())
        .into_iter()
        .find(|h| h.list == "patrols")
        .expect("a hit");
    assert_eq!(hit.field, Field::Article);
    assert!(hit.snippet.contains("**patrol**"), "{}", hit.snippet);
    // The same words in the summary do not satisfy article:.
    let summary_only = item("Night", "KFOR sent more troops on patrol.", "");
    assert_eq!(lists_hit_item(&matcher, &summary_only), ["patrols"]);
}
