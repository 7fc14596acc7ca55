//! A config with several mistakes gets them all in one `check`, each on its
//! own `path:line:column: message` line, and `[poll]` values are located
//! by the file's structure, not by searching its text for the key.

use crate::support;

use crate::support::newswatch;

/// The line and column, in `text`, where `needle` starts on the line that
/// contains `line_marker` (1-based, columns in characters).
fn position(text: &str, line_marker: &str, needle: &str) -> (usize, usize) {
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(line_marker))
        .expect("the marked line");
    let byte = line.find(needle).expect("the needle on its line");
    (index + 1, line[..byte].chars().count() + 1)
}

#[test]
fn every_error_of_a_config_is_reported_in_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "[state]\ndirectory = {:?}\n\n\
         [poll]\ninterval = \"every so often\"\njitter = 0.2\n\n\
         [[feed]]\nurl = \"https://feeds.example/rss\"\nmax_items = 0\n\n\
         [[feed]]\nurl = \"ftp://feeds.example/other\"\n\n\
         [[watch]]\nname = \"kfor\"\nterms = [\"KFOR\", \"\u{00AD} \"]\n\n\
         [[sink]]\ntype = \"pigeon\"\n\n\
         [[sink]]\ntype = \"stdout\"\nlists = [\"kfor\", \"kosvo\"]\n",
        dir.path().join("state").display().to_string()
    );
    let path = dir.path().join("newswatch.toml");
    std::fs::write(&path, &text).expect("config");
    let path = path.to_string_lossy().into_owned();
    // A sink of an unknown type: its error is at its `type`.
    let pigeon = position(&text, "pigeon", "\"pigeon");
    let expected = [
        (
            position(&text, "every so often", "\"every"),
            "invalid duration \"every so often\"",
        ),
        (
            position(&text, "max_items = 0", "0"),
            "feed https://feeds.example/rss: max_items must be at least 1",
        ),
        (
            position(&text, "ftp://", "\"ftp"),
            "must be http:// or https://",
        ),
        (
            position(&text, "\u{00AD}", "\"\u{00AD}"),
            "term \"\\u{ad} \" is empty once folded",
        ),
        (pigeon, "unknown variant `pigeon`"),
        (
            position(&text, "kosvo", "\"kosvo\""),
            "lists names unknown watch list \"kosvo\"",
        ),
    ];
    for command in ["check", "run"] {
        let output = newswatch(&[command, "--config", &path]);
        let said = support::expect_config_error(&output, &path, 5, command);
        let lines: Vec<&str> = said.lines().collect();
        assert_eq!(lines.len(), expected.len(), "{command}: {said}");
        for (line, ((row, column), message)) in lines.iter().zip(expected) {
            let prefix = format!("{path}:{row}:{column}: ");
            assert!(
                line.starts_with(&prefix) && line.contains(message),
                "{command}: expected {prefix}...{message}, got {line}\n{said}"
            );
        }
    }
}

#[test]
fn a_bad_jitter_points_at_poll_not_at_an_earlier_mention() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "# jitter spreads the polls; see [poll] below\n\
         [state]\ndirectory = {:?}\n\n\
         [[feed]]\nurl = \"https://feeds.example/rss\"\nname = \"jitter watch\"\n\n\
         [[watch]]\nname = \"k\"\nterms = [\"jitter\", \"KFOR\"]\n\n\
         [poll]\ninterval = \"10m\"\njitter = 1.5\n",
        dir.path().join("state").display().to_string()
    );
    let path = dir.path().join("newswatch.toml");
    std::fs::write(&path, &text).expect("config");
    let path = path.to_string_lossy().into_owned();
    let (line, column) = position(&text, "jitter = 1.5", "1.5");
    for command in ["check", "run"] {
        let output = newswatch(&[command, "--config", &path]);
        let said = support::expect_config_error(&output, &path, line, command);
        assert_eq!(
            said.trim_end(),
            format!("{path}:{line}:{column}: [poll] jitter must be between 0.0 and 1.0"),
            "{command}"
        );
    }
}

#[test]
fn out_of_range_values_in_one_section_are_all_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "[state]\ndirectory = {:?}\n\n\
         [poll]\ntimeout = \"0s\"\nconcurrency = 0\nmax_body = 0\n\n\
         [daemon]\nstuck_after = \"1s\"\nshutdown_grace = \"2h\"\n\n\
         [dedup]\nretention = \"1s\"\n",
        dir.path().join("state").display().to_string()
    );
    let path = dir.path().join("newswatch.toml");
    std::fs::write(&path, &text).expect("config");
    let path = path.to_string_lossy().into_owned();
    let output = newswatch(&["check", "--config", &path]);
    let said = support::expect_config_error(&output, &path, 5, "check");
    let keys = [
        ("timeout = ", "[poll] timeout must be between 1s and 1h"),
        ("concurrency = ", "[poll] concurrency must be at least 1"),
        ("max_body = ", "[poll] max_body must be between 1024 and"),
        ("stuck_after = ", "[daemon] stuck_after must be at least 2s"),
        (
            "shutdown_grace = ",
            "[daemon] shutdown_grace must be between 0s and 1h",
        ),
        ("retention = ", "[dedup] retention must be between 1min and"),
    ];
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), keys.len(), "{said}");
    for (line, (key, message)) in lines.iter().zip(keys) {
        let (row, column) = position(&text, key, key);
        let prefix = format!("{path}:{row}:{}: ", column + key.len());
        assert!(
            line.starts_with(&prefix) && line.contains(message),
            "expected {prefix}{message}, got {line}"
        );
    }
}

#[test]
fn a_mistyped_key_gets_the_one_it_was_probably_meant_to_be() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "[state]\ndirectory = {:?}\n\n[poll]\nper_hots = 2\n\n\
         [[feed]]\nulr = \"https://feeds.example/rss\"\n\n\
         [[watch]]\nname = \"kfor\"\nterms = [\"KFOR\"]\ncolour = \"red\"\n",
        dir.path().join("state").display().to_string()
    );
    let path = dir.path().join("newswatch.toml");
    std::fs::write(&path, &text).expect("config");
    let path = path.to_string_lossy().into_owned();
    let output = newswatch(&["check", "--config", &path]);
    let said = support::expect_config_error(&output, &path, 5, "check");
    assert!(
        said.contains("unknown field `per_hots`") && said.contains("did you mean `per_host`?"),
        "{said}"
    );
    assert!(
        said.contains(&format!("{path}:8:1: unknown field `ulr`")),
        "{said}"
    );
    assert!(said.contains("did you mean `url`?"), "{said}");
    // Nothing close: no guess.
    let colour = said
        .lines()
        .find(|l| l.contains("`colour`"))
        .unwrap_or_default();
    assert!(
        !colour.is_empty() && !colour.contains("did you mean"),
        "{said}"
    );
}

#[test]
fn feeds_and_tags_filters_must_name_configured_feeds_and_tags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "[state]\ndirectory = {:?}\n\n\
         [[feed]]\nurl = \"https://rts.example/rss\"\nname = \"RTS\"\ntags = [\"balkans\"]\n\n\
         [[feed]]\nurl = \"https://n1.example/rss\"\nname = \"RTS\"\n\n\
         [[watch]]\nname = \"kfor\"\nterms = [\"KFOR\"]\nfeeds = [\"RST\", \"https://n1.example/rss\"]\n\
         tags = [\"balkan\"]\n\n\
         [[sink]]\ntype = \"stdout\"\nfeeds = [\"Reuters\"]\ntags = []\n",
        dir.path().join("state").display().to_string()
    );
    let path = dir.path().join("newswatch.toml");
    std::fs::write(&path, &text).expect("config");
    let path = path.to_string_lossy().into_owned();
    let output = newswatch(&["check", "--config", &path]);
    let said = support::expect_config_error(&output, &path, 11, "check");
    let at = |marker: &str, needle: &str| {
        let (line, column) = position(&text, marker, needle);
        format!("{path}:{line}:{column}: ")
    };
    // The second feed's name, not the first's.
    let second = text.match_indices("name = \"RTS\"").nth(1).expect("second");
    let line = text[..second.0].lines().count() + 1;
    assert!(
        said.contains(&format!(
            "{path}:{line}:8: feed https://n1.example/rss: another feed is already named \"RTS\""
        )),
        "{said}"
    );
    for (marker, needle, message) in [
        (
            "feeds = [\"RST\"",
            "\"RST\"",
            "watch list \"kfor\": feeds names unknown feed \"RST\"; did you mean \"RTS\"?",
        ),
        (
            "tags = [\"balkan\"]",
            "\"balkan\"",
            "tags names unknown tag \"balkan\"; did you mean \"balkans\"?",
        ),
        (
            "feeds = [\"Reuters\"]",
            "\"Reuters\"",
            "sink \"stdout\": feeds names unknown feed \"Reuters\"",
        ),
        (
            "tags = []",
            "[]",
            "tags is empty, so it would match nothing",
        ),
    ] {
        let line = said
            .lines()
            .find(|l| l.contains(message))
            .unwrap_or_else(|| panic!("{message:?} in {said}"));
        let expected = at(marker, needle);
        assert!(line.starts_with(&expected), "{expected} for {line}");
    }
}
