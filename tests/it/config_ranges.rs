//! Values that passed `check` and then panicked or never polled are config
//! errors now: `check` exits 78 pointing at the key, and so does `run`.

use crate::support;

use crate::support::newswatch;

const FEED: &str = "[[feed]]\nurl = \"https://feeds.example/rss\"\n";
const WATCH: &str = "\n[[watch]]\nname = \"k\"\nterms = [\"KFOR\"]\n";

#[test]
fn out_of_range_values_are_config_errors_at_their_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let cases: [(&str, String, &str); 14] = [
        (
            "[poll]\nconcurrency = 9223372036854775807\n",
            String::new(),
            "concurrency",
        ),
        (
            "[poll]\nper_host = 9223372036854775807\n",
            String::new(),
            "per_host",
        ),
        (
            "[poll]\nbacklog_window = \"300000years\"\n",
            String::new(),
            "backlog_window",
        ),
        (
            "[poll]\nstartup_spread = \"500000000years\"\n",
            String::new(),
            "startup_spread",
        ),
        ("[poll]\nmax_body = 0\n", String::new(), "max_body"),
        ("[poll]\ntimeout = \"0s\"\n", String::new(), "timeout"),
        ("", "schedule = \"0 0 0 30 2 *\"\n".into(), "schedule"),
        (
            "",
            "\n[[sink]]\ntype = \"stdout\"\nlists = []\n".into(),
            "lists",
        ),
        ("[dedup]\nretention = \"1s\"\n", String::new(), "retention"),
        (
            "[signals]\nbreaking_sources = 1\n",
            String::new(),
            "breaking_sources",
        ),
        (
            "[signals]\nspike_factor = nan\n",
            String::new(),
            "spike_factor",
        ),
        (
            "[signals]\nspike_window = \"2h\"\nspike_baseline = \"1h\"\n",
            String::new(),
            "spike_baseline",
        ),
        (
            "[dedup]\nretention = \"3days\"\n[signals]\nspike_baseline = \"7days\"\n",
            "\n[[sink]]\ntype = \"stdout\"\nevents = [\"list_spike\"]\n".into(),
            "spike_baseline",
        ),
        (
            "",
            "\n[[sink]]\ntype = \"stdout\"\nretry = [\"1000years\"]\n".into(),
            "retry",
        ),
    ];
    for (section, extra, key) in cases {
        let (feed_extra, sink) = if extra.contains("[[sink]]") {
            (String::new(), extra)
        } else {
            (extra, String::new())
        };
        let text = format!(
            "[state]\ndirectory = {:?}\n\n{section}\n{FEED}{feed_extra}{WATCH}{sink}",
            state.display().to_string()
        );
        let path = dir.path().join("newswatch.toml");
        std::fs::write(&path, &text).expect("config");
        let path = path.to_string_lossy().into_owned();
        let key_line = text
            .lines()
            .position(|l| l.trim_start().starts_with(key))
            .expect("the key's line")
            + 1;
        for command in ["check", "run"] {
            let output = newswatch(&[command, "--config", &path]);
            let said = support::expect_config_error(
                &output,
                &path,
                key_line,
                &format!("{key}, {command}"),
            );
            assert!(said.contains(key), "{key}, {command}: {said}");
        }
    }
}
