//! Standard output for commands: whole lines with `write_all`, and a closed
//! pipe (`newswatch test URL | head`) ends the command quietly instead of
//! panicking as `println!` would.

use std::io::{ErrorKind, Write};

use super::Failure;

/// Writes one line to stdout.
pub fn line(text: &str) -> Result<(), Failure> {
    let mut buffer = String::with_capacity(text.len() + 1);
    buffer.push_str(text);
    buffer.push('\n');
    let mut out = std::io::stdout().lock();
    match out.write_all(buffer.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Err(Failure::OutputClosed),
        Err(error) => Err(Failure::Other(anyhow::anyhow!(
            "cannot write to stdout: {error}"
        ))),
    }
}

/// A hit's term in a listing: quoted as written, or a regex term between
/// its slashes with the text it matched.
pub fn term(term: &str, matched: Option<&str>) -> String {
    match matched {
        Some(matched) => format!("{term} matched {matched:?}"),
        None => format!("{term:?}"),
    }
}
