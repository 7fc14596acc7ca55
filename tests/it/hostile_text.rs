//! Feed text is text: a title carrying terminal escapes (`ESC[2J`, an OSC
//! hyperlink, BEL, C1 CSI) reaches neither the stdout sink's lines nor the
//! log as anything but plain characters.

use crate::support::{TestServer, describe, newswatch, write_test_config};

const RSS: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
    <item><title>KFOR&#x1b;[2J&#x1b;]8;;https://evil.example&#x7;click&#x1b;]8;;&#x7; in \u{9b}31mZvečan\r\nagain</title>\
    <link>https://n.example/esc</link><guid>esc-1</guid></item></channel></rss>";

#[test]
fn terminal_escapes_in_feed_text_reach_no_terminal() {
    let server = TestServer::start();
    server.serve_feed("/feed", RSS.as_bytes().to_vec(), "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_test_config(
        dir.path(),
        "backlog = \"all\"",
        &[server.url("/feed")],
        "[[sink]]\ntype = \"stdout\"\n",
    );
    let output = newswatch(&["once", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8(output.stdout.clone()).expect("UTF-8");
    let stderr = String::from_utf8(output.stderr.clone()).expect("UTF-8");
    assert!(
        stdout.contains("KFOR[2J]8;;https://evil.exampleclick]8;; in 31mZvečan again"),
        "{stdout:?}"
    );
    for (name, text) in [("stdout", &stdout), ("log", &stderr)] {
        let controls: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(controls.is_empty(), "{name} carries {controls:?}: {text:?}");
    }
    assert!(
        stderr.contains("Zvečan again"),
        "the alert's log line: {stderr}"
    );
}
