//! Wiring: builds the stages from a config, spawns the poller, the pipeline
//! loop and one worker per sink, and stops them in order on shutdown.
//!
//! Only the poller watches the shutdown token. When it stops, the poll
//! senders drop, the pipeline drains and exits, and then the sink workers
//! deliver what is due and close, within the configured grace period.

pub mod daemon;
mod feeds;
pub mod fleet;
mod health;
mod pipeline;
mod poll;
mod poller;
mod signals;
pub mod worker;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use feeds::{Backlog, FeedSpec};
pub use pipeline::PipelineReport;
pub use poll::{PollContext, PollOutcome, PollReport};

use crate::config::{Config, ConfigError};
use crate::fetch::Fetcher;
use crate::matcher::Matcher;
use crate::service::heartbeat::Heartbeat;
use crate::sink::Sink;
use crate::store::{Access, DeliveryState, Store};
use worker::{Worker, WorkerReport, WorkerSettings};

/// Capacity of the channel from poll tasks to the pipeline loop.
const POLL_CHANNEL: usize = 256;

/// What a run did, for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    /// Poll and alert totals.
    pub pipeline: PipelineReport,
    /// Delivery totals over all sinks.
    pub deliveries: WorkerReport,
    /// Deliveries still pending at exit (waiting for a retry).
    pub pending: i64,
}

/// How long [`App::run`] polls.
#[derive(Debug, Clone)]
pub enum Until {
    /// Every feed once (`newswatch once`), then drain and return.
    EachFeedPolledOnce,
    /// On schedule until the token is cancelled (a daemon cycle).
    Stopped(CancellationToken),
}

/// The built stages, ready to run.
pub struct App {
    config: Arc<Config>,
    store: Store,
    context: Arc<PollContext>,
    feeds: Vec<FeedSpec>,
}

impl App {
    /// Builds every stage on an open store. Fails on what the operator
    /// must fix (a watch list the matcher cannot take, an HTTP client that
    /// cannot be built).
    pub fn build(config: Config, store: Store) -> anyhow::Result<App> {
        let matcher = Arc::new(Matcher::new(&config.watches, &config.entities)?);
        let fetcher = Fetcher::for_config(&config)?;
        for warning in config.clear_text_credentials() {
            tracing::warn!("{warning}");
        }
        let mut context = PollContext::new(
            fetcher,
            matcher,
            store.clone(),
            config.sinks.clone(),
            config.poll.clone(),
            config.dedup.clone(),
            signals::story_rules(&config),
        );
        context.archive = config.archive.enabled();
        let context = Arc::new(context);
        let feeds = FeedSpec::all(&config);
        Ok(App {
            config: Arc::new(config),
            store,
            context,
            feeds,
        })
    }

    /// The store (for commands that inspect it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs the pipeline: starts the workers, the pipeline loop and the
    /// polls, reports `started` (after the sinks passed their health
    /// checks), polls until `until` says to stop, then drains the pipeline
    /// and delivers what is due (within the grace period, for a daemon).
    /// `heartbeat` is stamped by the pipeline loop for whoever watches it.
    pub async fn run(
        self,
        until: Until,
        heartbeat: Heartbeat,
        started: Option<tokio::sync::oneshot::Sender<()>>,
    ) -> anyhow::Result<RunReport> {
        let workers = self.start_workers().await?;
        let (tx, rx) = mpsc::channel(POLL_CHANNEL);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        // `once` polls each feed once and needs no word of finished polls.
        let done_tx = matches!(until, Until::Stopped(_)).then_some(done_tx);
        let lists: Vec<String> = self
            .config
            .watches
            .iter()
            .map(|w| w.name.get_ref().clone())
            .collect();
        if let Err(error) = self.store.watch_lists(&lists, crate::clock::now_ms()).await {
            // Spike baselines then start at a list's first match instead.
            tracing::warn!(error = %error, "cannot note the watched lists");
        }
        let pipeline = tokio::spawn(pipeline::run(
            self.store.clone(),
            signals::signals(&self.config),
            rx,
            workers.wakers.clone(),
            done_tx,
            heartbeat.clone(),
        ));
        // Whether the poller ran and its leases go back once the
        // pipeline has written what it has.
        let mut released = false;
        let deadline = match until {
            Until::EachFeedPolledOnce => {
                if let Some(started) = started {
                    let _ = started.send(());
                }
                poller::poll_all_once(&self.context, &self.feeds, tx).await?;
                None
            }
            Until::Stopped(stop) => {
                let maintenance = tokio::spawn(maintain(
                    self.store.clone(),
                    self.config.dedup.retention.0,
                    self.config.archive.retention.0,
                ));
                let poller = poller::Poller::start(
                    Arc::clone(&self.context),
                    self.feeds.clone(),
                    &self.config.poll,
                    tx,
                    done_rx,
                    heartbeat,
                )
                .await?;
                if let Some(started) = started {
                    let _ = started.send(());
                }
                tracing::info!(
                    feeds = self.feeds.len(),
                    lists = self.config.watches.len(),
                    sinks = self.config.sinks.len(),
                    "newswatch running"
                );
                poller.run(stop).await;
                maintenance.abort();
                released = true;
                tracing::info!("draining the pipeline and due deliveries");
                Some(tokio::time::Instant::now() + self.config.daemon.shutdown_grace.0)
            }
        };
        let pipeline = match deadline {
            None => pipeline.await.context("pipeline task failed")?,
            Some(deadline) => match tokio::time::timeout_at(deadline, pipeline).await {
                Ok(joined) => joined.context("pipeline task failed")?,
                Err(_) => {
                    tracing::warn!("pipeline did not drain within the grace period");
                    PipelineReport::default()
                }
            },
        };
        if released {
            // Polls abandoned at the stop: their feeds are free for the
            // others (or the next cycle) at once, due as they were.
            if let Err(error) = self.store.release_my_feeds().await {
                tracing::warn!(error = %error, "cannot give the feed leases back; they expire on their own");
            }
        }
        workers.drain.cancel();
        let deliveries = join_workers(workers.tasks, deadline).await;
        self.finish(pipeline, deliveries).await
    }

    async fn start_workers(&self) -> anyhow::Result<Workers> {
        let mut workers = Workers {
            tasks: JoinSet::new(),
            drain: CancellationToken::new(),
            wakers: HashMap::new(),
        };
        for config in &self.config.sinks {
            let sink: Arc<dyn Sink> = Arc::from(config.build()?);
            sink.healthcheck()
                .await
                .with_context(|| format!("sink {:?} failed its health check", config.name()))?;
            if let Some(reason) = self.store.sink_disabled(config.name()).await? {
                tracing::error!(
                    sink = config.name(),
                    reason,
                    "sink disabled; its deliveries wait for `newswatch sinks --enable`"
                );
            }
            let wake = Arc::new(Notify::new());
            workers
                .wakers
                .insert(config.name().to_string(), Arc::clone(&wake));
            let worker = Worker::new(
                sink,
                self.store.clone(),
                wake,
                WorkerSettings::for_sink(config),
            );
            workers.tasks.spawn(worker.run(workers.drain.clone()));
        }
        Ok(workers)
    }

    async fn finish(
        &self,
        pipeline: PipelineReport,
        deliveries: WorkerReport,
    ) -> anyhow::Result<RunReport> {
        let pending = self
            .store
            .count_deliveries(None, DeliveryState::Pending)
            .await?;
        Ok(RunReport {
            pipeline,
            deliveries,
            pending,
        })
    }
}

/// The running sink workers.
struct Workers {
    tasks: JoinSet<WorkerReport>,
    /// Cancelled when the pipeline has written its last poll.
    drain: CancellationToken,
    /// Notified when a sink gets new deliveries.
    wakers: HashMap<String, Arc<Notify>>,
}

/// How often the store is pruned.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(3600);

/// How often pruning runs for a retention: hourly, or a sixth of a short
/// retention (at least a minute), so nothing outlives it by much.
fn maintenance_period(retention: Duration) -> Duration {
    (retention / 6).clamp(Duration::from_secs(60), MAINTENANCE_EVERY)
}

/// The maintenance job: prunes what is older than `retention`, and
/// archived items older than `archive` (all of them when it is 0), a
/// minute after start and then every [`maintenance_period`].
async fn maintain(store: Store, retention: Duration, archive: Duration) {
    let shortest = if archive.is_zero() {
        retention
    } else {
        retention.min(archive)
    };
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(60),
        maintenance_period(shortest),
    );
    loop {
        tick.tick().await;
        let cutoff = crate::clock::ms_ago(retention);
        match store.prune(cutoff).await {
            Ok(pruned) => tracing::info!(
                seen = pruned.seen,
                stories = pruned.stories,
                deliveries = pruned.deliveries,
                "store pruned"
            ),
            Err(error) => tracing::error!(error = %error, "pruning the store failed"),
        }
        if let Err(error) = store
            .prune_fleet(crate::clock::ms_ago(fleet::FORGET_AFTER))
            .await
        {
            tracing::warn!(error = %error, "pruning the fleet's members failed");
        }
        let cutoff = crate::clock::ms_ago(archive);
        match store.prune_archive(cutoff).await {
            Ok(0) => {}
            Ok(items) => tracing::info!(items, "archive pruned"),
            Err(error) => tracing::error!(error = %error, "pruning the archive failed"),
        }
    }
}

/// Waits for the workers, aborting them at `deadline` if given.
async fn join_workers(
    mut workers: JoinSet<WorkerReport>,
    deadline: Option<tokio::time::Instant>,
) -> WorkerReport {
    let mut total = WorkerReport::default();
    loop {
        let next = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, workers.join_next()).await {
                Ok(next) => next,
                Err(_) => {
                    tracing::warn!(
                        "sinks did not finish within the grace period; pending deliveries stay queued"
                    );
                    workers.abort_all();
                    break;
                }
            },
            None => workers.join_next().await,
        };
        match next {
            Some(Ok(report)) => total += report,
            Some(Err(error)) => tracing::error!(error = %error, "a sink worker failed"),
            None => break,
        }
    }
    total
}

/// Opens the config's store for `access`, creating the state directory
/// (owner only) for the default SQLite file.
pub async fn open_store(config: &Config, access: Access) -> anyhow::Result<Store> {
    let state_dir = config.state_directory(|k| std::env::var(k).ok());
    if config.state.database.is_none() {
        create_private_dir(&state_dir)?;
    }
    let url = config.database_url(&state_dir);
    let mut store = Store::open_for(&url, access).await?;
    if access == Access::Daemon
        && let Some(name) = &config.daemon.instance
    {
        store = store.with_instance(name);
    }
    if access == Access::Daemon {
        crate::service::metrics::metrics().store_file(crate::store::sqlite_file(&url));
    }
    Ok(store)
}

/// Builds every sink of a config and checks its health, then drops them:
/// a reload is refused when the new sinks could not work.
pub async fn check_sinks(config: &Config) -> anyhow::Result<()> {
    for sink_config in &config.sinks {
        let sink = sink_config.build()?;
        sink.healthcheck()
            .await
            .with_context(|| format!("sink {:?} failed its health check", sink_config.name()))?;
        let _ = sink.close().await;
    }
    Ok(())
}

/// Every problem `run` would meet building the config's sinks, found
/// without network, as a config error at the sink's table: `check`, `run`
/// and `once` exit 78 on it, so systemd does not restart in a loop.
pub fn preflight(config: &Config) -> Result<(), ConfigError> {
    // Every sink's problem at once, like the config's own errors.
    let errors = config
        .sinks
        .iter()
        .zip(&config.sink_places)
        .filter_map(|(sink, &(line, column))| {
            let problem = sink.problem()?;
            Some(ConfigError::Invalid {
                path: config.path.clone(),
                line,
                column,
                message: format!("sink {:?}: {problem}", sink.name()),
            })
        })
        .collect::<Vec<_>>();
    let mut errors = errors;
    errors.extend(feed_secret_problems(config));
    if let Err(message) = endpoint_token(config) {
        let (line, column) = config.http_place;
        errors.push(ConfigError::Invalid {
            path: config.path.clone(),
            line,
            column,
            message,
        });
    }
    ConfigError::all(errors)
}

/// The secrets of `[poll]` and of each feed (header values, basic auth
/// passwords) that cannot be read, each at its table; the errors name
/// where a secret was looked for, never what it is.
fn feed_secret_problems(config: &Config) -> Vec<ConfigError> {
    let at = |(line, column): (usize, usize), message: String| ConfigError::Invalid {
        path: config.path.clone(),
        line,
        column,
        message,
    };
    let defaults = crate::fetch::secret_problems(&config.poll.headers, None)
        .into_iter()
        .map(|problem| at(config.poll_place, format!("[poll] {problem}")));
    let feeds = config
        .feeds
        .iter()
        .zip(&config.feed_places)
        .flat_map(|(feed, &place)| {
            let url = crate::redact::public_url(feed.url.as_str());
            crate::fetch::secret_problems(&feed.headers, feed.basic_auth.as_ref())
                .into_iter()
                .map(move |problem| at(place, format!("feed {url}: {problem}")))
        });
    defaults.chain(feeds).collect()
}

/// The endpoint's token, read from where `[http]` says; an endpoint on an
/// address beyond loopback must have one. The error names where the
/// token was looked for, never what it is.
pub fn endpoint_token(config: &Config) -> Result<Option<crate::sink::secret::Secret>, String> {
    let token = config
        .http
        .token_source()
        .load()
        .map_err(|e| format!("[http] token: {e}"))?;
    if token.is_none() && config.http.exposed() {
        let address = config
            .http
            .listen
            .0
            .map(|a| a.to_string())
            .unwrap_or_default();
        return Err(format!(
            "[http] listen = \"{address}\" is not a loopback address: set token_file, \
             token_env or token_credential so that the endpoint needs a bearer token"
        ));
    }
    Ok(token)
}

/// Creates the state directory, readable by the owner only.
pub(crate) fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create the state directory {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_pace_with_short_retentions() {
        assert_eq!(
            maintenance_period(Duration::from_secs(90 * 86_400)),
            MAINTENANCE_EVERY
        );
        assert_eq!(
            maintenance_period(Duration::from_secs(600)),
            Duration::from_secs(100)
        );
        assert_eq!(
            maintenance_period(Duration::from_secs(10)),
            Duration::from_secs(60)
        );
    }
}
