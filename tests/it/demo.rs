//! `newswatch demo`, the README's first screen: a made-up wire on
//! loopback, an alert within a minute, a list edited and reloaded, and
//! the next matching headline alerting.

use std::time::Duration;

use crate::support::{self, wait_until};

#[test]
fn the_demo_alerts_then_takes_an_edited_list_on_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = dir.path().join("demo");
    let port = support::free_port().to_string();
    let stdout_path = dir.path().join("stdout");
    let stderr_path = dir.path().join("stderr");
    let mut command = support::newswatch_command(&[
        "demo",
        "--dir",
        &demo.to_string_lossy(),
        "--port",
        &port,
        "--every",
        "1s",
    ]);
    // The stdout sink's alerts, and the log, each to a file.
    let mut daemon = support::Daemon(
        command
            .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("start the demo"),
    );
    let read = |path: &std::path::Path| std::fs::read_to_string(path).unwrap_or_default();
    wait_until(Duration::from_secs(60), "the demo's first alert", || {
        read(&stdout_path).contains("KFOR patrols increased near Jarinje crossing")
    });
    let introduction = read(&stderr_path);
    assert!(
        introduction.contains(&format!("http://127.0.0.1:{port}/demo-wire.xml"))
            && introduction.contains("kill -HUP"),
        "{introduction}"
    );
    assert!(
        !read(&stdout_path).contains("Mitrovica"),
        "nothing watches Mitrovica yet"
    );

    // The user's edit: a new term, and a quicker poll.
    let config = demo.join("newswatch.toml");
    let text = std::fs::read_to_string(&config).expect("the demo config");
    assert!(text.contains("\"Jarinje\","), "{text}");
    let edited = text
        .replace("\"Jarinje\",", "\"Jarinje\", \"Mitrovica\",")
        .replace("interval = \"10s\"", "interval = \"1s\"");
    std::fs::write(&config, edited).expect("edit the config");
    let hangup = std::process::Command::new("kill")
        .args(["-HUP", &daemon.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(hangup.success());
    wait_until(Duration::from_secs(30), "the reload", || {
        read(&stderr_path).contains("config reloaded")
    });
    wait_until(
        Duration::from_secs(60),
        "an alert for a Mitrovica headline",
        || read(&stdout_path).contains("Mitrovica"),
    );
    let status = support::signal_and_wait(&mut daemon.0, "TERM");
    assert!(status.success(), "{status:?}\n{}", read(&stderr_path));
}
