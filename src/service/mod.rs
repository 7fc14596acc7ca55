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
const DEFAULT_LOG_FILTER: &str = "warn,newswatch=info";

/// The log filter for a `RUST_LOG` value: a bare level ("debug") applies
/// to newswatch only, while the libraries stay at `warn` (sqlx at debug
/// prints every statement and the schema); a value naming targets
/// (`sqlx=debug`, `newswatch=trace,hyper=info`) is taken as written.
pub fn log_filter(rust_log: Option<&str>) -> String {
    match rust_log.map(str::trim).filter(|v| !v.is_empty()) {
        None => DEFAULT_LOG_FILTER.to_string(),
        Some(value) if value.contains('=') || value.contains(',') => value.to_string(),
        Some(level) => format!("warn,newswatch={level}"),
    }
}

/// Sets up logging to stderr, filtered by `RUST_LOG` (see [`log_filter`]).
/// `json`: one JSON object per line. Otherwise, under journald
/// (`JOURNAL_STREAM` set) lines carry no timestamp or colour: the journal
/// adds its own.
pub fn init_logging(json: bool) {
    let wanted = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    let filter = tracing_subscriber::EnvFilter::try_new(&wanted)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_level_is_newswatch_only_and_named_targets_are_taken_as_written() {
        assert_eq!(log_filter(None), "warn,newswatch=info");
        assert_eq!(log_filter(Some("")), "warn,newswatch=info");
        assert_eq!(log_filter(Some("debug")), "warn,newswatch=debug");
        assert_eq!(log_filter(Some("sqlx=debug")), "sqlx=debug");
        assert_eq!(
            log_filter(Some("newswatch=trace,hyper=info")),
            "newswatch=trace,hyper=info"
        );
    }
}
