//! The process's relations with its host: logging to stderr (journald
//! aware), signals, systemd's notify protocol, the pipeline's heartbeat,
//! and the metrics and health endpoint.

pub mod heartbeat;
pub mod http;
pub mod metrics;
pub mod notify;

use tokio_util::sync::CancellationToken;

pub use notify::notify;

/// The log filter when `RUST_LOG` is unset: our info lines, and only
/// warnings from sqlx, which logs PostgreSQL notices (migrations raise
/// them) and failed idle pings at info.
const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn";

/// Sets up logging to stderr, filtered by `RUST_LOG` (default `info`).
/// `json`: one JSON object per line. Otherwise, under journald
/// (`JOURNAL_STREAM` set) lines carry no timestamp or colour: the journal
/// adds its own.
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let result = if json {
        builder.json().with_current_span(false).try_init()
    } else if under_journald {
        builder.without_time().with_ansi(false).try_init()
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
    // Already initialised (tests): keep the existing subscriber.
    drop(result);
}

/// A token cancelled on the first SIGTERM or SIGINT.
pub fn shutdown_on_signals() -> std::io::Result<CancellationToken> {
    use tokio::signal::unix::{SignalKind, signal};
    let token = CancellationToken::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let cancel = token.clone();
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutdown requested");
        cancel.cancel();
    });
    Ok(token)
}

/// SIGHUP, as a stream of signals.
pub fn hangups() -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
}
