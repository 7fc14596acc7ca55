//! How feeds are fetched beyond their URL: extra request headers (plain,
//! or a secret read from the environment, a file or a credential), the
//! User-Agent, basic auth and the proxy. `[[feed]]` sets them for itself,
//! `[poll]` for every feed (a feed's own value wins; header tables merge,
//! the feed's keys winning). Read and checked here without I/O; secrets are
//! read when the fetcher is built and by the pre-flight of `check`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;

use crate::sink::secret::{SecretRef, SecretSource};

/// `headers = { "X-Api-Key" = "...", Authorization = { secret_env = "T" } }`:
/// header names and their values. Prints names only, with values whose
/// name looks secret as `***`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct HeaderSettings(pub BTreeMap<String, HeaderValueSetting>);

impl std::fmt::Debug for HeaderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.0 {
            match value {
                HeaderValueSetting::Plain(text) if !is_secret_header(name) => map.entry(name, text),
                HeaderValueSetting::Plain(_) => map.entry(name, &"***"),
                HeaderValueSetting::Secret(source) => map.entry(name, source),
            };
        }
        map.finish()
    }
}

/// One header's value: written in the config, or a secret named there.
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderValueSetting {
    /// The value as written (shown only when the header's name does not
    /// look secret, see [`is_secret_header`]).
    Plain(String),
    /// `{ secret_env = "NAME" }`, `{ secret_file = "/path" }` or
    /// `{ credential = "NAME" }`.
    Secret(SecretRef),
}

/// Prints a plain value as `***`: alone, the value does not know whether
/// its header's name makes it secret ([`HeaderSettings`] does).
impl std::fmt::Debug for HeaderValueSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderValueSetting::Plain(_) => f.write_str("Plain(***)"),
            HeaderValueSetting::Secret(source) => write!(f, "{source:?}"),
        }
    }
}

impl HeaderValueSetting {
    /// Whether the value must never show: a secret source, or a plain
    /// value under a name that looks secret.
    pub fn is_secret(&self, name: &str) -> bool {
        matches!(self, HeaderValueSetting::Secret(_)) || is_secret_header(name)
    }
}

impl<'de> Deserialize<'de> for HeaderValueSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = HeaderValueSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a header value: a string, or a table with one of secret_env, secret_file and credential",
                )
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(HeaderValueSetting::Plain(text.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let secret = SecretRef::deserialize(MapAccessDeserializer::new(map))?;
                secret
                    .source()
                    .validate_one()
                    .map_err(serde::de::Error::custom)?;
                Ok(HeaderValueSetting::Secret(secret))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `basic_auth = { username = "...", secret_env = "..." }` (or
/// `secret_file`, `credential`): sent as `Authorization: Basic`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// The user name (not secret: `check` shows it).
    pub username: String,
    /// The password from an environment variable...
    #[serde(default)]
    pub secret_env: Option<String>,
    /// ...or a file...
    #[serde(default)]
    pub secret_file: Option<std::path::PathBuf>,
    /// ...or a systemd credential.
    #[serde(default)]
    pub credential: Option<String>,
}

impl BasicAuth {
    /// Where the password comes from.
    pub fn source(&self) -> SecretSource<'_> {
        SecretSource {
            secret_env: self.secret_env.as_deref(),
            secret_file: self.secret_file.as_deref(),
            credential: self.credential.as_deref(),
        }
    }

    /// What is wrong with it, without I/O.
    pub fn problem(&self) -> Option<String> {
        if self.username.is_empty() {
            return Some("basic_auth: username is empty".into());
        }
        if self.username.contains(':') || self.username.contains(char::is_control) {
            return Some("basic_auth: username must not contain ':' or control characters".into());
        }
        self.source()
            .validate_one()
            .err()
            .map(|e| format!("basic_auth: {e}"))
    }
}

/// `proxy = "http://host:port"`: every request of the feed goes through
/// that proxy (`""` or `"none"`: through none, whatever the environment
/// says). Without it, `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
/// `NO_PROXY` decide. Prints without its credentials.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum ProxySetting {
    /// No proxy.
    Off,
    /// Through this http:// or https:// proxy (user info: its credentials).
    Via(url::Url),
}

impl ProxySetting {
    /// How `check` and logs show it: `off`, or scheme, host and port, with
    /// "(with credentials)" where the URL holds some.
    pub fn shown(&self) -> String {
        match self {
            ProxySetting::Off => "off".to_string(),
            ProxySetting::Via(url) => {
                let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
                if let Some(port) = url.port() {
                    shown.push_str(&format!(":{port}"));
                }
                if !url.username().is_empty() || url.password().is_some() {
                    shown.push_str(" (with credentials)");
                }
                shown
            }
        }
    }
}

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProxySetting({})", self.shown())
    }
}

impl<'de> Deserialize<'de> for ProxySetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_proxy(&text).map_err(serde::de::Error::custom)
    }
}

/// Reads a `proxy` value. The error never repeats the value: it may hold
/// the proxy's password.
fn parse_proxy(text: &str) -> Result<ProxySetting, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(ProxySetting::Off);
    }
    const EXPECTED: &str = "proxy must be \"http://host:port\" or \"https://host:port\" \
                            (optionally with user:password@), or \"\" / \"none\" for no proxy";
    let url = url::Url::parse(text).map_err(|_| EXPECTED.to_string())?;
    let plain = matches!(url.path(), "" | "/") && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || !plain {
        return Err(EXPECTED.to_string());
    }
    Ok(ProxySetting::Via(url))
}

/// Whether a header's value must never show by its name alone:
/// `Authorization`, `Cookie`, and names with token, key, secret, auth,
/// password or session in them.
pub fn is_secret_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "cookie"
        || ["token", "key", "secret", "auth", "password", "session"]
            .iter()
            .any(|word| lower.contains(word))
}

/// Why a header cannot be configured, if it cannot: the client or the
/// fetcher sets it, or another setting says it.
fn forbidden_header(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "host" | "content-length" | "transfer-encoding" | "connection" | "keep-alive" | "te"
        | "trailer" | "upgrade" | "proxy-connection" | "expect" => {
            "is hop-by-hop or framing; the HTTP client sets it"
        }
        "if-none-match" | "if-modified-since" => {
            "is sent by newswatch itself (conditional GET with the stored validators)"
        }
        "accept-encoding" => "is sent by newswatch itself (the body cap counts decompressed bytes)",
        "user-agent" => "is set with user_agent = \"...\"",
        "proxy-authorization" => {
            "goes in the proxy's URL: proxy = \"http://user:password@host:port\""
        }
        _ => return None,
    })
}

/// What is wrong with one configured header, without I/O; the value never
/// shows in the message.
pub fn header_problem(name: &str, value: &HeaderValueSetting) -> Option<String> {
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Some(format!("invalid header name {name:?}"));
    }
    if let Some(why) = forbidden_header(&name.to_ascii_lowercase()) {
        return Some(format!("header {name} cannot be configured: it {why}"));
    }
    if let HeaderValueSetting::Plain(text) = value
        && reqwest::header::HeaderValue::from_str(text).is_err()
    {
        return Some(format!(
            "invalid value for header {name} (control characters are not allowed)"
        ));
    }
    None
}

/// Names given twice in one table, in any case (`X-Key` and `x-key`).
pub fn repeated_headers(headers: &HeaderSettings) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    headers
        .0
        .keys()
        .filter(|name| !seen.insert(name.to_ascii_lowercase()))
        .map(String::as_str)
        .collect()
}

/// What is wrong with a `user_agent`, without I/O.
pub fn user_agent_problem(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return Some("user_agent is empty".into());
    }
    reqwest::header::HeaderValue::from_str(value)
        .is_err()
        .then(|| "user_agent must not contain control characters".into())
}

/// A feed's HTTP settings with the `[poll]` defaults applied: what its
/// requests carry. Borrowed from the config.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings<'a> {
    /// Header name (as the winning table spells it) and value, one per
    /// name in any case, by lowercased name.
    pub headers: BTreeMap<String, (&'a str, &'a HeaderValueSetting)>,
    /// The User-Agent, if not newswatch's own.
    pub user_agent: Option<&'a str>,
    /// Basic auth (feeds only).
    pub basic_auth: Option<&'a BasicAuth>,
    /// The proxy; `None`: the environment's.
    pub proxy: Option<&'a ProxySetting>,
}

impl<'a> HttpSettings<'a> {
    /// The `[poll]` defaults alone (a URL that is no configured feed).
    pub fn of_poll(poll: &'a super::PollConfig) -> Self {
        let mut settings = HttpSettings {
            user_agent: poll.user_agent.as_deref(),
            proxy: poll.proxy.as_ref(),
            ..HttpSettings::default()
        };
        settings.add_headers(&poll.headers);
        settings
    }

    /// A feed's settings over the `[poll]` defaults. Its basic auth
    /// replaces an `Authorization` header from `[poll]`.
    pub fn of_feed(feed: &'a super::FeedConfig, poll: &'a super::PollConfig) -> Self {
        let mut settings = HttpSettings::of_poll(poll);
        if feed.basic_auth.is_some() {
            settings.headers.remove("authorization");
        }
        settings.add_headers(&feed.headers);
        settings.user_agent = feed.user_agent.as_deref().or(settings.user_agent);
        settings.basic_auth = feed.basic_auth.as_ref();
        settings.proxy = feed.proxy.as_ref().or(settings.proxy);
        settings
    }

    /// Adds a table's headers, replacing those of the same name in any case.
    pub fn add_headers(&mut self, headers: &'a HeaderSettings) {
        for (name, value) in &headers.0 {
            self.headers
                .insert(name.to_ascii_lowercase(), (name.as_str(), value));
        }
    }

    /// Whether anything differs from a plain request.
    pub fn is_set(&self) -> bool {
        !self.headers.is_empty()
            || self.user_agent.is_some()
            || self.basic_auth.is_some()
            || self.proxy.is_some()
    }

    /// Whether the requests carry a credential (basic auth, or a header
    /// whose value is secret).
    pub fn sends_credentials(&self) -> bool {
        self.basic_auth.is_some()
            || self
                .headers
                .values()
                .any(|(name, value)| value.is_secret(name))
    }

    /// One line for `check`: header names, the User-Agent, "basic auth as
    /// USER", the proxy without its credentials. Never a secret.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.headers.is_empty() {
            let names: Vec<&str> = self.headers.values().map(|(name, _)| *name).collect();
            parts.push(format!("headers {}", names.join(", ")));
        }
        if let Some(agent) = self.user_agent {
            parts.push(format!("user agent {agent:?}"));
        }
        if let Some(auth) = self.basic_auth {
            parts.push(format!("basic auth as {:?}", auth.username));
        }
        match self.proxy {
            Some(proxy) => parts.push(format!("proxy {}", proxy.shown())),
            None => parts.push("proxy from the environment".into()),
        }
        parts.join("; ")
    }
}

impl super::FeedConfig {
    /// Whether the feed sets any HTTP setting of its own.
    pub fn sets_http(&self) -> bool {
        !self.headers.0.is_empty()
            || self.user_agent.is_some()
            || self.basic_auth.is_some()
            || self.proxy.is_some()
    }
}

impl super::Config {
    /// A warning for each feed whose credentials (basic auth, secret
    /// headers) would cross the network unencrypted: said by `check` and
    /// logged at start, not refused (an intranet feed on plain http is a
    /// choice the operator may make).
    pub fn clear_text_credentials(&self) -> Vec<String> {
        self.feeds
            .iter()
            .filter(|feed| in_clear_text(&feed.url.0) && self.http_of(feed).sends_credentials())
            .map(|feed| {
                format!(
                    "feed {:?} sends credentials over plain http to {}; use https",
                    feed.display_name(),
                    feed.url.0.host_str().unwrap_or_default()
                )
            })
            .collect()
    }
}

/// Whether credentials sent to `url` cross the network unencrypted: plain
/// http to a host other than loopback.
pub fn in_clear_text(url: &url::Url) -> bool {
    if url.scheme() != "http" {
        return false;
    }
    url.host_str()
        .is_some_and(|host| !crate::http::is_loopback_host(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_read_and_never_show_their_password() {
        assert_eq!(parse_proxy(""), Ok(ProxySetting::Off));
        assert_eq!(parse_proxy(" None "), Ok(ProxySetting::Off));
        let proxy = parse_proxy("http://user:hunter2@proxy.example:3128").expect("valid");
        assert_eq!(
            proxy.shown(),
            "http://proxy.example:3128 (with credentials)"
        );
        assert!(!format!("{proxy:?}").contains("hunter2"));
        for bad in [
            "socks5://proxy.example:1080",
            "proxy.example:3128",
            "http://u:hunter2@proxy.example:3128/path",
            "http://u:hunter2@",
        ] {
            let error = parse_proxy(bad).expect_err(bad);
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn forbidden_and_invalid_headers_are_named_without_their_values() {
        let plain = |v: &str| HeaderValueSetting::Plain(v.to_string());
        for name in ["Host", "content-length", "If-None-Match", "Accept-Encoding"] {
            let problem = header_problem(name, &plain("x")).expect(name);
            assert!(problem.contains(name), "{problem}");
        }
        assert!(
            header_problem("Bad Name", &plain("x"))
                .expect("invalid")
                .contains("invalid header name")
        );
        let problem = header_problem("X-Api-Key", &plain("hunter2\n")).expect("invalid value");
        assert!(!problem.contains("hunter2"), "{problem}");
        assert_eq!(header_problem("X-Api-Key", &plain("hunter2")), None);
    }

    #[test]
    fn secret_looking_headers_print_as_stars() {
        let mut headers = BTreeMap::new();
        for (name, value) in [
            ("X-Api-Key", "hunter2"),
            ("Authorization", "Bearer hunter2"),
            ("Cookie", "s=hunter2"),
            ("Accept-Language", "sr"),
        ] {
            headers.insert(
                name.to_string(),
                HeaderValueSetting::Plain(value.to_string()),
            );
        }
        let shown = format!("{:?}", HeaderSettings(headers));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("\"sr\""), "{shown}");
    }

    #[test]
    fn basic_auth_and_an_authorization_header_conflict_and_poll_has_no_basic_auth() {
        let parse = |text: &str| {
            crate::config::Config::parse(text, std::path::Path::new("t.toml"))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let error = parse(
            "[[feed]]\nurl = \"https://a.example/\"\nheaders = { Authorization = \"Bearer x\" }\n\
             basic_auth = { username = \"u\", secret_env = \"P\" }\n",
        )
        .expect_err("conflict");
        assert!(
            error.contains("t.toml:4:") && error.contains("not both"),
            "{error}"
        );
        let error =
            parse("[[feed]]\nurl = \"https://a.example/\"\nbasic_auth = { username = \"u\" }\n")
                .expect_err("no password source");
        assert!(error.contains("set one of secret_env"), "{error}");
        let error = parse("[poll]\nbasic_auth = { username = \"u\", secret_env = \"P\" }\n")
            .expect_err("feeds only");
        assert!(error.contains("unknown field `basic_auth`"), "{error}");
        // A feed's basic auth replaces an Authorization header from [poll].
        parse(
            "[poll]\nheaders = { Authorization = \"Bearer x\" }\n[[feed]]\nurl = \"https://a.example/\"\n\
             basic_auth = { username = \"u\", secret_env = \"P\" }\n",
        )
        .expect("valid");
    }

    #[test]
    fn clear_text_means_plain_http_beyond_loopback() {
        let url = |u: &str| url::Url::parse(u).expect("url");
        assert!(in_clear_text(&url("http://feeds.example/rss")));
        assert!(in_clear_text(&url("http://10.0.0.5/rss")));
        assert!(!in_clear_text(&url("https://feeds.example/rss")));
        assert!(!in_clear_text(&url("http://127.0.0.1:8080/rss")));
        assert!(!in_clear_text(&url("http://localhost/rss")));
        assert!(!in_clear_text(&url("http://[::1]/rss")));
    }
}
