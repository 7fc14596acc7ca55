//! Shared test helpers: a real HTTP server on 127.0.0.1:0 (hyper) that
//! serves feeds with ETags and records webhook calls, a runner for the
//! `newswatch` binary, a condition waiter with a deadline, the benchmarks'
//! feed generator, and the skip record for tests whose service is missing.

#![allow(dead_code)]

#[path = "../../../bench/genfeeds/mod.rs"]
pub mod genfeeds;
pub mod hostile;
pub mod proxy;
pub mod skip;

pub use skip::service_missing;

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio_util::sync::CancellationToken;

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Request path (with query).
    pub path: String,
    /// Header names lowercased.
    pub headers: HashMap<String, String>,
    /// Request body.
    pub body: Vec<u8>,
    /// The status the server answered.
    pub status: u16,
    /// When the answer went out.
    pub at: Instant,
}

#[derive(Debug, Clone)]
struct FeedRoute {
    body: Vec<u8>,
    content_type: String,
    etag: String,
}

#[derive(Debug, Clone)]
struct HookRoute {
    script: VecDeque<u16>,
    then: u16,
}

/// One scripted answer: status, headers, body, and a delay before it.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Reply {
    /// An answer with this status and an empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            ..Reply::default()
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

#[derive(Debug, Default)]
struct State {
    feeds: HashMap<String, FeedRoute>,
    hooks: HashMap<String, HookRoute>,
    scripts: HashMap<String, (VecDeque<Reply>, Reply)>,
    seen: Vec<Recorded>,
    in_flight: usize,
    max_in_flight: usize,
    /// Requests being answered, by the host they were sent to.
    in_flight_by_host: HashMap<String, usize>,
    /// The most requests answered at once, by host.
    max_in_flight_by_host: HashMap<String, usize>,
}

/// An HTTP/1.1 server on loopback, run on its own thread.
pub struct TestServer {
    addr: SocketAddr,
    /// Every address it answers on (`addr` first).
    addrs: Vec<SocketAddr>,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1 with a free port.
    pub fn start() -> TestServer {
        TestServer::start_on(0)
    }

    /// Starts a server on 127.0.0.1 at `port` (0: any free port).
    pub fn start_on(port: u16) -> TestServer {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind loopback");
        TestServer::serving(vec![listener])
    }

    /// Starts one server answering on each of these loopback addresses
    /// (`127.0.0.2` is this machine too), each a host of its own to a
    /// client: [`TestServer::url_on`] names them.
    pub fn start_on_hosts(hosts: &[&str]) -> TestServer {
        let listeners = hosts
            .iter()
            .map(|host| std::net::TcpListener::bind((*host, 0)).expect("bind a loopback address"))
            .collect();
        TestServer::serving(listeners)
    }

    fn serving(listeners: Vec<std::net::TcpListener>) -> TestServer {
        let addrs: Vec<SocketAddr> = listeners
            .iter()
            .map(|l| {
                l.set_nonblocking(true).expect("nonblocking");
                l.local_addr().expect("local addr")
            })
            .collect();
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test server runtime");
            runtime.block_on(async move {
                let stopping = CancellationToken::new();
                for listener in listeners {
                    tokio::spawn(serve(listener, Arc::clone(&shared), stopping.clone()));
                }
                let _ = stopped.await;
                stopping.cancel();
            });
        });
        TestServer {
            addr: addrs[0],
            addrs,
            state,
            stop: Some(stop),
        }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The absolute URL of `path` at the `index`th address the server
    /// was started on.
    pub fn url_on(&self, index: usize, path: &str) -> String {
        format!("http://{}{}", self.addrs[index], path)
    }

    /// The most requests answered at once for each host (the host name
    /// the client sent, without port).
    pub fn max_in_flight_by_host(&self) -> HashMap<String, usize> {
        self.lock().max_in_flight_by_host.clone()
    }

    /// Every request seen, in order.
    pub fn all_requests(&self) -> Vec<Recorded> {
        self.lock().seen.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Serves `body` at `path` with a strong ETag derived from the body;
    /// answers 304 to a matching `If-None-Match`.
    pub fn serve_feed(&self, path: &str, body: Vec<u8>, content_type: &str) {
        let etag = format!("\"{:016x}\"", fnv1a(&body));
        self.lock().feeds.insert(
            path.to_string(),
            FeedRoute {
                body,
                content_type: content_type.to_string(),
                etag,
            },
        );
    }

    /// Serves a fixture file from tests/fixtures.
    pub fn serve_fixture(&self, path: &str, fixture: &str, content_type: &str) {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        self.serve_feed(path, std::fs::read(file).expect("fixture"), content_type);
    }

    /// A webhook receiver at `path`: answers the scripted statuses in turn,
    /// then `then` forever.
    pub fn hook(&self, path: &str, script: &[u16], then: u16) {
        self.lock().hooks.insert(
            path.to_string(),
            HookRoute {
                script: script.iter().copied().collect(),
                then,
            },
        );
    }

    /// Answers requests for `path` with `replies` in turn, then `then` forever.
    pub fn script(&self, path: &str, replies: Vec<Reply>, then: Reply) {
        self.lock()
            .scripts
            .insert(path.to_string(), (replies.into_iter().collect(), then));
    }

    /// The most requests the server was answering at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// Every request seen for `path`, in order.
    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        self.lock()
            .seen
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Bodies of the webhook calls at `path` that were answered 2xx, as JSON.
    pub fn accepted_json(&self, path: &str) -> Vec<serde_json::Value> {
        self.requests(path)
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .map(|r| serde_json::from_slice(&r.body).expect("webhook body is JSON"))
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<Mutex<State>>,
    stopped: CancellationToken,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let accepted = tokio::select! {
            _ = stopped.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(request, Arc::clone(&state)));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn respond(
    request: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |p| p.as_str().to_string());
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let host = headers
        .get("host")
        .map(|h| {
            h.rsplit_once(':')
                .map_or(h.as_str(), |(name, _)| name)
                .to_string()
        })
        .unwrap_or_default();
    let reply = {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        state.in_flight += 1;
        state.max_in_flight = state.max_in_flight.max(state.in_flight);
        let now = {
            let count = state.in_flight_by_host.entry(host.clone()).or_default();
            *count += 1;
            *count
        };
        let most = state.max_in_flight_by_host.entry(host.clone()).or_default();
        *most = (*most).max(now);
        reply_for(&mut state, &path, &headers)
    };
    // Counted out when answered, or when the client gave up and the
    // answer was dropped unsent.
    let answering = Answering {
        state: Arc::clone(&state),
        host,
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    drop(answering);
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    state.seen.push(Recorded {
        path,
        headers,
        body,
        status: reply.status,
        at: Instant::now(),
    });
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    let response = response
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Ok(response)
}

/// A request being answered, for the counts of requests in flight.
struct Answering {
    state: Arc<Mutex<State>>,
    host: String,
}

impl Drop for Answering {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.in_flight -= 1;
        if let Some(count) = state.in_flight_by_host.get_mut(&self.host) {
            *count -= 1;
        }
    }
}

/// The answer for a request, from the feed, hook or script routes.
fn reply_for(state: &mut State, path: &str, headers: &HashMap<String, String>) -> Reply {
    if let Some(feed) = state.feeds.get(path) {
        if headers.get("if-none-match") == Some(&feed.etag) {
            return Reply::status(304);
        }
        return Reply::status(200)
            .header("content-type", &feed.content_type)
            .header("etag", &feed.etag)
            .body(feed.body.clone());
    }
    if let Some(hook) = state.hooks.get_mut(path) {
        return Reply::status(hook.script.pop_front().unwrap_or(hook.then)).body("ok");
    }
    if let Some((script, then)) = state.scripts.get_mut(path) {
        return script.pop_front().unwrap_or_else(|| then.clone());
    }
    Reply::status(404).body("not found")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// A `newswatch` command with a clean environment (no inherited config,
/// state or systemd variables).
pub fn newswatch_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_newswatch"));
    command
        .args(args)
        .env_remove("NEWSWATCH_CONFIG")
        .env_remove("STATE_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .env("RUST_LOG", "info");
    command
}

/// Runs `newswatch` to completion.
pub fn newswatch(args: &[&str]) -> Output {
    newswatch_command(args).output().expect("run newswatch")
}

/// Stdout and stderr of a run, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A config in `dir` (state there, then `lists`) and an RSS file whose
/// channel holds `items` (`<item>` elements): what `newswatch test`
/// tests read. Returns their paths.
pub fn test_config_and_feed(dir: &Path, lists: &str, items: &str) -> (String, String) {
    let config = dir.join("newswatch.toml");
    std::fs::write(
        &config,
        format!("[state]\ndirectory = {:?}\n{lists}", dir.join("state")),
    )
    .expect("config");
    let feed = dir.join("feed.xml");
    std::fs::write(
        &feed,
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>"
        ),
    )
    .expect("feed");
    (
        config.to_string_lossy().into_owned(),
        feed.to_string_lossy().into_owned(),
    )
}

/// Whether `once` ran to its end: 0 (all went well) or 75 (some feeds
/// failed or deliveries stay pending), as the tests of failures expect.
pub fn once_finished(output: &Output) -> bool {
    matches!(output.status.code(), Some(0 | 75))
}

/// Waits until `condition` holds, checking every 20 ms, failing the test
/// with `what` after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A port that was free a moment ago (for a server that starts later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Sends `signal` (e.g. "TERM", "KILL") to a child and waits for it to end.
pub fn signal_and_wait(child: &mut std::process::Child, signal: &str) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success(), "kill -{signal} failed");
    wait_for_exit(child)
}

/// Waits (30 s at most) for a child to end.
pub fn wait_for_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the process did not end");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// An RSS 2.0 feed of `count` items titled "KFOR bulletin N", published a
/// minute apart, N = 0 the oldest.
pub fn bulletin_feed(count: usize) -> Vec<u8> {
    let now = chrono::Utc::now();
    let mut text = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bulletins</title>",
    );
    for n in 0..count {
        let published = now - chrono::Duration::minutes((count - n) as i64);
        text.push_str(&format!(
            "<item><title>KFOR bulletin {n}</title><guid isPermaLink=\"false\">bulletin-{n}</guid><pubDate>{}</pubDate></item>",
            published.to_rfc2822()
        ));
    }
    text.push_str("</channel></rss>");
    text.into_bytes()
}

/// Watch lists used by the integration tests (a small version of the
/// shipped ones).
pub const TEST_LISTS: &str = r#"
[[watch]]
name = "kosovo"
terms = [{ term = "kosov", mode = "prefix" }, { term = "prishtin", mode = "prefix" }, "Jarinje", { term = "zvecan", mode = "prefix" }]

[[watch]]
name = "kfor"
terms = ["KFOR", "Kosovo Force"]

[[watch]]
name = "serbia"
terms = [{ term = "serb", mode = "prefix" }, { term = "srbij", mode = "prefix" }, { term = "vucic", mode = "prefix" }, "Belgrade"]
"#;

/// Lines of a JSON Lines file, parsed (empty if the file does not exist).
pub fn read_json_lines(path: &Path) -> Vec<serde_json::Value> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// An item with just a headline and a summary.
pub fn item(title: &str, summary: &str) -> newswatch::model::Item {
    newswatch::model::Item {
        key: newswatch::model::ItemKey::from_parts("test", &[title]),
        source_id: None,
        title: title.to_string(),
        link: None,
        summary: summary.to_string(),
        content: String::new(),
        article: String::new(),
        published: None,
        published_raw: None,
    }
}

/// An alert with this id for an item with this stored key.
pub fn alert(id: &str, key: &str) -> newswatch::model::Alert {
    let mut item = item(&format!("KFOR item {key}"), "");
    item.key = newswatch::model::ItemKey::from_stored(key.to_string());
    newswatch::model::Alert::new(
        id.to_string(),
        "Feed",
        "https://f.example/rss",
        &item,
        &[],
        chrono::Utc::now(),
    )
}

/// A matched item ready for the dedup stage: `alert(id, key)` routed to
/// `sinks`, its story identified by its headline alone.
pub fn new_alert(id: &str, key: &str, sinks: &[&str]) -> newswatch::store::NewAlert {
    let alert = alert(id, key);
    newswatch::store::NewAlert {
        signature: newswatch::story::Signature::of(&alert.title, "", None),
        link_key: None,
        update_sinks: Vec::new(),
        sinks: sinks.iter().map(|s| s.to_string()).collect(),
        alert,
    }
}

/// Blocking GET on loopback with `timeout` for connecting and for each
/// read: status and body, or `None` if no whole answer came in time.
pub fn http_get(port: u16, path: &str, timeout: Duration) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// Asserts `output` is a config error (exit 78) at `path:line:` and
/// returns its stderr; `what` names the case in failure messages.
pub fn expect_config_error(output: &Output, path: &str, line: usize, what: &str) -> String {
    assert_eq!(
        output.status.code(),
        Some(78),
        "{what}: {}",
        describe(output)
    );
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(said.contains(&format!("{path}:{line}:")), "{what}: {said}");
    said
}

/// Makes `command`'s process start with `resource` (RLIMIT_NOFILE,
/// RLIMIT_FSIZE ...) limited to `limit`, and SIGXFSZ ignored (so a write
/// past a file size limit fails with EFBIG instead of killing it).
pub fn limit_resource(
    command: &mut Command,
    resource: libc::__rlimit_resource_t,
    limit: libc::rlim_t,
) {
    use std::os::unix::process::CommandExt;
    // SAFETY: signal and setrlimit are async-signal-safe, and touch only
    // the child between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limits = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(resource, &limits) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

/// Writes the benchmarks' corpus (bench/genfeeds: its default seed and
/// on-topic share) with this many feeds and items into `dir`.
pub fn generate_corpus(dir: &Path, feeds: usize, items: usize) -> genfeeds::Summary {
    let options = genfeeds::Options {
        feeds,
        items,
        ..genfeeds::Options::default()
    };
    let summary = genfeeds::generate(dir, &options).expect("generate the corpus");
    assert_eq!(
        (summary.feeds, summary.items),
        (feeds, feeds * items),
        "the whole corpus was written"
    );
    summary
}

/// Where a store test keeps its store: a fresh PostgreSQL database on the
/// server of `NEWSWATCH_TEST_DATABASE_URL` when that is set (CI sets it),
/// else a SQLite file in `dir`, the PostgreSQL run counted as skipped.
/// Under CI=true the variable must be set.
pub async fn test_store_url(dir: &Path) -> String {
    let admin = std::env::var("NEWSWATCH_TEST_DATABASE_URL").unwrap_or_default();
    if admin.is_empty() {
        service_missing(
            "the store tests on PostgreSQL (they ran on SQLite only)",
            "apt-get install -y postgresql, then set NEWSWATCH_TEST_DATABASE_URL=\
             postgres://USER:PASSWORD@127.0.0.1:5432/postgres as .ci/run does",
        );
        return format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin)
        .await
        .expect("connect to NEWSWATCH_TEST_DATABASE_URL");
    let name = format!("newswatch_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let mut url = url::Url::parse(&admin).expect("a database URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The test's store in `dir`: SQLite, or PostgreSQL when
/// NEWSWATCH_TEST_DATABASE_URL is set; reopening gives the same database.
pub async fn open_store(dir: &tempfile::TempDir) -> newswatch::store::Store {
    let remembered = dir.path().join("store-url");
    let url = match std::fs::read_to_string(&remembered) {
        Ok(url) => url,
        Err(_) => {
            let url = test_store_url(dir.path()).await;
            std::fs::write(&remembered, &url).expect("remember the store");
            url
        }
    };
    newswatch::store::Store::open(&url)
        .await
        .expect("open store")
}

/// A child process that is killed when dropped, so a failing test leaves
/// no daemon running behind it.
pub struct Daemon(pub std::process::Child);

impl Daemon {
    /// Starts `command` as a daemon under test: stdout discarded, stderr
    /// (the log) where the test wants it.
    pub fn spawn(mut command: Command, stderr: impl Into<std::process::Stdio>) -> Daemon {
        Daemon(
            command
                .stdout(std::process::Stdio::null())
                .stderr(stderr)
                .spawn()
                .expect("start daemon"),
        )
    }

    /// Starts `newswatch run --config <config>`.
    pub fn run(config: &str, stderr: impl Into<std::process::Stdio>) -> Daemon {
        Daemon::spawn(newswatch_command(&["run", "--config", config]), stderr)
    }
}

impl std::ops::Deref for Daemon {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Writes a test config to `dir/newswatch.toml` and returns its path:
/// state in `dir/state`, no HTTP endpoint, the `[poll]` lines given, one
/// `[[feed]]` per URL, the test lists, then `tail` (sinks, other tables).
pub fn write_test_config(dir: &Path, poll: &str, feeds: &[String], tail: &str) -> String {
    write_config_file(dir, "", poll, feeds, TEST_LISTS, tail)
}

/// [`write_config_file`] with the endpoint on a free loopback port and
/// the test lists; returns the config's path and the port.
pub fn endpoint_config(dir: &Path, poll: &str, feeds: &[String], tail: &str) -> (String, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let config = write_config_file(dir, &listen, poll, feeds, TEST_LISTS, tail);
    (config, port)
}

/// Writes `dir/newswatch.toml` and returns its path: state in `dir/state`,
/// `[http] listen` as given, the `[poll]` lines, one `[[feed]]` per URL,
/// then `lists` and `tail`.
pub fn write_config_file(
    dir: &Path,
    listen: &str,
    poll: &str,
    feeds: &[String],
    lists: &str,
    tail: &str,
) -> String {
    let mut text = format!(
        "[state]\ndirectory = {:?}\n\n[http]\nlisten = {listen:?}\n\n[poll]\n{poll}\n\n",
        dir.join("state")
    );
    for url in feeds {
        text.push_str(&format!("[[feed]]\nurl = {url:?}\n\n"));
    }
    text.push_str(lists);
    text.push('\n');
    text.push_str(tail);
    let path = dir.join("newswatch.toml");
    std::fs::write(&path, text).expect("write the test config");
    path.to_string_lossy().into_owned()
}

/// `python3` able to import Python's feedparser (from
/// `NEWSWATCH_FEEDPARSER_PYTHONPATH`, as `.ci/run` installs it), or `None`
/// with `what` recorded as skipped (a failure under CI=true).
pub fn feedparser_python(what: &str) -> Option<Command> {
    python_importing(
        "feedparser",
        "NEWSWATCH_FEEDPARSER_PYTHONPATH",
        "feedparser==6.0.14",
        what,
    )
}

/// `python3` able to import `module`, with `PYTHONPATH` from the variable
/// `path_var` when set (`.ci/run` installs `package` there with pip), or
/// `None` with `what` recorded as skipped (a failure under CI=true).
pub fn python_importing(
    module: &str,
    path_var: &str,
    package: &str,
    what: &str,
) -> Option<Command> {
    let path = std::env::var(path_var).unwrap_or_default();
    let python = || {
        let mut command = Command::new("python3");
        if !path.is_empty() {
            command.env("PYTHONPATH", &path);
        }
        command
    };
    let why = match python().args(["-c", &format!("import {module}")]).output() {
        Ok(out) if out.status.success() => return Some(python()),
        Ok(out) => format!(
            "python3 cannot import {module}: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
        ),
        Err(error) => format!("python3 cannot run: {error}"),
    };
    service_missing(
        &format!("{what} ({why})"),
        &format!(
            "apt-get install -y python3-pip; python3 -m pip install --target DIR \
             {package}, then {path_var}=DIR"
        ),
    );
    None
}
