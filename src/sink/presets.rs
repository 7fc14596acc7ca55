//! Webhook bodies: our alert JSON, or the shape each chat service expects
//! (Slack and Mattermost, Discord, Microsoft Teams, ntfy, Telegram), or a
//! user's minijinja template. Alerts, feed-health events and digests all
//! render in every format; Slack's and Discord's alerts and digests are
//! in `slack.rs` and `discord.rs`.

use super::WebhookConfig;
use serde::Deserialize;
use serde_json::{Value, json};

use super::markup::{digest_lines, discord_escape, escape_lines, slack_escape, within};
use super::text::{alert_line, digest_heading, event_details, plain_snippet, summary, web_link};
use crate::model::{Alert, Message};
use crate::text::clip::clip;

/// `format = "..."` of a webhook sink.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Our alert schema (README), as stored.
    #[default]
    Json,
    /// Slack incoming webhooks; Mattermost accepts the same body.
    Slack,
    /// Discord webhooks.
    Discord,
    /// Microsoft Teams (Workflows / incoming webhook with an Adaptive Card).
    Teams,
    /// ntfy's JSON publishing (POST to the server's root URL).
    Ntfy,
    /// Telegram Bot API `sendMessage`.
    Telegram,
    /// A minijinja template of the operator's.
    Template,
}

/// A rendered request body and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The bytes to send.
    pub bytes: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: String,
}

/// How a webhook sink renders messages.
#[derive(Debug)]
pub struct Renderer {
    preset: Preset,
    /// ntfy topic.
    topic: Option<String>,
    /// Telegram chat id.
    chat_id: Option<String>,
    /// Compiled template (for `template`).
    template: Option<minijinja::Environment<'static>>,
    content_type: String,
}

/// Most items a chat message lists from a digest.
const DIGEST_ITEMS: usize = 20;

impl Renderer {
    /// The renderer a webhook sink's config asks for. `template` is the
    /// template's text (inline or read from `template_file` by the caller,
    /// which owns the I/O); it must be given for [`Preset::Template`] and
    /// is checked here.
    pub fn new(config: &WebhookConfig, template: Option<String>) -> Result<Renderer, String> {
        let preset = config.format;
        let topic = config.topic.clone();
        let chat_id = config.chat_id.clone();
        let content_type = config
            .content_type
            .clone()
            .unwrap_or_else(|| "application/json".to_string());
        let json = is_json_type(&content_type);
        let template = match (preset, template) {
            (Preset::Template, Some(source)) => {
                let mut env = minijinja::Environment::new();
                // Feed text in a JSON body is written as JSON values, so a
                // title with `", "username": "x` stays one string.
                if json {
                    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Json);
                }
                env.add_template_owned("body", source)
                    .map_err(|e| format!("template: {e}"))?;
                Some(env)
            }
            (Preset::Template, None) => {
                return Err("format = \"template\" needs template or template_file".into());
            }
            _ => None,
        };
        Ok(Renderer {
            preset,
            topic,
            chat_id,
            template,
            content_type,
        })
    }

    /// Renders a message; `stored` is its JSON as stored (sent unchanged
    /// for `json`, so signatures cover exactly what was recorded).
    pub fn render(&self, message: &Message, stored: &str) -> Result<Body, String> {
        let value = match self.preset {
            Preset::Json => return Ok(json_body(stored.as_bytes().to_vec())),
            Preset::Template => return self.template(stored),
            Preset::Slack => slack(message),
            Preset::Discord => discord(message),
            Preset::Teams => teams(message),
            Preset::Ntfy => ntfy(message, self.topic.as_deref().unwrap_or_default()),
            Preset::Telegram => telegram(message, self.chat_id.as_deref().unwrap_or_default()),
        };
        let bytes = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
        Ok(json_body(bytes))
    }

    fn template(&self, stored: &str) -> Result<Body, String> {
        let env = self.template.as_ref().ok_or("no template")?;
        let message: Value = serde_json::from_str(stored).map_err(|e| e.to_string())?;
        let kind = message["type"].as_str().unwrap_or("alert").to_string();
        let context = minijinja::context! { message => minijinja::Value::from(minijinja::value::Serde(&message)), kind => kind };
        let text = env
            .get_template("body")
            .and_then(|t| t.render(context))
            .map_err(|e| format!("template: {e}"))?;
        if is_json_type(&self.content_type)
            && let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(&text)
        {
            return Err(format!(
                "template: the rendered body is not JSON ({error}); write feed values \
                 unquoted, as {{{{ message.title }}}}: they are written as JSON strings"
            ));
        }
        Ok(Body {
            bytes: text.into_bytes(),
            content_type: self.content_type.clone(),
        })
    }
}

/// Whether a Content-Type is JSON (`application/json`, `...+json`).
fn is_json_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

fn json_body(bytes: Vec<u8>) -> Body {
    Body {
        bytes,
        content_type: "application/json".to_string(),
    }
}

/// The alerts a message carries (one, many, or none for events).
fn alerts_of(message: &Message) -> Vec<&Alert> {
    match message {
        Message::Alert(alert) => vec![alert],
        Message::Digest(digest) => digest.alerts.iter().take(DIGEST_ITEMS).collect(),
        Message::FeedHealth(_)
        | Message::StoryUpdate(_)
        | Message::StoryBreaking(_)
        | Message::ListSpike(_) => Vec::new(),
    }
}

/// The summary line, then an event's detail lines (a breaking story's
/// sources, a spike's stories), then "…and N more" for a long digest.
fn full_text(message: &Message) -> String {
    let mut lines = vec![summary(message)];
    lines.extend(event_details(message));
    lines.extend(more_note(message));
    lines.join("\n")
}

/// "…and 7 more" for digests longer than the chat message shows.
fn more_note(message: &Message) -> Option<String> {
    match message {
        Message::Digest(digest) if digest.count > DIGEST_ITEMS => {
            Some(format!("…and {} more", digest.count - DIGEST_ITEMS))
        }
        _ => None,
    }
}

/// Slack: an attachment per alert, or a digest's lines; an event's text.
fn slack(message: &Message) -> Value {
    match message {
        Message::Alert(alert) => super::slack::alert(alert),
        Message::Digest(digest) => super::slack::digest(digest, DIGEST_ITEMS),
        _ => json!({ "text": escape_lines(&full_text(message), super::slack::TEXT, slack_escape) }),
    }
}

/// Discord: an embed per alert, or a digest's lines; an event as
/// `content`. Never a mention, whatever the headline says.
fn discord(message: &Message) -> Value {
    match message {
        Message::Alert(alert) => super::discord::alert(alert),
        Message::Digest(digest) => super::discord::digest(digest, DIGEST_ITEMS),
        _ => json!({
            "content": escape_lines(&full_text(message), super::discord::CONTENT, discord_escape),
            "allowed_mentions": { "parse": [] },
        }),
    }
}

/// Teams: a message with one Adaptive Card.
fn teams(message: &Message) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock", "text": summary(message), "weight": "Bolder", "wrap": true, "size": "Medium",
    })];
    let mut actions = Vec::new();
    for alert in alerts_of(message) {
        if matches!(message, Message::Digest(_)) {
            body.push(json!({ "type": "TextBlock", "text": alert_line(alert), "wrap": true }));
            continue;
        }
        body.push(json!({ "type": "TextBlock", "text": format!("{} · {}", alert.feed, alert.lists.join(", ")), "isSubtle": true, "wrap": true }));
        body.push(json!({ "type": "TextBlock", "text": plain_snippet(alert), "wrap": true }));
        if let Some(link) = web_link(alert.link.as_ref()) {
            actions
                .push(json!({ "type": "Action.OpenUrl", "title": "Read the story", "url": link }));
        }
    }
    for line in event_details(message).into_iter().chain(more_note(message)) {
        body.push(json!({ "type": "TextBlock", "text": line, "isSubtle": true, "wrap": true }));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": actions,
            },
        }],
    })
}

/// ntfy: `topic`, `title`, `message`, `click`, `tags`.
fn ntfy(message: &Message, topic: &str) -> Value {
    let (title, text, click, tags) = match message {
        Message::Alert(alert) => (
            clip(&alert.title, 250),
            format!("{}\n{}", plain_snippet(alert), alert.feed),
            web_link(alert.link.as_ref()).map(str::to_string),
            alert.lists.clone(),
        ),
        Message::Digest(digest) => {
            let mut lines: Vec<String> = alerts_of(message).into_iter().map(alert_line).collect();
            lines.extend(more_note(message));
            (
                digest_heading(digest),
                lines.join("\n"),
                None,
                vec!["digest".to_string()],
            )
        }
        Message::FeedHealth(event) => (
            event.kind.replace('_', " "),
            summary(message),
            None,
            vec!["warning".to_string()],
        ),
        Message::StoryUpdate(update) => (
            clip(&update.title, 250),
            summary(message),
            web_link(update.link.as_ref()).map(str::to_string),
            update.lists.clone(),
        ),
        Message::StoryBreaking(event) => (
            format!("Breaking: {}", clip(&event.title, 240)),
            full_text(message),
            web_link(event.link.as_ref()).map(str::to_string),
            [vec!["breaking".to_string()], event.lists.clone()].concat(),
        ),
        Message::ListSpike(event) => (
            format!("Spike: {}", clip(&event.list, 240)),
            full_text(message),
            None,
            vec!["chart_with_upwards_trend".to_string(), event.list.clone()],
        ),
    };
    json!({ "topic": topic, "title": title, "message": clip(&text, 4000), "click": click, "tags": tags })
}

/// Telegram: `chat_id`, HTML `text`, `parse_mode`.
///
/// Telegram takes at most 4,096 characters and rejects HTML it cannot
/// parse, so every text is cut *before* it is escaped (an escaped text cut
/// short leaves `&am` or an open `<a>`), and a digest lists whole items
/// while they fit, then says how many it left out.
fn telegram(message: &Message, chat_id: &str) -> Value {
    let text = match message {
        Message::Alert(alert) => {
            let snippet = escape_html(&clip(&plain_snippet(alert), TELEGRAM_SNIPPET));
            format!("{}\n{snippet}", telegram_item(alert))
        }
        Message::Digest(digest) => {
            let heading = format!("<b>{}</b>", escape_html(&digest_heading(digest)));
            let room = TELEGRAM_TEXT.saturating_sub(heading.chars().count() + 2);
            let items = digest_lines(digest, room, usize::MAX, "\n\n", telegram_item);
            if items.is_empty() {
                heading
            } else {
                format!("{heading}\n\n{items}")
            }
        }
        Message::FeedHealth(_)
        | Message::StoryUpdate(_)
        | Message::StoryBreaking(_)
        | Message::ListSpike(_) => escape_within(&full_text(message), TELEGRAM_TEXT),
    };
    json!({
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "disable_web_page_preview": !matches!(message, Message::Alert(_)),
    })
}

/// Telegram's cap on a message (4,096 characters), less a margin.
const TELEGRAM_TEXT: usize = 4_000;
/// Characters of an alert's snippet in a Telegram message.
const TELEGRAM_SNIPPET: usize = 1_000;

/// Plain text as Telegram HTML of at most `limit` characters: cut before
/// escaping (so no entity is cut in two), shorter while escaping makes it
/// too long (an `&` becomes five characters).
fn escape_within(text: &str, limit: usize) -> String {
    within(limit, |keep| escape_html(&clip(text, keep)))
}

fn escape_html(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// One alert as Telegram HTML: lists in bold, the title (linked when the
/// link is http(s)), the feed in italics. Every text is cut, then escaped.
fn telegram_item(alert: &Alert) -> String {
    let title = escape_html(&clip(&alert.title, 250));
    let linked = match web_link(alert.link.as_ref()) {
        Some(link) => format!(
            "<a href=\"{}\">{title}</a>",
            html_escape::encode_double_quoted_attribute(link)
        ),
        None => title,
    };
    format!(
        "<b>[{}]</b> {linked}\n<i>{}</i>",
        escape_html(&clip(&alert.lists.join(", "), 200)),
        escape_html(&clip(&alert.feed, 200))
    )
}
