//! Tests whose outside service (nginx, systemd-analyze, PostgreSQL,
//! feedparser) is missing. cargo shows a passing test's output only with
//! `--nocapture`, so a skip notice printed by the test itself goes unseen
//! and `cargo test` says ok for tests that never ran. Here a skip fails
//! under `CI=true`, and elsewhere adds to one line printed when the test
//! binary exits, after cargo's own summary.

use std::sync::{Mutex, Once, PoisonError};

/// What was skipped, each "what [install command]" once, in order.
static SKIPPED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static REPORT_AT_EXIT: Once = Once::new();

/// Whether this is CI's run (`CI=true`), where every service must be there.
fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Records that the test named by `what` cannot run because its service
/// is missing, and how to get it (`install`); the caller then returns.
/// Under `CI=true` it panics instead: CI must run the whole suite.
pub fn service_missing(what: &str, install: &str) {
    assert!(
        !in_ci(),
        "{what}: the service it needs is missing, and CI=true runs every test \
         (.ci/run must provide it: {install})"
    );
    let entry = format!("{what} [{install}]");
    let mut skipped = SKIPPED.lock().unwrap_or_else(PoisonError::into_inner);
    if !skipped.contains(&entry) {
        skipped.push(entry);
    }
    drop(skipped);
    REPORT_AT_EXIT.call_once(|| {
        // SAFETY: `report` is a plain function that does not unwind.
        let registered = unsafe { libc::atexit(report) };
        if registered != 0 {
            eprintln!("could not register the skip summary; skipped: {what} [{install}]");
        }
    });
}

/// Whether `program` runs (`program arg` exits 0); if not, records the
/// skip of `what` with [`service_missing`], so the caller just returns.
pub fn command_available(program: &str, arg: &str, what: &str, install: &str) -> bool {
    let runs = std::process::Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        service_missing(what, install);
    }
    runs
}

/// Prints the skip summary to stderr as the process exits: straight to
/// file descriptor 2, since the harness's capture and std's buffers are
/// of no use by then.
extern "C" fn report() {
    let skipped = SKIPPED.lock().unwrap_or_else(PoisonError::into_inner);
    if skipped.is_empty() {
        return;
    }
    let line = format!("SKIPPED (services missing): {}\n", skipped.join("; "));
    let mut rest = line.as_bytes();
    while !rest.is_empty() {
        // SAFETY: writes from a live buffer of the given length.
        let written = unsafe { libc::write(2, rest.as_ptr().cast(), rest.len()) };
        match usize::try_from(written) {
            Ok(n) if n > 0 => rest = &rest[n..],
            _ => return,
        }
    }
}
