//! What the generated items say: off-topic filler, on-topic headlines and
//! on-topic detail sentences, each on-topic text with the topics a careful
//! reader tags it with. The wording varies the way real news does:
//! diacritics (Vučić, Priština), Serbian Cyrillic (Вучић, Косово), Albanian
//! (Kosova, Prishtinë), inflections (Kosovo's, Serbian, Serbs), and traps
//! that must not match ("KFORM", "observing"); a "Kosovar" sports transfer
//! is on topic.
//!
//! Topics: `kosovo` is Kosovo the place, its people and institutions;
//! `kfor` is NATO's Kosovo Force; `serbia` is Serbia, Serbs and the
//! Serbian state. A topic is tagged when the title or the summary
//! mentions it.

/// A text and the topics it mentions.
pub type Tagged = (&'static str, &'static [&'static str]);

/// Sentences about anything but the watched topics, for the titles and
/// bodies of off-topic items and the rest of on-topic bodies; two of them
/// are traps for sloppy matching.
pub const FILLER: [&str; 15] = [
    "The central bank left interest rates unchanged on Thursday.",
    "Officials said the new rail line would open next spring.",
    "Heavy rain caused flooding in several coastal towns.",
    "The company reported quarterly earnings above expectations.",
    "Researchers published a study on urban air quality.",
    "The football club confirmed the signing of a new goalkeeper.",
    "Parliament debated the budget late into the night.",
    "A wildfire forced the evacuation of two villages.",
    "The museum reopened after a two-year renovation.",
    "Farmers protested against new import quotas.",
    "The observing team noted unusual solar activity.",
    "Shares of KFORM Industries rose four percent in early trading.",
    "The minister announced a plan to cut hospital waiting times.",
    "Negotiators met again to discuss the fishing agreement.",
    "Tourism numbers reached a record high this summer.",
];

/// The stories that get syndicated: each headline is one story, in
/// English, Serbian (Latin and Cyrillic) or Albanian.
pub const ON_TOPIC: [Tagged; 14] = [
    (
        "Serbia asks NATO to allow troop deployment in northern Kosovo",
        &["kosovo", "serbia"],
    ),
    (
        "KFOR says it will act if stability is jeopardized in Kosovo",
        &["kfor", "kosovo"],
    ),
    (
        "Vučić: Serbs in Kosovo are being terrorized by Priština",
        &["serbia", "kosovo"],
    ),
    (
        "Vucic says request for 1,000 troops unlikely to be granted",
        &["serbia"],
    ),
    (
        "Вучић затражио повратак војске на Косово",
        &["serbia", "kosovo"],
    ),
    (
        "Kosova dhe Serbia nuk arritën marrëveshje në Bruksel",
        &["kosovo", "serbia"],
    ),
    (
        "Barricades go up at border crossings as Kosovo Serbs protest",
        &["kosovo", "serbia"],
    ),
    (
        "NATO's Kosovo Force boosts patrols near Jarinje crossing",
        &["kfor", "kosovo"],
    ),
    (
        "Prishtinë insists any deal must include recognition by Belgrade",
        &["kosovo", "serbia"],
    ),
    (
        "Kosovo's licence plate rule sparks tension in the north",
        &["kosovo"],
    ),
    (
        "Serbian president meets KFOR commander in Belgrade",
        &["serbia", "kfor"],
    ),
    (
        "Kosovar striker completes transfer to Italian side",
        &["kosovo"],
    ),
    (
        "EU envoy urges calm between Belgrade and Pristina",
        &["serbia", "kosovo"],
    ),
    (
        "Србија тражи од КФОР-а дозволу за распоређивање трупа",
        &["serbia", "kfor"],
    ),
];

/// Background sentences for on-topic bodies; one mentions no topic.
pub const DETAIL: [Tagged; 5] = [
    (
        "Serbian officials cite UN Security Council resolution 1244.",
        &["serbia"],
    ),
    (
        "About 3,700 NATO troops serve in KFOR, including over 600 US soldiers.",
        &["kfor"],
    ),
    (
        "Ethnic Serbs in the north do not recognize the government in Pristina.",
        &["serbia", "kosovo"],
    ),
    (
        "The request was made to the commander of the NATO-led mission.",
        &[],
    ),
    (
        "Kosovo declared independence from Serbia in 2008.",
        &["kosovo", "serbia"],
    ),
];
