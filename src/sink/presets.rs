//! Webhook bodies: our alert JSON, or the shape each chat service expects
//! (Slack and Mattermost, Discord, Microsoft Teams, ntfy, Telegram), or a
//! user's minijinja template. Alerts, feed-health events and digests all
//! render in every format.

use serde::Deserialize;
use serde_json::{Value, json};

use super::text::{alert_line, digest_heading, plain_snippet, summary};
use crate::clip::clip;
use crate::model::{Alert, Message};

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
    /// A renderer for a preset. `template` must be given for
    /// [`Preset::Template`] and is checked here.
    pub fn new(
        preset: Preset,
        topic: Option<String>,
        chat_id: Option<String>,
        template: Option<String>,
        content_type: Option<String>,
    ) -> Result<Renderer, String> {
        let template = match (preset, template) {
            (Preset::Template, Some(source)) => {
                let mut env = minijinja::Environment::new();
                env.add_template_owned("body", source)
                    .map_err(|e| format!("template: {e}"))?;
                Some(env)
            }
            (Preset::Template, None) => {
                return Err("format = \"template\" needs template or template_file".into());
            }
            _ => None,
        };
        let content_type = content_type.unwrap_or_else(|| "application/json".to_string());
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
        Ok(Body {
            bytes: text.into_bytes(),
            content_type: self.content_type.clone(),
        })
    }
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
        Message::FeedHealth(_) | Message::StoryUpdate(_) => Vec::new(),
    }
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

fn when(alert: &Alert) -> &str {
    alert.published.as_deref().unwrap_or(&alert.detected_at)
}

/// Slack's three control characters, escaped as its formatting rules ask.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Slack: `text` plus one attachment per alert (`title`, `title_link`,
/// `text`, `footer`, `ts`), fields Mattermost reads too.
fn slack(message: &Message) -> Value {
    let attachments: Vec<Value> = alerts_of(message)
        .into_iter()
        .map(|alert| {
            let ts = chrono::DateTime::parse_from_rfc3339(when(alert))
                .map(|t| t.timestamp())
                .unwrap_or(0);
            json!({
                "fallback": slack_escape(&alert_line(alert)),
                "color": "#b03a2e",
                "title": slack_escape(&clip(&alert.title, 250)),
                "title_link": alert.link,
                "text": slack_escape(&clip(&plain_snippet(alert), 1500)),
                "footer": slack_escape(&format!("{} · {}", alert.feed, alert.lists.join(", "))),
                "ts": ts,
            })
        })
        .collect();
    let mut text = summary(message);
    if let Some(more) = more_note(message) {
        text.push('\n');
        text.push_str(&more);
    }
    json!({ "text": slack_escape(&clip(&text, 3000)), "attachments": attachments })
}

/// Discord: `content`, up to ten `embeds` (title, url, description,
/// timestamp, footer), and no mentions, whatever the headline says.
fn discord(message: &Message) -> Value {
    let embeds: Vec<Value> = alerts_of(message)
        .into_iter()
        .take(10)
        .map(|alert| {
            json!({
                "title": clip(&alert.title, 256),
                "url": alert.link,
                "description": clip(&plain_snippet(alert), 4000),
                "timestamp": when(alert),
                "footer": { "text": clip(&format!("{} · {}", alert.feed, alert.lists.join(", ")), 2048) },
            })
        })
        .collect();
    json!({
        "content": clip(&summary(message), 2000),
        "embeds": embeds,
        "allowed_mentions": { "parse": [] },
    })
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
        if let Some(link) = &alert.link {
            actions
                .push(json!({ "type": "Action.OpenUrl", "title": "Read the story", "url": link }));
        }
    }
    if let Some(more) = more_note(message) {
        body.push(json!({ "type": "TextBlock", "text": more, "isSubtle": true }));
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
            alert.link.clone(),
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
            update.link.clone(),
            update.lists.clone(),
        ),
    };
    json!({ "topic": topic, "title": title, "message": clip(&text, 4000), "click": click, "tags": tags })
}

/// Telegram: `chat_id`, HTML `text`, `parse_mode`.
fn telegram(message: &Message, chat_id: &str) -> Value {
    let escape = |s: &str| html_escape::encode_text(s).into_owned();
    let item = |alert: &Alert| {
        let title = escape(&alert.title);
        let linked = match &alert.link {
            Some(link) => format!(
                "<a href=\"{}\">{title}</a>",
                html_escape::encode_double_quoted_attribute(link)
            ),
            None => title,
        };
        format!(
            "<b>[{}]</b> {linked}\n<i>{}</i>",
            escape(&alert.lists.join(", ")),
            escape(&alert.feed)
        )
    };
    let text = match message {
        Message::Alert(alert) => format!("{}\n{}", item(alert), escape(&plain_snippet(alert))),
        Message::Digest(digest) => {
            let mut parts = vec![format!("<b>{}</b>", escape(&digest_heading(digest)))];
            parts.extend(alerts_of(message).into_iter().map(item));
            parts.extend(more_note(message).map(|m| escape(&m)));
            parts.join("\n\n")
        }
        Message::FeedHealth(_) | Message::StoryUpdate(_) => escape(&summary(message)),
    };
    json!({
        "chat_id": chat_id,
        "text": clip(&text, 4000),
        "parse_mode": "HTML",
        "disable_web_page_preview": !matches!(message, Message::Alert(_)),
    })
}
