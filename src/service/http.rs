//! The daemon's HTTP endpoint (`[http] listen`, default 127.0.0.1:9464):
//! `GET /metrics` in the Prometheus text format, `GET /healthz` 200 while
//! the pipeline's heartbeat is fresh and the store answers, 503 otherwise,
//! with a small JSON body saying why; and the views of what was found
//! (`crate::web`: the status page, per-list feeds, the API). Beyond
//! loopback every path but `/healthz` needs the endpoint's token.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use super::heartbeat::Heartbeat;
use super::metrics::{StoreGauges, metrics};
use crate::config::DaemonConfig;
use crate::store::{DeliveryState, Store};
use crate::web::{self, Reply, Site};

/// How long the health check waits for the store.
const STORE_DEADLINE: Duration = Duration::from_secs(2);

/// What the endpoint and the watchdog read: the store, and the view of the
/// config in force (replaced whole on reload).
#[derive(Debug)]
pub struct Probe {
    store: Store,
    heartbeat: Heartbeat,
    in_force: RwLock<Arc<InForce>>,
    site: RwLock<Arc<Site>>,
}

/// The parts of the config the probe reads: the feed and sink names, so
/// gauges cover configured ones only, and `[daemon] stuck_after`.
#[derive(Debug)]
struct InForce {
    feeds: Vec<String>,
    sinks: Vec<String>,
    stuck_after: Duration,
}

impl Probe {
    /// A probe over `store` and the pipeline's `heartbeat`, with no feeds
    /// or sinks and the default `stuck_after` until [`Probe::configure`].
    pub fn new(store: Store, heartbeat: Heartbeat) -> Arc<Probe> {
        Arc::new(Probe {
            store,
            heartbeat,
            in_force: RwLock::new(Arc::new(InForce {
                feeds: Vec::new(),
                sinks: Vec::new(),
                stuck_after: DaemonConfig::default().stuck_after.0,
            })),
            site: RwLock::new(Arc::new(Site::default())),
        })
    }

    /// Takes the view of the config in force.
    pub fn configure(&self, config: &crate::config::Config) {
        let view = InForce {
            feeds: config
                .feeds
                .iter()
                .map(|f| f.url.as_str().to_string())
                .collect(),
            sinks: config.sinks.iter().map(|s| s.name().to_string()).collect(),
            stuck_after: config.daemon.stuck_after.0,
        };
        *self.in_force.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(view);
        let token = match crate::app::endpoint_token(config) {
            Ok(token) => token,
            Err(message) => {
                // Pre-flight refused such a config already; should the
                // token vanish since, the one in force stays.
                tracing::error!("{message}; the endpoint keeps its token");
                self.site().token.clone()
            }
        };
        *self.site.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Site::of(config, token));
    }

    fn site(&self) -> Arc<Site> {
        Arc::clone(&self.site.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn in_force(&self) -> Arc<InForce> {
        Arc::clone(&self.in_force.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// How many feeds the config in force has.
    pub fn feed_count(&self) -> usize {
        self.in_force().feeds.len()
    }

    /// The pipeline's heartbeat age while it is within `stuck_after`, else
    /// why the pipeline counts as stuck: the one test /healthz and the
    /// watchdog share.
    pub fn pipeline_alive(&self) -> Result<Duration, String> {
        let age = self.heartbeat.age().ok_or("the pipeline has not started")?;
        let limit = self.in_force().stuck_after;
        if age > limit {
            return Err(format!(
                "the pipeline's heartbeat is {}s old (stuck_after is {}s)",
                age.as_secs(),
                limit.as_secs()
            ));
        }
        Ok(age)
    }

    async fn gauges(&self) -> Result<StoreGauges, crate::store::StoreError> {
        let view = self.in_force();
        let mut gauges = StoreGauges::default();
        for sink in &view.sinks {
            gauges.pending.insert(
                sink.clone(),
                self.store
                    .count_deliveries(Some(sink), DeliveryState::Pending)
                    .await?,
            );
            gauges.dead.insert(
                sink.clone(),
                self.store
                    .count_deliveries(Some(sink), DeliveryState::Dead)
                    .await?,
            );
        }
        let states = self.store.feed_states().await?;
        for feed in &view.feeds {
            let health = match states.get(feed) {
                Some(s) if s.disabled_reason.is_some() => "disabled",
                Some(s) if s.is_reported_unhealthy() => "unhealthy",
                Some(s) if s.failures > 0 => "failing",
                _ => "ok",
            };
            *gauges.feeds.entry(health).or_default() += 1;
        }
        Ok(gauges)
    }

    /// Whether the daemon is healthy, and why not if it is not.
    pub async fn health(&self) -> Result<Duration, String> {
        let age = self.pipeline_alive()?;
        // The store may still answer a read while every write fails (a
        // full disk): that is no health.
        if let Some(failure) = metrics().store_write_failure() {
            return Err(failure);
        }
        match tokio::time::timeout(STORE_DEADLINE, self.store.ping()).await {
            Ok(Ok(())) => Ok(age),
            Ok(Err(error)) => Err(format!("the store does not answer: {error}")),
            Err(_) => Err("the store did not answer within 2s".into()),
        }
    }
}

/// What one client may take of the endpoint: it must answer a health
/// check even while somebody holds connections open or the process runs
/// out of file descriptors.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once; past it, the oldest idle one is closed
    /// (or the new one, when every one is busy with a request).
    pub max_connections: usize,
    /// Time a client has to send its request's headers.
    pub header_timeout: Duration,
    /// Time one connection may live, whatever it does.
    pub connection_timeout: Duration,
}

impl Limits {
    /// The defaults, with `max_connections` as configured.
    pub fn with_connections(max_connections: usize) -> Limits {
        Limits {
            max_connections,
            header_timeout: Duration::from_secs(5),
            connection_timeout: Duration::from_secs(30),
        }
    }
}

/// Pause after a failed `accept` (out of file descriptors, mostly),
/// doubled on each further failure up to [`ACCEPT_BACKOFF_MAX`], so the
/// loop never spins.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// The endpoint's open connections, oldest first, each with whether a
/// request has arrived on it.
#[derive(Default)]
struct Connections(VecDeque<(AbortHandle, Arc<AtomicBool>)>);

impl Connections {
    /// Makes room for one more connection under `max`: forgets finished
    /// ones, then closes the oldest that has sent no request yet (an idle
    /// client never keeps a health check out). `false` if every one is
    /// busy with a request.
    fn make_room(&mut self, max: usize) -> bool {
        self.0.retain(|(task, _)| !task.is_finished());
        self.0.len() < max || self.close_oldest_idle()
    }

    /// Closes the oldest connection that has sent no request; `false` if
    /// there is none.
    fn close_oldest_idle(&mut self) -> bool {
        let idle = self
            .0
            .iter()
            .position(|(task, busy)| !task.is_finished() && !busy.load(Ordering::Relaxed));
        match idle.and_then(|at| self.0.remove(at)) {
            Some((task, _)) => {
                task.abort();
                true
            }
            None => false,
        }
    }

    fn push(&mut self, task: AbortHandle, busy: Arc<AtomicBool>) {
        self.0.push_back((task, busy));
    }
}

/// EMFILE or ENFILE: the process or the system has no file descriptor left.
fn is_out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// Serves the endpoint on `address` until `stop` is cancelled.
pub async fn serve(
    address: SocketAddr,
    limits: Limits,
    probe: Arc<Probe>,
    stop: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    let mut open = Connections::default();
    tokio::spawn(async move {
        let mut backoff = ACCEPT_BACKOFF;
        loop {
            let accepted = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _)) => {
                    backoff = ACCEPT_BACKOFF;
                    stream
                }
                Err(error) => {
                    // Out of file descriptors: an idle connection gives
                    // its own back, and the next client is taken in.
                    if is_out_of_descriptors(&error) && open.close_oldest_idle() {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        continue;
                    }
                    tracing::warn!(error = %error, pause_ms = backoff.as_millis() as u64, "cannot accept a connection on the metrics endpoint");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            };
            if !open.make_room(limits.max_connections) {
                // Every connection is busy with a request: this one is
                // closed at once, and its file descriptor comes back now.
                drop(stream);
                continue;
            }
            let busy = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&busy);
            let probe = Arc::clone(&probe);
            let task = tokio::spawn(async move {
                let service = service_fn(move |request| {
                    flag.store(true, Ordering::Relaxed);
                    respond(request, Arc::clone(&probe))
                });
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), service);
                let _ = tokio::time::timeout(limits.connection_timeout, connection).await;
            });
            open.push(task.abort_handle(), busy);
        }
    });
    Ok(bound)
}

async fn respond(
    request: Request<Incoming>,
    probe: Arc<Probe>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path();
    let query = request.uri().query();
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let site = probe.site();
    let reply = if request.method() != hyper::Method::GET {
        Reply {
            status: 405,
            content_type: "text/plain; charset=utf-8",
            body: "only GET is served here\n".into(),
            etag: None,
        }
    } else if path != "/healthz"
        && !web::auth::authorized(site.token.as_ref(), header("authorization"), query)
    {
        Reply::unauthorized()
    } else {
        match path {
            "/metrics" => metrics_reply(&probe).await,
            "/healthz" => health_reply(&probe).await,
            _ => {
                let view = web::Request {
                    path,
                    query,
                    if_none_match: header("if-none-match"),
                };
                match web::route(&probe.store, &site, view).await {
                    Some(reply) => reply,
                    None => Reply::not_found(
                        "not found: try /, /watch/LIST.atom, /watch/LIST.json, /api/alerts, \
                         /api/feeds, /api/stories, /metrics or /healthz",
                    ),
                }
            }
        }
    };
    let mut response = Response::builder()
        .status(reply.status)
        .header("content-type", reply.content_type)
        .header("x-content-type-options", "nosniff");
    if let Some(etag) = &reply.etag {
        response = response.header("etag", etag.as_str());
    }
    if reply.status == 401 {
        response = response.header("www-authenticate", "Bearer realm=\"newswatch\"");
    }
    if reply.content_type.starts_with("text/html") {
        // The page has no script and loads nothing: say so to the browser.
        response = response.header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        );
    }
    let response = response
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Ok(response)
}

async fn metrics_reply(probe: &Probe) -> Reply {
    match probe.gauges().await {
        Ok(gauges) => Reply {
            status: 200,
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: metrics().render(&gauges, probe.heartbeat.age()),
            etag: None,
        },
        Err(error) => Reply {
            status: 503,
            content_type: "text/plain; charset=utf-8",
            body: format!("the store does not answer: {error}\n"),
            etag: None,
        },
    }
}

async fn health_reply(probe: &Probe) -> Reply {
    match probe.health().await {
        Ok(age) => Reply::json(
            &serde_json::json!({ "status": "ok", "heartbeat_age_seconds": age.as_secs_f64() }),
        ),
        Err(reason) => Reply {
            status: 503,
            content_type: "application/json",
            body: serde_json::json!({ "status": "unhealthy", "reason": reason }).to_string(),
            etag: None,
        },
    }
}
