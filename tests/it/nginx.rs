//! Conditional GET against a real nginx serving files, started with the
//! benchmarks' launcher (bench/serve.sh, bench/nginx.conf): the second
//! poll of each feed gets 304. Without nginx the test is recorded as
//! skipped (support::command_available), and under CI=true it fails.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use newswatch::config::PollConfig;
use newswatch::fetch::{FetchOutcome, Fetcher, Validators};

use crate::support::skip::command_available;

/// The in-repo launcher, or `None` (recorded as a skip) without nginx.
fn launcher() -> Option<PathBuf> {
    let nginx = command_available(
        "nginx",
        "-v",
        "nginx conditional GET (nginx::nginx_answers_the_second_poll_with_304)",
        "apt-get install -y nginx-light",
    );
    nginx.then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/serve.sh"))
}

/// Stops the nginx serving `dir` when dropped.
struct Nginx {
    script: PathBuf,
    dir: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("--stop")
            .arg(&self.dir)
            .status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn nginx_answers_the_second_poll_with_304() {
    let Some(script) = launcher() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // nginx's workers may run as another user (nobody, when started as root).
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod tempdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in ["rss2.xml", "atom.xml", "rss1.rdf"] {
        std::fs::copy(fixtures.join(name), dir.path().join(name)).expect("copy fixture");
    }
    let port = free_port();
    let started = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .arg(port.to_string())
        .output()
        .expect("run serve.sh");
    assert!(
        started.status.success(),
        "serve.sh failed: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    let _nginx = Nginx {
        script,
        dir: dir.path().to_path_buf(),
    };
    let fetcher = Fetcher::new(&PollConfig::default()).expect("client");
    for name in ["rss2.xml", "atom.xml", "rss1.rdf"] {
        let url = format!("http://127.0.0.1:{port}/{name}");
        let first = fetcher
            .fetch(&url, &Validators::default())
            .await
            .expect("first fetch");
        let FetchOutcome::Fetched(body) = first else {
            panic!("{name}: expected a body, got {first:?}");
        };
        assert!(body.validators.etag.is_some(), "{name}: nginx sent an ETag");
        assert!(
            body.validators.last_modified.is_some(),
            "{name}: nginx sent Last-Modified"
        );
        let parsed = newswatch::parse::parse_feed(&body.bytes, &url, body.content_type.as_deref())
            .expect("parses");
        assert!(!parsed.items.is_empty());
        let second = fetcher
            .fetch(&url, &body.validators)
            .await
            .expect("second fetch");
        assert!(
            matches!(second, FetchOutcome::NotModified(_)),
            "{name}: {second:?}"
        );
    }
}
