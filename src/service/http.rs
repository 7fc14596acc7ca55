//! The metrics and health endpoint (`[http] listen`, default
//! 127.0.0.1:9464): `GET /metrics` in the Prometheus text format,
//! `GET /healthz` 200 while the pipeline's heartbeat is fresh and the
//! store answers, 503 otherwise, with a small JSON body saying why.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio_util::sync::CancellationToken;

use super::metrics::{StoreGauges, metrics};
use crate::config::DaemonConfig;
use crate::store::{DeliveryState, Store};

/// How long the health check waits for the store.
const STORE_DEADLINE: Duration = Duration::from_secs(2);

/// What the endpoint and the watchdog read: the store, and the view of the
/// config in force (replaced whole on reload).
#[derive(Debug)]
pub struct Probe {
    store: Store,
    in_force: RwLock<Arc<InForce>>,
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
    /// A probe over `store`, with no feeds or sinks and the default
    /// `stuck_after` until [`Probe::configure`].
    pub fn new(store: Store) -> Arc<Probe> {
        Arc::new(Probe {
            store,
            in_force: RwLock::new(Arc::new(InForce {
                feeds: Vec::new(),
                sinks: Vec::new(),
                stuck_after: DaemonConfig::default().stuck_after.0,
            })),
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
        let age = metrics()
            .heartbeat_age()
            .ok_or("the pipeline has not started")?;
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
                Some(s) if s.health_reported.is_some() => "unhealthy",
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
        match tokio::time::timeout(STORE_DEADLINE, self.store.ping()).await {
            Ok(Ok(())) => Ok(age),
            Ok(Err(error)) => Err(format!("the store does not answer: {error}")),
            Err(_) => Err("the store did not answer within 2s".into()),
        }
    }
}

/// Serves the endpoint on `address` until `stop` is cancelled.
pub async fn serve(
    address: SocketAddr,
    probe: Arc<Probe>,
    stop: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            let Ok((stream, _)) = accepted else { continue };
            let probe = Arc::clone(&probe);
            tokio::spawn(async move {
                let service = service_fn(move |request| respond(request, Arc::clone(&probe)));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(bound)
}

async fn respond(
    request: Request<Incoming>,
    probe: Arc<Probe>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, content_type, body) = match (request.method().as_str(), request.uri().path()) {
        ("GET", "/metrics") => match probe.gauges().await {
            Ok(gauges) => (
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics().render(&gauges),
            ),
            Err(error) => (
                503,
                "text/plain; charset=utf-8",
                format!("the store does not answer: {error}\n"),
            ),
        },
        ("GET", "/healthz") => match probe.health().await {
            Ok(age) => (
                200,
                "application/json",
                serde_json::json!({ "status": "ok", "heartbeat_age_seconds": age.as_secs_f64() })
                    .to_string(),
            ),
            Err(reason) => (
                503,
                "application/json",
                serde_json::json!({ "status": "unhealthy", "reason": reason }).to_string(),
            ),
        },
        _ => (
            404,
            "text/plain; charset=utf-8",
            "not found: try /metrics or /healthz\n".to_string(),
        ),
    };
    let response = Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Ok(response)
}
