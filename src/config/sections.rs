//! The process-wide sections of the config: `[state]`, `[poll]` and
//! `[daemon]`, with their defaults.

use std::path::PathBuf;

use serde::Deserialize;

use super::{ByteSize, HumanDuration};

/// `[state]`: where the database lives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// State directory; default `$STATE_DIRECTORY`, else
    /// `$XDG_STATE_HOME/newswatch`, else `~/.local/state/newswatch`.
    pub directory: Option<PathBuf>,
    /// Database URL; default a SQLite file `newswatch.db` in the directory.
    pub database: Option<String>,
}

/// `[poll]`: defaults for every feed, and limits on the poller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PollConfig {
    /// Time between polls of a feed that sets no interval of its own.
    pub interval: HumanDuration,
    /// Random spread added to each interval, as a fraction of it (0.1 = up to 10 %).
    pub jitter: f64,
    /// How many feeds are fetched at the same time at most.
    pub concurrency: usize,
    /// Time allowed to open a connection.
    pub connect_timeout: HumanDuration,
    /// Time allowed between two reads of the response.
    pub read_timeout: HumanDuration,
    /// Time allowed for the whole exchange.
    pub timeout: HumanDuration,
    /// Largest body accepted, counted after decompression.
    pub max_body: ByteSize,
    /// The User-Agent header; default names newswatch and its version.
    pub user_agent: Option<String>,
    /// Request headers every feed sends (a feed's own `headers` add to
    /// them and win on the same name).
    pub headers: super::HeaderSettings,
    /// The proxy of every feed that sets none; `None`: the environment's
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).
    pub proxy: Option<super::ProxySetting>,
    /// Whether a feed on a public address may redirect to a loopback,
    /// private or link-local one (default no: a feed must not make the
    /// daemon reach into the network it runs in).
    pub allow_private: bool,
    /// At start-up, feeds that are due (or were never polled) get their
    /// first poll at a random point within this window (at most their
    /// interval), so a start does not hit every server at once.
    pub startup_spread: HumanDuration,
    /// Feeds fetched from one host at the same time, at most.
    pub per_host: usize,
    /// The longest a failing feed waits between attempts (unless its
    /// interval is longer).
    pub max_backoff: HumanDuration,
    /// Delays the server asks for (`Retry-After`, `Cache-Control: max-age`,
    /// `<ttl>`, `sy:updatePeriod`) are honoured up to this long.
    pub max_server_delay: HumanDuration,
    /// A feed failing for this long raises a "feed unhealthy" event.
    pub unhealthy_after: HumanDuration,
    /// On a feed's first poll, only items published this recently alert.
    pub backlog_window: HumanDuration,
    /// `window` (default): the first poll alerts only items within
    /// `backlog_window`; `all`: it alerts every matching item.
    pub backlog: BacklogMode,
    /// At most this many items per feed per poll are processed, newest first.
    pub max_items: usize,
    /// Whether each new item's link is fetched and its article's main text
    /// matched as the field `article` (a feed's `full_text` overrides it).
    pub full_text: bool,
    /// Largest article page accepted, counted after decompression.
    pub max_article: ByteSize,
    /// How long one poll waits for its articles, from the first request:
    /// an item whose article is not in by then is matched without it.
    pub article_timeout: HumanDuration,
}

/// What a feed's first poll does with the items already in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BacklogMode {
    /// Alert only items published within `backlog_window`; mark the rest seen.
    #[default]
    Window,
    /// Alert every matching item.
    All,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            interval: HumanDuration::secs(15 * 60),
            jitter: 0.1,
            concurrency: 16,
            connect_timeout: HumanDuration::secs(10),
            read_timeout: HumanDuration::secs(30),
            timeout: HumanDuration::secs(60),
            max_body: ByteSize(10 << 20),
            allow_private: false,
            user_agent: None,
            headers: super::HeaderSettings::default(),
            proxy: None,
            startup_spread: HumanDuration::secs(60),
            per_host: 2,
            max_backoff: HumanDuration::secs(6 * 3600),
            max_server_delay: HumanDuration::secs(6 * 3600),
            unhealthy_after: HumanDuration::secs(2 * 3600),
            backlog_window: HumanDuration::secs(24 * 3600),
            backlog: BacklogMode::Window,
            max_items: 200,
            full_text: false,
            max_article: ByteSize(2 << 20),
            article_timeout: HumanDuration::secs(30),
        }
    }
}

/// `[daemon]`: process-level settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {
    /// How long shutdown may spend delivering what is due.
    pub shutdown_grace: HumanDuration,
    /// `text` (default; plain lines under journald) or `json`.
    pub log_format: LogFormat,
    /// How long one store write may take before the daemon counts as
    /// stuck: `/healthz` answers 503 and the systemd watchdog goes unpinged,
    /// so systemd restarts it. Raise it for a slow remote database.
    pub stuck_after: HumanDuration,
    /// This daemon's name in a fleet sharing one PostgreSQL database:
    /// stable across restarts, so a restarted instance takes its own
    /// leases back at once. Unset: a random id per start.
    pub instance: Option<String>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            shutdown_grace: HumanDuration::secs(10),
            log_format: LogFormat::Text,
            stuck_after: HumanDuration::secs(30),
            instance: None,
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[http]`: the metrics and health endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address to listen on; `""` turns the endpoint off.
    pub listen: ListenAddress,
    /// Connections served at once (1 to 4,096); more are closed at once.
    pub max_connections: usize,
    /// A file holding the bearer token every path but `/healthz` needs
    /// (required when `listen` is not a loopback address).
    pub token_file: Option<std::path::PathBuf>,
    /// An environment variable holding the token, instead.
    pub token_env: Option<String>,
    /// A systemd credential holding the token (`LoadCredential=NAME:...`),
    /// instead.
    pub token_credential: Option<String>,
}

impl HttpConfig {
    /// Where the endpoint's token comes from, if anywhere.
    pub fn token_source(&self) -> crate::sink::secret::SecretSource<'_> {
        crate::sink::secret::SecretSource {
            secret_env: self.token_env.as_deref(),
            secret_file: self.token_file.as_deref(),
            credential: self.token_credential.as_deref(),
        }
    }

    /// Whether the endpoint listens beyond loopback (and so needs a token).
    pub fn exposed(&self) -> bool {
        self.listen
            .0
            .is_some_and(|address| !address.ip().is_loopback())
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: ListenAddress(Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9464)))),
            max_connections: 64,
            token_file: None,
            token_env: None,
            token_credential: None,
        }
    }
}

/// A socket address, or nothing for `""`; checked when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenAddress(pub Option<std::net::SocketAddr>);

impl<'de> Deserialize<'de> for ListenAddress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            return Ok(ListenAddress(None));
        }
        text.trim()
            .parse()
            .map(|a| ListenAddress(Some(a)))
            .map_err(|_| serde::de::Error::custom(format!("invalid listen address {text:?}; write it like \"127.0.0.1:9464\", or \"\" for none")))
    }
}

/// `[dedup]`: how stories are recognised and how long they are remembered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupConfig {
    /// An item is compared with the stories alerted this recently.
    pub window: HumanDuration,
    /// Seen items and stories older than this are forgotten (unless the
    /// item is still in its feed).
    pub retention: HumanDuration,
    /// Query parameters dropped from links besides the built-in tracking
    /// ones (`utm_*`, `fbclid`, `gclid`, ...).
    pub tracking_parameters: Vec<String>,
    /// A sink with `on_repeat = "update"` hears about a story's new
    /// sources at most once per this period.
    pub update_period: HumanDuration,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            window: HumanDuration::secs(72 * 3600),
            retention: HumanDuration::secs(90 * 86_400),
            tracking_parameters: Vec::new(),
            update_period: HumanDuration::secs(3600),
        }
    }
}

/// `[archive]`: every parsed item is kept this long, for back-testing
/// and search.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// How long an item stays in the archive; 0 keeps none.
    pub retention: HumanDuration,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        ArchiveConfig {
            retention: HumanDuration::secs(30 * 86_400),
        }
    }
}

impl ArchiveConfig {
    /// Whether items are archived at all.
    pub fn enabled(&self) -> bool {
        !self.retention.0.is_zero()
    }
}

/// `[signals]`: when a story is breaking and when a list's volume is a
/// spike. The events go only to sinks that ask for them (`events`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalsConfig {
    /// A story breaks when this many distinct feeds carry it...
    pub breaking_sources: u64,
    /// ...within this long.
    pub breaking_window: HumanDuration,
    /// A list's matched items are counted over this window...
    pub spike_window: HumanDuration,
    /// ...and compared with its hourly rate over this trailing period.
    pub spike_baseline: HumanDuration,
    /// A spike has at least this many items in the window...
    pub spike_min: u64,
    /// ...and at least this many times (the usual count in a window, plus one).
    pub spike_factor: f64,
    /// After a spike, the list stays quiet this long.
    pub spike_cooldown: HumanDuration,
}

impl Default for SignalsConfig {
    fn default() -> Self {
        SignalsConfig {
            breaking_sources: 5,
            breaking_window: HumanDuration::secs(3600),
            spike_window: HumanDuration::secs(3600),
            spike_baseline: HumanDuration::secs(7 * 86_400),
            spike_min: 5,
            spike_factor: 3.0,
            spike_cooldown: HumanDuration::secs(6 * 3600),
        }
    }
}
