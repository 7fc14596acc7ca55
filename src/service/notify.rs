//! systemd's notify protocol: READY, STATUS, WATCHDOG, RELOADING (with
//! MONOTONIC_USEC), STOPPING, sent as datagrams to `$NOTIFY_SOCKET`.
//! Nothing happens when the daemon was not started by systemd.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// How long one message may wait for room on the socket.
const SEND_DEADLINE: Duration = Duration::from_millis(250);

/// Sends a state message to systemd when started with `Type=notify`
/// (`NOTIFY_SOCKET` set); does nothing otherwise.
pub fn notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let Ok(socket) = UnixDatagram::unbound() else {
        return;
    };
    // A manager that stops reading must not hold up the runtime thread
    // this runs on: a full socket queue costs one message, not the daemon.
    let _ = socket.set_write_timeout(Some(SEND_DEADLINE));
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

/// The reloading message, stamped with CLOCK_MONOTONIC as systemd requires.
pub fn reloading() -> String {
    format!("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec())
}

/// Microseconds of CLOCK_MONOTONIC.
fn monotonic_usec() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given, which
    // lives for the call.
    let result = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    if result != 0 {
        return 0;
    }
    now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000
}

/// The watchdog interval systemd expects pings within (`WATCHDOG_USEC`),
/// if it set one for this process.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Some(pid) = std::env::var("WATCHDOG_PID")
        .ok()
        .and_then(|p| p.parse::<u32>().ok())
        && pid != std::process::id()
    {
        return None;
    }
    (usec > 0).then(|| Duration::from_micros(usec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monotonic_clock_moves_forward() {
        let first = monotonic_usec();
        let second = monotonic_usec();
        assert!(first > 0 && second >= first);
        assert!(reloading().starts_with("RELOADING=1\nMONOTONIC_USEC="));
    }
}
