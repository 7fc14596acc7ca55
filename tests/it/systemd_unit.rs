//! The shipped unit (systemd/newswatch.service): `systemd-analyze verify`
//! is clean and `systemd-analyze security --offline=true --threshold=12`
//! passes (exposure 1.2 or lower), and it says what the daemon relies on.
//! Without systemd-analyze the tests are recorded as skipped
//! (support::command_available), and under CI=true they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::skip::command_available;

fn unit_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/newswatch.service"))
        .expect("unit")
}

/// The unit with its binary paths pointed at the built binary, which
/// `verify` requires to exist, in a directory of its own.
fn unit_for_analysis() -> Option<(tempfile::TempDir, PathBuf)> {
    if !command_available(
        "systemd-analyze",
        "--version",
        "systemd-analyze of the shipped unit (systemd_unit)",
        "apt-get install -y systemd",
    ) {
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newswatch.service");
    std::fs::write(
        &path,
        unit_text().replace("/usr/bin/newswatch", env!("CARGO_BIN_EXE_newswatch")),
    )
    .expect("unit");
    Some((dir, path))
}

#[test]
fn systemd_analyze_verify_is_clean() {
    let Some((_dir, unit)) = unit_for_analysis() else {
        return;
    };
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .expect("verify");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("newswatch.service"))
        .collect();
    assert!(complaints.is_empty(), "{complaints:#?}");
}

#[test]
fn the_exposure_score_is_at_most_1_2() {
    let Some((_dir, unit)) = unit_for_analysis() else {
        return;
    };
    let output = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=12"])
        .arg(&unit)
        .output()
        .expect("security");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let score: f64 = stdout
        .lines()
        .find_map(|l| l.split("newswatch.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no overall exposure in {stdout}"));
    eprintln!("systemd-analyze security: overall exposure {score}");
    assert!(score <= 1.2, "{score}");
}

#[test]
fn the_unit_says_what_the_daemon_relies_on() {
    let unit = unit_text();
    for line in [
        "Type=notify",
        "ExecStartPre=/usr/bin/newswatch check",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "DynamicUser=yes",
        "StateDirectory=newswatch",
        "ConfigurationDirectory=newswatch",
        "#LoadCredential=",
        "WatchdogSec=",
        "Restart=on-failure",
        "RestartPreventExitStatus=78",
        "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "ProtectSystem=strict",
        "PrivateDevices=yes",
        "PrivateUsers=yes",
        "ProtectProc=invisible",
        "UMask=0077",
    ] {
        assert!(unit.contains(line), "the unit lacks {line:?}");
    }
    // The stop timeout leaves room for the drain grace period.
    let stop: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .and_then(|v| v.trim_end_matches('s').parse().ok())
        .expect("TimeoutStopSec in seconds");
    let grace = newswatch::config::DaemonConfig::default()
        .shutdown_grace
        .0
        .as_secs();
    assert!(
        stop > grace,
        "TimeoutStopSec={stop} must exceed the {grace}s grace"
    );
}
