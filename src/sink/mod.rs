//! Sinks: where alerts go. A config enum (`type = "stdout" | "file" |
//! "webhook" | "exec"`) whose `validate()` does no I/O and whose `build()`
//! gives a `Box<dyn Sink>`; what `check` finds a built sink would fail on
//! ([`preflight`]); the small async [`Sink`] trait; and the worker that
//! feeds one sink from the outbox.

mod exec;
mod file;
pub mod preflight;
pub mod presets;
pub mod secret;
pub mod sign;
mod stdout;
pub mod text;
mod webhook;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use serde::Deserialize;

use crate::model::Message;
use crate::units::HumanDuration;
use presets::{Preset, Renderer};

/// Where Telegram's Bot API lives, unless a sink's `url` says otherwise.
pub const TELEGRAM_API: &str = "https://api.telegram.org";
use secret::SecretSource;

pub use file::FileSink;
pub use stdout::{LineFormat, StdoutSink};
pub use webhook::WebhookSink;

/// A boxed future, so [`Sink`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The default retry schedule (the Standard Webhooks one): the delay before
/// each retry after a failed attempt. When it runs out the delivery is dead.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 8] = [
    Duration::from_secs(0),
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// One alert (or event) to hand to a sink.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Stable across retries; receivers can drop repeats by it.
    pub id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The alert or event.
    pub message: Message,
    /// Its JSON exactly as stored.
    pub body: String,
}

/// Why a delivery failed, and whether trying again may help.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Try again later (network trouble, 5xx, 429, a full disk).
    #[error("{message}")]
    Retryable {
        /// What went wrong.
        message: String,
        /// When the receiver asked us to come back, if it did.
        retry_after: Option<Duration>,
    },
    /// Trying again will not help (4xx, a rejected payload).
    #[error("{message}")]
    Permanent {
        /// What went wrong.
        message: String,
    },
    /// The endpoint is gone for good (410): the sink is disabled until the
    /// operator re-enables it; its deliveries wait.
    #[error("{message}")]
    Gone {
        /// What went wrong.
        message: String,
    },
}

impl SinkError {
    /// Whether the worker should schedule a retry.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SinkError::Retryable { .. })
    }

    /// A retryable error without a server-given delay.
    pub fn retryable(message: impl Into<String>) -> Self {
        SinkError::Retryable {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// A destination for alerts.
pub trait Sink: Send + Sync {
    /// The sink's configured name (its key in the outbox).
    fn name(&self) -> &str;

    /// Delivers one alert; `Ok` only once the destination has it.
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>>;

    /// Checks the sink can work at all (called before the daemon is ready).
    fn healthcheck(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }

    /// Flushes and releases what the sink holds (called on shutdown).
    fn close(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

/// `[[sink]]` in the config: the settings every sink has, and its kind.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Sink name; default its type. The sink's key in the outbox.
    pub name: Option<String>,
    /// Only alerts of these watch lists; default all.
    pub lists: Option<Vec<String>>,
    /// Events besides alerts this sink receives (`feed_health`).
    pub events: Vec<EventKind>,
    /// Retry delays after failures; default the Standard Webhooks schedule.
    pub retry: Option<Vec<HumanDuration>>,
    /// At most this many messages a minute.
    pub max_per_minute: Option<u32>,
    /// Send one message per period listing its alerts, instead of one each.
    pub digest: Option<HumanDuration>,
    /// What the sink hears when a story it was alerted of turns up again.
    pub on_repeat: OnRepeat,
    /// What kind of sink, with its own settings.
    pub kind: SinkKind,
}

/// The settings every sink accepts, read before the kind's own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonSettings {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    lists: Option<Vec<String>>,
    #[serde(default)]
    events: Vec<EventKind>,
    #[serde(default)]
    retry: Option<Vec<HumanDuration>>,
    #[serde(default)]
    max_per_minute: Option<u32>,
    #[serde(default)]
    digest: Option<HumanDuration>,
    #[serde(default)]
    on_repeat: OnRepeat,
}

const COMMON_KEYS: [&str; 7] = [
    "name",
    "lists",
    "events",
    "retry",
    "max_per_minute",
    "digest",
    "on_repeat",
];

/// `on_repeat`: a story alerted before turns up in another feed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnRepeat {
    /// Send nothing (the default).
    #[default]
    Drop,
    /// Send a small "also reported by" update, at most once per story per
    /// `[dedup] update_period`.
    Update,
}

impl<'de> Deserialize<'de> for SinkConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = toml::Table::deserialize(deserializer)?;
        let mut common = toml::Table::new();
        for key in COMMON_KEYS {
            if let Some(value) = table.remove(key) {
                common.insert(key.to_string(), value);
            }
        }
        let common: CommonSettings = toml::Value::Table(common)
            .try_into()
            .map_err(D::Error::custom)?;
        let kind: SinkKind = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| D::Error::custom(e.message().trim()))?;
        Ok(SinkConfig {
            name: common.name,
            lists: common.lists,
            events: common.events,
            retry: common.retry,
            max_per_minute: common.max_per_minute,
            digest: common.digest,
            on_repeat: common.on_repeat,
            kind,
        })
    }
}

/// Events a sink can subscribe to besides alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A feed failing for longer than `[poll] unhealthy_after`, and its recovery.
    FeedHealth,
}

/// The kinds of sink, each with its own settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SinkKind {
    /// Alerts on standard output.
    Stdout(StdoutConfig),
    /// Alerts appended to a JSON Lines file.
    File(FileConfig),
    /// Alerts POSTed to a URL (boxed: its settings are many).
    Webhook(Box<WebhookConfig>),
    /// A command run per alert, with the alert JSON on stdin.
    Exec(ExecConfig),
}

/// `type = "exec"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecConfig {
    /// The program and its arguments (no shell).
    pub command: Vec<String>,
    /// Time allowed for one run; default 30s.
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
}

/// `type = "stdout"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdoutConfig {
    /// `text` (one readable line, default) or `json` (JSON Lines).
    #[serde(default)]
    pub format: LineFormat,
}

/// `type = "file"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The JSON Lines file alerts are appended to.
    pub path: PathBuf,
}

/// `type = "webhook"`.
#[derive(Debug, Clone, Deserialize)]
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
const TELEGRAM_NEEDS_TOKEN: &str =
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

    /// Checks the settings without I/O.
    fn validate(&self) -> Result<(), (&'static str, String)> {
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
                    Renderer::new(Preset::Template, None, None, Some(text.clone()), None)
                        .map_err(|e| ("template", e))?;
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

impl SinkConfig {
    /// The sink's name: configured, else its type.
    pub fn name(&self) -> &str {
        let default = match &self.kind {
            SinkKind::Stdout(_) => "stdout",
            SinkKind::File(_) => "file",
            SinkKind::Webhook(_) => "webhook",
            SinkKind::Exec(_) => "exec",
        };
        self.name.as_deref().unwrap_or(default)
    }

    /// The lists routed to this sink (`None`: all).
    pub fn lists(&self) -> Option<&[String]> {
        self.lists.as_deref()
    }

    /// Whether an alert for these lists goes to this sink.
    pub fn routes(&self, alert_lists: &[String]) -> bool {
        match self.lists() {
            None => true,
            Some(lists) => alert_lists.iter().any(|l| lists.contains(l)),
        }
    }

    /// Whether this sink asked for events of `kind`.
    pub fn wants(&self, kind: EventKind) -> bool {
        self.events.contains(&kind)
    }

    /// The retry delays for this sink.
    pub fn retry_schedule(&self) -> Vec<Duration> {
        match &self.retry {
            Some(delays) => delays.iter().map(|d| d.0).collect(),
            None => DEFAULT_RETRY_SCHEDULE.to_vec(),
        }
    }

    /// Checks the sink's own settings without I/O. The error names the field
    /// (for locating it) and says what is wrong.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.name().trim().is_empty() {
            return Err(("name", "name is empty".to_string()));
        }
        if self.max_per_minute == Some(0) {
            return Err((
                "max_per_minute",
                "max_per_minute must be at least 1".to_string(),
            ));
        }
        if self.digest.is_some_and(|d| d.0.as_secs() < 1) {
            return Err(("digest", "digest must be at least 1s".to_string()));
        }
        match &self.kind {
            SinkKind::Stdout(_) => Ok(()),
            SinkKind::File(c) => {
                if c.path.as_os_str().is_empty() {
                    Err(("path", "path is empty".to_string()))
                } else {
                    Ok(())
                }
            }
            SinkKind::Webhook(c) => c.validate(),
            SinkKind::Exec(c) => match c.command.first() {
                Some(program) if !program.trim().is_empty() => Ok(()),
                _ => Err((
                    "command",
                    "command must name a program: [\"/path/to/program\", \"arg\", ...]".to_string(),
                )),
            },
        }
    }

    /// Builds the sink. May do I/O (opening files, building clients).
    pub fn build(&self) -> anyhow::Result<Box<dyn Sink>> {
        Ok(match &self.kind {
            SinkKind::Stdout(c) => Box::new(StdoutSink::new(self.name(), c.format)),
            SinkKind::File(c) => Box::new(FileSink::new(self.name(), c.path.clone())),
            SinkKind::Webhook(c) => Box::new(WebhookSink::new(self.name(), c)?),
            SinkKind::Exec(c) => Box::new(exec::ExecSink::new(
                self.name(),
                c.command.clone(),
                c.timeout.map_or(Duration::from_secs(30), |t| t.0),
            )),
        })
    }
}
