//! Story identity: when two items are the same story. Used by the dedup
//! stage so that one story published by ten outlets, or re-published with
//! a tracking parameter or an edited headline, alerts once.
//!
//! Two signals. A canonical link (see [`crate::parse::link`]) already
//! alerted means the same story. Otherwise a [`Signature`]: 64-bit SimHashes
//! of the normalised headline and of the lede, with a fixed-key SipHash so
//! stored values stay comparable across builds and Rust versions, indexed
//! by 16-bit bands; candidates sharing a band are then verified on their
//! words, strictly for short headlines ([`same_story`]).

mod simhash;

use std::collections::HashSet;

pub use simhash::{band_keys, hamming, simhash};

use crate::text::fold::fold;

/// Words of the lede (summary) that enter its signature.
const LEDE_WORDS: usize = 40;
/// A lede shorter than this is too generic to identify a story.
pub const MIN_LEDE_WORDS: usize = 12;
/// A headline shorter than this (in words) only matches another exactly,
/// or with an agreeing lede or link host.
pub const SHORT_HEADLINE: usize = 6;
/// Headlines whose word sets overlap this much (of the shorter) match.
const CONTAINMENT: f64 = 0.8;
/// SimHash distance within which two ledes count as the same text.
const LEDE_DISTANCE: u32 = 3;

/// What identifies a story, computed from one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// SimHash of the normalised headline's words and word pairs.
    pub title_hash: u64,
    /// SimHash of the lede's first words (0 when there is no lede).
    pub lede_hash: u64,
    /// How many lede words went into `lede_hash`.
    pub lede_words: usize,
    /// The normalised headline (folded, wire prefixes and outlet suffixes
    /// removed), for verifying candidates.
    pub title: String,
    /// The link's host, if the item has a link.
    pub host: Option<String>,
}

impl Signature {
    /// The signature of an item's headline, lede and link.
    pub fn of(title: &str, summary: &str, link: Option<&str>) -> Signature {
        let title = normalize_headline(title);
        let title_words: Vec<&str> = words(&title).collect();
        let lede = fold(summary);
        let lede_words: Vec<&str> = words(&lede).take(LEDE_WORDS).collect();
        let host = link.and_then(|l| url::Url::parse(l).ok()).and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        });
        Signature {
            title_hash: simhash(&shingles(&title_words)),
            lede_hash: if lede_words.is_empty() {
                0
            } else {
                simhash(&shingles(&lede_words))
            },
            lede_words: lede_words.len(),
            title,
            host,
        }
    }
}

impl Signature {
    /// The store keys this signature is found by: the headline's four
    /// bands, and the lede's when the lede is long enough to identify.
    pub fn band_keys(&self) -> Vec<i64> {
        let mut keys = band_keys(0, self.title_hash).to_vec();
        if self.lede_words >= MIN_LEDE_WORDS {
            keys.extend(band_keys(1, self.lede_hash));
        }
        keys
    }
}

/// Whether a new item (`new`) is the story behind a stored signature
/// (`old`). Headlines agree when one's words are (nearly) all in the
/// other's; a short headline must match exactly, or have its lede or link
/// host agree too. Failing that, the same substantial lede with a related
/// headline (an edited headline) also matches.
pub fn same_story(old: &Signature, new: &Signature) -> bool {
    let old_words: HashSet<&str> = words(&old.title).collect();
    let new_words: HashSet<&str> = words(&new.title).collect();
    if old_words.is_empty() || new_words.is_empty() {
        return false;
    }
    let shared = old_words.intersection(&new_words).count();
    let shorter = old_words.len().min(new_words.len());
    let ledes_agree = old.lede_words >= MIN_LEDE_WORDS
        && new.lede_words >= MIN_LEDE_WORDS
        && hamming(old.lede_hash, new.lede_hash) <= LEDE_DISTANCE;
    let same_host = old.host.is_some() && old.host == new.host;
    if shorter < SHORT_HEADLINE {
        return old.title == new.title || (shared == shorter && (ledes_agree || same_host));
    }
    if shared as f64 >= CONTAINMENT * shorter as f64 {
        return true;
    }
    // An edited headline over the same lede: the lede decides, as long as
    // the headlines still share half their words (the same boilerplate or
    // wire lede under different headlines is not one story).
    ledes_agree && shared >= 2 && shared * 2 >= shorter
}

/// Folds a headline and removes what outlets add around the same story:
/// a wire prefix ("UPDATE:", "UPDATE 2-", "BREAKING:") and a trailing
/// outlet name ("... - Example Wire", "... | Outlet"), when what remains
/// is still a headline of four words or more.
pub fn normalize_headline(title: &str) -> String {
    let mut text = fold(title).trim().to_string();
    for prefix in [
        "update",
        "updated",
        "breaking",
        "exclusive",
        "live",
        "watch",
        "video",
        "corrected",
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
            if let Some(rest) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('-')) {
                text = rest.trim().to_string();
                break;
            }
        }
    }
    for separator in [" - ", " | ", " -- "] {
        if let Some(at) = text.rfind(separator) {
            let (head, tail) = (&text[..at], &text[at + separator.len()..]);
            if words(tail).count() <= 5 && words(head).count() >= 4 {
                text = head.trim().to_string();
                break;
            }
        }
    }
    words(&text).collect::<Vec<_>>().join(" ")
}

/// The words of folded text.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Features for SimHash: every word and every pair of neighbouring words.
fn shingles(words: &[&str]) -> Vec<String> {
    let mut features: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    features.extend(
        words
            .windows(2)
            .map(|pair| format!("{} {}", pair[0], pair[1])),
    );
    features
}

#[cfg(test)]
mod tests;
