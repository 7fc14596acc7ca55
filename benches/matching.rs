//! Fold + match throughput, in bytes of raw item text per second, with the
//! shipped lists and with 1,000 synthetic terms added. Run with
//! `cargo bench --bench matching`.

use std::hint::black_box;
use std::path::Path;

use divan::Bencher;
use divan::counter::BytesCount;
use newswatch::config::Config;
use newswatch::matcher::{Folded, MatchScratch, Matcher};
use newswatch::model::{Item, ItemKey};

fn main() {
    divan::main();
}

/// Off-topic sentences, in the languages the shipped feeds use.
const FILLER: [&str; 10] = [
    "The central bank left interest rates unchanged on Thursday, citing inflation.",
    "Officials said the new rail line would open next spring after long delays.",
    "Heavy rain caused flooding in several coastal towns; schools were closed.",
    "The football club confirmed the signing of a new goalkeeper from Italy.",
    "Parliament debated the budget late into the night without a final vote.",
    "Shares of KFORM Industries rose four percent in early trading in Frankfurt.",
    "Vlada je usvojila novi zakon o zaštiti životne sredine i energetici.",
    "Министарство финансија објавило је нове податке о расту привреде.",
    "Qeveria miratoi buxhetin e vitit të ardhshëm pas një debati të gjatë.",
    "Researchers published a study on urban air quality in European capitals.",
];

/// On-topic sentences.
const ON_TOPIC: [&str; 5] = [
    "KFOR says it will act if stability is jeopardized in northern Kosovo.",
    "Вучић затражио повратак војске на Косово, наводи се у саопштењу.",
    "Kosova dhe Serbia nuk arritën marrëveshje në Bruksel të enjten.",
    "Ethnic Serbs in the north do not recognize the government in Pristina.",
    "Predsednik Srbije razgovarao je sa komandantom KFOR-a u Beogradu.",
];

/// 4,000 items: a headline and a two-sentence summary each, in English,
/// Serbian (both scripts) and Albanian; like real feeds (and the reference
/// corpus), about one sentence in twelve is on topic.
fn corpus() -> (Vec<Item>, u64) {
    let mut rng = fastrand::Rng::with_seed(7);
    let items: Vec<Item> = (0..4000)
        .map(|i| {
            let pick = |rng: &mut fastrand::Rng| {
                if rng.usize(..12) == 0 {
                    ON_TOPIC[rng.usize(..ON_TOPIC.len())]
                } else {
                    FILLER[rng.usize(..FILLER.len())]
                }
            };
            let title = pick(&mut rng).trim_end_matches('.').to_string();
            let summary = format!("{} {}", pick(&mut rng), pick(&mut rng));
            Item {
                key: ItemKey::from_parts("bench", &[&i.to_string()]),
                source_id: None,
                title,
                link: None,
                summary,
                content: String::new(),
                article: String::new(),
                published: None,
                published_raw: None,
            }
        })
        .collect();
    let bytes = items
        .iter()
        .map(|i| (i.title.len() + i.summary.len()) as u64)
        .sum();
    (items, bytes)
}

fn shipped_config() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/newswatch.toml");
    std::fs::read_to_string(path).expect("shipped config")
}

fn matcher_from(text: &str) -> Matcher {
    let config = Config::parse(text, Path::new("bench.toml")).expect("valid config");
    Matcher::new(&config.watches, &config.entities).expect("matcher")
}

/// The shipped config plus a list of 1,000 made-up terms in all modes.
fn thousand_terms_config() -> String {
    let mut rng = fastrand::Rng::with_seed(11);
    let mut terms = Vec::with_capacity(1000);
    for i in 0..1000 {
        let word: String = (0..rng.usize(5..12)).map(|_| rng.lowercase()).collect();
        let mode = ["word", "prefix", "substring"][i % 3];
        terms.push(format!("{{ term = \"{word}\", mode = \"{mode}\" }}"));
    }
    format!(
        "{}\n[[watch]]\nname = \"synthetic\"\nfields = [\"title\", \"summary\"]\nterms = [{}]\n",
        shipped_config(),
        terms.join(", ")
    )
}

#[divan::bench]
fn fold_only(bencher: Bencher) {
    let (items, bytes) = corpus();
    let mut folded = Folded::default();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        for item in &items {
            folded.fold_from(&item.title);
            black_box(folded.as_str());
            folded.fold_from(&item.summary);
            black_box(folded.as_str());
        }
    });
}

fn fold_and_match(bencher: Bencher, matcher: &Matcher) {
    let (items, bytes) = corpus();
    let mut scratch = MatchScratch::default();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        for item in &items {
            black_box(matcher.find(item, &mut scratch));
        }
    });
}

#[divan::bench]
fn fold_and_match_shipped_lists(bencher: Bencher) {
    fold_and_match(bencher, &matcher_from(&shipped_config()));
}

#[divan::bench]
fn fold_and_match_with_1000_terms(bencher: Bencher) {
    fold_and_match(bencher, &matcher_from(&thousand_terms_config()));
}

/// The shipped config plus entities and 100 query lists of the shapes
/// analysts write: NEAR and ONEAR, NOT, field scopes, phrases, prefixes,
/// entities.
fn hundred_queries_config() -> String {
    let actors = [
        "KFOR",
        "NATO",
        "EULEX",
        "@vucic",
        "@kurti",
        "\"Kosovo Force\"",
        "Srbija",
        "Kosova",
        "police",
        "policija",
    ];
    let actions = [
        "troop*",
        "soldier*",
        "vojsk*",
        "patrol*",
        "barricad*",
        "protest*",
        "arrest*",
        "\"border crossing\"",
        "napad*",
        "sulm*",
    ];
    let mut lists = String::from(
        "\n[[entity]]\nname = \"vucic\"\nvariants = [\"Vučić\", \"Vuçiq\", \"Vuchich\"]\n\
         \n[[entity]]\nname = \"kurti\"\nvariants = [\"Kurti\", \"Курти\"]\n",
    );
    for n in 0..100 {
        let actor = actors[n % actors.len()];
        let action = actions[(n / actors.len()) % actions.len()];
        let distance = 2 + n % 7;
        let query = match n % 5 {
            0 => format!("{actor} NEAR/{distance} {action}"),
            1 => format!("({actor} OR Kosovo) ONEAR/{distance} ({action} OR napetost*)"),
            2 => format!("{actor} {action} NOT title:(football OR \"Serie A\")"),
            3 => format!("title:{actor} AND summary:{action}"),
            _ => format!("({actor} NEAR/{distance} {action}) OR (\"northern Kosovo\" NOT sport*)"),
        };
        lists.push_str(&format!(
            "\n[[watch]]\nname = \"q{n}\"\nquery = '{query}'\n"
        ));
    }
    format!("{}{lists}", shipped_config())
}

#[divan::bench]
fn fold_and_match_with_100_queries(bencher: Bencher) {
    fold_and_match(bencher, &matcher_from(&hundred_queries_config()));
}

/// The shipped config plus a list of three regex terms (unit numbers,
/// distances, a word-bounded name), the case regexes are for: only this
/// list's regexes run, on the fields it searches.
fn regex_terms_config() -> String {
    format!(
        "{}\n[[watch]]\nname = \"regexes\"\nfields = [\"title\", \"summary\"]\n\
         terms = [{{ regex = 'KFOR\\s*-?\\s*\\d+' }}, {{ regex = '\\d{{1,3}}\\s*(?:km|kilometara)' }}, {{ regex = '\\bvu[cč]i[cć]\\w*' }}]\n",
        shipped_config()
    )
}

#[divan::bench]
fn fold_and_match_with_regex_terms(bencher: Bencher) {
    fold_and_match(bencher, &matcher_from(&regex_terms_config()));
}
