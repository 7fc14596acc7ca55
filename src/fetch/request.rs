//! One feed's request settings, resolved: the client for its proxy, its
//! User-Agent, and the headers it sends to its own site, with every secret
//! read. Secret values are marked sensitive (reqwest and `Debug` print
//! them as such) and never leave this module but in a request.

use base64::Engine;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use super::ClientError;
use super::clients::Clients;
use crate::config::{BasicAuth, HeaderSettings, HeaderValueSetting, HttpSettings};
use crate::http::USER_AGENT;

/// What every request of one feed carries.
#[derive(Clone)]
pub struct FeedRequest {
    /// The client of the feed's proxy setting (shared with other feeds).
    pub(super) client: reqwest::Client,
    /// The User-Agent header.
    user_agent: HeaderValue,
    /// Configured headers and basic auth: sent only to the feed's own
    /// site (see [`FeedRequest::may_carry_headers`]).
    headers: HeaderMap,
    /// The configured URL; `None`: whatever URL a fetch starts at.
    home: Option<url::Url>,
}

impl std::fmt::Debug for FeedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("FeedRequest")
            .field("user_agent", &self.user_agent)
            .field("headers", &names)
            .field("home", &self.home.as_ref().map(url::Url::as_str))
            .finish()
    }
}

impl FeedRequest {
    /// Resolves `settings` for the feed at `home` (`None`: the `[poll]`
    /// defaults, for any URL), reading its secrets and taking its client
    /// from `clients`.
    pub fn resolve(
        settings: &HttpSettings<'_>,
        home: Option<&url::Url>,
        clients: &mut Clients,
    ) -> Result<FeedRequest, ClientError> {
        let headers = headers_of(settings).map_err(|problems| ClientError(problems.join("; ")))?;
        let user_agent = settings.user_agent.unwrap_or(USER_AGENT);
        let user_agent = HeaderValue::from_str(user_agent)
            .map_err(|_| ClientError("user_agent must not contain control characters".into()))?;
        Ok(FeedRequest {
            client: clients.get(settings.proxy)?,
            user_agent,
            headers,
            home: home.cloned(),
        })
    }

    /// `request` with the User-Agent, and the configured headers when
    /// `url` is on the feed's own site (`start`: where this fetch began,
    /// the site of a request with no configured feed).
    pub(super) fn apply(
        &self,
        request: reqwest::RequestBuilder,
        url: &url::Url,
        start: &url::Url,
    ) -> reqwest::RequestBuilder {
        let request = request.header(reqwest::header::USER_AGENT, self.user_agent.clone());
        if !self.headers.is_empty()
            && self.may_carry_headers(url, self.home.as_ref().unwrap_or(start))
        {
            request.headers(self.headers.clone())
        } else {
            request
        }
    }

    /// Whether a request to `url` may carry the configured headers: it
    /// goes to the host of `home`, and not over plain http when `home` is
    /// https. A redirect elsewhere (another site, a CDN) gets none of the
    /// feed's credentials, as browsers and curl do.
    fn may_carry_headers(&self, url: &url::Url, home: &url::Url) -> bool {
        // Parsed hosts are lowercase already.
        let same_host = url.host() == home.host();
        let downgrade = home.scheme() == "https" && url.scheme() != "https";
        same_host && !downgrade
    }
}

/// The configured headers of `settings` with their secrets read, and
/// `Authorization: Basic` for basic auth; every problem found, each naming
/// the setting and where its secret was looked for, never a value.
pub fn headers_of(settings: &HttpSettings<'_>) -> Result<HeaderMap, Vec<String>> {
    let mut headers = HeaderMap::new();
    let mut problems = Vec::new();
    for (name, value) in settings.headers.values() {
        match header(name, value) {
            Ok((name, value)) => {
                headers.insert(name, value);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(auth) = settings.basic_auth {
        match basic_auth(auth) {
            Ok(value) => {
                headers.insert(AUTHORIZATION, value);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(headers)
    } else {
        Err(problems)
    }
}

/// What keeps the secrets of one table (`[poll]` or a feed) from being
/// read: for the pre-flight, which reports each at its table.
pub fn secret_problems(headers: &HeaderSettings, basic_auth: Option<&BasicAuth>) -> Vec<String> {
    let mut settings = HttpSettings {
        basic_auth,
        ..HttpSettings::default()
    };
    settings.add_headers(headers);
    headers_of(&settings).err().unwrap_or_default()
}

/// One configured header, its secret read.
fn header(name: &str, setting: &HeaderValueSetting) -> Result<(HeaderName, HeaderValue), String> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("invalid header name {name:?}"))?;
    let text = match setting {
        HeaderValueSetting::Plain(text) => text.clone(),
        HeaderValueSetting::Secret(source) => source
            .source()
            .load_required()
            .map_err(|e| format!("headers.{name}: {e}"))?
            .expose()
            .to_string(),
    };
    let mut value = HeaderValue::from_str(&text)
        .map_err(|_| format!("headers.{name}: the value holds control characters"))?;
    value.set_sensitive(setting.is_secret(name));
    Ok((header_name, value))
}

/// `Basic base64(username:password)`, the password read.
fn basic_auth(auth: &BasicAuth) -> Result<HeaderValue, String> {
    let password = auth
        .source()
        .load_required()
        .map_err(|e| format!("basic_auth: {e}"))?;
    let pair = format!("{}:{}", auth.username, password.expose());
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| "basic_auth: cannot be sent as a header".to_string())?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::secret::SecretRef;

    #[test]
    fn secrets_are_read_marked_sensitive_and_never_printed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("password");
        std::fs::write(&file, "hunter2\n").expect("write");
        let auth = BasicAuth {
            username: "alice".into(),
            secret_env: None,
            secret_file: Some(file),
            credential: None,
        };
        let mut headers = HeaderSettings::default();
        headers.0.insert(
            "X-Api-Key".into(),
            HeaderValueSetting::Plain("plainsecret".into()),
        );
        let mut settings = HttpSettings {
            basic_auth: Some(&auth),
            ..HttpSettings::default()
        };
        settings.add_headers(&headers);
        let mut clients = Clients::new(&crate::config::PollConfig::default());
        let request = FeedRequest::resolve(&settings, None, &mut clients).expect("resolved");
        assert_eq!(
            request.headers[AUTHORIZATION].to_str().ok(),
            Some("Basic YWxpY2U6aHVudGVyMg==")
        );
        assert!(request.headers[AUTHORIZATION].is_sensitive());
        assert!(request.headers["x-api-key"].is_sensitive());
        let shown = format!("{request:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("plainsecret"));
        assert!(!shown.contains("YWxpY2U6aHVudGVyMg"), "{shown}");
    }

    #[test]
    fn an_unset_variable_is_named_and_nothing_else() {
        let mut headers = HeaderSettings::default();
        headers.0.insert(
            "X-Token".into(),
            HeaderValueSetting::Secret(SecretRef {
                secret_env: Some("NEWSWATCH_TEST_UNSET_HEADER_TOKEN".into()),
                ..SecretRef::default()
            }),
        );
        let problems = secret_problems(&headers, None);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("headers.X-Token")
                && problems[0].contains("NEWSWATCH_TEST_UNSET_HEADER_TOKEN"),
            "{problems:?}"
        );
    }

    #[test]
    fn headers_stay_on_the_feeds_own_site() {
        let mut clients = Clients::new(&crate::config::PollConfig::default());
        let home = url::Url::parse("https://feeds.example/rss").expect("url");
        let request =
            FeedRequest::resolve(&HttpSettings::default(), Some(&home), &mut clients).expect("ok");
        let url = |u: &str| url::Url::parse(u).expect("url");
        assert!(request.may_carry_headers(&url("https://FEEDS.example:8443/moved"), &home));
        assert!(!request.may_carry_headers(&url("https://cdn.example/rss"), &home));
        assert!(!request.may_carry_headers(&url("http://feeds.example/rss"), &home));
    }
}
