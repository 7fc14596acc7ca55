//! 64-bit SimHash with a fixed-key SipHash-1-3: the same text gives the
//! same value in every build, so stored signatures stay comparable.

use std::hash::Hasher;

use siphasher::sip::SipHasher13;

/// Fixed keys: changing them invalidates every stored signature.
const KEYS: (u64, u64) = (0x6e65_7773_7761_7463, 0x6820_7374_6f72_7931);

/// The SimHash of a set of features (empty: 0).
pub fn simhash<S: AsRef<str>>(features: &[S]) -> u64 {
    if features.is_empty() {
        return 0;
    }
    let mut weights = [0i32; 64];
    for feature in features {
        let mut hasher = SipHasher13::new_with_keys(KEYS.0, KEYS.1);
        hasher.write(feature.as_ref().as_bytes());
        let hash = hasher.finish();
        for (bit, weight) in weights.iter_mut().enumerate() {
            *weight += if hash >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    weights.iter().enumerate().fold(
        0u64,
        |value, (bit, weight)| if *weight > 0 { value | 1 << bit } else { value },
    )
}

/// How many bits two hashes differ in.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The four 16-bit bands of a hash as store keys, tagged with `kind` (0:
/// headline, 1: lede) and the band's position. Two hashes within 3 bits of
/// each other share at least one band.
pub fn band_keys(kind: u8, hash: u64) -> [i64; 4] {
    let mut keys = [0i64; 4];
    for (band, key) in keys.iter_mut().enumerate() {
        let value = (hash >> (band * 16)) & 0xffff;
        *key = (i64::from(kind) << 20) | ((band as i64) << 16) | value as i64;
    }
    keys
}
