//! Fetching: one HTTP exchange per poll. Conditional GET with the stored
//! validators, connect/read/total timeouts, a cap on decoded body bytes, a
//! User-Agent naming newswatch, and each feed's own headers, credentials
//! and proxy (`request.rs`, on clients shared per proxy: `clients.rs`),
//! never into private address space from a public one (`private.rs`);
//! responses are read by `response.rs`. Bytes come back untouched:
//! decoding text is the parser's job.

mod clients;
mod private;
mod request;
mod response;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

pub use clients::Clients;
pub use private::is_private_address;
pub use request::{FeedRequest, secret_problems};
use response::{header_text, max_age, next_location, read_capped};

use crate::config::{Config, FeedConfig, HttpSettings, PollConfig};
use crate::http::{error_chain, retry_after};

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

/// Why a fetch failed. [`FetchError::is_transient`] says whether trying
/// again later may help; the poller retries every failure with backoff
/// either way, and reads only [`FetchError::retry_after`] and
/// [`FetchError::is_gone`].
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

/// Why the fetcher could not be set up: a client that cannot be built,
/// or a feed's secret that cannot be read (named, never shown).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClientError(String);

/// The fetch stage: the clients (one per proxy setting), each feed's
/// request settings, and the limits from `[poll]`.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// For a URL that is no configured feed: the `[poll]` settings.
    defaults: Arc<FeedRequest>,
    /// Each configured feed's settings, by its configured URL.
    feeds: Arc<HashMap<String, FeedRequest>>,
    max_body: u64,
    allow_private: bool,
    /// Which addresses count as private (tests swap it).
    is_private: fn(&IpAddr) -> bool,
}

impl Fetcher {
    /// A fetcher with the `[poll]` settings alone: timeouts, redirect
    /// limit, compression, User-Agent, default headers and proxy.
    pub fn new(poll: &PollConfig) -> Result<Fetcher, ClientError> {
        let mut clients = Clients::new(poll);
        let defaults = FeedRequest::resolve(&HttpSettings::of_poll(poll), None, &mut clients)?;
        Ok(Fetcher {
            defaults: Arc::new(defaults),
            feeds: Arc::new(HashMap::new()),
            max_body: poll.max_body.0,
            allow_private: poll.allow_private,
            is_private: is_private_address,
        })
    }

    /// A fetcher for a config's feeds, each with its own headers,
    /// credentials and proxy, on one shared client per proxy setting.
    pub fn for_config(config: &Config) -> Result<Fetcher, ClientError> {
        Fetcher::for_feeds(config, &config.feeds)
    }

    /// [`Fetcher::for_config`] for some of the config's feeds only (the
    /// others' secrets are not read).
    pub fn for_feeds<'a>(
        config: &'a Config,
        chosen: impl IntoIterator<Item = &'a FeedConfig>,
    ) -> Result<Fetcher, ClientError> {
        let mut clients = Clients::new(&config.poll);
        let defaults =
            FeedRequest::resolve(&HttpSettings::of_poll(&config.poll), None, &mut clients)?;
        let mut feeds = HashMap::with_capacity(config.feeds.len());
        for feed in chosen {
            let request =
                FeedRequest::resolve(&config.http_of(feed), Some(&feed.url.0), &mut clients)
                    .map_err(|e| {
                        ClientError(format!(
                            "feed {}: {e}",
                            crate::redact::public_url(feed.url.as_str())
                        ))
                    })?;
            feeds.insert(feed.url.as_str().to_string(), request);
        }
        Ok(Fetcher {
            defaults: Arc::new(defaults),
            feeds: Arc::new(feeds),
            max_body: config.poll.max_body.0,
            allow_private: config.poll.allow_private,
            is_private: is_private_address,
        })
    }

    /// The same fetcher letting any redirect into private address space
    /// (for commands a person runs on a URL they chose).
    pub fn allowing_private(mut self) -> Fetcher {
        self.allow_private = true;
        self
    }

    /// One conditional GET of `url` with the `[poll]` settings.
    pub async fn fetch(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let exchange = self.feed_exchange();
        self.fetch_as(&self.defaults, url, validators, &exchange)
            .await
    }

    /// One conditional GET of the configured feed `feed` (its configured
    /// URL), now at `url`, with its own settings (the `[poll]` settings
    /// for a URL that is no configured feed).
    pub async fn fetch_feed(
        &self,
        feed: &str,
        url: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let settings = self.feeds.get(feed).unwrap_or(&self.defaults);
        let exchange = self.feed_exchange();
        self.fetch_as(settings, url, validators, &exchange).await
    }

    /// Where article links of the configured feed `feed`, now polled at
    /// `feed_url`, come from: looked up once per poll (whether the feed
    /// is on a private address may take a DNS lookup), not per article.
    pub async fn article_origin(&self, feed: &str, feed_url: &str) -> ArticleOrigin {
        let private = match url::Url::parse(feed_url) {
            Ok(origin) => self.resolves_private(&origin).await,
            Err(_) => false,
        };
        ArticleOrigin {
            feed: feed.to_string(),
            private,
        }
    }

    /// One conditional GET of an item's article page at `url`, linked
    /// from `origin`: the feed's own client, User-Agent and proxy (its
    /// headers and credentials only when the page is on the feed's own
    /// site), HTML asked for, the body capped at `max_bytes`, redirects
    /// followed. A feed on a public address cannot send the daemon to a
    /// private one through its links, as it cannot through a redirect.
    pub async fn fetch_article(
        &self,
        origin: &ArticleOrigin,
        url: &str,
        validators: &Validators,
        max_bytes: u64,
    ) -> Result<FetchOutcome, FetchError> {
        let settings = self.feeds.get(&origin.feed).unwrap_or(&self.defaults);
        let exchange = Exchange {
            accept: ARTICLE_ACCEPT,
            max_body: max_bytes,
            origin_private: Some(origin.private),
        };
        self.fetch_as(settings, url, validators, &exchange).await
    }

    /// What a feed's fetch asks for and accepts.
    fn feed_exchange(&self) -> Exchange {
        Exchange {
            accept: FEED_ACCEPT,
            max_body: self.max_body,
            origin_private: None,
        }
    }

    /// One conditional GET of `url` with `settings`, following up to
    /// [`MAX_REDIRECTS`] redirects.
    async fn fetch_as(
        &self,
        settings: &FeedRequest,
        url: &str,
        validators: &Validators,
        exchange: &Exchange,
    ) -> Result<FetchOutcome, FetchError> {
        let start = url::Url::parse(url)
            .map_err(|e| FetchError::Redirect(format!("invalid URL {url}: {e}")))?;
        let mut current = start.clone();
        let mut all_permanent = true;
        let mut went_private = false;
        let started_private = match exchange.origin_private {
            Some(origin_private) => {
                let private = self.resolves_private(&current).await;
                if private && !origin_private && !self.allow_private {
                    return Err(FetchError::Redirect(format!(
                        "a link to a private address ({}) refused; [poll] allow_private = true allows it",
                        current.host_str().unwrap_or_default()
                    )));
                }
                origin_private
            }
            None => self.resolves_private(&current).await,
        };
        for hop in 0..=MAX_REDIRECTS {
            let mut response = self
                .request(settings, &current, &start, validators, exchange.accept)
                .await?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                if hop == MAX_REDIRECTS {
                    return Err(FetchError::Redirect(format!(
                        "more than {MAX_REDIRECTS} redirects"
                    )));
                }
                all_permanent &= matches!(status.as_u16(), 301 | 308);
                let next = next_location(&current, response.headers())?;
                // A feed on a public address leads nowhere private: that
                // would let it make the daemon probe its own network.
                if !started_private && self.resolves_private(&next).await {
                    if !self.allow_private {
                        return Err(FetchError::Redirect(format!(
                            "redirect to a private address ({}) refused; [poll] allow_private = true allows it",
                            next.host_str().unwrap_or_default()
                        )));
                    }
                    went_private = true;
                }
                current = next;
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
            let bytes = read_capped(&mut response, exchange.max_body).await?;
            // A move into private space is never made permanent.
            let moved_to = (hop > 0 && all_permanent && !went_private).then(|| current.to_string());
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
        settings: &FeedRequest,
        url: &url::Url,
        start: &url::Url,
        validators: &Validators,
        accept: &'static str,
    ) -> Result<reqwest::Response, FetchError> {
        let mut request = settings
            .client
            .get(url.as_str())
            .header(reqwest::header::ACCEPT, accept);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        // Last: a configured header (`Accept`) replaces ours.
        settings
            .apply(request, url, start)
            .send()
            .await
            .map_err(FetchError::from_reqwest)
    }
}

/// The feed an item's article link comes from: whose settings fetch it,
/// and whether the feed is on a private address (a public one's links
/// may not lead to a private one). See [`Fetcher::article_origin`].
#[derive(Debug, Clone)]
pub struct ArticleOrigin {
    /// The feed's configured URL (its settings' key).
    feed: String,
    /// Whether the feed's address is private.
    private: bool,
}

/// What one kind of fetch asks for and accepts.
struct Exchange {
    /// The `Accept` header (a configured one replaces it).
    accept: &'static str,
    /// Largest body, after decompression.
    max_body: u64,
    /// For an article: whether the feed that links to it is on a private
    /// address (if not, the link may not lead to one). `None`: a feed,
    /// judged by its own address.
    origin_private: Option<bool>,
}

/// What a feed fetch accepts.
const FEED_ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

/// What an article fetch accepts.
const ARTICLE_ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

/// How many redirects one fetch follows.
pub const MAX_REDIRECTS: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Answers every request on `address` with `response`, verbatim.
    async fn answer(address: &str, response: String) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind(address).await.expect("bind");
        let bound = listener.local_addr().expect("address");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        bound
    }

    /// A feed at 127.0.0.1 (counted public here) that moved for good to
    /// 127.0.0.2 (counted private here).
    async fn moved_feed() -> String {
        let body = "<rss version=\"2.0\"><channel><title>t</title></channel></rss>";
        let target = answer(
            "127.0.0.2:0",
            format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
        .await;
        let origin = answer(
            "127.0.0.1:0",
            format!("HTTP/1.1 301 Moved\r\nlocation: http://{target}/feed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        )
        .await;
        format!("http://{origin}/feed")
    }

    fn fetcher(allow_private: bool, is_private: fn(&IpAddr) -> bool) -> Fetcher {
        let poll = PollConfig {
            allow_private,
            ..PollConfig::default()
        };
        Fetcher {
            is_private,
            ..Fetcher::new(&poll).expect("client")
        }
    }

    fn second_loopback(ip: &IpAddr) -> bool {
        *ip == IpAddr::from([127, 0, 0, 2])
    }

    #[tokio::test]
    async fn a_public_feed_cannot_redirect_into_private_space() {
        let url = moved_feed().await;
        let refused = fetcher(false, second_loopback)
            .fetch(&url, &Validators::default())
            .await;
        assert!(
            matches!(&refused, Err(FetchError::Redirect(why)) if why.contains("private address")),
            "{refused:?}"
        );
        // Allowed, it is followed, but the move is never made permanent.
        match fetcher(true, second_loopback)
            .fetch(&url, &Validators::default())
            .await
        {
            Ok(FetchOutcome::Fetched(body)) => assert_eq!(body.moved_to, None),
            other => panic!("{other:?}"),
        }
        // Between public addresses, a 301 moves the feed as before.
        match fetcher(false, |_| false)
            .fetch(&url, &Validators::default())
            .await
        {
            Ok(FetchOutcome::Fetched(body)) => assert!(body.moved_to.is_some()),
            other => panic!("{other:?}"),
        }
    }
}
