//! `type = "webhook"`: where messages are POSTed, how they are rendered
//! and signed, and how the URL shows in logs. Checked without I/O at load;
//! `check` also builds the sink once to find unreadable secrets and
//! templates.

use std::path::PathBuf;

use serde::Deserialize;

use super::WebhookSink;
use crate::sink::presets::{Preset, Renderer};
use crate::sink::secret::SecretSource;
use crate::sink::{KindConfig, Sink};
use crate::units::HumanDuration;

/// Where Telegram's Bot API lives, unless a sink's `url` says otherwise.
pub const TELEGRAM_API: &str = "https://api.telegram.org";

/// `type = "webhook"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where messages are POSTed (for `telegram`, the API's base URL;
    /// optional there).
    #[serde(default)]
    pub url: Option<String>,
    /// The body: `json` (our schema, default), `slack`, `discord`, `teams`,
    /// `ntfy`, `telegram` or `template`.
    #[serde(default)]
    pub format: Preset,
    /// Extra request headers.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Time allowed for one request; default 15s.
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
    /// The signing secret (`whsec_...`; for `telegram`, the bot token) from
    /// an environment variable...
    #[serde(default)]
    pub secret_env: Option<String>,
    /// ...or a file...
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// ...or a systemd credential.
    #[serde(default)]
    pub credential: Option<String>,
    /// ntfy: the topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// Telegram: the chat to post in.
    #[serde(default)]
    pub chat_id: Option<String>,
    /// `template`: the minijinja template, inline...
    #[serde(default)]
    pub template: Option<String>,
    /// ...or in a file.
    #[serde(default)]
    pub template_file: Option<PathBuf>,
    /// `template`: the Content-Type of what it renders (default JSON).
    #[serde(default)]
    pub content_type: Option<String>,
    /// How logs, errors and `check` show the URL: `redacted` (default:
    /// scheme, host, port and first path segment) or `full`.
    #[serde(default)]
    pub log_url: LogUrl,
}

/// `log_url` of a webhook sink.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogUrl {
    /// Scheme, host, port and the first path segment; the rest is "…".
    #[default]
    Redacted,
    /// The URL as configured (for receivers whose URL holds no secret).
    Full,
}

impl WebhookConfig {
    /// The URL as logs, stored errors and `check` show it. A Telegram
    /// sink's URL is its API base; the bot token never shows.
    pub fn shown_url(&self) -> String {
        let url = match (self.format, self.url.as_deref()) {
            (Preset::Telegram, url) => url.unwrap_or(TELEGRAM_API),
            (_, Some(url)) => url,
            (_, None) => return String::new(),
        };
        match self.log_url {
            LogUrl::Full => url.to_string(),
            LogUrl::Redacted => crate::redact::opaque_url(url),
        }
    }
}

/// Why a Telegram sink without a bot token is refused, at check and at start.
pub(super) const TELEGRAM_NEEDS_TOKEN: &str =
    "format = \"telegram\" needs the bot token in secret_env, secret_file or credential";

impl WebhookConfig {
    /// Where the secret comes from.
    pub fn secret_source(&self) -> SecretSource<'_> {
        SecretSource {
            secret_env: self.secret_env.as_deref(),
            secret_file: self.secret_file.as_deref(),
            credential: self.credential.as_deref(),
        }
    }

    /// Checks the settings without I/O (see [`KindConfig::validate`]).
    fn check(&self) -> Result<(), (&'static str, String)> {
        self.secret_source().validate().map_err(|e| ("secret", e))?;
        match (&self.url, self.format) {
            (Some(url), _) => {
                crate::units::parse_http_url(url).map_err(|e| ("url", e))?;
            }
            (None, Preset::Telegram) => {}
            (None, _) => return Err(("type", "url is missing".to_string())),
        }
        let needs = |present: bool, field: &'static str, what: &str| {
            if present {
                Ok(())
            } else {
                Err((field, what.to_string()))
            }
        };
        match self.format {
            Preset::Ntfy => needs(
                self.topic.is_some(),
                "format",
                "format = \"ntfy\" needs topic",
            )?,
            Preset::Telegram => {
                needs(
                    self.chat_id.is_some(),
                    "format",
                    "format = \"telegram\" needs chat_id",
                )?;
                needs(
                    self.secret_source().is_set(),
                    "format",
                    TELEGRAM_NEEDS_TOKEN,
                )?;
            }
            Preset::Template => {
                needs(
                    self.template.is_some() != self.template_file.is_some(),
                    "format",
                    "format = \"template\" needs one of template and template_file",
                )?;
                if let Some(text) = &self.template {
                    Renderer::new(self, Some(text.clone())).map_err(|e| ("template", e))?;
                }
            }
            _ => {}
        }
        for (name, value) in &self.headers {
            reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ("headers", format!("invalid header name {name:?}")))?;
            reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| ("headers", format!("invalid value for header {name:?}")))?;
        }
        Ok(())
    }
}

impl KindConfig for WebhookConfig {
    fn type_name(&self) -> &'static str {
        "webhook"
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        self.check()
    }

    fn build(&self, name: &str) -> anyhow::Result<Box<dyn Sink>> {
        Ok(Box::new(WebhookSink::new(name, self)?))
    }

    fn describe(&self) -> String {
        let format = format!("{:?}", self.format).to_lowercase();
        format!("webhook {format} {}", self.shown_url())
    }
}
