//! What newswatch found, where people look: per-list feeds
//! (`/watch/{list}.atom`, `.json`), the JSON API (`/api/...`) and the
//! status page (`/`), served by the daemon's HTTP listener beside
//! `/metrics` and `/healthz` (`service::http`), behind its token when it
//! listens beyond loopback (`auth`).

pub mod api;
pub mod auth;
pub mod feeds;
pub mod page;
pub mod views;

use crate::config::{Config, EntityConfig, FeedConfig};
use crate::sink::secret::Secret;
use crate::store::Store;

/// What the views need of the config in force.
#[derive(Debug, Default)]
pub struct Site {
    /// The watch lists' names, in config order.
    pub lists: Vec<String>,
    /// The configured feeds (their names follow their titles once fetched).
    pub feeds: Vec<FeedConfig>,
    /// The sinks' names.
    pub sinks: Vec<String>,
    /// The entities a `q` query may name.
    pub entities: Vec<EntityConfig>,
    /// The bearer token every path but `/healthz` needs, if any.
    pub token: Option<Secret>,
}

impl Site {
    /// The view of `config`, with the endpoint's `token`.
    pub fn of(config: &Config, token: Option<Secret>) -> Site {
        Site {
            lists: config
                .watches
                .iter()
                .map(|w| w.name.get_ref().clone())
                .collect(),
            feeds: config.feeds.clone(),
            sinks: config.sinks.iter().map(|s| s.name().to_string()).collect(),
            entities: config.entities.clone(),
            token,
        }
    }
}

/// An answer: status, type, body and, for feeds, a validator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
    /// `ETag`, when the body has one.
    pub etag: Option<String>,
}

impl Reply {
    fn with(status: u16, content_type: &'static str, body: String) -> Reply {
        Reply {
            status,
            content_type,
            body,
            etag: None,
        }
    }

    /// 200 with a JSON body.
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::with(200, "application/json", value.to_string())
    }

    /// A JSON error with `status`.
    fn error(status: u16, message: &str) -> Reply {
        Reply::with(
            status,
            "application/json",
            serde_json::json!({ "error": message }).to_string(),
        )
    }

    /// 400: the request is wrong, and how.
    pub fn bad_request(message: &str) -> Reply {
        Reply::error(400, message)
    }

    /// 404, saying what is missing.
    pub fn not_found(message: &str) -> Reply {
        Reply::error(404, message)
    }

    /// 503: the store did not answer.
    pub fn unavailable(message: &str) -> Reply {
        Reply::error(503, &format!("the store does not answer: {message}"))
    }

    /// 401: a token is needed.
    pub fn unauthorized() -> Reply {
        Reply::error(
            401,
            "this endpoint needs its token: Authorization: Bearer ..., or ?token=...",
        )
    }

    /// A successful body with its validator; 304 with no body when the
    /// client's `If-None-Match` names it. Errors go as they are.
    fn validated(mut self, if_none_match: Option<&str>) -> Reply {
        if self.status != 200 {
            return self;
        }
        let etag = feeds::etag(self.body.as_bytes());
        if feeds::not_modified(if_none_match, &etag) {
            self.status = 304;
            self.body.clear();
        }
        self.etag = Some(etag);
        self
    }
}

/// One request as the views read it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Its path.
    pub path: &'a str,
    /// Its query string, if any.
    pub query: Option<&'a str>,
    /// Its `If-None-Match` header, if any.
    pub if_none_match: Option<&'a str>,
}

/// Answers a GET for a view; `None` for a path no view serves.
pub async fn route(store: &Store, site: &Site, request: Request<'_>) -> Option<Reply> {
    let params: api::Params = request
        .query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let reply = match request.path {
        "/" => page::status(store, site).await,
        "/api/alerts" => api::alerts(store, site, &params).await,
        "/api/feeds" => api::feeds(store, site).await,
        "/api/stories" => api::stories(store, &params).await,
        path => {
            let name = path.strip_prefix("/watch/")?;
            let (list, atom) = match (name.strip_suffix(".atom"), name.strip_suffix(".json")) {
                (Some(list), _) => (list, true),
                (_, Some(list)) => (list, false),
                _ => return None,
            };
            let list = percent_decoded(list);
            if !site.lists.contains(&list) {
                return Some(Reply::not_found(&format!(
                    "there is no watch list named {list:?}"
                )));
            }
            list_feed(store, &list, atom).await
        }
    };
    Some(reply.validated(request.if_none_match))
}

/// A path segment with its `%XX` escapes decoded (list names may hold
/// any character); a `+` stays a `+`.
fn percent_decoded(segment: &str) -> String {
    let query = format!("x={}", segment.replace('+', "%2B"));
    url::form_urlencoded::parse(query.as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// `/watch/{list}.atom` and `.json`: the list's last alerts, newest first,
/// one per story.
async fn list_feed(store: &Store, list: &str, atom: bool) -> Reply {
    match store.alerts_page(Some(list), 0, None, feeds::ENTRIES).await {
        Ok((page, _)) => {
            let alerts = feeds::one_per_story(page.into_iter().map(|(_, a)| a).collect());
            if atom {
                let now = crate::model::rfc3339(chrono::Utc::now());
                Reply::with(
                    200,
                    "application/atom+xml; charset=utf-8",
                    feeds::atom(list, &alerts, &now),
                )
            } else {
                Reply::with(
                    200,
                    "application/feed+json; charset=utf-8",
                    feeds::json_feed(list, &alerts),
                )
            }
        }
        Err(error) => Reply::unavailable(&error.to_string()),
    }
}
