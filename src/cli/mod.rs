//! The command line: `run`, `once`, `check`, `test`, `feeds`, `alerts`,
//! `stories`, `backtest`, `search`, `redeliver`, `sinks`, `import-opml` and
//! `discover`,
//! and how each maps onto the library (and which store access it needs).
//! Exit codes: 0 fine, 78 bad config (EX_CONFIG), 75 `once` done in part
//! (EX_TEMPFAIL: feeds failed or deliveries pending), 1 any other failure
//! (clap uses 2 for bad usage).

mod backtest;
mod check;
mod demo;
mod demo_feed;
mod discover;
mod feeds;
mod fleet;
mod opml;
mod outbox;
mod output;
mod search;
mod secret;
mod stories;
mod test_articles;
mod test_feed;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{App, Until};
use crate::config::{Config, ConfigError, PollConfig, locate};
use crate::service;
use crate::service::heartbeat::Heartbeat;
use crate::store::Access;

/// Exit code for a bad config (sysexits' EX_CONFIG); systemd is told not to
/// restart on it.
pub const EXIT_CONFIG: u8 = 78;

/// Exit code of `once` when some feeds failed or deliveries stay pending
/// (sysexits' EX_TEMPFAIL): a cron job or script can tell it from success.
pub const EXIT_TEMPFAIL: u8 = 75;

/// newswatch watches news feeds, matches items against watch lists and
/// reports every story once, to stdout, files or webhooks.
#[derive(Debug, Parser)]
#[command(name = "newswatch", version, about, long_about = None)]
pub struct Cli {
    /// Config file. Default: $NEWSWATCH_CONFIG, else
    /// /etc/newswatch/newswatch.toml, else ./config/newswatch.toml.
    #[arg(
        long,
        short,
        global = true,
        env = "NEWSWATCH_CONFIG",
        value_name = "PATH"
    )]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll feeds on schedule and deliver alerts until stopped
    /// (SIGTERM or Ctrl-C).
    Run,
    /// Poll every feed once, deliver the resulting alerts, and exit. Failing
    /// feeds are reported on stderr but do not change the exit code.
    Once,
    /// Check the config and print a short summary; exit 78 with one
    /// path:line:column line per error if it is wrong.
    Check {
        /// Also compare the config with what the daemons sharing its
        /// database run; exit 1 if one runs another.
        #[arg(long)]
        fleet: bool,
    },
    /// List the daemons sharing this database: heartbeat, the feed and
    /// delivery leases each holds, and whether they run the same config.
    Fleet {
        /// One JSON object per daemon per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List every feed with its state: last poll, last status, ETag, next
    /// due time, consecutive failures, and why it is disabled if it is.
    Feeds {
        /// One JSON object per feed per line instead of a table.
        #[arg(long)]
        json: bool,
        /// Forget the stored state of the feed with this configured URL (a
        /// feed disabled after 410 Gone is polled again, as new).
        #[arg(long, value_name = "URL")]
        reset: Option<String>,
    },
    /// List deliveries: what was sent, what waits, what failed for good.
    Alerts {
        /// Only this sink's deliveries.
        #[arg(long)]
        sink: Option<String>,
        /// Only deliveries in this state.
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        /// At most this many (the newest).
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// List recent stories: their sources with times, lists, first and last
    /// seen, which sinks had them, and whether breaking fired.
    Stories {
        /// Stories with a copy seen within this long ("24h", "7days").
        #[arg(long, default_value = "24h")]
        since: crate::units::HumanDuration,
        /// At most this many (the most recently seen).
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Run the watch lists of the config (typically an edited copy) over
    /// the item archive and show, per list, what would have alerted, what
    /// did, and the difference. Writes nothing.
    Backtest {
        /// Items read within this long ("7days", "24h").
        #[arg(long, default_value = "7days")]
        since: crate::units::HumanDuration,
        /// Only this watch list.
        #[arg(long, value_name = "NAME")]
        watch: Option<String>,
        /// One JSON object per list per line.
        #[arg(long)]
        json: bool,
    },
    /// Search the item archive with a query in the watch lists' language
    /// ('KFOR NEAR/5 troop*', '@vucic NOT title:football'), newest first.
    Search {
        /// The query.
        query: String,
        /// Items read within this long ("7days", "24h").
        #[arg(long, default_value = "7days")]
        since: crate::units::HumanDuration,
        /// Only items that matched this watch list when they were read.
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        /// At most this many (the newest).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per item per line.
        #[arg(long)]
        json: bool,
    },
    /// Print a fresh webhook signing secret (`whsec_...`) for a sink's
    /// secret_env, secret_file or credential. Needs no config.
    Secret,
    /// Put deliveries back in the queue (dead letters, or any by id).
    Redeliver {
        /// Delivery ids, as `newswatch alerts` shows them.
        ids: Vec<String>,
        /// Every dead letter (of --sink, if given).
        #[arg(long, conflicts_with = "ids")]
        dead: bool,
        /// With --dead: only this sink's.
        #[arg(long, requires = "dead")]
        sink: Option<String>,
    },
    /// Show each sink's queue, or enable a sink disabled by a 410 answer.
    Sinks {
        /// Enable this sink again.
        #[arg(long, value_name = "NAME")]
        enable: Option<String>,
    },
    /// Print `[[feed]]` entries for the feeds in an OPML file (every feed
    /// reader exports one), or append them to the config with --write.
    ImportOpml {
        /// The OPML file.
        file: std::path::PathBuf,
        /// Append the new feeds to the config file instead of printing them.
        #[arg(long)]
        write: bool,
    },
    /// Try newswatch in a minute: serve a made-up news wire on loopback
    /// and run the daemon on a demo config (written to DIR, kept between
    /// runs) that watches it and prints alerts.
    Demo {
        /// Where the demo's config and state live.
        #[arg(long, default_value = "newswatch-demo", value_name = "DIR")]
        dir: PathBuf,
        /// The loopback port of the demo wire (when the config is written).
        #[arg(long, default_value_t = 9480)]
        port: u16,
        /// How often a new headline appears on the wire.
        #[arg(long, default_value = "20s", value_name = "DURATION")]
        every: crate::units::HumanDuration,
    },
    /// Print the configured feeds as an OPML document (to import into a
    /// feed reader); each feed sits in the folders its tags name.
    ExportOpml,
    /// Find the feeds a web page advertises (<link rel="alternate"> of RSS,
    /// Atom and JSON feeds) and print them as [[feed]] entries; say so if
    /// the URL is a feed already. Exits 1 if the page advertises none. Uses
    /// the [poll] limits, User-Agent and proxy of the config when there is
    /// one (not its headers), and follows redirects into private address
    /// space ([poll] allow_private is for the daemon's feeds).
    Discover {
        /// The page's URL (http/https).
        url: String,
    },
    /// Fetch or read one feed and show which items match which lists and
    /// why. Stores and delivers nothing.
    Test {
        /// A feed URL (http/https) or a file path.
        source: String,
        /// One JSON object per item per line instead of text.
        #[arg(long)]
        json: bool,
        /// Under each item, every query list's query as a tree with each
        /// node's result, to see why it did or did not match.
        #[arg(long, conflicts_with = "json")]
        explain: bool,
        /// Fetch each item's linked article (as `full_text = true` feeds
        /// do), show the start and length of its text (or why it failed)
        /// and match with it.
        #[arg(long)]
        full_text: bool,
    },
}

/// A delivery state on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StateArg {
    /// Waiting to be sent (or retried).
    Pending,
    /// Sent and confirmed.
    Done,
    /// Given up on.
    Dead,
}

impl From<StateArg> for crate::store::DeliveryState {
    fn from(state: StateArg) -> Self {
        match state {
            StateArg::Pending => crate::store::DeliveryState::Pending,
            StateArg::Done => crate::store::DeliveryState::Done,
            StateArg::Dead => crate::store::DeliveryState::Dead,
        }
    }
}

/// A command's failure, carrying its exit code.
#[derive(Debug)]
pub enum Failure {
    /// The config is missing or wrong.
    Config(ConfigError),
    /// Anything else.
    Other(anyhow::Error),
    /// Whoever read our output went away (a closed pipe): stop quietly.
    OutputClosed,
    /// The work was done in part: some feeds failed, or deliveries are
    /// still pending (said on stderr already). Trying again later may do
    /// the rest.
    Partial,
}

impl From<ConfigError> for Failure {
    fn from(error: ConfigError) -> Self {
        Failure::Config(error)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        match error.downcast::<ConfigError>() {
            Ok(config) => Failure::Config(config),
            Err(other) => Failure::Other(other),
        }
    }
}

impl Failure {
    /// Prints the failure on stderr and gives the exit code.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Config(error) => {
                eprintln!("{error}");
                ExitCode::from(EXIT_CONFIG)
            }
            Failure::Other(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
            Failure::OutputClosed => ExitCode::SUCCESS,
            Failure::Partial => ExitCode::from(EXIT_TEMPFAIL),
        }
    }
}

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Secret => return secret::run(),
        Command::Demo { dir, port, every } => return demo::run(dir, *port, every.0),
        Command::Discover { url } => {
            let poll = poll_settings(cli.config.as_deref())?;
            service::init_logging(false);
            return runtime()?.block_on(discover::run(&poll, url));
        }
        _ => {}
    }
    let path = locate(cli.config.as_deref())?;
    let config = Config::load(&path)?;
    service::init_logging(config.daemon.log_format == crate::config::LogFormat::Json);
    let config_ref = &config;
    match cli.command {
        Command::Check { fleet } => {
            check::run(&config)?;
            if !fleet {
                return Ok(());
            }
            with_store(&config, Access::ReadOnly, |store| async move {
                fleet::compare(config_ref, &store).await
            })
        }
        Command::Fleet { json } => with_store(&config, Access::ReadOnly, |store| async move {
            fleet::run(&store, json).await
        }),
        Command::Test {
            source,
            json,
            explain,
            full_text,
        } => {
            let options = test_feed::Options {
                json,
                explain,
                full_text,
            };
            runtime()?.block_on(test_feed::run(&config, &source, options))
        }
        Command::Once => runtime()?.block_on(once(config)),
        Command::Feeds { json, reset } => {
            with_store(&config, edits(reset.is_some()), |store| async move {
                feeds::run(config_ref, &store, json, reset.as_deref()).await
            })
        }
        Command::Alerts {
            sink,
            state,
            limit,
            json,
        } => with_store(&config, Access::ReadOnly, |store| async move {
            outbox::alerts(&store, sink.as_deref(), state.map(Into::into), limit, json).await
        }),
        Command::Stories { since, limit, json } => {
            with_store(&config, Access::ReadOnly, |store| async move {
                stories::run(&store, since.0, limit, json).await
            })
        }
        Command::Backtest { since, watch, json } => {
            with_store(&config, Access::ReadOnly, |store| async move {
                backtest::run(config_ref, &store, since.0, watch.as_deref(), json).await
            })
        }
        Command::Search {
            query,
            since,
            list,
            limit,
            json,
        } => with_store(&config, Access::ReadOnly, |store| async move {
            search::run(
                config_ref,
                &store,
                &query,
                since.0,
                list.as_deref(),
                limit,
                json,
            )
            .await
        }),
        Command::Redeliver { ids, dead, sink } => {
            with_store(&config, Access::Edit, |store| async move {
                outbox::redeliver(&store, &ids, dead, sink.as_deref()).await
            })
        }
        Command::Sinks { enable } => {
            with_store(&config, edits(enable.is_some()), |store| async move {
                outbox::sinks(config_ref, &store, enable.as_deref()).await
            })
        }
        Command::ImportOpml { file, write } => opml::run(&config, &file, write),
        Command::ExportOpml => opml::export(&config),
        Command::Secret => secret::run(),
        Command::Demo { dir, port, every } => demo::run(&dir, port, every.0),
        Command::Discover { url } => runtime()?.block_on(discover::run(&config.poll, &url)),
        Command::Run => runtime()?.block_on(daemon(&path, config)),
    }
}

/// The `[poll]` settings of the config, or the defaults when there is no
/// config file (a command that needs none, like `discover`).
fn poll_settings(explicit: Option<&std::path::Path>) -> Result<PollConfig, Failure> {
    match locate(explicit) {
        Ok(path) => Ok(Config::load(&path)?.poll),
        Err(ConfigError::NotFound { .. }) => Ok(PollConfig::default()),
        Err(error) => Err(error.into()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot start the async runtime: {e}")))
}

/// A listing opens the store read-only; the same command editing opens it
/// to write, beside a running daemon.
fn edits(editing: bool) -> Access {
    if editing {
        Access::Edit
    } else {
        Access::ReadOnly
    }
}

/// Runs a command that works on the store, closing it afterwards.
fn with_store<F, Fut>(config: &Config, access: Access, command: F) -> Result<(), Failure>
where
    F: FnOnce(crate::store::Store) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failure>>,
{
    runtime()?.block_on(async {
        let store = crate::app::open_store(config, access).await?;
        let result = command(store.clone()).await;
        store.close().await;
        result
    })
}

async fn once(config: Config) -> Result<(), Failure> {
    crate::app::preflight(&config)?;
    let feeds = config.feeds.len();
    let store = crate::app::open_store(&config, Access::Daemon).await?;
    let app = App::build(config, store.clone())?;
    let report = app
        .run(Until::EachFeedPolledOnce, Heartbeat::default(), None)
        .await;
    store.close().await;
    let report = report?;
    let p = report.pipeline;
    let d = report.deliveries;
    eprintln!(
        "polled {feeds} feeds: {} fetched, {} unchanged, {} failed; {} new alerts, \
         {} taken as backlog; {} delivered, {} dead, {} pending",
        p.fetched, p.unchanged, p.failed, p.alerts, p.backlog, d.delivered, d.dead, report.pending
    );
    if p.backlog > 0 {
        eprintln!(
            "{} matching items were older than the backlog window on a feed's first poll \
             and were marked seen without an alert; backlog = \"all\" on a feed alerts them",
            p.backlog
        );
    }
    let articles = crate::service::metrics::metrics().article_fetches();
    if articles.iter().any(|(_, count)| *count > 0) {
        let counts: Vec<String> = articles
            .iter()
            .map(|(outcome, count)| format!("{} {count}", outcome.label()))
            .collect();
        eprintln!("article fetches: {}", counts.join(", "));
    }
    if p.failed > 0 || report.pending > 0 {
        return Err(Failure::Partial);
    }
    Ok(())
}

async fn daemon(path: &std::path::Path, config: Config) -> Result<(), Failure> {
    crate::app::preflight(&config)?;
    let shutdown = service::shutdown_on_signals()
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot install signal handlers: {e}")))?;
    let reloads = reload_on_hangup(path.to_path_buf())
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot listen for SIGHUP: {e}")))?;
    let store = crate::app::open_store(&config, Access::Daemon).await?;
    let report = crate::app::daemon::run(config, store.clone(), shutdown, reloads).await;
    store.close().await;
    let report = report?;
    tracing::info!(
        alerts = report.pipeline.alerts,
        delivered = report.deliveries.delivered,
        pending = report.pending,
        "stopped"
    );
    Ok(())
}

/// Re-reads the config file on each SIGHUP and hands the daemon what it
/// found: the daemon decides whether to take it.
fn reload_on_hangup(
    path: std::path::PathBuf,
) -> std::io::Result<tokio::sync::mpsc::Receiver<crate::app::daemon::Reload>> {
    let mut hangups = service::hangups()?;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            // What keeps the daemon from starting keeps a reload out too.
            let reload = Config::load(&path)
                .and_then(|config| crate::app::preflight(&config).map(|()| config))
                .map_err(anyhow::Error::from);
            if tx.send(reload).await.is_err() {
                break;
            }
        }
    });
    Ok(rx)
}
