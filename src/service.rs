//! The process's relations with its host: logging to stderr (journald
//! aware), shutdown signals, and systemd's notify protocol.

use std::os::unix::net::UnixDatagram;

use tokio_util::sync::CancellationToken;

/// The log filter when `RUST_LOG` is unset: our info lines, and only
/// warnings from the cron scheduler, which is chatty at info.
const DEFAULT_LOG_FILTER: &str = "info,tokio_cron_scheduler=warn";

/// Sets up logging to stderr, filtered by `RUST_LOG` (default `info`).
/// Under journald (`JOURNAL_STREAM` set) lines carry no timestamp or colour:
/// the journal adds its own.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let result = if under_journald {
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

/// Sends a state line to systemd when started with `Type=notify`
/// (`NOTIFY_SOCKET` set); does nothing otherwise.
pub fn notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let Ok(socket) = UnixDatagram::unbound() else {
        return;
    };
    let sent = match path.to_str().and_then(|p| p.strip_prefix('@')) {
        Some(abstract_name) => send_abstract(&socket, abstract_name, state),
        None => socket.send_to(state.as_bytes(), &path).map(drop),
    };
    if let Err(error) = sent {
        tracing::debug!(error = %error, state, "cannot notify systemd");
    }
}

fn send_abstract(socket: &UnixDatagram, name: &str, state: &str) -> std::io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    socket.send_to_addr(state.as_bytes(), &address).map(drop)
}
