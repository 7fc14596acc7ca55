//! Article extraction (`newswatch::fulltext::extract`): real news pages
//! keep their body and lose their boilerplate, watch terms in boilerplate
//! never reach the text, other encodings decode, and hostile bodies give
//! an error or a bounded result, never a panic.

use std::path::PathBuf;

use newswatch::fulltext::extract::{Article, ExtractError, extract};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/articles")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A real page: what its body must hold (from readability.js's
/// expected.html), what must stay out (nav, related headlines, footers).
struct Real {
    file: &'static str,
    title: &'static str,
    canonical: &'static str,
    body: &'static [&'static str],
    boilerplate: &'static [&'static str],
}

const REAL: [Real; 9] = [
    Real {
        file: "bbc-1.html",
        title: "Obama admits US gun laws are his 'biggest frustration'",
        canonical: "http://www.bbc.com/news/world-us-canada-33646704",
        body: &[
            "President Barack Obama has admitted that his failure to pass \"common sense gun safety laws\" in the US",
            "the first US president to address the African Union when he travels on to Ethiopia on Sunday.",
        ],
        boilerplate: &[
            "BBC Africa Live updates from Kenya",
            "Obama urges UK to stay in European Union",
            "US cinema gunman 'had violent past'",
        ],
    },
    Real {
        file: "nytimes-1.html",
        title: "United States to Lift Sudan Sanctions",
        canonical: "https://www.nytimes.com/2017/01/13/world/africa/sudan-sanctions.html",
        body: &[
            "LONDON — After nearly 20 years of hostile relations, the American government plans to reverse its position",
            "the Obama administration had made a “deal with the devil.”",
        ],
        boilerplate: &[
            "Comey Letter on Clinton Email Is Subject of Justice Dept. Inquiry",
            "SUBSCRIBE NOW",
            "As Trump Reaches Toward Putin, U.S. Troops Arrive in Poland",
        ],
    },
    Real {
        file: "cnn.html",
        title: "The 'birth lottery' and economic mobility",
        canonical: "http://money.cnn.com/2016/02/01/news/economy/poverty-inequality-united-states/index.html",
        body: &[
            "But a new report released on Monday by Stanford University's Center on Poverty and Inequality calls that into",
        ],
        boilerplate: &[
            "Wilbur Ross pledges not to intimidate climate scientists",
            "Microsoft unveils new, nicer chat bot",
            "Social Surge",
        ],
    },
    Real {
        file: "ars-1.html",
        title: "Just-released Minecraft exploit makes it easy to crash game servers",
        canonical: "https://arstechnica.com/information-technology/2015/04/just-released-minecraft-exploit-makes-it-easy-to-crash-game-servers/",
        body: &[
            "A flaw in the wildly popular online game Minecraft makes it easy for just about anyone to crash the server",
            "Ars is asking Mojang for comment and will update this post if company officials respond.",
        ],
        boilerplate: &[
            "Privacy Policy and Cookie Statement",
            "Your California Privacy Rights",
            "login or create an account",
        ],
    },
    Real {
        file: "aktualne.html",
        title: "West Ham hrozí gigantům, okouzlil i Linekera. Součka je snadné přehlédnout",
        canonical: "https://sport.aktualne.cz/fotbal/zahranici/west-ham-hrozi-gigantum-okouzlil-i-linekera-souckovu-praci-j/r~8fa032ba3add11ec8a900cc47ab5f122/",
        body: &["Zázrak jedné sezony? West Ham dává pochybovačům stále pádnější odpovědi"],
        boilerplate: &[
            "Policisté budou s hygieniky častěji kontrolovat opatření, uvedl Hamáček",
            "Všeobecnými obchodními podmínkami",
        ],
    },
    Real {
        file: "lemonde-1.html",
        title: "Le projet de loi sur le renseignement massivement approuvé à l'Assemblée",
        canonical: "http://www.lemonde.fr/pixels/article/2015/05/04/que-contient-la-loi-sur-le-renseignement_4627068_4408996.html",
        body: &[
            "Les députés ont, sans surprise, adopté à une large majorité (438 contre 86 et 42 abstentions) le projet de loi",
            "Aucune mesure de rétorsion ne pourra viser l’agent qui aurait dénoncé des actes potentiellement illégaux.",
        ],
        boilerplate: &[
            "Suivre ce journaliste sur twitter",
            "Pourquoi la loi sur le renseignement cristallise les critiques",
        ],
    },
    Real {
        file: "seattletimes-1.html",
        title: "Alaskan halibut, caught by a century-old Seattle boat, provides a glimpse of Amazon’s strategy with Whole Foods",
        canonical: "https://www.seattletimes.com/business/amazon/alaskan-halibut-caught-by-a-century-old-seattle-boat-provides-a-glimpse-of-amazons-strategy-with-whole-foods/",
        body: &[
            "From the deck of his 106-year-old halibut schooner, undergoing a seasonal overhaul at Fisherman’s Terminal",
            "“It’s Seattle old school meets Seattle new school with Amazon.”",
        ],
        boilerplate: &[
            "Seattle-area housing market splits into 2 dramatically different pieces",
            "Facing sharp questions, Boeing CEO refuses to admit flaws in 737 MAX design",
        ],
    },
    Real {
        file: "wapo-1.html",
        title: "Attack stokes instability fears in North Africa",
        canonical: "http://www.washingtonpost.com/world/gunmen-storm-museum-in-tunisia-killing-at-least-8/2015/03/18/00202e76-cd73-11e4-8730-4f473416e759_story.html",
        body: &[
            "CAIRO — Gunmen opened fire on visitors at Tunisia’s most renowned museum on Wednesday, killing at least 19",
        ],
        boilerplate: &[
            "Accessibility for screenreader",
            "Submissions and Discussion Policy",
            "Now comes the hard part for Netanyahu",
        ],
    },
    Real {
        file: "heise.html",
        title: "1Password für Mac generiert Einmal-Passwörter",
        canonical: "http://www.heise.de/mac-and-i/meldung/1Password-fuer-Mac-generiert-Einmal-Passwoerter-2596987.html",
        body: &[
            "Das in der iOS-Version bereits enthaltene TOTP-Feature ist nun auch für OS X 10.10 verfügbar.",
            "setzt in seiner aktuellen Version mindestens OS X 10.10 voraus.",
        ],
        boilerplate: &[
            "Kommentare lesen",
            "Parallels-Mac-Bundle mit 1Password und Waltr",
            "1Password mit Heartbleed-Warnfunktion",
        ],
    },
];

/// The page as fetched from a URL on the same site (for relative links).
fn extract_fixture(name: &str, content_type: Option<&str>) -> Article {
    extract(&fixture(name), content_type, "https://site.example/article")
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_plain(name: &str, text: &str) {
    assert!(
        !text.contains('<') || !text.contains("</"),
        "{name}: markup in text"
    );
    assert!(!text.contains("\n\n\n"), "{name}: empty paragraph");
    for paragraph in text.split("\n\n") {
        assert!(!paragraph.is_empty(), "{name}: empty paragraph");
        assert_eq!(paragraph, paragraph.trim(), "{name}: untrimmed paragraph");
        assert!(
            !paragraph.contains("  "),
            "{name}: whitespace not collapsed"
        );
        assert!(
            !paragraph.chars().any(char::is_control),
            "{name}: control character"
        );
    }
}

#[test]
fn real_pages_keep_the_body_and_lose_the_boilerplate() {
    for page in &REAL {
        let article = extract_fixture(page.file, Some("text/html; charset=utf-8"));
        for sentence in page.body {
            assert!(
                article.text.contains(sentence),
                "{}: missing {sentence:?}",
                page.file
            );
        }
        for line in page.boilerplate {
            assert!(
                !article.text.contains(line),
                "{}: boilerplate {line:?} kept",
                page.file
            );
        }
        assert_plain(page.file, &article.text);
        assert_eq!(article.title.as_deref(), Some(page.title), "{}", page.file);
        assert_eq!(
            article.canonical.as_deref(),
            Some(page.canonical),
            "{}",
            page.file
        );
    }
}

const TERMS: [&str; 2] = ["KFOR", "Jarinje"];

#[test]
fn watch_terms_in_boilerplate_never_reach_the_text() {
    for (name, about) in [
        (
            "handmade/boilerplate-semantic.html",
            "cutting the journey from the central station to the terminals",
        ),
        (
            "handmade/boilerplate-divs.html",
            "won by a grower from the upper valley with a fruit of 412 kilograms",
        ),
    ] {
        let article = extract_fixture(name, None);
        assert!(
            article.text.contains(about),
            "{name}: body lost: {:?}",
            article.text
        );
        for term in TERMS {
            assert!(
                !article.text.to_lowercase().contains(&term.to_lowercase()),
                "{name}: {term} in {:?}",
                article.text
            );
        }
    }
}

#[test]
fn watch_terms_in_the_body_are_kept() {
    let article = extract_fixture("handmade/term-in-body.html", None);
    for term in TERMS {
        assert!(
            article.text.contains(term),
            "{term} missing from {:?}",
            article.text
        );
    }
    assert!(!article.text.contains("All rights reserved"));
    assert_eq!(
        article.title.as_deref(),
        Some("KFOR reinforces patrols at the Jarinje crossing")
    );
    assert_eq!(
        article.canonical.as_deref(),
        Some("https://daily.example/region/kfor-jarinje")
    );
}

#[test]
fn the_og_url_is_resolved_against_the_page_url() {
    let article = extract(
        &fixture("handmade/boilerplate-divs.html"),
        None,
        "https://valley.example/news/today",
    )
    .expect("article");
    assert_eq!(
        article.canonical.as_deref(),
        Some("https://valley.example/2026/09/harvest-festival")
    );
}

#[test]
fn a_windows_1251_page_declared_by_meta_charset_decodes() {
    let bytes = fixture("handmade/windows-1251.html");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must not be UTF-8"
    );
    for content_type in [None, Some("text/html")] {
        let article = extract(&bytes, content_type, "https://vesti.example/most").expect("article");
        assert!(
            article
                .text
                .contains("Нови мост преко Саве свечано је отворен у суботу пре подне"),
            "{:?}",
            article.text
        );
        assert!(article.text.contains("Ђаци из суседне школе"));
        assert!(!article.text.contains("Почетна"), "navigation kept");
        assert_eq!(
            article.title.as_deref(),
            Some("Нови мост преко Саве отворен за саобраћај")
        );
    }
}

#[test]
fn the_http_charset_wins_over_a_wrong_meta_charset() {
    let page = "<html><head><meta charset=\"iso-8859-1\"><title>T</title></head><body><article><p>Ћирилица у телу чланка, довољно дуга реченица да буде текст.</p></article></body></html>";
    let bytes = encoding_rs::WINDOWS_1251.encode(page).0;
    let article = extract(
        &bytes,
        Some("text/html; charset=windows-1251"),
        "https://vesti.example/",
    )
    .expect("article");
    assert!(
        article.text.contains("Ћирилица у телу чланка"),
        "{:?}",
        article.text
    );
}

#[test]
fn bodies_that_are_not_html_are_errors() {
    let cases: [(&[u8], Option<&str>); 7] = [
        (b"", None),
        (b"  \n\t ", Some("text/html")),
        (br#"{"items": [{"title": "<b>KFOR</b>"}]}"#, None),
        (br#"{"items": []}"#, Some("application/json")),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0", None),
        (b"<\0\0\x01\x02binary<html>", None),
        (
            b"Just some plain text, no markup at all.",
            Some("text/plain"),
        ),
    ];
    for (body, content_type) in cases {
        let result = extract(body, content_type, "https://site.example/");
        let Err(error) = result else {
            panic!("{body:?}: not an error: {result:?}");
        };
        assert!(!error.to_string().is_empty());
        assert!(
            matches!(error, ExtractError::Empty | ExtractError::NotHtml(_)),
            "{body:?}: {error:?}"
        );
    }
}

#[test]
fn an_html_page_without_text_has_no_article() {
    for page in [
        "<html><head><title>Only a title</title></head><body></body></html>",
        "<!doctype html><html><body><script>var a = 1;</script><nav></nav></body></html>",
        "<html><body><img src=x><br><br></body></html>",
    ] {
        let result = extract(page.as_bytes(), None, "https://site.example/");
        assert_eq!(result, Err(ExtractError::NoArticle), "{page}");
    }
}

/// 2 MiB, the default `max_article`.
const BIG: usize = 2 << 20;

fn fill(head: &str, unit: &str, tail: &str) -> String {
    let count = (BIG - head.len() - tail.len()) / unit.len();
    format!("{head}{}{tail}", unit.repeat(count))
}

#[test]
fn deeply_nested_markup_is_bounded() {
    let opens = "<div>".repeat(BIG / 11);
    let closes = "</div>".repeat(BIG / 11);
    let divs = format!("<html><body>{opens}deep words of the article{closes}</body></html>");
    let article = extract(divs.as_bytes(), None, "https://site.example/").expect("article");
    assert!(article.text.contains("deep words of the article"));
    // Nested tables once overflowed the stack (an abort, not a panic).
    let tables = fill("<html><body>", "<table><tr><td>", "cell words");
    let article = extract(tables.as_bytes(), None, "https://site.example/").expect("article");
    assert!(article.text.contains("cell words"), "{:?}", article.text);
}

#[test]
fn wide_unclosed_and_huge_markup_is_handled() {
    let paragraphs = fill(
        "<html><body><article>",
        "<p>A few words.</p>",
        "</article></body></html>",
    );
    let article = extract(paragraphs.as_bytes(), None, "https://site.example/").expect("article");
    assert!(article.text.split("\n\n").count() > 100_000);
    let unclosed = fill(
        "<html><body>",
        "<p><b><i><span><div>words, and more words ",
        "",
    );
    let article = extract(unclosed.as_bytes(), None, "https://site.example/").expect("article");
    assert!(article.text.contains("words, and more words"));
    let attribute = format!(
        "<html><body><div class=\"{}\"><p>{}</p></div>",
        "a".repeat(BIG),
        "Words, words, words. ".repeat(40)
    );
    let article = extract(attribute.as_bytes(), None, "https://site.example/").expect("article");
    assert!(article.text.starts_with("Words, words, words."));
    let open_quote = format!(
        "<html><body><p>Before the tag.</p><div title=\"{}",
        "x".repeat(BIG)
    );
    assert!(extract(open_quote.as_bytes(), None, "https://site.example/").is_ok());
}
