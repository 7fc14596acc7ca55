//! `newswatch demo`: the first minute of a new user. It writes a config in
//! a directory of its own (a demo wire on loopback, three small watch
//! lists, alerts on stdout), serves the wire (`demo_feed`), and runs the
//! daemon on that config: alerts appear within a minute, and editing a
//! list and reloading (SIGHUP) changes what the next headlines alert.

use std::path::{Path, PathBuf};

use super::{Failure, daemon, runtime};
use crate::config::Config;

/// Where the wire is served, in the config's feed URL.
const WIRE_PATH: &str = "/demo-wire.xml";

/// Runs the demo in `dir`, serving the wire on `port` when the config is
/// new (an existing config keeps the port it names), with a new headline
/// `every` period.
pub fn run(dir: &Path, port: u16, every: std::time::Duration) -> Result<(), Failure> {
    let path = dir.join("newswatch.toml");
    if !path.exists() {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        std::fs::write(&path, config_text(dir, port))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let config = Config::load(&path)?;
    crate::service::init_logging(false);
    let port = wire_port(&config).ok_or_else(|| {
        anyhow::anyhow!(
            "{} has no feed at http://127.0.0.1:PORT{WIRE_PATH}; remove {} to start the demo afresh",
            path.display(),
            dir.display()
        )
    })?;
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot serve the demo wire on 127.0.0.1:{port}: {e}; remove {} and run \
                     `newswatch demo --port N` with a free port",
                    dir.display()
                )
            })?;
        tokio::spawn(super::demo_feed::serve(listener, chrono::Utc::now(), every));
        eprintln!("{}", introduction(&path, port, every));
        daemon(&path, config).await
    })
}

/// What the user is told before the first alert.
fn introduction(path: &Path, port: u16, every: std::time::Duration) -> String {
    format!(
        "newswatch demo\n\
         - a made-up news wire is served at http://127.0.0.1:{port}{WIRE_PATH}, \
           a new headline every {}\n\
         - the config is {config}; alerts print below within a minute\n\
         - then add a term: put \"Mitrovica\" in the kosovo list's terms in that file,\n\
         \x20 and reload with `kill -HUP {pid}`: the next Mitrovica headline alerts\n\
         - `newswatch test http://127.0.0.1:{port}{WIRE_PATH} --config {config}` shows why \
           each headline matches or not\n\
         - Ctrl-C stops; run `newswatch demo` again to go on where you left off\n",
        humantime::format_duration(every),
        config = path.display(),
        pid = std::process::id(),
    )
}

/// The port of the demo wire the config polls.
fn wire_port(config: &Config) -> Option<u16> {
    config.feeds.iter().find_map(|feed| {
        let url = &feed.url.0;
        (url.host_str() == Some("127.0.0.1") && url.path() == WIRE_PATH)
            .then(|| url.port())
            .flatten()
    })
}

/// The demo's config, commented for a first read.
fn config_text(dir: &Path, port: u16) -> String {
    let state: PathBuf = dir.join("state");
    format!(
        r#"# The newswatch demo's config: edit it, then reload the demo with
# kill -HUP (the demo prints the command). The full commented config is
# config/newswatch.toml in the source tree, /etc/newswatch/newswatch.toml
# when installed.

[state]
directory = {state:?}

[http]
listen = ""             # the status page and metrics are off in the demo

[poll]
interval = "10s"        # real feeds: 15m is polite
jitter = 0.0
startup_spread = "0s"
backlog = "all"         # the first poll alerts what is already on the wire

[[feed]]
name = "Demo wire"
url = "http://127.0.0.1:{port}{WIRE_PATH}"

# A list matches an item when one of its terms is in the title, summary or
# text. Matching folds case, diacritics and script: "Vucic" also finds
# "Vučić" and "Вучић". mode = "prefix" matches word starts (kosov: Kosovo,
# Kosova, Kosovar); the default matches whole words.
[[watch]]
name = "kosovo"
terms = [{{ term = "kosov", mode = "prefix" }}, {{ term = "prishtin", mode = "prefix" }}, "Jarinje", {{ term = "zvecan", mode = "prefix" }}]

[[watch]]
name = "kfor"
terms = ["KFOR", "Kosovo Force"]

[[watch]]
name = "serbia"
terms = [{{ term = "srbij", mode = "prefix" }}, {{ term = "serbi", mode = "prefix" }}, {{ term = "vucic", mode = "prefix" }}, "Belgrade"]

# Alerts go to standard output; see the README for files, webhooks
# (Slack, Discord, Teams, ...), email and commands.
[[sink]]
type = "stdout"
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_is_valid_and_polls_the_wire() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::parse(&config_text(dir.path(), 9480), Path::new("demo.toml"))
            .expect("a valid config");
        assert_eq!(wire_port(&config), Some(9480));
        assert_eq!(config.watches.len(), 3);
    }
}
