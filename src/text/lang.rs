//! An item's language as ISO 639-1, for `lang:` in queries: the feed's
//! declared language when it has one, else detected from the text with
//! whatlang. whatlang has no Albanian, which this region needs, so a word
//! count comes first: Albanian's most frequent words and its `ë` are
//! unmistakable beside Serbian, Croatian and English. Latin-script
//! Serbian, Croatian and Bosnian are detected as the family `sh`, which
//! `lang:sr`, `lang:hr`, `lang:bs` and `lang:sh` all take; Cyrillic is
//! `sr`.

use whatlang::Lang;

/// Albanian words frequent in any news text, none of them a word of the
/// other languages here.
const ALBANIAN: [&str; 14] = [
    "të", "në", "dhe", "një", "për", "është", "nga", "më", "së", "nuk", "janë", "kanë", "ka", "tha",
];

/// The ISO 639-1 code of a declared language (`sr-RS`, `en-us`,
/// `sr-Latn`, `SQ`): its primary subtag, if it is two letters.
pub fn declared(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_lowercase())).then_some(primary)
}

/// The language `text` is written in, as ISO 639-1, if it can be told.
pub fn detect(text: &str) -> Option<&'static str> {
    if is_albanian(text) {
        return Some("sq");
    }
    let info = whatlang::detect(text)?;
    iso_639_1(info.lang())
}

/// At least two Albanian words, or one and an `ë`.
fn is_albanian(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| ALBANIAN.contains(w))
        .count();
    words >= 2 || (words == 1 && lower.contains('ë'))
}

/// whatlang's languages by their ISO 639-1 codes (Mandarin as `zh`,
/// Persian as `fa`, Norwegian Bokmål as `nb`).
fn iso_639_1(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        // Serbian, Croatian and Bosnian in Latin script: whatlang calls
        // them all Croatian; no detector can tell them apart reliably.
        Lang::Hrv => "sh",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
    })
}

#[cfg(test)]
mod tests {
    use super::{declared, detect};

    #[test]
    fn declared_tags_give_their_primary_code() {
        assert_eq!(declared("sr-RS").as_deref(), Some("sr"));
        assert_eq!(declared("en-us").as_deref(), Some("en"));
        assert_eq!(declared("SQ").as_deref(), Some("sq"));
        assert_eq!(declared("sr_Latn").as_deref(), Some("sr"));
        assert_eq!(declared("english"), None);
        assert_eq!(declared(""), None);
    }

    #[test]
    fn the_region_s_languages_are_told_apart() {
        let cases = [
            (
                "Kosova dhe Serbia nuk arritën marrëveshje në Bruksel të enjten.",
                "sq",
            ),
            (
                "Qeveria miratoi buxhetin e vitit të ardhshëm pas një debati të gjatë.",
                "sq",
            ),
            (
                "Министарство финансија објавило је нове податке о расту привреде.",
                "sr",
            ),
            (
                "The central bank left interest rates unchanged on Thursday, citing inflation.",
                "en",
            ),
        ];
        for (text, code) in cases {
            assert_eq!(detect(text), Some(code), "{text}");
        }
        // Serbian, Croatian, Bosnian in Latin script are one family: any of
        // lang:sr, lang:hr, lang:bs, lang:sh takes it.
        for text in [
            "Vlada je usvojila novi zakon o zaštiti životne sredine i energetici.",
            "Srpska lista traži povlačenje specijalnih jedinica sa severa Kosova.",
        ] {
            assert_eq!(detect(text), Some("sh"), "{text}");
        }
    }
}
