//! The operator's TOML config: serde structs, loading (`load.rs`: each
//! section and array element read on its own) and a pure validation pass
//! (`check.rs`, `watch.rs`, `ranges.rs`). Every error of a file is found in
//! one pass, each naming the file, line and column of its value.
//!
//! Sink configs live with the sinks (`crate::sink::SinkConfig`); everything
//! else a config can say is declared here.

mod check;
mod error;
mod feed_filter;
mod feed_http;
mod fingerprint;
mod load;
mod ranges;
mod sections;
mod watch;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use crate::matcher::watch::{
    DetailedTerm, Diacritics, EntityConfig, RegexTerm, TermConfig, TermMode, WatchConfig,
};
pub use crate::units::{ByteSize, CronSchedule, HumanDuration, parse_http_url};
use error::Findings;
pub use error::{ConfigError, line_column};
pub use feed_filter::FeedFilter;
pub use feed_http::{
    BasicAuth, HeaderSettings, HeaderValueSetting, HttpSettings, ProxySetting, in_clear_text,
    is_secret_header,
};
pub use fingerprint::{ConfigParts, fingerprint};
pub use sections::{
    ArchiveConfig, BacklogMode, DaemonConfig, DedupConfig, HttpConfig, ListenAddress, LogFormat,
    PollConfig, SignalsConfig, StateConfig,
};

use crate::sink::SinkConfig;

/// Where the config is looked for when `--config` and `$NEWSWATCH_CONFIG`
/// are both absent, in order.
pub const DEFAULT_CONFIG_PATHS: [&str; 2] =
    ["/etc/newswatch/newswatch.toml", "./config/newswatch.toml"];

/// The shortest `[daemon] stuck_after`: twice the beat of an idle pipeline,
/// so idling never looks like being stuck.
pub const MIN_STUCK_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// A loaded, validated config.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from (for messages).
    pub path: PathBuf,
    /// Where state lives.
    pub state: StateConfig,
    /// How feeds are polled by default.
    pub poll: PollConfig,
    /// Process-level settings.
    pub daemon: DaemonConfig,
    /// Story recognition and memory.
    pub dedup: DedupConfig,
    /// The item archive, for back-testing and search.
    pub archive: ArchiveConfig,
    /// Breaking stories and list spikes.
    pub signals: SignalsConfig,
    /// The metrics and health endpoint.
    pub http: HttpConfig,
    /// The feeds to watch.
    pub feeds: Vec<FeedConfig>,
    /// The watch lists.
    pub watches: Vec<WatchConfig>,
    /// The entities queries refer to (`@name`).
    pub entities: Vec<EntityConfig>,
    /// Where alerts go.
    pub sinks: Vec<SinkConfig>,
    /// Where each sink's table starts in the file (line, column), so what
    /// is found wrong with a sink after loading (its pre-flight) points at
    /// it like a loading error.
    pub sink_places: Vec<(usize, usize)>,
    /// Where `[http]` starts (1:1 without one), for what its pre-flight
    /// finds (a token that cannot be read).
    pub http_place: (usize, usize),
    /// Where `[poll]` starts (1:1 without one), for a default header's
    /// secret that cannot be read.
    pub poll_place: (usize, usize),
    /// Where each feed's table starts, for its secrets that cannot be read.
    pub feed_places: Vec<(usize, usize)>,
    /// What a fleet compares between its instances (fingerprint.rs).
    pub fingerprint: ConfigParts,
}

/// `[[feed]]`: one feed to poll.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The feed's address (http or https). Also its identity in the store.
    pub url: FeedUrl,
    /// Display name; default the URL's host and path.
    #[serde(default)]
    pub name: Option<String>,
    /// Poll interval for this feed (overrides `[poll] interval`).
    #[serde(default)]
    pub interval: Option<HumanDuration>,
    /// Cron schedule instead of an interval (UTC).
    #[serde(default)]
    pub schedule: Option<CronSchedule>,
    /// Overrides `[poll] backlog_window` for this feed.
    #[serde(default)]
    pub backlog_window: Option<HumanDuration>,
    /// Overrides `[poll] backlog` for this feed.
    #[serde(default)]
    pub backlog: Option<BacklogMode>,
    /// Overrides `[poll] max_items` for this feed.
    #[serde(default)]
    pub max_items: Option<usize>,
    /// Labels (OPML folders on import) that watch lists and sinks select
    /// feeds by (`tags = [...]`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Extra request headers, over those of `[poll] headers` (this
    /// feed's keys win).
    #[serde(default)]
    pub headers: HeaderSettings,
    /// Overrides `[poll] user_agent` for this feed.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Credentials sent as `Authorization: Basic` (this feed only: one
    /// site's password is never a default for every feed).
    #[serde(default)]
    pub basic_auth: Option<BasicAuth>,
    /// Overrides `[poll] proxy` for this feed.
    #[serde(default)]
    pub proxy: Option<ProxySetting>,
    /// Overrides `[poll] full_text` for this feed: fetch each new item's
    /// article and match its text.
    #[serde(default)]
    pub full_text: Option<bool>,
    /// Overrides `[poll] article_timeout` for this feed.
    #[serde(default)]
    pub article_timeout: Option<HumanDuration>,
}

impl FeedConfig {
    /// The name shown in logs and alerts before the feed was fetched.
    pub fn display_name(&self) -> String {
        self.name_with_title(None)
    }

    /// The name shown in logs, alerts and listings: the configured name;
    /// else the feed's own title (`title`, from its document), cleaned to
    /// one short line; else the URL's host and path.
    pub fn name_with_title(&self, title: Option<&str>) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        if let Some(title) = title.and_then(feed_title) {
            return title;
        }
        let url = &self.url.0;
        format!("{}{}", url.host_str().unwrap_or(""), url.path())
    }
}

/// Longest feed title used as a feed's name, in characters.
const FEED_TITLE_CHARS: usize = 80;

/// A feed document's title as a name: one line, no control characters,
/// capped; `None` when nothing is left.
pub fn feed_title(title: &str) -> Option<String> {
    let line = crate::text::plain::collapse_whitespace(title);
    let line = crate::text::clip::clip(&line, FEED_TITLE_CHARS);
    (!line.is_empty()).then_some(line)
}

/// An http(s) URL, checked when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedUrl(pub url::Url);

impl FeedUrl {
    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> Deserialize<'de> for FeedUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_http_url(&text)
            .map(FeedUrl)
            .map_err(serde::de::Error::custom)
    }
}

impl Config {
    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` is only used in messages.
    /// A file that is not TOML is one error (nothing after it can be read
    /// reliably); otherwise every section and value is read and checked,
    /// and every error found is returned (`ConfigError::Many` when there
    /// are several), each at its own line and column.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let document = toml::de::DeTable::parse(text)
            .map_err(|e| ConfigError::at(path, text, e.span(), e.message().trim().to_string()))?;
        let mut findings = Findings::new(path, text);
        let raw = load::read(document.get_ref(), &mut findings);
        check::check(&raw, &mut findings);
        findings.finish()?;
        let place = |start: Option<usize>| start.map_or((1, 1), |at| line_column(text, at));
        Ok(Config {
            http_place: place(raw.http.start()),
            poll_place: place(raw.poll.start()),
            feed_places: raw.feeds.iter().map(|f| place(f.start())).collect(),
            path: path.to_path_buf(),
            fingerprint: fingerprint(text),
            state: raw.state.value,
            poll: raw.poll.value,
            daemon: raw.daemon.value,
            dedup: raw.dedup.value,
            archive: raw.archive.value,
            signals: raw.signals.value,
            http: raw.http.value,
            feeds: raw.feeds.into_iter().map(|f| f.value).collect(),
            watches: raw.watches.into_iter().map(|w| w.value).collect(),
            entities: raw.entities.into_iter().map(|e| e.value).collect(),
            sink_places: raw.sinks.iter().map(|s| place(s.start())).collect(),
            sinks: raw.sinks.into_iter().map(|s| s.value).collect(),
        })
    }

    /// The HTTP settings of a feed, with the `[poll]` defaults applied.
    pub fn http_of<'a>(&'a self, feed: &'a FeedConfig) -> HttpSettings<'a> {
        HttpSettings::of_feed(feed, &self.poll)
    }

    /// The poll interval of a feed (its own, else the default).
    pub fn interval_of(&self, feed: &FeedConfig) -> std::time::Duration {
        feed.interval.unwrap_or(self.poll.interval).0
    }

    /// The watch lists whose `feeds`/`tags` leave `feed` out: its items
    /// never match them.
    pub fn lists_not_for(&self, feed: &FeedConfig) -> Vec<String> {
        self.watches
            .iter()
            .filter(|w| !w.feed_filter().admits(feed))
            .map(|w| w.name.get_ref().clone())
            .collect()
    }

    /// The sinks whose `feeds`/`tags` leave `feed` out: its alerts never
    /// reach them.
    pub fn sinks_not_for(&self, feed: &FeedConfig) -> Vec<String> {
        self.sinks
            .iter()
            .filter(|s| !s.feed_filter().admits(feed))
            .map(|s| s.name().to_string())
            .collect()
    }

    /// The configured feed polled at `url`, if any.
    pub fn feed_at(&self, url: &str) -> Option<&FeedConfig> {
        let url = url::Url::parse(url).ok()?;
        self.feeds.iter().find(|f| f.url.0 == url)
    }

    /// The state directory, from the config or the environment.
    pub fn state_directory(&self, env: impl Fn(&str) -> Option<String>) -> PathBuf {
        if let Some(dir) = &self.state.directory {
            return dir.clone();
        }
        let non_empty = |key: &str| env(key).filter(|v| !v.is_empty());
        if let Some(dir) = non_empty("STATE_DIRECTORY") {
            // systemd may pass several, colon-separated; the first is ours.
            return PathBuf::from(dir.split(':').next().unwrap_or(&dir));
        }
        if let Some(dir) = non_empty("XDG_STATE_HOME") {
            return PathBuf::from(dir).join("newswatch");
        }
        let home = non_empty("HOME").unwrap_or_else(|| ".".to_string());
        PathBuf::from(home).join(".local/state/newswatch")
    }

    /// The database URL: configured, else a SQLite file in the state directory.
    pub fn database_url(&self, state_directory: &Path) -> String {
        match &self.state.database {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                state_directory.join("newswatch.db").display()
            ),
        }
    }
}

/// Finds the config file: `--config` (or `$NEWSWATCH_CONFIG`, which clap
/// folds into it), else the first of [`DEFAULT_CONFIG_PATHS`] that exists.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    DEFAULT_CONFIG_PATHS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| ConfigError::NotFound {
            tried: format!(
                "--config, $NEWSWATCH_CONFIG, {}",
                DEFAULT_CONFIG_PATHS.join(", ")
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    const MINIMAL: &str = r#"
[[feed]]
url = "https://example.org/rss.xml"

[[watch]]
name = "kosovo"
mode = "prefix"
terms = ["kosov", { term = "Priština", mode = "word" }]

[[sink]]
type = "stdout"
"#;

    #[test]
    fn minimal_config_parses_with_defaults() {
        let config = parse(MINIMAL).expect("valid");
        assert_eq!(config.feeds.len(), 1);
        assert_eq!(config.interval_of(&config.feeds[0]).as_secs(), 900);
        assert_eq!(
            config.watches[0].terms[1].get_ref().mode(TermMode::Prefix),
            TermMode::Word
        );
        assert_eq!(config.sinks[0].name(), "stdout");
    }

    fn error_position(text: &str) -> (usize, usize, String) {
        match parse(text) {
            Err(ConfigError::Invalid {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected an invalid-config error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_keys_are_rejected_at_their_position() {
        let (line, column, message) =
            error_position("[[feed]]\nurl = \"https://a.example/\"\nintervall = \"5m\"\n");
        assert_eq!((line, column), (3, 1), "{message}");
        assert!(message.contains("intervall"), "{message}");
    }

    #[test]
    fn bad_values_point_at_the_value() {
        let (line, column, message) =
            error_position("[[feed]]\nurl = \"https://a.example/\"\ninterval = \"soon\"\n");
        assert_eq!((line, column), (3, 12), "{message}");
        let (line, _, message) = error_position("[[feed]]\nurl = \"ftp://a.example/\"\n");
        assert_eq!(line, 2, "{message}");
        let (line, _, message) =
            error_position("[[feed]]\nurl = \"https://a.example/\"\nschedule = \"0 61 * * * *\"\n");
        assert_eq!(line, 3, "{message}");
    }

    #[test]
    fn an_unknown_sink_type_points_at_its_type_line_with_a_guess() {
        let text =
            "[[sink]]\nname = \"chat\"\ntype = \"webhok\"\nurl = \"https://hooks.example/\"\n";
        let (line, column, message) = error_position(text);
        assert_eq!((line, column), (3, 8), "{message}");
        assert!(message.contains("unknown variant `webhok`"), "{message}");
        assert!(message.contains("did you mean `webhook`?"), "{message}");
    }

    #[test]
    fn a_bad_cron_schedule_says_what_is_wrong_in_words() {
        let (line, _, message) =
            error_position("[[feed]]\nurl = \"https://a.example/\"\nschedule = \"0 61 * * * *\"\n");
        assert_eq!(line, 3, "{message}");
        assert!(
            message.contains("the minute field \"61\" has 61, but minutes run 0-59"),
            "{message}"
        );
        assert!(!message.contains("Component error"), "{message}");
    }

    #[test]
    fn cross_references_are_checked() {
        let text = format!("{MINIMAL}lists = [\"kosvo\"]\n");
        let (line, column, message) = error_position(&text);
        assert!(message.contains("kosvo"), "{message}");
        assert_eq!((line, column), (12, 10));
        let (_, _, message) = error_position(&format!("{MINIMAL}\n[[sink]]\ntype = \"stdout\"\n"));
        assert!(message.contains("named \"stdout\""), "{message}");
    }

    #[test]
    fn stuck_after_below_two_idle_beats_is_refused_at_its_line() {
        let config = parse(&format!("{MINIMAL}\n[daemon]\nstuck_after = \"5m\"\n")).expect("valid");
        assert_eq!(config.daemon.stuck_after.0.as_secs(), 300);
        let text = format!("{MINIMAL}\n[daemon]\nstuck_after = \"1s\"\n");
        let (line, _, message) = error_position(&text);
        assert_eq!(line, text.lines().count(), "{message}");
        assert!(
            message.contains("stuck_after must be at least 2s"),
            "{message}"
        );
    }

    #[test]
    fn terms_that_fold_to_nothing_are_errors() {
        let (line, _, message) =
            error_position("[[watch]]\nname = \"x\"\nterms = [\"ok\", \"\u{00AD} \"]\n");
        assert_eq!(line, 3);
        assert!(message.contains("empty once folded"), "{message}");
    }

    #[test]
    fn state_directory_follows_the_documented_order() {
        let config = parse(MINIMAL).expect("valid");
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            config.state_directory(env(&[
                ("STATE_DIRECTORY", "/var/lib/newswatch"),
                ("HOME", "/h")
            ])),
            PathBuf::from("/var/lib/newswatch")
        );
        assert_eq!(
            config.state_directory(env(&[("XDG_STATE_HOME", "/x"), ("HOME", "/h")])),
            PathBuf::from("/x/newswatch")
        );
        assert_eq!(
            config.state_directory(env(&[("HOME", "/h")])),
            PathBuf::from("/h/.local/state/newswatch")
        );
    }
}
