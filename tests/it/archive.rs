//! The item archive through the command line: `newswatch once` archives
//! every item a real server's feed carries; `backtest` runs an edited
//! config's lists over them and tells new and lost matches apart;
//! `search` finds items with the query language.

use crate::support::{TEST_LISTS, TestServer, describe, newswatch};

const FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
    <item><title>KFOR troops patrol near Jarinje</title><guid>a</guid><link>https://w.example/a</link></item>\
    <item><title>NATO soldiers arrive in Pristina</title><guid>b</guid></item>\
    <item><title>Weather: rain in Belgrade</title><guid>c</guid></item>\
    <item><title>Football: Partizan wins</title><guid>d</guid></item>\
    </channel></rss>";

/// The lists after an analyst's edit: kfor becomes a query that also
/// takes NATO soldiers, serbia leaves out the weather.
const EDITED_LISTS: &str = r#"
[[watch]]
name = "kosovo"
terms = [{ term = "kosov", mode = "prefix" }, { term = "prishtin", mode = "prefix" }, "Jarinje", { term = "zvecan", mode = "prefix" }]

[[watch]]
name = "kfor"
query = '(KFOR OR NATO) NEAR/4 (troop* OR soldier*)'

[[watch]]
name = "serbia"
terms = [{ term = "serb", mode = "prefix" }, { term = "srbij", mode = "prefix" }, { term = "vucic", mode = "prefix" }, "Belgrade"]
exclude = ["rain"]
"#;

struct Archive {
    _server: TestServer,
    dir: tempfile::TempDir,
}

impl Archive {
    /// Serves the feed, writes a config with `tail` and runs `once`.
    fn polled(tail: &str) -> Archive {
        let server = TestServer::start();
        server.serve_feed("/wire", FEED.as_bytes().to_vec(), "application/rss+xml");
        let dir = tempfile::tempdir().expect("tempdir");
        let head = format!(
            "[state]\ndirectory = {:?}\n\n[http]\nlisten = \"\"\n\n[poll]\nbacklog = \"all\"\n\n{tail}\n\
             [[feed]]\nname = \"Wire\"\nurl = {:?}\n",
            dir.path().join("state"),
            server.url("/wire")
        );
        std::fs::write(dir.path().join("old.toml"), format!("{head}{TEST_LISTS}")).expect("config");
        std::fs::write(dir.path().join("new.toml"), format!("{head}{EDITED_LISTS}"))
            .expect("edited config");
        let output = newswatch(&["once", "--config", &path(&dir, "old.toml")]);
        assert!(output.status.success(), "{}", describe(&output));
        Archive {
            _server: server,
            dir,
        }
    }

    fn run(&self, config: &str, args: &[&str]) -> std::process::Output {
        let config = path(&self.dir, config);
        let mut all = args.to_vec();
        all.extend(["--config", &config]);
        newswatch(&all)
    }

    fn json(&self, config: &str, args: &[&str]) -> Vec<serde_json::Value> {
        let output = self.run(config, args);
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_string_lossy().into_owned()
}

fn titles(found: &serde_json::Value) -> Vec<&str> {
    found
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["title"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn backtest_tells_what_an_edited_config_would_alert_from_what_did() {
    let archive = Archive::polled("");
    let lists = archive.json("new.toml", &["backtest", "--json"]);
    let by_name = |name: &str| {
        lists
            .iter()
            .find(|l| l["list"] == name)
            .unwrap_or_else(|| panic!("{name} in {lists:?}"))
    };
    let kfor = by_name("kfor");
    assert_eq!(
        (kfor["would"].as_u64(), kfor["did"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(titles(&kfor["new"]), ["NATO soldiers arrive in Pristina"]);
    assert_eq!(kfor["new"][0]["hits"][0]["term"], "NATO", "{kfor}");
    assert!(titles(&kfor["no_longer"]).is_empty());
    let serbia = by_name("serbia");
    assert_eq!(
        (serbia["would"].as_u64(), serbia["did"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(titles(&serbia["no_longer"]), ["Weather: rain in Belgrade"]);
    assert_eq!(serbia["no_longer"][0]["lists_then"][0], "serbia");
    let kosovo = by_name("kosovo");
    assert_eq!(
        (kosovo["would"].as_u64(), kosovo["did"].as_u64()),
        (Some(1), Some(1))
    );

    // The text form says the same, and --watch keeps one list.
    let output = archive.run("new.toml", &["backtest", "--watch", "kfor"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(text.contains("4 archived items read"), "{text}");
    assert!(
        text.contains("kfor: would alert 2, did 1; 1 new, 0 no longer"),
        "{text}"
    );
    assert!(text.contains("  + "), "{text}");
    assert!(
        text.contains("\"NATO\" in title: **NATO** soldiers"),
        "{text}"
    );
    assert!(!text.contains("serbia:"), "{text}");
    // Nothing was written: the same backtest again gives the same.
    assert_eq!(archive.json("new.toml", &["backtest", "--json"]), lists);

    let unknown = archive.run("new.toml", &["backtest", "--watch", "nope"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no watch list named \"nope\""),
        "{}",
        describe(&unknown)
    );
}

#[test]
fn search_finds_archived_items_with_the_query_language() {
    let archive = Archive::polled("");
    let found = archive.json("old.toml", &["search", "NATO NEAR/3 soldier*", "--json"]);
    let found = serde_json::Value::Array(found);
    assert_eq!(titles(&found), ["NATO soldiers arrive in Pristina"]);
    assert_eq!(found[0]["hits"][0]["field"], "title");
    // Newest first, limited, and --list keeps what a list matched then.
    let all = archive.json(
        "old.toml",
        &["search", "title:(KFOR OR rain OR Football)", "--json"],
    );
    assert_eq!(all.len(), 3, "{all:?}");
    let limited = archive.json(
        "old.toml",
        &[
            "search",
            "title:(KFOR OR rain OR Football)",
            "--limit",
            "1",
            "--json",
        ],
    );
    assert_eq!(limited.len(), 1);
    let serbia = archive.json(
        "old.toml",
        &["search", "rain OR KFOR", "--list", "serbia", "--json"],
    );
    assert_eq!(
        titles(&serde_json::Value::Array(serbia)),
        ["Weather: rain in Belgrade"]
    );

    let bad = archive.run("old.toml", &["search", "KFOR NEAR/0 troops"]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("at character 6"), "{stderr}");
}

#[test]
fn an_archive_retention_of_zero_keeps_nothing() {
    let archive = Archive::polled("[archive]\nretention = 0\n");
    let found = archive.json("old.toml", &["search", "KFOR OR NATO OR rain", "--json"]);
    assert!(found.is_empty(), "{found:?}");
}
