//! One story, one alert, through `newswatch once` against a real server:
//! a re-published item with a new guid and an edited headline, two short
//! headlines that share most words, the same link from two feeds, story
//! updates for sinks that want them, and edited items.

use crate::support::{TEST_LISTS, TestServer, describe, newswatch, read_json_lines};

/// An item: guid, title, description, link.
type Entry<'a> = (&'a str, &'a str, &'a str, &'a str);

fn rss(items: &[Entry]) -> Vec<u8> {
    let mut text =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>");
    for (guid, title, description, link) in items {
        text.push_str(&format!(
            "<item><title>{title}</title><guid isPermaLink=\"false\">{guid}</guid><description>{description}</description><link>{link}</link></item>"
        ));
    }
    text.push_str("</channel></rss>");
    text.into_bytes()
}

struct Run {
    server: TestServer,
    dir: tempfile::TempDir,
    config: String,
}

impl Run {
    fn new(feeds: &[&str], sinks: &str) -> Run {
        let server = TestServer::start();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = format!(
            "[state]\ndirectory = {:?}\n\n[poll]\nbacklog = \"all\"\n\n",
            dir.path().join("state")
        );
        for feed in feeds {
            config.push_str(&format!(
                "[[feed]]\nname = {:?}\nurl = {:?}\n\n",
                feed.trim_start_matches('/'),
                server.url(feed)
            ));
        }
        config.push_str(TEST_LISTS);
        config.push_str(&format!(
            "\n[[sink]]\ntype = \"file\"\npath = {:?}\n{sinks}",
            dir.path().join("alerts.jsonl")
        ));
        let path = dir.path().join("newswatch.toml");
        std::fs::write(&path, config).expect("config");
        Run {
            server,
            config: path.to_string_lossy().into_owned(),
            dir,
        }
    }

    fn serve(&self, feed: &str, items: &[Entry]) {
        self.server
            .serve_feed(feed, rss(items), "application/rss+xml");
    }

    fn once(&self) {
        let output = newswatch(&["once", "--config", &self.config]);
        assert!(output.status.success(), "{}", describe(&output));
    }

    fn alerts(&self) -> Vec<serde_json::Value> {
        read_json_lines(&self.dir.path().join("alerts.jsonl"))
    }

    fn file(&self, name: &str) -> Vec<serde_json::Value> {
        read_json_lines(&self.dir.path().join(name))
    }

    fn path(&self, name: &str) -> String {
        format!("{:?}", self.dir.path().join(name))
    }
}

const LEDE: &str = "Kosovo police arrested three men near the Jarinje crossing on Tuesday after an exchange of fire with a group that crossed from Serbia, officials said.";

#[test]
fn a_republished_item_with_a_new_guid_and_edited_headline_joins_its_story() {
    let run = Run::new(&["/wire"], "");
    run.serve(
        "/wire",
        &[(
            "g1",
            "Kosovo police arrest three after shooting near Jarinje",
            LEDE,
            "https://wire.example/a",
        )],
    );
    run.once();
    run.serve(
        "/wire",
        &[
            (
                "g1",
                "Kosovo police arrest three after shooting near Jarinje",
                LEDE,
                "https://wire.example/a",
            ),
            (
                "g1-v2",
                "Kosovo police arrest three men after shooting at Jarinje crossing",
                LEDE,
                "https://wire.example/a-updated",
            ),
        ],
    );
    run.once();
    let alerts = run.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(!alerts[0]["story"].as_str().expect("story").is_empty());
}

#[test]
fn short_headlines_sharing_most_words_stay_apart() {
    let run = Run::new(&["/sport", "/courts"], "");
    run.serve(
        "/sport",
        &[(
            "s1",
            "Serbia beats Kosovo 2-0",
            "",
            "https://sport.example/1",
        )],
    );
    run.serve(
        "/courts",
        &[(
            "c1",
            "Serbia beats Kosovo in court",
            "",
            "https://courts.example/1",
        )],
    );
    run.once();
    let alerts = run.alerts();
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    assert_ne!(alerts[0]["story"], alerts[1]["story"]);
}

#[test]
fn the_same_link_from_another_feed_is_not_news_but_can_be_an_update() {
    let sinks = "\n[[sink]]\nname = \"updates\"\ntype = \"file\"\npath = {updates.jsonl}\non_repeat = \"update\"\n";
    let run = run_with_sinks(&["/first", "/second", "/third"], sinks, &["updates.jsonl"]);
    run.serve(
        "/first",
        &[(
            "f1",
            "Belgrade and Pristina resume talks",
            "",
            "https://news.example/talks?utm_source=first",
        )],
    );
    run.serve(
        "/second",
        &[(
            "s1",
            "Talks resume between Belgrade and Pristina, EU says",
            "",
            "https://news.example/talks?utm_source=second&fbclid=x",
        )],
    );
    run.serve(
        "/third",
        &[(
            "t1",
            "Belgrade, Pristina back at the table",
            "",
            "https://news.example/talks#top",
        )],
    );
    run.once();
    let alerts = run.alerts();
    assert_eq!(
        alerts.len(),
        1,
        "one story by its canonical link: {alerts:#?}"
    );
    let to_updates = run.file("updates.jsonl");
    let kinds: Vec<&str> = to_updates
        .iter()
        .map(|m| m["type"].as_str().expect("type"))
        .collect();
    // The alert, then one update: the third copy falls within the period.
    assert_eq!(kinds, ["alert", "story_update"], "{to_updates:#?}");
    assert_eq!(to_updates[1]["story"], alerts[0]["story"]);
    assert_eq!(to_updates[1]["sources"].as_array().map(Vec::len), Some(2));
}

/// A run with the default file sink (every list) plus the sinks in
/// `extra`, where `{name}` stands for the path of `name` in the run's
/// directory.
fn run_with_sinks(feeds: &[&str], extra: &str, files: &[&str]) -> Run {
    let run = Run::new(feeds, extra);
    let mut text = std::fs::read_to_string(&run.config).expect("config");
    for name in files {
        text = text.replace(&format!("{{{name}}}"), &run.path(name));
    }
    std::fs::write(&run.config, text).expect("config");
    run
}

#[test]
fn an_edited_item_matching_a_new_list_messages_each_sink_once() {
    let extra = "\n[[sink]]\nname = \"kfor-desk\"\ntype = \"file\"\npath = {kfor.jsonl}\nlists = [\"kfor\"]\n\
                 \n[[sink]]\nname = \"updates\"\ntype = \"file\"\npath = {updates.jsonl}\non_repeat = \"update\"\n";
    let run = run_with_sinks(&["/wire"], extra, &["kfor.jsonl", "updates.jsonl"]);
    run.serve(
        "/wire",
        &[(
            "e1",
            "Kosovo police reopen the northern crossing",
            "",
            "https://wire.example/e1",
        )],
    );
    run.once();
    // Headline edited, same lists: quiet.
    run.serve(
        "/wire",
        &[(
            "e1",
            "Kosovo police reopen northern border crossing",
            "",
            "https://wire.example/e1",
        )],
    );
    run.once();
    assert_eq!(run.alerts().len(), 1);
    // Edited again, now it matches kfor too: news for the sink that takes
    // only kfor; the sink that had the story hears nothing more, and the
    // one that wants updates hears which list was added.
    run.serve(
        "/wire",
        &[(
            "e1",
            "Kosovo police and KFOR reopen northern border crossing",
            "",
            "https://wire.example/e1",
        )],
    );
    run.once();
    let alerts = run.alerts();
    assert_eq!(alerts.len(), 1, "one story, one message: {alerts:#?}");
    let kfor = run.file("kfor.jsonl");
    assert_eq!(kfor.len(), 1, "{kfor:#?}");
    assert_eq!(kfor[0]["lists"], serde_json::json!(["kfor", "kosovo"]));
    assert_eq!(kfor[0]["story"], alerts[0]["story"]);
    let updates = run.file("updates.jsonl");
    let kinds: Vec<&str> = updates.iter().filter_map(|m| m["type"].as_str()).collect();
    assert_eq!(kinds, ["alert", "story_update"], "{updates:#?}");
    assert_eq!(updates[1]["added_lists"], serde_json::json!(["kfor"]));
    assert_eq!(updates[1]["story"], alerts[0]["story"]);
    // A fourth poll of the same item changes nothing anywhere.
    run.once();
    assert_eq!(run.alerts().len(), 1);
    assert_eq!(run.file("kfor.jsonl").len(), 1);
    assert_eq!(run.file("updates.jsonl").len(), 2);
}

#[test]
fn one_story_from_six_feeds_is_one_alert_one_breaking_event_and_listed() {
    let feeds = ["/wire", "/daily", "/agency", "/radio", "/weekly", "/portal"];
    let extra = "\n[[sink]]\nname = \"desk\"\ntype = \"file\"\npath = {desk.jsonl}\nlists = []\n\
                 events = [\"story_breaking\"]\n";
    let run = run_with_sinks(&feeds, extra, &["desk.jsonl"]);
    for (n, feed) in feeds.iter().enumerate() {
        run.serve(
            feed,
            &[(
                &format!("{feed}-1"),
                "Kosovo police arrest three after shooting near Jarinje",
                LEDE,
                &format!("https://news.example/jarinje?utm_source={n}"),
            )],
        );
    }
    run.once();
    let alerts = run.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let desk = run.file("desk.jsonl");
    assert_eq!(desk.len(), 1, "one event, no alerts: {desk:#?}");
    assert_eq!(desk[0]["type"], "story_breaking");
    assert_eq!(desk[0]["story"], alerts[0]["story"]);
    assert_eq!(desk[0]["first_alert"], alerts[0]["id"]);
    assert_eq!(desk[0]["sources"].as_array().map(Vec::len), Some(5));

    let output = newswatch(&["stories", "--json", "--config", &run.config]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let listed: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(listed.len(), 1, "{text}");
    assert_eq!(listed[0]["story"], alerts[0]["story"]);
    assert_eq!(listed[0]["source_count"], 6);
    assert_eq!(listed[0]["lists"], serde_json::json!(["kosovo", "serbia"]));
    assert!(listed[0]["breaking_at"].is_string(), "{text}");
    assert_eq!(listed[0]["sinks"], serde_json::json!(["file"]));

    let table = newswatch(&["stories", "--config", &run.config]);
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(table.contains("6 sources"), "{table}");
    assert!(table.contains("BREAKING at "), "{table}");
    let none = newswatch(&["stories", "--since", "0s", "--config", &run.config]);
    assert!(String::from_utf8_lossy(&none.stdout).contains("no stories"));
}

#[test]
fn two_copies_of_a_new_story_in_one_poll_message_each_sink_once() {
    let extra = "\n[[sink]]\nname = \"kfor-desk\"\ntype = \"file\"\npath = {kfor.jsonl}\nlists = [\"kfor\"]\n";
    let run = run_with_sinks(&["/wire"], extra, &["kfor.jsonl"]);
    let title = "Kosovo police and KFOR reopen the Jarinje crossing after clashes";
    run.serve(
        "/wire",
        &[
            ("c1", title, LEDE, "https://wire.example/c1"),
            ("c2", title, LEDE, "https://wire.example/c2"),
        ],
    );
    run.once();
    let alerts = run.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let kfor = run.file("kfor.jsonl");
    assert_eq!(kfor.len(), 1, "{kfor:#?}");
    assert_eq!(kfor[0]["story"], alerts[0]["story"]);
}
