//! Fetching: one HTTP exchange per poll. Conditional GET with the stored
//! validators, connect/read/total timeouts, a cap on decoded body bytes, and
//! a User-Agent naming newswatch. Bytes come back untouched: decoding text
//! is the parser's job.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
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

/// The result of a successful exchange.
#[derive(Debug)]
pub enum FetchOutcome {
    /// 304: nothing new since the validators we sent.
    NotModified,
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
    },
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
            FetchError::Status { status } => *status == 429 || *status == 408 || *status >= 500,
            FetchError::TooLarge { .. } => false,
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Other(_) => true,
        }
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
            .redirect(reqwest::redirect::Policy::limited(5))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError(error_chain(&e)))?;
        Ok(Fetcher {
            client,
            max_body: poll.max_body.0,
        })
    }

    /// One conditional GET of `url`.
    pub async fn fetch(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
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
        let mut response = request.send().await.map_err(FetchError::from_reqwest)?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        let headers = response.headers().clone();
        let final_url = response.url().to_string();
        let bytes = read_capped(&mut response, self.max_body).await?;
        Ok(FetchOutcome::Fetched(FetchedBody {
            bytes,
            content_type: header_text(&headers, CONTENT_TYPE.as_str()),
            validators: Validators {
                etag: header_text(&headers, ETAG.as_str()),
                last_modified: header_text(&headers, LAST_MODIFIED.as_str()),
            },
            final_url,
            status: status.as_u16(),
        }))
    }
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
