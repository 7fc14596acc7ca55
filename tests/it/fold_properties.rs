//! Property tests of folding and matching: fold is idempotent, Serbian
//! words fold equal in both scripts, and every reported hit sits on the
//! boundaries its mode asks for, over the folded term itself.

use std::path::Path;

use newswatch::config::{Config, TermMode};
use newswatch::matcher::{MatchScratch, Matcher, fold};
use newswatch::model::{Item, ItemKey};
use proptest::prelude::*;

/// Gaj's Latin alphabet, letter by letter, with the Cyrillic letter each
/// one is written as.
const LETTERS: [(&str, &str); 30] = [
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("đ", "ђ"),
    ("e", "е"),
    ("ž", "ж"),
    ("z", "з"),
    ("i", "и"),
    ("j", "ј"),
    ("k", "к"),
    ("l", "л"),
    ("lj", "љ"),
    ("m", "м"),
    ("n", "н"),
    ("nj", "њ"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("ć", "ћ"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
    ("c", "ц"),
    ("č", "ч"),
    ("dž", "џ"),
    ("š", "ш"),
];

fn serbian_word() -> impl Strategy<Value = (String, String)> {
    prop::collection::vec((0..LETTERS.len(), any::<bool>()), 1..12).prop_map(|letters| {
        let mut latin = String::new();
        let mut cyrillic = String::new();
        for (index, upper) in letters {
            let (l, c) = LETTERS[index];
            if upper {
                // Title case for digraphs (Lj, Nj, Dž), as Serbian writes them.
                let mut chars = l.chars();
                if let Some(first) = chars.next() {
                    latin.extend(first.to_uppercase());
                    latin.push_str(chars.as_str());
                }
                cyrillic.push_str(&c.to_uppercase());
            } else {
                latin.push_str(l);
                cyrillic.push_str(c);
            }
        }
        (latin, cyrillic)
    })
}

const LISTS: &str = r#"
[[watch]]
name = "word"
terms = ["KFOR", "Kosovo Force", "Vučić", "serb"]

[[watch]]
name = "prefix"
mode = "prefix"
terms = ["kosov", "prishtin", "srbij"]

[[watch]]
name = "substring"
mode = "substring"
terms = ["ovo", "for"]
"#;

fn matcher() -> Matcher {
    let config = Config::parse(LISTS, Path::new("p.toml")).expect("valid lists");
    Matcher::new(&config.watches, &config.entities).expect("matcher")
}

/// Text made of words that sit near the terms, glued by all kinds of
/// separators, in all scripts.
fn newsy_text() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Kosovo",
        "kosova",
        "Kosovar",
        "Косово",
        "KFOR",
        "КФОР",
        "KFOR's",
        "workforce",
        "KFORM",
        "Kosovo Force",
        "Vučić",
        "VUCIC",
        "Вучић",
        "Serb",
        "Serbia",
        "Serena",
        "observer",
        "Srbija",
        "Прishtinë",
        "Prishtinë",
        "forum",
        "movo",
        "the",
        "a",
        "ï",
        "ß",
        "İ",
        "ǅ",
        "ﬁ",
        "１２",
    ]);
    let separators = prop::sample::select(vec![
        " ", "", "-", "’", "\u{00A0}", "\u{00AD}", "\n", ", ", ".", "\u{200B}", "x", "é",
    ]);
    prop::collection::vec((words, separators), 0..16)
        .prop_map(|parts| parts.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn fold_is_idempotent(text in any::<String>()) {
        let once = fold(&text);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn fold_is_idempotent_on_news_like_text(text in newsy_text()) {
        let once = fold(&text);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn serbian_words_fold_equal_in_both_scripts((latin, cyrillic) in serbian_word()) {
        prop_assert_eq!(fold(&latin), fold(&cyrillic), "{} / {}", latin, cyrillic);
    }

    #[test]
    fn raw_hits_sit_on_the_boundaries_of_their_mode(text in newsy_text()) {
        let matcher = matcher();
        let folded = fold(&text);
        let mut checked = 0;
        matcher.for_each_raw_hit(&text, |hit| {
            checked += 1;
            assert_eq!(&folded[hit.start..hit.end], fold(hit.term).trim(), "{hit:?} in {folded:?}");
            let before = folded[..hit.start].chars().next_back();
            let after = folded[hit.end..].chars().next();
            let left = before.is_none_or(|c| !is_word(c));
            let right = after.is_none_or(|c| !is_word(c));
            match hit.mode {
                TermMode::Word => assert!(left && right, "{hit:?} in {folded:?}"),
                TermMode::Prefix => assert!(left, "{hit:?} in {folded:?}"),
                TermMode::Substring => {}
            }
        });
        prop_assert!(checked <= folded.len() * 16);
    }

    #[test]
    fn every_snippet_marks_text_that_folds_to_its_term(text in newsy_text()) {
        let matcher = matcher();
        let item = Item {
            key: ItemKey::from_parts("p", &[&text]),
            source_id: None,
            title: text.clone(),
            link: None,
            summary: String::new(),
            content: String::new(),
            article: String::new(),
            published: None,
            published_raw: None,
        };
        for hit in matcher.find(&item, &mut MatchScratch::default()) {
            let start = hit.snippet.find("**").expect("opening mark") + 2;
            let end = start + hit.snippet[start..].find("**").expect("closing mark");
            let marked = fold(&hit.snippet[start..end]);
            let term = fold(&hit.term);
            // The marked original covers the term; a substring or prefix
            // hit may widen to whole original characters, never narrow.
            prop_assert!(marked.contains(term.trim()), "{:?} marks {:?} for {:?}", hit.snippet, marked, term);
        }
    }
}

/// Every Unicode scalar value, alone and between letters and spaces:
/// folding twice equals folding once. Exhaustive, so no rare character
/// can slip past a random sample.
#[test]
fn fold_is_idempotent_for_every_character() {
    let mut failures = Vec::new();
    for ch in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        for text in [format!("{ch}"), format!("a{ch}b"), format!(" {ch} ")] {
            let once = fold(&text);
            if fold(&once) != once {
                failures.push(format!(
                    "U+{:04X} in {text:?}: {once:?} -> {:?}",
                    ch as u32,
                    fold(&once)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, e.g.\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
