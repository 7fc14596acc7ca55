//! `[[sink]]`: the settings every sink has (name, routing, retries, pacing,
//! digests) and its kind. Each kind's own settings, checks, build and
//! description live next to its adapter and answer through [`KindConfig`];
//! the list of kinds is the [`SinkKind`] enum and its one dispatch,
//! [`SinkKind::config`].

use std::time::Duration;

use serde::Deserialize;

use super::Sink;
use super::email::EmailConfig;
use super::exec::ExecConfig;
use super::file::FileConfig;
use super::stdout::StdoutConfig;
use super::webhook::WebhookConfig;
use crate::units::HumanDuration;

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

/// What one kind of sink answers about its own settings, so adding a kind
/// touches its own file and the [`SinkKind`] enum, nothing else.
pub trait KindConfig {
    /// The `type` value, which is also the sink's default name.
    fn type_name(&self) -> &'static str;

    /// Checks the settings without I/O. The error names the field (for
    /// locating it) and says what is wrong.
    fn validate(&self) -> Result<(), (&'static str, String)> {
        Ok(())
    }

    /// What `run` would find wrong, found by `check` first and without
    /// network (a missing file or command, an unreadable secret). By
    /// default: what building the sink fails on, for kinds whose build
    /// only reads settings and secrets; kinds whose build touches the
    /// world (opening a file) say it themselves.
    fn problem(&self, name: &str) -> Option<String> {
        self.build(name).err().map(|e| format!("{e:#}"))
    }

    /// Builds the sink named `name`. May do I/O (opening files, building
    /// clients).
    fn build(&self, name: &str) -> anyhow::Result<Box<dyn Sink>>;

    /// How `check` describes it: the type and where messages go.
    fn describe(&self) -> String {
        self.type_name().to_string()
    }
}

/// `[[sink]]` in the config: the settings every sink has, and its kind.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Sink name; default its type. The sink's key in the outbox.
    pub name: Option<String>,
    /// Only alerts of these watch lists; default all.
    pub lists: Option<Vec<String>>,
    /// Only alerts of items from these feeds (by name or URL); default all.
    pub feeds: Option<Vec<String>>,
    /// Only alerts of items from feeds with one of these tags.
    pub tags: Option<Vec<String>>,
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

/// The settings every sink accepts, read before the kind's own: whatever
/// this struct does not name is left in `rest` for the kind, so the keys
/// are listed once, here.
#[derive(Debug, Deserialize)]
struct CommonSettings {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    lists: Option<Vec<String>>,
    #[serde(default)]
    feeds: Option<Vec<String>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
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
    /// `type` and the kind's own keys.
    #[serde(flatten)]
    rest: toml::Table,
}

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
        let table = toml::Table::deserialize(deserializer)?;
        let common: CommonSettings = toml::Value::Table(table)
            .try_into()
            .map_err(D::Error::custom)?;
        let kind: SinkKind = toml::Value::Table(common.rest)
            .try_into()
            .map_err(|e: toml::de::Error| D::Error::custom(e.message().trim()))?;
        Ok(SinkConfig {
            name: common.name,
            lists: common.lists,
            feeds: common.feeds,
            tags: common.tags,
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
    /// A story that `[signals] breaking_sources` feeds carried within
    /// `breaking_window` (once per story).
    StoryBreaking,
    /// A watch list much busier than its baseline (`[signals] spike_*`).
    ListSpike,
}

impl EventKind {
    /// The name the config uses for it.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::FeedHealth => "feed_health",
            EventKind::StoryBreaking => "story_breaking",
            EventKind::ListSpike => "list_spike",
        }
    }
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
    /// An email per message, through an SMTP server (boxed: its settings
    /// are many).
    Email(Box<EmailConfig>),
}

impl SinkKind {
    /// The kind's own settings, behind the one interface every kind
    /// answers; the only place the kinds are listed besides the enum.
    pub fn config(&self) -> &dyn KindConfig {
        match self {
            SinkKind::Stdout(c) => c,
            SinkKind::File(c) => c,
            SinkKind::Webhook(c) => c.as_ref(),
            SinkKind::Exec(c) => c,
            SinkKind::Email(c) => c.as_ref(),
        }
    }
}

impl SinkConfig {
    /// The sink's name: configured, else its type.
    pub fn name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or(self.kind.config().type_name())
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

    /// The feeds whose alerts this sink takes.
    pub fn feed_filter(&self) -> crate::config::FeedFilter<'_> {
        crate::config::FeedFilter {
            feeds: self.feeds.as_deref(),
            tags: self.tags.as_deref(),
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
        self.kind.config().validate()
    }

    /// What `run` would find wrong with the sink, found by `check` first
    /// and without network. Each is a config error (exit 78), so systemd
    /// does not restart a daemon that can never start.
    pub fn problem(&self) -> Option<String> {
        self.kind.config().problem(self.name())
    }

    /// Builds the sink. May do I/O (opening files, building clients).
    pub fn build(&self) -> anyhow::Result<Box<dyn Sink>> {
        self.kind.config().build(self.name())
    }

    /// One line for `check`: name, kind and destination, routed lists,
    /// and the events it asked for.
    pub fn describe(&self) -> String {
        let lists = match self.lists() {
            None => "all lists".to_string(),
            Some([]) => "no alerts".to_string(),
            Some(lists) => lists.join("+"),
        };
        let events: Vec<&str> = self.events.iter().map(|e| e.name()).collect();
        let events = if events.is_empty() {
            String::new()
        } else {
            format!(", events {}", events.join("+"))
        };
        format!(
            "{} ({}, {lists}{events})",
            self.name(),
            self.kind.config().describe()
        )
    }
}
