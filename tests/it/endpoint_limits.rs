//! The metrics and health endpoint under a flood of idle connections, in
//! a daemon that has few file descriptors: /healthz still answers, idle
//! clients are cut off after the header timeout, and the accept loop does
//! not spin (it pinned a core at 113 % before).

use crate::support;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Daemon, TestServer, http_get, newswatch_command, wait_until};

/// File descriptors the daemon may have: fewer than the idle clients.
const FD_LIMIT: libc::rlim_t = 96;
const IDLE_CLIENTS: usize = 400;

/// CPU seconds (user + system) the process has used, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // Fields after the command name (which ends with ')'): utime is the
    // 12th, stime the 13th.
    let after = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / per_second
}

#[test]
fn idle_connections_neither_block_health_checks_nor_spin_the_daemon() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, port) = support::endpoint_config(
        dir.path(),
        "interval = \"1h\"\nstartup_spread = \"0s\"",
        &[server.url("/rss2.xml")],
        "",
    );
    let mut command = newswatch_command(&["run", "--config", &config]);
    support::limit_resource(&mut command, libc::RLIMIT_NOFILE, FD_LIMIT);
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let daemon = Daemon::spawn(command, log);
    let pid = daemon.0.id();
    let second = Duration::from_secs(1);
    wait_until(Duration::from_secs(30), "/healthz answering", || {
        http_get(port, "/healthz", second).is_some_and(|(status, _)| status == 200)
    });

    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let idle: Vec<TcpStream> = (0..IDLE_CLIENTS)
        .filter_map(|_| TcpStream::connect_timeout(&address, second).ok())
        .collect();
    assert!(
        idle.len() > FD_LIMIT as usize,
        "only {} clients connected",
        idle.len()
    );

    // Health checks get through while the idle clients hold on.
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let mut answered = 0;
    wait_until(Duration::from_secs(30), "20 health checks answered", || {
        if http_get(port, "/healthz", second).is_some_and(|(status, _)| status == 200) {
            answered += 1;
        }
        answered >= 20
    });
    // A measuring window, not a wait: how much CPU the daemon spends
    // while the idle clients stay connected.
    std::thread::sleep(Duration::from_secs(2));
    let share = (cpu_seconds(pid) - cpu_before) / started.elapsed().as_secs_f64();
    assert!(
        share < 0.5,
        "the daemon used {:.0} % of a core",
        share * 100.0
    );

    // An idle client is cut off once the header timeout (5 s) passes.
    let mut last = idle.into_iter().last().expect("a client");
    last.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut buffer = [0u8; 16];
    let read = last.read(&mut buffer);
    assert!(
        matches!(read, Ok(0))
            || read
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "the idle connection is closed by the daemon: {read:?}"
    );
    drop(daemon);
}
