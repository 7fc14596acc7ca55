//! What `run` would fail on is a config error `check` finds first: a bad
//! `whsec_` secret, an unset secret variable, a credential outside
//! systemd, a missing secret or template file, a file sink whose
//! path is a directory, a command that does not exist. `check`, `once` and
//! `run` all exit 78 on them (the unit's RestartPreventExitStatus), naming
//! the file, the line of the sink's table and the problem.

use crate::support;

use crate::support::{describe, newswatch};

const BASE: &str = "[[feed]]\nurl = \"https://feeds.example/rss\"\n\n[[watch]]\nname = \"k\"\nterms = [\"KFOR\"]\n\n";

#[test]
fn sinks_that_cannot_work_are_config_errors_for_check_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let cases = [
        (
            "a bad secret",
            "type = \"webhook\"\nurl = \"https://hooks.example/in\"\nsecret_env = \"NW_PREFLIGHT_SECRET\"\n",
            "whsec",
        ),
        (
            "an unset secret variable",
            "type = \"webhook\"\nurl = \"https://hooks.example/in\"\nsecret_env = \"NW_PREFLIGHT_UNSET\"\n",
            "NW_PREFLIGHT_UNSET is not set",
        ),
        (
            "a credential outside systemd",
            "type = \"webhook\"\nurl = \"https://hooks.example/in\"\ncredential = \"hook\"\n",
            "$CREDENTIALS_DIRECTORY is not set",
        ),
        (
            "a missing secret file",
            "type = \"webhook\"\nurl = \"https://hooks.example/in\"\nsecret_file = \"/nonexistent/secret\"\n",
            "/nonexistent/secret",
        ),
        (
            "a missing template file",
            "type = \"webhook\"\nurl = \"https://hooks.example/in\"\nformat = \"template\"\ntemplate_file = \"/nonexistent/body.j2\"\n",
            "/nonexistent/body.j2",
        ),
        (
            "a directory as the file",
            &format!(
                "type = \"file\"\npath = {:?}\n",
                dir.path().display().to_string()
            ),
            "is a directory",
        ),
        (
            "a command that is not there",
            "type = \"exec\"\ncommand = [\"/nonexistent/notify\"]\n",
            "not an executable",
        ),
    ];
    for (what, sink, says) in cases {
        let config = dir.path().join("newswatch.toml");
        let text = format!(
            "[state]\ndirectory = {:?}\n\n{BASE}# [[sink]] in a comment\n[[sink]]\nname = \"bad\"\n{sink}",
            state.display().to_string()
        );
        std::fs::write(&config, &text).expect("config");
        let line = text
            .lines()
            .position(|l| l == "[[sink]]")
            .expect("the table")
            + 1;
        let config = config.to_string_lossy().into_owned();
        for command in ["check", "once", "run"] {
            let mut child = support::newswatch_command(&[command, "--config", &config]);
            child
                .env("NW_PREFLIGHT_SECRET", "whsec_not-base64!")
                .env_remove("NW_PREFLIGHT_UNSET")
                .env_remove("CREDENTIALS_DIRECTORY");
            let output = child.output().expect("run newswatch");
            let said =
                support::expect_config_error(&output, &config, line, &format!("{what}, {command}"));
            assert!(
                said.contains("sink \"bad\"") && said.contains(says),
                "{what}, {command}: {said}"
            );
        }
    }
    // A good config still passes.
    let config = dir.path().join("good.toml");
    std::fs::write(
        &config,
        format!(
            "[state]\ndirectory = {:?}\n\n{BASE}[[sink]]\ntype = \"stdout\"\n",
            state.display().to_string()
        ),
    )
    .expect("config");
    let check = newswatch(&["check", "--config", &config.to_string_lossy()]);
    assert!(check.status.success(), "{}", describe(&check));
}

#[test]
fn every_sink_that_cannot_work_is_reported_in_one_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("newswatch.toml");
    let text = format!(
        "[state]\ndirectory = {:?}\n\n{BASE}[[sink]]\nname = \"first\"\ntype = \"exec\"\ncommand = [\"/nonexistent/notify\"]\n\n\
         [[sink]]\nname = \"fine\"\ntype = \"stdout\"\n\n\
         [[sink]]\nname = \"third\"\ntype = \"file\"\npath = {:?}\n",
        dir.path().join("state").display().to_string(),
        dir.path().display().to_string()
    );
    std::fs::write(&config, &text).expect("config");
    let tables: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "[[sink]]")
        .map(|(i, _)| i + 1)
        .collect();
    let config = config.to_string_lossy().into_owned();
    let output = newswatch(&["check", "--config", &config]);
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = format!("{config}:{}:1: sink \"first\": command", tables[0]);
    let third = format!("{config}:{}:1: sink \"third\": path", tables[2]);
    assert!(stderr.contains(&first), "{first} in {stderr}");
    assert!(stderr.contains(&third), "{third} in {stderr}");
    assert!(!stderr.contains("\"fine\""), "{stderr}");
}
