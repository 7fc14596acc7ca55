//! Fetching: one HTTP exchange per poll. Conditional GET with the stored
//! validators, connect/read/total timeouts, a cap on decoded body bytes, and
//! a User-Agent naming newswatch. Bytes come back untouched: decoding text
//! is the parser's job.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION, RETRY_AFTER,
};

use crate::config::PollConfig;

/// The User-Agent sent unless the config sets another.
pub const USER_AGENT: &str = concat!(
    "newswatch/",
    env!("CARGO_PKG_VERSION"),
    " (news feed monitor)"
);

/// What a server said about a version of a feed, sent back next time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
}

/// What the server asked of our polling, besides the body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerHints {
    /// `Cache-Control: max-age`: the response stays fresh this long.
    pub max_age: Option<Duration>,
}

/// The result of a successful exchange.
#[derive(Debug)]
pub enum FetchOutcome {
    /// 304: nothing new since the validators we sent.
    NotModified(ServerHints),
    /// 200 with a body.
    Fetched(FetchedBody),
}

/// A fetched body and what came with it.
#[derive(Debug)]
pub struct FetchedBody {
    /// The decompressed body bytes.
    pub bytes: Vec<u8>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Validators to send next time.
    pub validators: Validators,
    /// The URL the body came from after redirects.
    pub final_url: String,
    /// The status (200 or another 2xx).
    pub status: u16,
    /// Caching hints from the response headers.
    pub hints: ServerHints,
    /// Where the feed now lives, when every redirect on the way was
    /// permanent (301 or 308): later polls should go there directly.
    pub moved_to: Option<String>,
}

/// Why a fetch failed. [`FetchError::is_transient`] tells the scheduler
/// whether trying again later may help.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with a status other than 2xx or 304.
    #[error("HTTP {status}")]
    Status {
        /// The status code.
        status: u16,
        /// `Retry-After`, when the server sent one (429, 503).
        retry_after: Option<Duration>,
    },
    /// More than [`MAX_REDIRECTS`] redirects, or one without a usable Location.
    #[error("redirect failed: {0}")]
    Redirect(String),
    /// The body was larger than allowed (after decompression).
    #[error("body larger than {limit} bytes")]
    TooLarge {
        /// The configured cap.
        limit: u64,
    },
    /// A timeout (connect, read or total).
    #[error("timed out: {0}")]
    Timeout(String),
    /// Connection-level failure (DNS, refused, TLS, reset).
    #[error("connection failed: {0}")]
    Connect(String),
    /// Anything else reqwest reports.
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// Whether a later attempt may succeed without anything changing on our side.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            FetchError::TooLarge { .. } | FetchError::Redirect(_) => false,
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Other(_) => true,
        }
    }

    /// The delay the server asked for, if it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the feed is gone for good (410).
    pub fn is_gone(&self) -> bool {
        matches!(self, FetchError::Status { status: 410, .. })
    }

    fn from_reqwest(error: reqwest::Error) -> Self {
        // The URL is logged next to the error already.
        let error = error.without_url();
        let text = error_chain(&error);
        if error.is_timeout() {
            FetchError::Timeout(text)
        } else if error.is_connect() {
            FetchError::Connect(text)
        } else {
            FetchError::Other(text)
        }
    }
}

/// The error and its causes on one line, since reqwest's top-level message
/// alone ("error sending request") says little.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientError(String);

/// Builds reqwest clients with the crypto provider installed once.
pub fn client_builder() -> reqwest::ClientBuilder {
    // Installing twice is harmless; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// The fetch stage: one shared HTTP client and the limits from `[poll]`.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body: u64,
}

impl Fetcher {
    /// Builds the client: timeouts, redirect limit, compression, User-Agent.
    pub fn new(poll: &PollConfig) -> Result<Fetcher, ClientError> {
        let user_agent = poll
            .user_agent
            .clone()
            .unwrap_or_else(|| USER_AGENT.to_string());
        let client = client_builder()
            .user_agent(user_agent)
            .connect_timeout(poll.connect_timeout.0)
            .read_timeout(poll.read_timeout.0)
            .timeout(poll.timeout.0)
            // Redirects are followed by hand, to learn which were permanent.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError(error_chain(&e)))?;
        Ok(Fetcher {
            client,
            max_body: poll.max_body.0,
        })
    }

    /// One conditional GET of `url`, following up to [`MAX_REDIRECTS`]
    /// redirects.
    pub async fn fetch(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let mut current = url::Url::parse(url)
            .map_err(|e| FetchError::Redirect(format!("invalid URL {url}: {e}")))?;
        let mut all_permanent = true;
        for hop in 0..=MAX_REDIRECTS {
            let mut response = self.request(current.as_str(), validators).await?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                if hop == MAX_REDIRECTS {
                    return Err(FetchError::Redirect(format!(
                        "more than {MAX_REDIRECTS} redirects"
                    )));
                }
                all_permanent &= matches!(status.as_u16(), 301 | 308);
                current = next_location(&current, response.headers())?;
                continue;
            }
            let hints = ServerHints {
                max_age: max_age(response.headers()),
            };
            if status == StatusCode::NOT_MODIFIED {
                return Ok(FetchOutcome::NotModified(hints));
            }
            if !status.is_success() {
                return Err(FetchError::Status {
                    status: status.as_u16(),
                    retry_after: retry_after(response.headers()),
                });
            }
            let headers = response.headers().clone();
            let bytes = read_capped(&mut response, self.max_body).await?;
            let moved_to = (hop > 0 && all_permanent).then(|| current.to_string());
            return Ok(FetchOutcome::Fetched(FetchedBody {
                bytes,
                content_type: header_text(&headers, CONTENT_TYPE.as_str()),
                validators: Validators {
                    etag: header_text(&headers, ETAG.as_str()),
                    last_modified: header_text(&headers, LAST_MODIFIED.as_str()),
                },
                final_url: current.to_string(),
                status: status.as_u16(),
                hints,
                moved_to,
            }));
        }
        Err(FetchError::Redirect(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    async fn request(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<reqwest::Response, FetchError> {
        let mut request = self.client.get(url).header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8",
        );
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        request.send().await.map_err(FetchError::from_reqwest)
    }
}

/// How many redirects one fetch follows.
pub const MAX_REDIRECTS: usize = 5;

/// The absolute URL a redirect points to.
fn next_location(from: &url::Url, headers: &HeaderMap) -> Result<url::Url, FetchError> {
    let location = header_text(headers, LOCATION.as_str())
        .ok_or_else(|| FetchError::Redirect("redirect without a Location header".into()))?;
    let next = from
        .join(&location)
        .map_err(|e| FetchError::Redirect(format!("bad Location {location:?}: {e}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(FetchError::Redirect(format!(
            "redirect to a non-web address {next}"
        )));
    }
    Ok(next)
}

/// Reads `Retry-After` in its seconds form or its HTTP-date form.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// `Cache-Control: max-age=N` (ignored with `no-cache` or `no-store`).
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(CACHE_CONTROL)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    if value.contains("no-cache") || value.contains("no-store") {
        return None;
    }
    value.split(',').find_map(|directive| {
        let seconds = directive.trim().strip_prefix("max-age=")?;
        seconds
            .trim_matches('"')
            .parse()
            .ok()
            .map(Duration::from_secs)
    })
}

/// Reads the body chunk by chunk, failing as soon as it passes `limit`
/// decoded bytes (a compressed response has no trustworthy length).
async fn read_capped(response: &mut reqwest::Response, limit: u64) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(FetchError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::from_reqwest)? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|v| !v.is_empty())
}
