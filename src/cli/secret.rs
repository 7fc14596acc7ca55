//! `newswatch secret`: a fresh webhook signing secret, `whsec_` and 32
//! random bytes in base64 (as the Standard Webhooks specification has
//! it), from the kernel's random source. Needs no config.

use base64::Engine;
use std::io::Read;

use super::{Failure, output};

/// Random bytes in a secret: 256 bits, as HMAC-SHA256 keys should have.
const BYTES: usize = 32;

/// Prints a new secret.
pub fn run() -> Result<(), Failure> {
    let mut key = [0u8; BYTES];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut key))
        .map_err(|e| anyhow::anyhow!("cannot read /dev/urandom: {e}"))?;
    output::line(&format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    ))
}
