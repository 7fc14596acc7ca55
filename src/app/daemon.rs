//! The daemon: cycles of the pipeline on one open store, the metrics and
//! health endpoint, and systemd's view of it all. A reload (the CLI reads
//! the file on SIGHUP and sends what it found) replaces the running cycle
//! when the new config is valid (feeds, watch lists, sinks rebuilt; store,
//! feed state and pending deliveries kept); an invalid one is refused with
//! its line and column and the old one runs on. Signals and files stay in
//! the CLI, so tests drive all of this in-process.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::fleet::Member;
use super::{App, RunReport, Until, check_sinks};
use crate::config::Config;
use crate::service::heartbeat::Heartbeat;
use crate::service::http::{Probe, serve};
use crate::service::metrics::metrics;
use crate::service::notify;
use crate::store::{DeliveryState, Store};

/// How often STATUS is refreshed.
const STATUS_EVERY: Duration = Duration::from_secs(30);

/// Why a cycle ended.
enum Next {
    Stop,
    Reload(Box<Config>),
}

/// A config the operator asked the daemon to take, or why it could not be
/// read (refused like an invalid one: logged, and the old config runs on).
pub type Reload = anyhow::Result<Config>;

/// Runs the daemon on `store` until `shutdown` is cancelled, taking each
/// config that arrives on `reloads`. The caller owns the store (and closes
/// it); the daemon owns the pipeline's heartbeat, which its endpoint and
/// systemd's watchdog read.
pub async fn run(
    config: Config,
    store: Store,
    shutdown: CancellationToken,
    mut reloads: tokio::sync::mpsc::Receiver<Reload>,
) -> anyhow::Result<RunReport> {
    let heartbeat = Heartbeat::default();
    let probe = Probe::new(store.clone(), heartbeat.clone());
    probe.configure(&config);
    let mut endpoint = start_endpoint(&config, &probe).await?;
    let keepalive = tokio::spawn(keep_systemd_informed(store.clone(), Arc::clone(&probe)));
    let mut member = Member::join(&store, &config).await?;
    member.beat().await;
    let mut config = config;
    let mut total = RunReport::default();
    loop {
        // Every list in force shows on /metrics, at 0 until it alerts.
        metrics().lists(config.watches.iter().map(|w| w.name.get_ref().as_str()));
        let app = App::build(config.clone(), store.clone())?;
        let beating = Arc::new(member);
        let heartbeats = tokio::spawn(Arc::clone(&beating).keep_beating());
        let stop = CancellationToken::new();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let mut cycle = tokio::spawn(app.run(
            Until::Stopped(stop.clone()),
            heartbeat.clone(),
            Some(started_tx),
        ));
        tokio::select! {
            started = started_rx => {
                if started.is_err() {
                    // The cycle failed to start: its error says why.
                    return Err(cycle.await.context("the pipeline failed")?.err().unwrap_or_else(|| anyhow::anyhow!("the pipeline did not start")));
                }
            }
            finished = &mut cycle => {
                finished.context("the pipeline failed")??;
                anyhow::bail!("the pipeline stopped as it started");
            }
        }
        notify(&format!(
            "READY=1\nSTATUS={}",
            status_line(&store, config.feeds.len()).await
        ));
        let next = loop {
            tokio::select! {
                _ = shutdown.cancelled() => break Next::Stop,
                Some(new) = reloads.recv() => {
                    notify(&notify::reloading());
                    match checked(new).await {
                        Ok(new) => break Next::Reload(Box::new(new)),
                        Err(error) => {
                            // Several config errors are several lines; a log
                            // entry and a STATUS keep them on one.
                            let error = one_line(&format!("{error:#}"));
                            tracing::error!(error = %error, "config reload refused; the running config stays");
                            notify(&format!("READY=1\nSTATUS=reload refused: {error}"));
                        }
                    }
                }
            }
        };
        if matches!(next, Next::Stop) {
            notify("STOPPING=1");
            tracing::info!("stopping");
        }
        stop.cancel();
        let report = cycle.await.context("the pipeline failed")??;
        heartbeats.abort();
        let _ = heartbeats.await;
        member = Arc::into_inner(beating).context("the fleet heartbeat outlived its cycle")?;
        total.pipeline += report.pipeline;
        total.deliveries += report.deliveries;
        // Pending is a level, not a count: the last cycle's is the truth.
        total.pending = report.pending;
        match next {
            Next::Stop => break,
            Next::Reload(new) => {
                let listen_changed = new.http.listen != config.http.listen;
                config = *new;
                member.configure(&config).await;
                probe.configure(&config);
                if listen_changed {
                    endpoint.cancel();
                    endpoint = start_endpoint(&config, &probe).await?;
                }
                tracing::info!(config = %config.path.display(), "config reloaded");
            }
        }
    }
    member.leave().await;
    endpoint.cancel();
    keepalive.abort();
    Ok(total)
}

/// A new config the daemon can take: it was read, and its sinks can be
/// built.
async fn checked(reload: Reload) -> anyhow::Result<Config> {
    let config = reload?;
    check_sinks(&config).await?;
    Ok(config)
}

/// Starts the metrics and health endpoint, if one is configured.
async fn start_endpoint(config: &Config, probe: &Arc<Probe>) -> anyhow::Result<CancellationToken> {
    let stop = CancellationToken::new();
    if let Some(address) = config.http.listen.0 {
        let limits = crate::service::http::Limits::with_connections(config.http.max_connections);
        let bound = serve(address, limits, Arc::clone(probe), stop.clone())
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {address} ([http] listen); if another process (a second \
                     newswatch?) has it, set [http] listen to another address, or \"\" to turn \
                     the endpoint off"
                )
            })?;
        tracing::info!(address = %bound, "endpoint listening: status page on /, feeds on /watch/, API on /api/, metrics on /metrics, health on /healthz");
    }
    Ok(stop)
}

/// Pings the watchdog while the pipeline is alive by `probe`'s test (so a
/// stuck pipeline gets restarted), and refreshes STATUS.
async fn keep_systemd_informed(store: Store, probe: Arc<Probe>) {
    let watchdog = notify::watchdog_interval();
    let tick = watchdog.map_or(STATUS_EVERY, |w| (w / 2).min(STATUS_EVERY));
    let mut interval = tokio::time::interval(tick);
    let mut last_status = tokio::time::Instant::now();
    loop {
        interval.tick().await;
        if watchdog.is_some() {
            match probe.pipeline_alive() {
                Ok(_) => notify("WATCHDOG=1"),
                Err(reason) => tracing::error!("{reason}; not pinging the watchdog"),
            }
        }
        if last_status.elapsed() >= STATUS_EVERY {
            last_status = tokio::time::Instant::now();
            notify(&format!(
                "STATUS={}",
                status_line(&store, probe.feed_count()).await
            ));
        }
    }
}

/// "14 feeds, 3 alerts today, 0 deliveries pending".
async fn status_line(store: &Store, feeds: usize) -> String {
    let midnight = chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis());
    let alerts = store.count_alerts_since(midnight).await.unwrap_or(-1);
    let pending = store
        .count_deliveries(None, DeliveryState::Pending)
        .await
        .unwrap_or(-1);
    format!("{feeds} feeds, {alerts} alerts today, {pending} deliveries pending")
}

fn one_line(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("; ")
}
