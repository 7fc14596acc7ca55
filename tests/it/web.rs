//! What the daemon's endpoint shows of what it found, against a running
//! daemon polling a real server: per-list feeds read by Python's
//! feedparser and checked against the JSON Feed specification, ETags, the
//! alert API's pages and filters, the status page (in a real headless
//! Chromium when one is installed), and the token beyond loopback.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use crate::support::{
    Daemon, TEST_LISTS, TestServer, describe, feedparser_python, free_port, newswatch,
    newswatch_command, service_missing, wait_until,
};

const FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
    <item><title>KFOR troops patrol near Jarinje</title><guid>a</guid><link>https://w.example/a?x=1&amp;y=2</link>\
    <description>Soldiers of the Kosovo Force patrol the crossing.</description></item>\
    <item><title>KFOR commander meets Vucic in Belgrade</title><guid>b</guid><link>https://w.example/b</link></item>\
    <item><title>Kosovo border crossing reopens</title><guid>c</guid><link>https://w.example/c</link></item>\
    <item><title>Football: Partizan wins</title><guid>d</guid></item>\
    </channel></rss>";

/// A response: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

/// GET `path` on the endpoint with extra request headers.
fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> Answer {
    try_get(port, path, headers).unwrap_or_else(|| panic!("no answer to GET {path}"))
}

/// [`get`], or `None` when nothing answers (yet).
fn try_get(port: u16, path: &str, headers: &[(&str, &str)]) -> Option<Answer> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Answer {
        status,
        headers,
        body: body.to_string(),
    })
}

fn json(answer: &Answer) -> serde_json::Value {
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", answer.body))
}

/// A daemon polling the wire feed (and one that fails), its endpoint on
/// `listen`, with `http` more `[http]` lines.
struct Running {
    _server: TestServer,
    daemon: Daemon,
    dir: tempfile::TempDir,
    port: u16,
}

impl Running {
    fn start(host: &str, http: &str, env: &[(&str, &str)]) -> Running {
        let server = TestServer::start();
        server.serve_feed("/wire", FEED.as_bytes().to_vec(), "application/rss+xml");
        let dir = tempfile::tempdir().expect("tempdir");
        // Port 0: the daemon takes a free one and says which in its log.
        let config = format!(
            "[state]\ndirectory = {:?}\n\n[http]\nlisten = \"{host}:0\"\n{http}\n\n\
             [poll]\nbacklog = \"all\"\nstartup_spread = \"0s\"\ninterval = \"1min\"\n\n\
             [[feed]]\nname = \"Wire\"\nurl = {:?}\n\n[[feed]]\nname = \"Gone\"\nurl = {:?}\n\n\
             {TEST_LISTS}\n[[sink]]\ntype = \"file\"\nname = \"archive\"\npath = {:?}\n",
            dir.path().join("state"),
            server.url("/wire"),
            server.url("/missing"),
            dir.path().join("alerts.jsonl")
        );
        let path = dir.path().join("newswatch.toml");
        std::fs::write(&path, config).expect("config");
        let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
        let mut command = newswatch_command(&["run", "--config", &path.to_string_lossy()]);
        for (name, value) in env {
            command.env(name, value);
        }
        let daemon = Daemon::spawn(command, log);
        let log = dir.path().join("daemon.log");
        let mut port = 0;
        wait_until(
            Duration::from_secs(30),
            "the endpoint's address in the log",
            || {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                port = text
                    .lines()
                    .filter(|l| l.contains("endpoint listening"))
                    .find_map(|l| l.split("address=").nth(1))
                    .and_then(|a| a.split_whitespace().next())
                    .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
                    .map_or(0, |a| a.port());
                port != 0
            },
        );
        Running {
            _server: server,
            daemon,
            dir,
            port,
        }
    }

    /// Waits until the endpoint lists `alerts` alerts (with `auth`).
    fn wait_for_alerts(&self, alerts: usize, auth: &[(&str, &str)]) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let answer = try_get(self.port, "/api/alerts", auth);
            let count = answer.as_ref().and_then(|a| {
                let value: serde_json::Value = serde_json::from_str(&a.body).ok()?;
                value["alerts"].as_array().map(Vec::len)
            });
            if count == Some(alerts) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "waited for {alerts} alerts; last answer {:?}\n{}",
                answer.map(|a| (a.status, a.body)),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.daemon.0.kill();
        let _ = self.daemon.0.wait();
    }
}

fn titles(items: &serde_json::Value, key: &str) -> Vec<String> {
    let mut titles: Vec<String> = items
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i[key].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    titles.sort();
    titles
}

#[test]
fn per_list_feeds_are_valid_atom_and_json_feed_with_etags() {
    let run = Running::start("127.0.0.1", "", &[]);
    run.wait_for_alerts(3, &[]);

    let atom = get(run.port, "/watch/kfor.atom", &[]);
    assert_eq!(atom.status, 200, "{}", atom.body);
    assert!(atom.headers["content-type"].starts_with("application/atom+xml"));
    let etag = atom.headers.get("etag").cloned().expect("an ETag");
    let again = get(run.port, "/watch/kfor.atom", &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.as_str()), (304, ""));
    let other = get(
        run.port,
        "/watch/kfor.atom",
        &[("If-None-Match", "\"other\"")],
    );
    assert_eq!(other.status, 200);
    assert_eq!(get(run.port, "/watch/nope.atom", &[]).status, 404);

    // Python's feedparser reads it as clean Atom 1.0.
    if let Some(mut python) = feedparser_python("per-list Atom feed read by feedparser") {
        let file = run.dir.path().join("kfor.atom");
        std::fs::write(&file, &atom.body).expect("write");
        let script = "import feedparser, json, sys\n\
            d = feedparser.parse(sys.argv[1])\n\
            print(json.dumps({'bozo': int(d.bozo), 'version': d.version, 'title': d.feed.get('title'),\n\
              'entries': [{'id': e.get('id'), 'title': e.get('title'), 'link': e.get('link'),\n\
                'summary': e.get('summary'), 'tags': [t['term'] for t in e.get('tags', [])],\n\
                'published': e.get('published')} for e in d.entries]}))";
        let output = python
            .args(["-c", script, &file.to_string_lossy()])
            .output()
            .expect("python3");
        assert!(output.status.success(), "{}", describe(&output));
        let read: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("feedparser's JSON");
        assert_eq!(read["bozo"], 0, "{read}");
        assert_eq!(read["version"], "atom10");
        assert_eq!(read["title"], "newswatch: kfor");
        assert_eq!(
            titles(&read["entries"], "title"),
            [
                "KFOR commander meets Vucic in Belgrade",
                "KFOR troops patrol near Jarinje"
            ]
        );
        let first = &read["entries"]
            .as_array()
            .and_then(|e| {
                e.iter()
                    .find(|e| e["title"] == "KFOR troops patrol near Jarinje")
            })
            .cloned()
            .expect("entry");
        assert_eq!(first["link"], "https://w.example/a?x=1&y=2");
        assert!(
            first["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("urn:newswatch:story:"))
        );
        let summary = first["summary"].as_str().unwrap_or_default();
        assert!(
            summary.contains("<b>") && summary.contains("Lists: kfor, kosovo"),
            "{summary}"
        );
        assert!(
            first["tags"]
                .as_array()
                .is_some_and(|t| t.contains(&"kfor".into()))
        );
    }

    // The JSON Feed has what version 1.1 requires.
    let feed = get(run.port, "/watch/kosovo.json", &[]);
    assert!(feed.headers["content-type"].starts_with("application/feed+json"));
    let doc = json(&feed);
    assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
    assert!(doc["title"].is_string());
    let items = doc["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{doc}");
    for item in items {
        assert!(
            item["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{item}"
        );
        assert!(item["content_html"].is_string() || item["content_text"].is_string());
        for date in ["date_published", "date_modified"] {
            let text = item[date].as_str().unwrap_or_default();
            assert!(
                chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                "{date}: {item}"
            );
        }
        assert!(
            item["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"))
        );
    }
    assert_eq!(
        titles(&doc["items"], "title"),
        [
            "KFOR troops patrol near Jarinje",
            "Kosovo border crossing reopens"
        ]
    );
}

#[test]
fn the_alert_api_pages_filters_and_says_what_is_wrong() {
    let run = Running::start("127.0.0.1", "", &[]);
    run.wait_for_alerts(3, &[]);

    // One at a time, the cursor leads through all three, newest first.
    let mut seen = Vec::new();
    let mut path = "/api/alerts?limit=1".to_string();
    loop {
        let page = json(&get(run.port, &path, &[]));
        let alerts = page["alerts"].as_array().expect("alerts");
        assert!(alerts.len() <= 1);
        seen.extend(
            alerts
                .iter()
                .map(|a| a["title"].as_str().unwrap_or_default().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/alerts?limit=1&cursor={cursor}"),
            None => break,
        }
        assert!(seen.len() <= 3, "{seen:?}");
    }
    seen.sort();
    assert_eq!(seen.len(), 3, "{seen:?}");

    let kfor = json(&get(run.port, "/api/alerts?list=kfor", &[]));
    for alert in kfor["alerts"].as_array().expect("alerts") {
        assert!(
            alert["lists"]
                .as_array()
                .is_some_and(|l| l.contains(&"kfor".into()))
        );
    }
    assert_eq!(kfor["alerts"].as_array().map(Vec::len), Some(2));
    let troops = json(&get(run.port, "/api/alerts?q=troop*%20NOT%20Belgrade", &[]));
    assert_eq!(
        titles(&troops["alerts"], "title"),
        ["KFOR troops patrol near Jarinje"]
    );
    let recent = json(&get(run.port, "/api/alerts?since=1h", &[]));
    assert_eq!(recent["alerts"].as_array().map(Vec::len), Some(3));

    for (bad, says) in [
        ("/api/alerts?cursor=x%3B%20DROP", "cursor"),
        ("/api/alerts?limit=0", "limit"),
        ("/api/alerts?since=soon", "since"),
        ("/api/alerts?q=KFOR%20NEAR%2F0%20troops", "at character 6"),
    ] {
        let answer = get(run.port, bad, &[]);
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert!(answer.body.contains(says), "{bad}: {}", answer.body);
    }
    assert_eq!(get(run.port, "/api/alerts?list=nope", &[]).status, 404);

    let feeds = json(&get(run.port, "/api/feeds", &[]));
    let names = titles(&feeds["feeds"], "name");
    assert_eq!(names, ["Gone", "Wire"]);
    let stories = json(&get(run.port, "/api/stories?since=1h", &[]));
    assert_eq!(
        stories["stories"].as_array().map(Vec::len),
        Some(3),
        "{stories}"
    );
}

/// Where CI keeps the status page's screenshot.
fn screenshot_path() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("status-page.png")
}

fn chromium() -> Option<String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        if found.is_some() {
            return found;
        }
    }
    service_missing(
        "the status page in a headless browser",
        "apt-get install -y chromium (as .ci/run does)",
    );
    None
}

#[test]
fn the_status_page_shows_alerts_a_chart_per_list_failing_feeds_and_sinks() {
    let run = Running::start("127.0.0.1", "", &[]);
    run.wait_for_alerts(3, &[]);
    wait_until(Duration::from_secs(30), "the failing feed's state", || {
        try_get(run.port, "/", &[]).is_some_and(|a| a.body.contains("<td>Gone</td>"))
    });
    let page = get(run.port, "/", &[]);
    assert_eq!(page.status, 200);
    assert!(page.headers["content-type"].starts_with("text/html"));
    assert!(page.headers["content-security-policy"].contains("default-src 'none'"));
    let html = &page.body;
    assert_eq!(
        html.matches("<polyline class=\"series\"").count(),
        3,
        "one series per list"
    );
    for list in ["kosovo", "kfor", "serbia"] {
        assert!(html.contains(&format!("data-list=\"{list}\"")), "{list}");
    }
    assert!(html.contains("KFOR troops patrol near Jarinje"));
    assert!(
        html.contains("href=\"https://w.example/a?x=1&amp;y=2\""),
        "links escaped"
    );
    assert!(html.contains("<b>KFOR</b>"), "the hit in bold");
    assert!(html.contains("<td>Gone</td>"), "the failing feed");
    assert!(html.contains("<td>archive</td>"), "the sink");
    assert!(!html.contains("<script"), "no script");
    assert!(html.contains("name=\"viewport\""), "readable on a phone");

    let Some(browser) = chromium() else {
        return;
    };
    let url = format!("http://127.0.0.1:{}/", run.port);
    let profile = run.dir.path().join("chromium");
    let common = [
        "--headless=new".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--no-first-run".to_string(),
        "--enable-logging=stderr".to_string(),
        "--v=0".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let dom = std::process::Command::new(&browser)
        .args(&common)
        .args(["--dump-dom", &url])
        .output()
        .expect("chromium");
    assert!(dom.status.success(), "{}", describe(&dom));
    let rendered = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        rendered.matches("class=\"series\"").count(),
        3,
        "the browser's DOM has one series per list"
    );
    let console = String::from_utf8_lossy(&dom.stderr);
    for bad in [
        "CONSOLE",
        "Uncaught",
        "Refused to",
        "Content Security Policy",
    ] {
        assert!(
            !console
                .lines()
                .any(|l| l.contains(bad) && !l.contains("DevTools")),
            "console: {console}"
        );
    }
    let shot = screenshot_path();
    let _ = std::fs::remove_file(&shot);
    let picture = std::process::Command::new(&browser)
        .args(&common)
        .args([
            format!("--screenshot={}", shot.display()),
            "--window-size=390,1200".to_string(),
            "--hide-scrollbars".to_string(),
            url,
        ])
        .output()
        .expect("chromium");
    assert!(picture.status.success(), "{}", describe(&picture));
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "{} bytes",
        png.len()
    );
    eprintln!("status page screenshot: {}", shot.display());
}

#[test]
fn beyond_loopback_the_endpoint_needs_its_token() {
    // Without a token, the daemon does not start and check says why.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("open.toml");
    std::fs::write(
        &path,
        format!(
            "[state]\ndirectory = {:?}\n[http]\nlisten = \"0.0.0.0:{}\"\n{TEST_LISTS}",
            dir.path().join("state"),
            free_port()
        ),
    )
    .expect("config");
    for command in ["check", "run"] {
        let output = newswatch(&[command, "--config", &path.to_string_lossy()]);
        assert_eq!(
            output.status.code(),
            Some(78),
            "{command}: {}",
            describe(&output)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("is not a loopback address"),
            "{}",
            describe(&output)
        );
    }

    let token = "tok-3f9a27c1e8d4";
    let run = Running::start(
        "0.0.0.0",
        "token_env = \"NEWSWATCH_TEST_HTTP_TOKEN\"",
        &[("NEWSWATCH_TEST_HTTP_TOKEN", token)],
    );
    let bearer = format!("Bearer {token}");
    run.wait_for_alerts(3, &[("Authorization", &bearer)]);
    for path in ["/", "/api/feeds", "/watch/kfor.atom", "/metrics"] {
        let refused = get(run.port, path, &[]);
        assert_eq!(refused.status, 401, "{path}");
        assert!(refused.headers.contains_key("www-authenticate"));
        let wrong = get(
            run.port,
            path,
            &[("Authorization", "Bearer tok-3f9a27c1e8d5")],
        );
        assert_eq!(wrong.status, 401, "{path}");
        assert_eq!(
            get(run.port, path, &[("Authorization", &bearer)]).status,
            200,
            "{path}"
        );
    }
    assert_eq!(
        get(run.port, &format!("/watch/kfor.atom?token={token}"), &[]).status,
        200,
        "feed readers send it in the URL"
    );
    assert_eq!(
        get(run.port, "/healthz", &[]).status,
        200,
        "health stays open"
    );
    assert!(!run.log().contains(token), "the token is never logged");
}
