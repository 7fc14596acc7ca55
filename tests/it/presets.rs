//! Each webhook preset's body, pinned by a snapshot in tests/snapshots/
//! (regenerate with NEWSWATCH_UPDATE_SNAPSHOTS=1 and review the diff), and
//! checked against the field names each service documents.

use std::path::PathBuf;

use newswatch::model::{
    Alert, AlertHit, Digest, FeedHealthEvent, ListSpike, Message, SourceSeen, SpikeStory,
    StoryBreaking, StoryUpdate,
};
use newswatch::sink::WebhookConfig;
use newswatch::sink::presets::{Preset, Renderer};
use serde_json::Value;

fn alert(id: &str, title: &str) -> Alert {
    Alert {
        kind: "alert".into(),
        id: id.into(),
        feed: "Balkan Insight".into(),
        feed_url: "https://balkaninsight.com/feed/".into(),
        title: title.into(),
        link: Some("https://balkaninsight.com/2026/11/28/kfor-patrols/".into()),
        link_raw: None,
        published: Some("2026-11-28T09:15:00Z".into()),
        published_raw: None,
        lists: vec!["kfor".into(), "kosovo".into()],
        terms: vec!["KFOR".into(), "kosov".into()],
        snippet: "**KFOR** says it will act if stability is jeopardized in northern Kosovo".into(),
        hits: vec![AlertHit {
            list: "kfor".into(),
            term: "KFOR".into(),
            field: "title".into(),
            snippet: "**KFOR** says it will act".into(),
            matched: None,
        }],
        detected_at: "2026-11-28T09:16:02Z".into(),
        item_key: "0f4c9a0b3d1e2f4a5b6c7d8e9f0a1b2c".into(),
        story: id.into(),
        sources: vec!["Balkan Insight".into(), "Prishtina Insight".into()],
        hits_omitted: 0,
        scores: Vec::new(),
        full_text: false,
        canonical_link: None,
    }
}

fn messages() -> Vec<(&'static str, Message)> {
    let one = alert(
        "0193a1b2-0000-7000-8000-000000000001",
        "KFOR says it will act if stability is jeopardized <in> Kosovo & the north",
    );
    let two = alert(
        "0193a1b2-0000-7000-8000-000000000002",
        "Вучић: Срби на Косову",
    );
    let event = FeedHealthEvent {
        kind: FeedHealthEvent::UNHEALTHY.into(),
        id: "0193a1b2-0000-7000-8000-0000000000e1".into(),
        feed: "N1 Srbija".into(),
        feed_url: "https://n1info.rs/feed/".into(),
        failing_since: "2026-11-28T06:00:00Z".into(),
        failures: 5,
        last_error: Some("HTTP 503".into()),
        detected_at: "2026-11-28T08:00:00Z".into(),
    };
    let digest = Digest {
        kind: "digest".into(),
        id: "d1g3st".into(),
        period_start: "2026-11-28T09:00:00Z".into(),
        period_end: "2026-11-28T09:15:00Z".into(),
        count: 2,
        alerts: vec![one.clone(), two],
    };
    let mut signals = vec![
        ("alert", Message::Alert(one)),
        ("event", Message::FeedHealth(event)),
        ("digest", Message::Digest(digest)),
    ];
    signals.extend(story_messages());
    signals
}

/// A story update that names an added list, a breaking story and a spike,
/// with headlines that need escaping.
fn story_messages() -> Vec<(&'static str, Message)> {
    let story = "0193a1b2-0000-7000-8000-000000000001";
    let title = "KFOR says it will act if stability is jeopardized <in> Kosovo & the north";
    let update = StoryUpdate {
        kind: "story_update".into(),
        id: "0193a1b2-0000-7000-8000-0000000000u1".into(),
        story: story.into(),
        title: title.into(),
        link: Some("https://kossev.info/kfor-north/".into()),
        lists: vec!["kfor".into(), "kosovo".into(), "serbia".into()],
        sources: vec!["Balkan Insight".into(), "KoSSev".into()],
        new_source: "KoSSev".into(),
        added_lists: vec!["serbia".into()],
        detected_at: "2026-11-28T09:40:00Z".into(),
    };
    let sources = [
        "Balkan Insight",
        "Prishtina Insight",
        "KoSSev",
        "N1 Srbija",
        "RTS",
    ];
    let breaking = StoryBreaking {
        kind: StoryBreaking::KIND.into(),
        id: "0193a1b2-0000-7000-8000-0000000000b1".into(),
        story: story.into(),
        title: title.into(),
        link: Some("https://rts.rs/kfor/".into()),
        lists: vec!["kfor".into(), "kosovo".into()],
        sources: sources
            .iter()
            .enumerate()
            .map(|(n, feed)| SourceSeen {
                feed: feed.to_string(),
                first_seen_at: format!("2026-11-28T09:{:02}:00Z", 16 + 9 * n),
            })
            .collect(),
        first_alert: story.into(),
        window_seconds: 3600,
        detected_at: "2026-11-28T09:52:00Z".into(),
    };
    let spike = ListSpike {
        kind: ListSpike::KIND.into(),
        id: "0193a1b2-0000-7000-8000-0000000000s1".into(),
        list: "kfor".into(),
        count: 14,
        window_seconds: 3600,
        baseline_per_hour: 0.83,
        top_stories: vec![
            SpikeStory {
                story: story.into(),
                title: title.into(),
                items: 9,
                sources: 6,
            },
            SpikeStory {
                story: "0193a1b2-0000-7000-8000-000000000002".into(),
                title: "Вучић: Срби на Косову".into(),
                items: 3,
                sources: 3,
            },
        ],
        detected_at: "2026-11-28T10:00:00Z".into(),
    };
    vec![
        ("update", Message::StoryUpdate(update)),
        ("breaking", Message::StoryBreaking(breaking)),
        ("spike", Message::ListSpike(spike)),
    ]
}

fn render(preset: Preset, message: &Message) -> (Value, String) {
    let template = (preset == Preset::Template).then(|| {
        "{\"kind\": {{ kind | tojson }}, \"text\": {{ (message.title or message.feed or message.count) | tojson }}}".to_string()
    });
    let renderer = Renderer::new(&preset_config(preset), template).expect("renderer");
    let stored = message.to_json().expect("json");
    let body = renderer.render(message, &stored).expect("render");
    let value: Value = serde_json::from_slice(&body.bytes).expect("every preset renders JSON here");
    (value, body.content_type)
}

fn snapshot(name: &str, value: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(value).expect("pretty") + "\n";
    if std::env::var("NEWSWATCH_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, &text).expect("write snapshot");
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with NEWSWATCH_UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        text, pinned,
        "{name} changed; if on purpose, regenerate and review"
    );
}

const PRESETS: [(&str, Preset); 7] = [
    ("json", Preset::Json),
    ("slack", Preset::Slack),
    ("discord", Preset::Discord),
    ("teams", Preset::Teams),
    ("ntfy", Preset::Ntfy),
    ("telegram", Preset::Telegram),
    ("template", Preset::Template),
];

#[test]
fn every_preset_renders_every_message_as_pinned() {
    for (preset_name, preset) in PRESETS {
        for (message_name, message) in messages() {
            let (value, content_type) = render(preset, &message);
            assert_eq!(content_type, "application/json");
            snapshot(&format!("{preset_name}-{message_name}"), &value);
        }
    }
}

fn alert_body(preset: Preset) -> Value {
    render(preset, &messages()[0].1).0
}

#[test]
fn bodies_use_the_fields_each_service_documents() {
    let slack = alert_body(Preset::Slack);
    let attachment = &slack["attachments"][0];
    for field in [
        "fallback",
        "title",
        "title_link",
        "text",
        "fields",
        "footer",
        "mrkdwn_in",
    ] {
        assert!(
            !attachment[field].is_null(),
            "slack attachment lacks {field}"
        );
    }
    assert_eq!(attachment["fields"][0]["title"], "Lists");
    assert_eq!(attachment["fields"][1]["title"], "Terms");

    let discord = alert_body(Preset::Discord);
    let embed = &discord["embeds"][0];
    for field in [
        "title",
        "url",
        "description",
        "timestamp",
        "footer",
        "fields",
    ] {
        assert!(!embed[field].is_null(), "discord embed lacks {field}");
    }
    assert!(embed["footer"]["text"].is_string());
    assert_eq!(embed["fields"][0]["name"], "Lists");
    assert_eq!(
        discord["allowed_mentions"]["parse"],
        serde_json::json!([]),
        "no @everyone from a headline"
    );

    let teams = alert_body(Preset::Teams);
    assert_eq!(teams["type"], "message");
    let card = &teams["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["actions"][0]["type"], "Action.OpenUrl");

    let ntfy = alert_body(Preset::Ntfy);
    for field in ["topic", "title", "message", "click", "tags"] {
        assert!(!ntfy[field].is_null(), "ntfy lacks {field}");
    }
    assert_eq!(ntfy["topic"], "balkans");

    let telegram = alert_body(Preset::Telegram);
    assert_eq!(telegram["chat_id"], "-100123");
    assert_eq!(telegram["parse_mode"], "HTML");
    let text = telegram["text"].as_str().expect("text");
    assert!(
        text.contains("&lt;in&gt;") && text.contains("&amp;"),
        "HTML is escaped: {text}"
    );

    let json = alert_body(Preset::Json);
    assert_eq!(json["id"], "0193a1b2-0000-7000-8000-000000000001");
}

#[test]
fn a_template_can_render_any_content_type() {
    let config = WebhookConfig {
        format: Preset::Template,
        content_type: Some("text/plain; charset=utf-8".into()),
        ..WebhookConfig::default()
    };
    let renderer = Renderer::new(
        &config,
        Some("{{ message.title }} ({{ message.lists | join(\", \") }})".into()),
    )
    .expect("renderer");
    let message = &messages()[0].1;
    let body = renderer
        .render(message, &message.to_json().expect("json"))
        .expect("render");
    assert_eq!(body.content_type, "text/plain; charset=utf-8");
    assert_eq!(
        String::from_utf8(body.bytes).expect("utf-8"),
        "KFOR says it will act if stability is jeopardized <in> Kosovo & the north (kfor, kosovo)"
    );
    assert!(Renderer::new(&preset_config(Preset::Template), Some("{{ unclosed".into())).is_err());
}

/// A renderer for `preset` with a template (for `template`) and the
/// default JSON content type.
fn renderer(preset: Preset, template: Option<&str>) -> Renderer {
    Renderer::new(&preset_config(preset), template.map(str::to_string)).expect("renderer")
}

/// A webhook config for `preset` with the topic and chat these tests use.
fn preset_config(preset: Preset) -> WebhookConfig {
    WebhookConfig {
        format: preset,
        topic: Some("balkans".into()),
        chat_id: Some("-100123".into()),
        ..WebhookConfig::default()
    }
}

fn rendered(renderer: &Renderer, message: &Message) -> Result<String, String> {
    let stored = message.to_json().expect("json");
    renderer
        .render(message, &stored)
        .map(|body| String::from_utf8(body.bytes).expect("UTF-8"))
}

#[test]
fn a_json_template_writes_feed_text_as_json_strings() {
    let title = "x\", \"username\": \"admin\", \"z\": \"";
    let message = Message::Alert(alert("0193a1b2-0000-7000-8000-00000000000a", title));
    let body = rendered(
        &renderer(Preset::Template, Some("{\"text\": {{ message.title }}}")),
        &message,
    )
    .expect("renders");
    let value: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        value,
        serde_json::json!({ "text": title }),
        "no key added by a headline"
    );

    // The README's example.
    let readme = "{\"text\": {{ message.title }}, \"url\": {{ message.link }}, \"lists\": {{ message.lists }}}";
    let body = rendered(&renderer(Preset::Template, Some(readme)), &message).expect("renders");
    let value: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(value["lists"], serde_json::json!(["kfor", "kosovo"]));
    assert_eq!(value["text"], title);

    // The old way of writing it, quotes around the value, is caught.
    let error = rendered(
        &renderer(
            Preset::Template,
            Some("{\"text\": \"{{ message.title }}\"}"),
        ),
        &message,
    )
    .expect_err("a body that is not JSON");
    assert!(error.contains("not JSON"), "{error}");
}

#[test]
fn links_that_are_not_http_reach_no_chat_service() {
    let mut one = alert("0193a1b2-0000-7000-8000-00000000000b", "KFOR story");
    for link in [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>x</script>",
    ] {
        one.link = Some(link.into());
        let message = Message::Alert(one.clone());
        for (name, preset) in PRESETS {
            if preset == Preset::Json || preset == Preset::Template {
                continue;
            }
            let body = rendered(&renderer(preset, None), &message).expect("renders");
            assert!(!body.contains(&link[..10]), "{name} carries {link}: {body}");
        }
    }
    // An alert made from such an item keeps the link for programs only.
    let mut item = newswatch::model::Item {
        key: newswatch::model::ItemKey::from_parts("id", &["js"]),
        source_id: None,
        title: "KFOR".into(),
        link: Some("javascript:alert(1)".into()),
        summary: String::new(),
        content: String::new(),
        article: String::new(),
        published: None,
        published_raw: None,
    };
    let made = |item: &newswatch::model::Item| {
        Alert::new(
            "id".into(),
            "f",
            "https://f.example/",
            item,
            &[],
            chrono::Utc::now(),
        )
    };
    let kept = made(&item);
    assert_eq!(
        (kept.link, kept.link_raw.as_deref()),
        (None, Some("javascript:alert(1)"))
    );
    item.link = Some("https://n.example/a".into());
    let web = made(&item);
    assert_eq!(
        (web.link.as_deref(), web.link_raw),
        (Some("https://n.example/a"), None)
    );
}

/// A digest of `alerts`, all of them carried.
fn digest_of(alerts: Vec<Alert>) -> Message {
    Message::Digest(Digest {
        kind: "digest".into(),
        id: "d".into(),
        period_start: "2026-11-28T09:00:00Z".into(),
        period_end: "2026-11-28T09:15:00Z".into(),
        count: alerts.len(),
        alerts,
    })
}

/// Checks `text` is HTML Telegram accepts: only its tags, balanced, only
/// its entities, at most 4,096 characters once the entities are read.
fn check_telegram_html(text: &str) {
    const TAGS: [&str; 7] = ["b", "i", "u", "s", "a", "code", "pre"];
    const ENTITIES: [&str; 4] = ["lt", "gt", "amp", "quot"];
    let mut open: Vec<String> = Vec::new();
    let mut visible = 0;
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        match ch {
            '<' => {
                let end = rest
                    .find('>')
                    .unwrap_or_else(|| panic!("unclosed tag in {text}"));
                let tag = &rest[1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    assert_eq!(
                        open.pop().as_deref(),
                        Some(name),
                        "unbalanced </{name}> in {text}"
                    );
                } else {
                    let name = tag.split_whitespace().next().unwrap_or_default();
                    assert!(TAGS.contains(&name), "tag <{name}> in {text}");
                    if name == "a" {
                        assert!(tag.starts_with("a href=\"https://"), "{tag}");
                    }
                    open.push(name.to_string());
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let head: String = rest.chars().take(12).collect();
                let end = head
                    .find(';')
                    .unwrap_or_else(|| panic!("a cut entity {head:?} in {text}"));
                let name = &rest[1..end];
                assert!(
                    ENTITIES.contains(&name) || name.starts_with('#'),
                    "entity &{name}; in {text}"
                );
                visible += 1;
                rest = &rest[end + 1..];
            }
            _ => {
                visible += 1;
                rest = &rest[ch.len_utf8()..];
            }
        }
    }
    assert!(open.is_empty(), "tags left open: {open:?}");
    assert!(visible <= 4096, "{visible} characters");
}

#[test]
fn telegram_messages_stay_valid_html_however_long() {
    let long = "Kosovo & Serbia <talks> \"resume\" ".repeat(60);
    let mut alerts = Vec::new();
    for n in 0..50 {
        let mut one = alert(
            &format!("0193a1b2-0000-7000-8000-0000000001{n:02}"),
            &format!("{n} {long}"),
        );
        one.snippet = format!("**KFOR** {}", "&amp; <b> ".repeat(300));
        alerts.push(one);
    }
    let telegram = renderer(Preset::Telegram, None);
    let text = |message: &Message| {
        let body: Value =
            serde_json::from_str(&rendered(&telegram, message).expect("renders")).expect("JSON");
        body["text"].as_str().expect("text").to_string()
    };
    let single = text(&Message::Alert(alerts[0].clone()));
    check_telegram_html(&single);
    let digest = digest_of(alerts);
    let listed = text(&digest);
    check_telegram_html(&listed);
    assert!(listed.contains(" more"), "the digest says what it left out");
    // Events whose text is mostly characters that escaping lengthens.
    let ampersands = "&".repeat(3_000);
    for (_, mut event) in story_messages() {
        match &mut event {
            Message::StoryUpdate(update) => update.title = ampersands.clone(),
            Message::StoryBreaking(breaking) => {
                for source in &mut breaking.sources {
                    source.feed = ampersands.clone();
                }
            }
            Message::ListSpike(spike) => spike.list = ampersands.clone(),
            _ => {}
        }
        check_telegram_html(&text(&event));
    }
}

/// An alert that hit in two places, one of them a regex term's.
fn alert_with_two_hits(title: &str) -> Alert {
    let mut one = alert("0193a1b2-0000-7000-8000-0000000000c1", title);
    one.terms = vec!["/KFOR\\s*\\d+/".into(), "Zvečan".into()];
    one.snippet = "**KFOR 12** arrives in Zvečan".into();
    one.hits = vec![
        AlertHit {
            list: "kfor".into(),
            term: "/KFOR\\s*\\d+/".into(),
            field: "title".into(),
            snippet: "**KFOR 12** arrives in Zvečan".into(),
            matched: Some("KFOR 12".into()),
        },
        AlertHit {
            list: "kosovo".into(),
            term: "Zvečan".into(),
            field: "summary".into(),
            snippet: "…patrols near the bridge in **Zvečan** on Monday".into(),
            matched: None,
        },
    ];
    one
}

/// Every string of a JSON body, with where it is.
fn strings(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(text) => out.push((at.to_string(), text.clone())),
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                strings(item, &format!("{at}[{n}]"), out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                strings(item, &format!("{at}.{key}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn slack_and_discord_alerts_show_each_part_once() {
    let title = "KFOR 12 arrives in Zvečan";
    let message = Message::Alert(alert_with_two_hits(title));
    let (slack, _) = render(Preset::Slack, &message);
    let (discord, _) = render(Preset::Discord, &message);
    // (preset, body, its bold, the terms as escaped, which strings show).
    type Case<'a> = (&'a str, &'a Value, &'a str, &'a str, fn(&str) -> bool);
    let cases: [Case; 2] = [
        // Slack's fallback is only for notifications.
        ("slack", &slack, "*", "/KFOR\\s*\\d+/, Zvečan", |at| {
            !at.ends_with(".fallback")
        }),
        // Discord hides a backslash before punctuation.
        (
            "discord",
            &discord,
            "**",
            "/KFOR\\\\s\\*\\\\d+/, Zvečan",
            |_| true,
        ),
    ];
    for (name, body, bold, terms, shown) in cases {
        let mut all = Vec::new();
        strings(body, "", &mut all);
        let shown: Vec<&str> = all
            .iter()
            .filter(|(at, _)| shown(at))
            .map(|(_, text)| text.as_str())
            .collect();
        let text = shown.join("\n");
        assert_eq!(
            shown
                .iter()
                .filter(|s| s.contains("arrives in Zvečan") && !s.contains(bold))
                .count(),
            1,
            "{name}: the headline once, as the title: {text}"
        );
        assert!(shown.contains(&title), "{name}: {text}");
        for part in [
            "Balkan Insight",
            "kfor, kosovo",
            terms,
            &format!(
                "{bold}KFOR 12{bold} arrives in Zvečan\n…patrols near the bridge in {bold}Zvečan{bold} on Monday"
            ),
        ] {
            assert!(text.contains(part), "{name} lacks {part:?}: {text}");
        }
    }
    let attachment = &slack["attachments"][0];
    assert_eq!(
        attachment["title_link"],
        "https://balkaninsight.com/2026/11/28/kfor-patrols/"
    );
    assert_eq!(
        attachment["footer"],
        "Balkan Insight · published 2026-11-28 09:15 UTC"
    );
    assert!(
        slack.get("text").is_none(),
        "no headline above the attachment"
    );
    let embed = &discord["embeds"][0];
    assert_eq!(
        embed["url"],
        "https://balkaninsight.com/2026/11/28/kfor-patrols/"
    );
    assert_eq!(embed["timestamp"], "2026-11-28T09:15:00Z");
    assert!(
        discord.get("content").is_none(),
        "no headline above the embed"
    );
}

/// Feed text that would link, mention, format or break out of markup.
const HOSTILE: &str = "@everyone @here <!channel> <@U123> <#C1|x> <https://evil.example|click> \
    [click](https://evil.example) **bold** __u__ ~~s~~ `code` ||spoiler|| & <t:1:R>";

/// `text` without Discord's escaped pairs: what Discord reads as markup.
fn discord_markup(text: &str) -> String {
    let mut rest = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else {
            rest.push(c);
        }
    }
    rest
}

#[test]
fn hostile_feed_text_is_neutralised_and_capped_in_slack_and_discord() {
    let long = format!("{HOSTILE} {}", "&<> ".repeat(5_000));
    let mut one = alert("0193a1b2-0000-7000-8000-0000000000d1", &long);
    one.feed = format!("{HOSTILE} feed");
    one.lists = vec!["kfor".into(); 400];
    one.terms = vec![HOSTILE.into(); 50];
    one.snippet = format!("{HOSTILE} **@everyone <@U1>** {}", "x&y ".repeat(2_000));
    one.hits = (0..5)
        .map(|n| AlertHit {
            list: "kfor".into(),
            term: HOSTILE.into(),
            field: "summary".into(),
            snippet: format!("{n} {}", one.snippet),
            matched: None,
        })
        .collect();
    let digest = digest_of(vec![one.clone(); 60]);
    let alert = Message::Alert(one);

    for message in [&alert, &digest] {
        let (slack, _) = render(Preset::Slack, message);
        let mut all = Vec::new();
        strings(&slack, "slack", &mut all);
        for (at, text) in &all {
            assert!(
                text.chars().count() <= 3_000,
                "{at}: {} characters",
                text.chars().count()
            );
            // Our own links are the only `<...>` left: <https://...|...>.
            let ours = text.matches("<https://balkaninsight.com/").count();
            assert_eq!(text.matches('<').count(), ours, "{at}: {text}");
            assert!(!text.contains("<!") && !text.contains("<@"), "{at}: {text}");
            for mention in ["@everyone", "@here", "@channel"] {
                assert!(
                    !text.contains(mention),
                    "{at}: {mention} reaches Mattermost"
                );
            }
        }

        let (discord, _) = render(Preset::Discord, message);
        assert_eq!(
            discord["allowed_mentions"],
            serde_json::json!({ "parse": [] })
        );
        let mut all = Vec::new();
        strings(&discord, "discord", &mut all);
        for (at, text) in &all {
            if at.ends_with(".footer.text") || at.ends_with(".url") || at.ends_with(".timestamp") {
                continue;
            }
            let markup = discord_markup(text);
            let ours = markup.matches("](https://balkaninsight.com/").count();
            assert!(!markup.contains('@'), "{at}: {text}");
            assert!(!markup.contains('<'), "{at}: {text}");
            assert_eq!(markup.matches('[').count(), ours, "{at}: {text}");
            assert!(
                !markup.contains('`') && !markup.contains('~') && !markup.contains('|'),
                "{at}: {text}"
            );
        }
        if let Some(content) = discord["content"].as_str() {
            assert!(content.chars().count() <= 2_000);
        }
        for embed in discord["embeds"].as_array().expect("embeds") {
            let count = |key: &str| embed[key].as_str().map_or(0, |t| t.chars().count());
            assert!(count("title") <= 256, "title of {}", count("title"));
            assert!(count("description") <= 4_096);
            let fields: usize = embed["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    let value = f["value"].as_str().unwrap_or_default().chars().count();
                    assert!((1..=1_024).contains(&value), "a field of {value}");
                    value + f["name"].as_str().unwrap_or_default().chars().count()
                })
                .sum();
            let footer = embed["footer"]["text"]
                .as_str()
                .map_or(0, |t| t.chars().count());
            assert!(
                count("title") + count("description") + fields + footer <= 6_000,
                "the embed's total"
            );
        }
    }
    // The digest says what it left out.
    let (slack, _) = render(Preset::Slack, &digest);
    let lines = slack["attachments"][0]["text"].as_str().expect("text");
    assert!(lines.ends_with(" more"), "{lines}");
    let (discord, _) = render(Preset::Discord, &digest);
    let lines = discord["embeds"][0]["description"].as_str().expect("text");
    assert!(lines.ends_with(" more"), "{lines}");
}

#[test]
fn digests_list_a_line_per_alert_up_to_a_cap() {
    let alerts: Vec<Alert> = (0..25)
        .map(|n| {
            alert(
                &format!("0193a1b2-0000-7000-8000-0000000002{n:02}"),
                &format!("Story {n}"),
            )
        })
        .collect();
    let digest = digest_of(alerts);
    let (slack, _) = render(Preset::Slack, &digest);
    let (discord, _) = render(Preset::Discord, &digest);
    for (lines, link) in [
        (
            slack["attachments"][0]["text"].as_str().expect("text"),
            "<https://balkaninsight.com/2026/11/28/kfor-patrols/|Story 0> — Balkan Insight — kfor, kosovo",
        ),
        (
            discord["embeds"][0]["description"].as_str().expect("text"),
            "[Story 0](https://balkaninsight.com/2026/11/28/kfor-patrols/) — Balkan Insight — kfor, kosovo",
        ),
    ] {
        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines.len(), 21, "{lines:?}");
        assert_eq!(lines[0], format!("• {link}"));
        assert!(lines[19].contains("Story 19"), "{lines:?}");
        assert_eq!(lines[20], "…and 5 more");
    }
}
