//! The command line as a newcomer meets it: `check`, `test`, exit codes.

use crate::support::{describe, newswatch, newswatch_command};

fn shipped_config() -> String {
    format!("{}/config/newswatch.toml", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_accepts_the_shipped_config_and_summarises_it() {
    let output = newswatch(&["check", "--config", &shipped_config()]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(": OK"), "{stdout}");
    for list in ["kosovo (", "kfor (", "serbia ("] {
        assert!(stdout.contains(list), "missing {list}: {stdout}");
    }
    assert!(stdout.contains("stdout (stdout, all lists)"), "{stdout}");
}

#[test]
fn a_broken_config_exits_78_with_path_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "[[feed]]\nurl = \"https://example.org/rss\"\ninterval = \"every so often\"\n",
    )
    .expect("write");
    let path = path.to_string_lossy().into_owned();
    for command in ["check", "once", "run"] {
        let output = newswatch(&[command, "--config", &path]);
        assert_eq!(
            output.status.code(),
            Some(78),
            "{command}: {}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{path}:3:12:")),
            "{command}: {stderr}"
        );
        assert!(stderr.contains("invalid duration"), "{stderr}");
    }
}

#[test]
fn a_toml_syntax_error_points_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("syntax.toml");
    std::fs::write(
        &path,
        "[[watch]]\nname = \"kfor\"\nterms = [\"KFOR\",\n\n[[sink]]\n",
    )
    .expect("write");
    let output = newswatch(&["check", "--config", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("syntax.toml:5:"), "{stderr}");
}

#[test]
fn a_missing_config_file_is_a_config_error() {
    let output = newswatch(&["check", "--config", "/nonexistent/newswatch.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/newswatch.toml"));
}

#[test]
fn the_config_is_found_through_the_environment() {
    let output = newswatch_command(&["check"])
        .env("NEWSWATCH_CONFIG", shipped_config())
        .current_dir("/")
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", describe(&output));
}

#[test]
fn test_json_prints_every_item_with_sorted_lists() {
    let output = newswatch(&[
        "test",
        "--json",
        "--config",
        &shipped_config(),
        &fixture("rss2.xml"),
    ]);
    assert!(output.status.success(), "{}", describe(&output));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4, "every item, matching or not");
    for line in &lines {
        for field in ["id", "title", "link", "published", "lists", "terms"] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
    }
    assert_eq!(lines[0]["id"], "wire-1001");
    assert_eq!(lines[0]["lists"], serde_json::json!(["kfor", "kosovo"]));
    assert_eq!(
        lines[1]["lists"],
        serde_json::json!(["kfor", "kosovo", "serbia"])
    );
    assert_eq!(
        lines[2]["lists"],
        serde_json::json!([]),
        "workforce is not KFOR"
    );
    assert_eq!(lines[3]["lists"], serde_json::json!([]));
}

#[test]
fn test_text_explains_each_hit() {
    let output = newswatch(&["test", "--config", &shipped_config(), &fixture("atom.xml")]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "kosovo / \"Kosovo\" in title: Barricades go up at border crossings as **Kosovo** Serbs"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  -  Shares of KFORM Industries"),
        "{stdout}"
    );
    assert!(stdout.contains("2 of 3 items match"), "{stdout}");
}

#[test]
fn test_on_an_unparseable_file_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("junk.xml");
    std::fs::write(&path, "this is not a feed").expect("write");
    let output = newswatch(&[
        "test",
        "--config",
        &shipped_config(),
        &path.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("junk.xml"));
}

#[test]
fn help_explains_every_subcommand() {
    let output = newswatch(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["run", "once", "check", "test"] {
        assert!(
            help.contains(&format!("  {command} ")),
            "{command} missing: {help}"
        );
    }
}

const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Exported</title></head><body>
  <outline text="Balkans">
    <outline type="rss" text="Balkan Insight" xmlUrl="https://balkaninsight.com/feed/"/>
    <outline type="rss" text="N1 &quot;Srbija&quot;" xmlUrl="https://n1info.rs/feed/"/>
    <outline type="rss" text="Already there" xmlUrl="https://example.org/rss"/>
    <outline type="rss" text="Not a web feed" xmlUrl="ftp://example.org/feed"/>
  </outline>
</body></opml>"#;

/// `newswatch import-opml --write` of `opml` into `config`, which must succeed.
fn import_opml_write(config: &str, opml: &std::path::Path) -> std::process::Output {
    let output = newswatch(&[
        "import-opml",
        "--write",
        "--config",
        config,
        &opml.to_string_lossy(),
    ]);
    assert!(output.status.success(), "{}", describe(&output));
    output
}

fn opml_setup() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("newswatch.toml");
    std::fs::write(
        &config,
        "[[feed]]\nurl = \"https://example.org/rss\"\n\n[[watch]]\nname = \"kfor\"\nterms = [\"KFOR\"]\n",
    )
    .expect("config");
    let opml = dir.path().join("subscriptions.opml");
    std::fs::write(&opml, OPML).expect("opml");
    let config = config.to_string_lossy().into_owned();
    let opml = opml.to_string_lossy().into_owned();
    (dir, config, opml)
}

#[test]
fn import_opml_prints_new_feeds_as_toml() {
    let (_dir, config, opml) = opml_setup();
    let output = newswatch(&["import-opml", "--config", &config, &opml]);
    assert!(output.status.success(), "{}", describe(&output));
    let printed = String::from_utf8_lossy(&output.stdout);
    let parsed: toml::Table = toml::from_str(&printed).expect("valid TOML");
    let feeds = parsed["feed"].as_array().expect("feeds");
    assert_eq!(feeds.len(), 2, "{printed}");
    assert_eq!(feeds[1]["name"].as_str(), Some("N1 \"Srbija\""));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("already in") && stderr.contains("ftp://"),
        "{stderr}"
    );
}

#[test]
fn import_opml_write_appends_to_a_config_that_stays_valid() {
    let (_dir, config, opml) = opml_setup();
    let output = newswatch(&["import-opml", "--write", "--config", &config, &opml]);
    assert!(output.status.success(), "{}", describe(&output));
    let check = newswatch(&["check", "--config", &config]);
    assert!(check.status.success(), "{}", describe(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("feeds: 3"),
        "{}",
        describe(&check)
    );
    // Importing again adds nothing.
    let again = newswatch(&["import-opml", "--write", "--config", &config, &opml]);
    assert!(again.status.success());
    let check = newswatch(&["check", "--config", &config]);
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("feeds: 3"),
        "{}",
        describe(&check)
    );
}

#[test]
fn import_opml_write_keeps_the_mode_and_writes_titles_as_strings() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, config, _) = opml_setup();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let injected = "[[sink]]\ntype = \"exec\"\ncommand = [\"/bin/sh\", \"-c\", \"id\"]";
    let opml = dir.path().join("subs\n[[sink]]\ntype = \"stdout\"\n.opml");
    std::fs::write(
        &opml,
        format!(
            "<opml version=\"2.0\"><body><outline title=\"Evil&#10;{}\" xmlUrl=\"https://evil.example/feed\"/></body></opml>",
            html_escape::encode_double_quoted_attribute(injected).replace('\n', "&#10;")
        ),
    )
    .expect("opml");
    import_opml_write(&config, &opml);
    let mode = std::fs::metadata(&config)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "the config stays private");
    let written: toml::Table =
        toml::from_str(&std::fs::read_to_string(&config).expect("config")).expect("TOML");
    let sinks = written
        .get("sink")
        .and_then(|s| s.as_array())
        .map_or(0, Vec::len);
    assert_eq!(sinks, 0, "no sink came from the OPML file");
    let feeds = written["feed"].as_array().expect("feeds");
    let evil = feeds
        .iter()
        .find(|f| f["url"].as_str() == Some("https://evil.example/feed"))
        .expect("imported");
    assert!(
        evil["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Evil [[sink]]")),
        "{evil:?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".new"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file is left: {leftovers:?}"
    );
}

#[test]
fn feeds_lists_never_polled_feeds() {
    let (dir, config, _) = opml_setup();
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        format!(
            "[state]\ndirectory = {:?}\n{text}",
            dir.path().join("state")
        ),
    )
    .expect("config");
    let output = newswatch(&["feeds", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("FEED"), "{stdout}");
    assert!(
        stdout.contains("example.org/rss") && stdout.contains("never"),
        "{stdout}"
    );
    let json = newswatch(&["feeds", "--json", "--config", &config]);
    let line: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(line["url"], "https://example.org/rss");
    assert_eq!(line["failures"], 0);
    let reset = newswatch(&[
        "feeds",
        "--reset",
        "https://nowhere.example/",
        "--config",
        &config,
    ]);
    assert_eq!(reset.status.code(), Some(1), "{}", describe(&reset));
}

#[test]
fn rust_log_debug_shows_newswatch_and_not_the_database_library() {
    let server = crate::support::TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = crate::support::write_test_config(
        dir.path(),
        "startup_spread = \"0s\"\nbacklog = \"all\"",
        &[server.url("/rss2.xml")],
        &format!(
            "[[sink]]\ntype = \"file\"\npath = {:?}\n",
            dir.path().join("alerts.jsonl")
        ),
    );
    let run = |rust_log: &str| {
        let output = newswatch_command(&["once", "--config", &config])
            .env("RUST_LOG", rust_log)
            .output()
            .expect("once");
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let debug = run("debug");
    assert!(
        debug.contains("DEBUG"),
        "newswatch's own debug lines: {debug}"
    );
    assert!(
        !debug.contains("sqlx"),
        "no statements from the database library: {debug}"
    );
    assert!(!debug.contains("CREATE TABLE"), "{debug}");
    // Named explicitly, a library speaks.
    let named = run("newswatch=info,sqlx=debug");
    assert!(named.contains("sqlx"), "{named}");
}

#[test]
fn secret_prints_a_fresh_signing_secret_without_a_config() {
    let secrets: Vec<String> = (0..2)
        .map(|_| {
            let output = newswatch_command(&["secret", "--config", "/nonexistent/newswatch.toml"])
                .output()
                .expect("secret");
            assert!(output.status.success(), "{}", describe(&output));
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        })
        .collect();
    assert_ne!(secrets[0], secrets[1], "each is fresh");
    for secret in &secrets {
        let encoded = secret.strip_prefix("whsec_").expect("whsec_ form");
        use base64::Engine;
        let key = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        assert_eq!(key.len(), 32);
        // An independent implementation takes it as a signing key.
        assert!(standardwebhooks::Webhook::new(secret).is_ok(), "{secret}");
    }
}

#[test]
fn a_taken_endpoint_port_says_how_to_change_it_or_turn_it_off() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = crate::support::write_config_file(
        dir.path(),
        &format!("127.0.0.1:{port}"),
        "",
        &[],
        crate::support::TEST_LISTS,
        "",
    );
    let output = newswatch(&["run", "--config", &config]);
    assert!(!output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("set [http] listen to another address, or \"\" to turn the endpoint off"),
        "{stderr}"
    );
}

#[test]
fn test_shows_the_regex_term_and_the_text_it_matched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, feed) = crate::support::test_config_and_feed(
        dir.path(),
        "\n[[watch]]\nname = \"units\"\nterms = [\"Kosovo Force\", { regex = 'KFOR\\s*-?\\s*\\d+' }]\n",
        "<item><title>КФОР 12 стиже у Звечан</title><guid>a</guid></item>\
         <item><title>KFOR troops in Zvecan</title><guid>b</guid></item>",
    );
    let text = newswatch(&["test", &feed, "--config", &config]);
    assert!(text.status.success(), "{}", describe(&text));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains(
            "  +  [units] КФОР 12 стиже у Звечан\n       units / /KFOR\\s*-?\\s*\\d+/ matched \"КФОР 12\" in title: **КФОР 12** стиже у Звечан\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  -  KFOR troops in Zvecan\n"), "{stdout}");

    let json = newswatch(&["test", &feed, "--json", "--config", &config]);
    assert!(json.status.success(), "{}", describe(&json));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(
        lines[0]["terms"],
        serde_json::json!(["/KFOR\\s*-?\\s*\\d+/"])
    );
    assert_eq!(
        lines[0]["hits"][0],
        serde_json::json!({
            "list": "units",
            "term": "/KFOR\\s*-?\\s*\\d+/",
            "field": "title",
            "snippet": "**КФОР 12** стиже у Звечан",
            "matched": "КФОР 12",
        })
    );
    assert_eq!(lines[1]["hits"], serde_json::json!([]));
}

#[test]
fn test_says_which_exclude_term_vetoed_which_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, feed) = crate::support::test_config_and_feed(
        dir.path(),
        "\n[[watch]]\nname = \"kfor\"\nterms = [\"KFOR\"]\n\
         exclude = [\"KFOR-TV\", \"Oklahoma\"]\n\n[[watch]]\nname = \"oklahoma\"\nterms = [\"Oklahoma\"]\n",
        "<item><title>KFOR-TV weather for Oklahoma City</title><guid>a</guid></item>\
         <item><title>KFOR troops in Zvecan</title><guid>b</guid></item>",
    );
    let text = newswatch(&["test", &feed, "--config", &config]);
    assert!(text.status.success(), "{}", describe(&text));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("  +  [oklahoma] KFOR-TV weather for Oklahoma City\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("       kfor: vetoed by exclude \"KFOR-TV\"\n"),
        "the first exclude that hit: {stdout}"
    );
    assert_eq!(stdout.matches("vetoed").count(), 1, "{stdout}");

    let json = newswatch(&["test", &feed, "--json", "--config", &config]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(
        lines[0]["vetoed"],
        serde_json::json!([{ "list": "kfor", "exclude": "KFOR-TV" }])
    );
    assert_eq!(lines[1]["vetoed"], serde_json::json!([]));
}

#[test]
fn a_first_polls_old_matches_are_counted_as_backlog_and_explained() {
    let server = crate::support::TestServer::start();
    let recent = chrono::Utc::now() - chrono::Duration::minutes(5);
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
         <item><title>KFOR patrol 2019</title><guid>old-1</guid><pubDate>Mon, 07 Jan 2019 10:00:00 GMT</pubDate></item>\
         <item><title>Kosovo talks 2019</title><guid>old-2</guid><pubDate>Tue, 08 Jan 2019 10:00:00 GMT</pubDate></item>\
         <item><title>Weather 2019</title><guid>old-3</guid><pubDate>Tue, 08 Jan 2019 11:00:00 GMT</pubDate></item>\
         <item><title>KFOR patrol today</title><guid>new-1</guid><pubDate>{}</pubDate></item>\
         </channel></rss>",
        recent.to_rfc2822()
    );
    server.serve_feed("/wire.xml", feed.into_bytes(), "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = crate::support::write_test_config(
        dir.path(),
        "startup_spread = \"0s\"",
        &[server.url("/wire.xml")],
        &format!(
            "[[sink]]\ntype = \"file\"\npath = {:?}\n",
            dir.path().join("alerts.jsonl")
        ),
    );
    let output = newswatch(&["once", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 new alerts, 2 taken as backlog"),
        "the summary counts the backlog: {stderr}"
    );
    assert!(
        stderr.contains("2 matching items published before the backlog window")
            && stderr.contains("backlog = \"all\""),
        "the feed's log line says how to get them: {stderr}"
    );
    // A second run has no first poll, so no backlog.
    let again = newswatch(&["once", "--config", &config]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("0 taken as backlog"), "{stderr}");
    assert!(!stderr.contains("before the backlog window"), "{stderr}");
}

#[test]
fn an_unnamed_feed_is_called_by_its_own_title_and_a_configured_name_wins() {
    let server = crate::support::TestServer::start();
    let recent = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc2822();
    for path in ["/unnamed.xml", "/named.xml"] {
        let feed = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>\
             <title>  Balkan\n Wire\u{1b}  </title>\
             <item><title>KFOR patrol {path}</title><guid>{path}</guid><pubDate>{recent}</pubDate></item>\
             </channel></rss>"
        );
        server.serve_feed(path, feed.into_bytes(), "application/rss+xml");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let config = crate::support::write_test_config(
        dir.path(),
        "startup_spread = \"0s\"",
        &[server.url("/unnamed.xml")],
        &format!(
            "[[feed]]\nurl = {:?}\nname = \"Desk\"\n\n[[sink]]\ntype = \"file\"\npath = {alerts:?}\n",
            server.url("/named.xml")
        ),
    );
    let output = newswatch(&["once", "--config", &config]);
    assert!(output.status.success(), "{}", describe(&output));
    let mut feeds: Vec<String> = crate::support::read_json_lines(&alerts)
        .iter()
        .map(|a| a["feed"].as_str().unwrap_or_default().to_string())
        .collect();
    feeds.sort();
    assert_eq!(feeds, ["Balkan Wire", "Desk"], "names in the alerts");
    let listing = newswatch(&["feeds", "--config", &config]);
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(
        text.contains("Balkan Wire") && text.contains("Desk"),
        "names in the listing: {text}"
    );
    assert!(!text.contains('\u{1b}'), "no control characters: {text:?}");
}

#[test]
fn import_opml_keeps_folders_as_tags_refuses_taken_names_and_export_reads_back() {
    let (dir, config, _) = opml_setup();
    // The config's feed has a name an OPML entry also uses.
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replace(
            "url = \"https://example.org/rss\"",
            "url = \"https://example.org/rss\"\nname = \"Desk\"",
        ),
    )
    .expect("config");
    let opml = dir.path().join("folders.opml");
    std::fs::write(
        &opml,
        r#"<opml version="2.0"><body>
  <outline text="Balkans"><outline text="Serbia">
    <outline type="rss" text="RTS" xmlUrl="https://rts.example/rss"/>
  </outline>
    <outline type="rss" text="Desk" xmlUrl="https://desk.example/rss"/>
    <outline type="rss" text="RTS" xmlUrl="https://rts-copy.example/rss"/>
  </outline>
  <outline type="rss" text="Loose" xmlUrl="https://loose.example/rss"/>
</body></opml>"#,
    )
    .expect("opml");
    let output = import_opml_write(&config, &opml);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "https://desk.example/rss: the name \"Desk\" is already used by https://example.org/rss"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("the name \"RTS\" is already used by https://rts.example/rss"),
        "{stderr}"
    );
    let written: toml::Table =
        toml::from_str(&std::fs::read_to_string(&config).expect("config")).expect("TOML");
    let feeds = written["feed"].as_array().expect("feeds");
    let urls: Vec<&str> = feeds.iter().filter_map(|f| f["url"].as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://example.org/rss",
            "https://rts.example/rss",
            "https://loose.example/rss"
        ]
    );
    let tags = |url: &str| -> Vec<String> {
        feeds
            .iter()
            .find(|f| f["url"].as_str() == Some(url))
            .and_then(|f| f.get("tags"))
            .and_then(|t| t.as_array())
            .map(|t| {
                t.iter()
                    .filter_map(|t| t.as_str())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(tags("https://rts.example/rss"), ["Balkans", "Serbia"]);
    assert!(tags("https://loose.example/rss").is_empty());

    // Exported, the folders come back.
    let export = newswatch(&["export-opml", "--config", &config]);
    assert!(export.status.success(), "{}", describe(&export));
    let document = String::from_utf8_lossy(&export.stdout);
    let exported = dir.path().join("exported.opml");
    std::fs::write(&exported, document.as_bytes()).expect("write");
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "").expect("empty config");
    let again = newswatch(&[
        "import-opml",
        "--config",
        &other.to_string_lossy(),
        &exported.to_string_lossy(),
    ]);
    assert!(again.status.success(), "{}", describe(&again));
    let reread: toml::Table =
        toml::from_str(&String::from_utf8_lossy(&again.stdout)).expect("TOML");
    let reread = reread["feed"].as_array().expect("feeds");
    assert_eq!(reread.len(), 3, "{document}");
    assert!(
        reread
            .iter()
            .any(|f| f["url"].as_str() == Some("https://rts.example/rss")
                && f["tags"].as_array().is_some_and(|t| t.len() == 2)),
        "{document}"
    );
}

#[test]
fn watch_lists_and_sinks_take_only_the_feeds_and_tags_they_name() {
    let server = crate::support::TestServer::start();
    let recent = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc2822();
    for (path, title) in [
        ("/rts.xml", "KFOR patrol seen by RTS"),
        ("/wire.xml", "KFOR patrol seen by the wire"),
        ("/local.xml", "KFOR patrol seen locally"),
    ] {
        let feed = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{path}</title>\
             <item><title>{title}</title><guid>{path}</guid><pubDate>{recent}</pubDate></item>\
             </channel></rss>"
        );
        server.serve_feed(path, feed.into_bytes(), "application/rss+xml");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let all = dir.path().join("all.jsonl");
    let balkans = dir.path().join("balkans.jsonl");
    let config = dir.path().join("newswatch.toml");
    std::fs::write(
        &config,
        format!(
            "[state]\ndirectory = {state:?}\n[http]\nlisten = \"\"\n[poll]\nstartup_spread = \"0s\"\n\n\
             [[feed]]\nurl = {rts:?}\nname = \"RTS\"\ntags = [\"balkans\"]\n\n\
             [[feed]]\nurl = {wire:?}\nname = \"Wire\"\n\n\
             [[feed]]\nurl = {local:?}\ntags = [\"local\"]\n\n\
             [[watch]]\nname = \"everywhere\"\nterms = [\"patrol\"]\n\n\
             [[watch]]\nname = \"kfor-picked\"\nterms = [\"KFOR\"]\nfeeds = [\"Wire\"]\ntags = [\"balkans\"]\n\n\
             [[sink]]\nname = \"all\"\ntype = \"file\"\npath = {all:?}\n\n\
             [[sink]]\nname = \"balkans\"\ntype = \"file\"\npath = {balkans:?}\ntags = [\"balkans\"]\n",
            state = dir.path().join("state"),
            rts = server.url("/rts.xml"),
            wire = server.url("/wire.xml"),
            local = server.url("/local.xml"),
        ),
    )
    .expect("config");
    let output = newswatch(&["once", "--config", &config.to_string_lossy()]);
    assert!(output.status.success(), "{}", describe(&output));
    let lists_by_feed = |path: &std::path::Path| {
        let mut found: Vec<(String, Vec<String>)> = crate::support::read_json_lines(path)
            .iter()
            .map(|a| {
                let lists = a["lists"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter_map(|l| l.as_str())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default();
                (
                    a["feed_url"].as_str().unwrap_or_default().to_string(),
                    lists,
                )
            })
            .collect();
        found.sort();
        found
    };
    let lists = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(
        lists_by_feed(&all),
        vec![
            (server.url("/local.xml"), lists(&["everywhere"])),
            (
                server.url("/rts.xml"),
                lists(&["everywhere", "kfor-picked"])
            ),
            (
                server.url("/wire.xml"),
                lists(&["everywhere", "kfor-picked"])
            ),
        ],
        "the picked list matched only its feeds"
    );
    assert_eq!(
        lists_by_feed(&balkans),
        vec![(
            server.url("/rts.xml"),
            lists(&["everywhere", "kfor-picked"])
        )],
        "the tagged sink took only its feed's alerts"
    );
    // `test` at a configured feed's URL shows the left-out list apart.
    let tested = newswatch(&[
        "test",
        &server.url("/local.xml"),
        "--json",
        "--config",
        &config.to_string_lossy(),
    ]);
    assert!(tested.status.success(), "{}", describe(&tested));
    let line: serde_json::Value = serde_json::from_slice(&tested.stdout).expect("one JSON line");
    assert_eq!(line["lists"], serde_json::json!(["everywhere"]), "{line}");
    assert_eq!(
        line["other_feeds"],
        serde_json::json!(["kfor-picked"]),
        "{line}"
    );
}
