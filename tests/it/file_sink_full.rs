//! A file sink on a disk that fills up mid-line: the failed write is cut
//! back to the last complete line, so the file never holds a line no
//! reader can parse, and nothing is marked delivered that was not. The
//! full disk is a file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) on
//! the daemon, just past what the file already holds.

use crate::support;

use crate::support::{TestServer, describe, newswatch_command};

#[test]
fn a_write_that_fails_half_way_leaves_only_whole_lines() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    // Whole lines already there, ending 100 bytes short of the limit: the
    // next alert's line starts fitting and then hits it.
    const LIMIT: u64 = 1 << 20;
    let line = format!("{{\"type\":\"old\",\"pad\":\"{}\"}}\n", "x".repeat(1000));
    let mut before = line.repeat((LIMIT as usize - 100) / line.len());
    let overhead = "{\"type\":\"old\",\"pad\":\"\"}\n".len();
    let pad = (LIMIT as usize - 100) - before.len() - overhead;
    before.push_str(&format!(
        "{{\"type\":\"old\",\"pad\":\"{}\"}}\n",
        "y".repeat(pad)
    ));
    assert_eq!(before.len() as u64, LIMIT - 100);
    std::fs::write(&alerts, &before).expect("prefill");
    let config = support::write_test_config(
        dir.path(),
        "backlog = \"all\"",
        &[server.url("/rss2.xml")],
        &format!(
            "[[sink]]\nname = \"file\"\ntype = \"file\"\npath = {alerts:?}\nretry = [\"0s\"]\n"
        ),
    );
    let mut command = newswatch_command(&["once", "--config", &config]);
    support::limit_resource(&mut command, libc::RLIMIT_FSIZE, LIMIT);
    let output = command.output().expect("run once");
    assert!(output.status.success(), "{}", describe(&output));
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("cannot write"), "the write failed: {log}");

    let after = std::fs::read_to_string(&alerts).expect("alerts");
    assert!(after.ends_with('\n'), "the file ends with a whole line");
    for (number, line) in after.lines().enumerate() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| {
            panic!(
                "line {} cannot be parsed ({e}): {}",
                number + 1,
                &line[..line.len().min(80)]
            )
        });
    }
    assert_eq!(after, before, "nothing was appended past the limit");
    assert!(
        log.contains("0 delivered"),
        "nothing counts as delivered: {log}"
    );
}
