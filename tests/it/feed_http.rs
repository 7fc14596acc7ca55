//! Per-feed HTTP settings against real servers: headers (plain and from a
//! secret), the User-Agent and basic auth reach the feed's server and no
//! further, a configured proxy and the environment's proxy variables carry
//! the requests (a real forward proxy on loopback), secrets show in no log
//! or `check` output, and bad settings are config errors at their line.

use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;

use crate::support::proxy::TestProxy;
use crate::support::{
    Daemon, Reply, TestServer, describe, expect_config_error, newswatch_command, wait_until,
    write_test_config,
};

/// `newswatch ARGS` with no proxy variable from the test's environment.
fn without_proxies(args: &[&str]) -> Command {
    let mut command = newswatch_command(args);
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
        command
            .env_remove(name)
            .env_remove(name.to_ascii_lowercase());
    }
    command.env_remove("REQUEST_METHOD");
    command
}

fn basic(user: &str, password: &str) -> String {
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn assert_none_of(secrets: &[&str], what: &str, text: &str) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

#[test]
fn headers_user_agent_and_basic_auth_reach_the_feed_and_no_log() {
    let server = TestServer::start();
    server.serve_fixture("/token.xml", "rss2.xml", "application/rss+xml");
    server.serve_fixture("/login.json", "feed.json", "application/feed+json");
    let dir = tempfile::tempdir().expect("tempdir");
    let password = dir.path().join("password");
    std::fs::write(&password, "FILESECRET\n").expect("password file");
    let tail = format!(
        "[[feed]]\nurl = {:?}\nuser_agent = \"feed-agent/2\"\n\
         headers = {{ \"x-api-key\" = {{ secret_env = \"NEWSWATCH_TEST_API_KEY\" }}, Cookie = \"session=COOKIESECRET\" }}\n\n\
         [[feed]]\nurl = {:?}\nbasic_auth = {{ username = \"monitor\", secret_file = {password:?} }}\n",
        server.url("/token.xml"),
        server.url("/login.json"),
    );
    let config = write_test_config(
        dir.path(),
        "startup_spread = \"0s\"\ninterval = \"1h\"\nuser_agent = \"poll-agent/1\"\n\
         headers = { \"Accept-Language\" = \"sr\", \"X-Api-Key\" = \"POLLSECRET\" }",
        &[],
        &tail,
    );
    let secrets = [
        "ENVSECRET",
        "FILESECRET",
        "COOKIESECRET",
        "POLLSECRET",
        &basic("monitor", "FILESECRET")["Basic ".len()..],
    ];

    let log_path = dir.path().join("daemon.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let mut command = without_proxies(&["run", "--config", &config]);
    command
        .env("NEWSWATCH_TEST_API_KEY", "ENVSECRET")
        .env("RUST_LOG", "debug");
    let mut daemon = Daemon::spawn(command, log);
    wait_until(Duration::from_secs(20), "both feeds polled", || {
        !server.requests("/token.xml").is_empty() && !server.requests("/login.json").is_empty()
    });
    crate::support::signal_and_wait(&mut daemon, "TERM");

    let token = &server.requests("/token.xml")[0].headers;
    // The feed's key wins over [poll]'s, whatever its case.
    assert_eq!(
        token.get("x-api-key").map(String::as_str),
        Some("ENVSECRET")
    );
    assert_eq!(
        token.get("cookie").map(String::as_str),
        Some("session=COOKIESECRET")
    );
    assert_eq!(token.get("accept-language").map(String::as_str), Some("sr"));
    assert_eq!(
        token.get("user-agent").map(String::as_str),
        Some("feed-agent/2")
    );
    assert_eq!(token.get("authorization"), None);
    let login = &server.requests("/login.json")[0].headers;
    assert_eq!(
        login.get("authorization"),
        Some(&basic("monitor", "FILESECRET"))
    );
    assert_eq!(
        login.get("x-api-key").map(String::as_str),
        Some("POLLSECRET")
    );
    assert_eq!(
        login.get("user-agent").map(String::as_str),
        Some("poll-agent/1")
    );

    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(log.contains("running"), "the log was written: {log}");
    assert_none_of(&secrets, "the daemon's log", &log);

    let check = without_proxies(&["check", "--config", &config])
        .env("NEWSWATCH_TEST_API_KEY", "ENVSECRET")
        .output()
        .expect("check");
    assert!(check.status.success(), "{}", describe(&check));
    let summary = String::from_utf8_lossy(&check.stdout);
    assert_none_of(&secrets, "check", &summary);
    assert!(
        summary.contains(
            "[poll] http: headers Accept-Language, X-Api-Key; user agent \"poll-agent/1\""
        ),
        "{summary}"
    );
    assert!(
        summary.contains("headers Accept-Language, Cookie, x-api-key; user agent \"feed-agent/2\""),
        "{summary}"
    );
    assert!(
        summary.contains("basic auth as \"monitor\"; proxy from the environment"),
        "{summary}"
    );
}

#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_host() {
    let server = TestServer::start();
    server.serve_fixture("/moved.xml", "rss2.xml", "application/rss+xml");
    let port = server
        .url("")
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    server.script(
        "/feed",
        vec![],
        Reply::status(302).header("location", &format!("http://localhost:{port}/moved.xml")),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let password = dir.path().join("password");
    std::fs::write(&password, "FILESECRET").expect("password file");
    let text = format!(
        "[[feed]]\nurl = {:?}\nheaders = {{ \"X-Api-Key\" = \"PLAINSECRET\" }}\n\
         basic_auth = {{ username = \"u\", secret_file = {password:?} }}\n",
        server.url("/feed")
    );
    let config = newswatch::config::Config::parse(&text, std::path::Path::new("t.toml"))
        .expect("valid config");
    let fetcher = newswatch::fetch::Fetcher::for_config(&config).expect("fetcher");
    let url = server.url("/feed");
    let outcome = fetcher
        .fetch_feed(&url, &url, &newswatch::fetch::Validators::default())
        .await
        .expect("fetched through the redirect");
    assert!(matches!(
        outcome,
        newswatch::fetch::FetchOutcome::Fetched(_)
    ));
    let first = &server.requests("/feed")[0].headers;
    assert_eq!(
        first.get("x-api-key").map(String::as_str),
        Some("PLAINSECRET")
    );
    assert_eq!(first.get("authorization"), Some(&basic("u", "FILESECRET")));
    let moved = &server.requests("/moved.xml")[0].headers;
    assert_eq!(moved.get("x-api-key"), None, "{moved:?}");
    assert_eq!(moved.get("authorization"), None, "{moved:?}");
    assert!(
        moved
            .get("user-agent")
            .is_some_and(|ua| ua.starts_with("newswatch/"))
    );
}

/// A server with an RSS feed at each path, a proxy, and a directory for
/// the config.
fn feeds_and_a_proxy(paths: &[&str]) -> (TestServer, TestProxy, tempfile::TempDir) {
    let server = TestServer::start();
    for path in paths {
        server.serve_fixture(path, "rss2.xml", "application/rss+xml");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    (server, TestProxy::start(), dir)
}

#[test]
fn a_feed_goes_through_its_configured_proxy_with_the_proxys_credentials() {
    let (server, proxy, dir) = feeds_and_a_proxy(&["/via.xml", "/direct.xml"]);
    let tail = format!(
        "[[feed]]\nurl = {:?}\nproxy = \"http://scout:PROXYSECRET@{}\"\n\n[[feed]]\nurl = {:?}\n",
        server.url("/via.xml"),
        proxy.address(),
        server.url("/direct.xml"),
    );
    let config = write_test_config(dir.path(), "", &[], &tail);

    let once = without_proxies(&["once", "--config", &config])
        .output()
        .expect("once");
    assert!(once.status.success(), "{}", describe(&once));
    let proxied = proxy.requests();
    assert_eq!(proxied.len(), 1, "{proxied:?}");
    assert_eq!(proxied[0].target, server.url("/via.xml"));
    assert_eq!(
        proxied[0].proxy_authorization,
        Some(basic("scout", "PROXYSECRET"))
    );
    assert_eq!(
        server.requests("/via.xml").len(),
        1,
        "the proxy passed it on"
    );
    assert_eq!(server.requests("/direct.xml").len(), 1);
    assert_none_of(&["PROXYSECRET"], "once", &describe(&once));

    let check = without_proxies(&["check", "--config", &config])
        .output()
        .expect("check");
    assert!(check.status.success(), "{}", describe(&check));
    let summary = String::from_utf8_lossy(&check.stdout);
    assert!(
        summary.contains(&format!(
            "proxy http://{} (with credentials)",
            proxy.address()
        )),
        "{summary}"
    );
    assert_none_of(&["PROXYSECRET", "scout"], "check", &summary);
}

#[test]
fn the_environment_proxy_carries_feeds_but_not_past_no_proxy_or_proxy_off() {
    let (server, proxy, dir) = feeds_and_a_proxy(&["/env.xml", "/off.xml"]);
    let tail = format!(
        "[[feed]]\nurl = {:?}\n\n[[feed]]\nurl = {:?}\nproxy = \"none\"\n",
        server.url("/env.xml"),
        server.url("/off.xml"),
    );
    let config = write_test_config(dir.path(), "", &[], &tail);
    let once = |no_proxy: Option<&str>| {
        let mut command = without_proxies(&["once", "--config", &config]);
        command.env("HTTP_PROXY", proxy.url());
        if let Some(hosts) = no_proxy {
            command.env("NO_PROXY", hosts);
        }
        let output = command.stdout(Stdio::null()).output().expect("once");
        assert!(output.status.success(), "{}", describe(&output));
    };

    once(None);
    let targets: Vec<String> = proxy.requests().into_iter().map(|p| p.target).collect();
    assert_eq!(targets, [server.url("/env.xml")]);
    assert_eq!(server.requests("/off.xml").len(), 1, "fetched directly");

    once(Some("127.0.0.1"));
    assert_eq!(proxy.requests().len(), 1, "NO_PROXY kept the proxy out");
    assert_eq!(server.requests("/env.xml").len(), 2, "fetched directly");
}

#[test]
fn bad_headers_proxies_and_agents_are_errors_at_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newswatch.toml");
    let text = "[poll]\n\
        headers = { \"If-None-Match\" = \"x\" }\n\
        \n\
        [[feed]]\n\
        url = \"https://a.example/rss\"\n\
        headers = { \"Bad Name\" = \"x\" }\n\
        [[feed]]\n\
        proxy = \"socks5://u:PROXYSECRET@proxy.example:1080\"\n\
        url = \"https://c.example/rss\"\n\
        \n\
        [[feed]]\n\
        url = \"https://b.example/rss\"\n\
        user_agent = \"bad\\u0007agent\"\n\
        [feed.headers]\n\
        \"X-Ok\" = \"1\"\n\
        Host = \"evil.example\"\n\
        \"X-Api-Key\" = \"HEADERSECRET\\n\"\n\
        \"Transfer-Encoding\" = \"chunked\"\n";
    std::fs::write(&path, text).expect("config");
    let shown = path.to_string_lossy().into_owned();
    let check = newswatch_command(&["check", "--config", &shown])
        .output()
        .expect("check");
    let said = expect_config_error(&check, &shown, 2, "forbidden [poll] header");
    for (line, words) in [
        (2, "header If-None-Match cannot be configured"),
        (6, "invalid header name \"Bad Name\""),
        (8, "proxy must be"),
        (13, "user_agent must not contain control characters"),
        (16, "header Host cannot be configured"),
        (17, "invalid value for header X-Api-Key"),
        (18, "header Transfer-Encoding cannot be configured"),
    ] {
        let expected = format!("{shown}:{line}:");
        let found = said
            .lines()
            .find(|l| l.starts_with(&expected))
            .unwrap_or_else(|| panic!("no error at line {line}: {said}"));
        assert!(found.contains(words), "line {line}: {found}");
    }
    assert_none_of(&["PROXYSECRET", "HEADERSECRET"], "the errors", &said);
}

#[test]
fn an_unreadable_secret_is_a_config_error_at_its_feed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-password");
    let tail = format!(
        "[[feed]]\nurl = \"https://a.example/rss\"\nheaders = {{ \"X-Api-Key\" = {{ secret_env = \"NEWSWATCH_TEST_UNSET_KEY\" }} }}\n\n\
         [[feed]]\nurl = \"https://b.example/rss\"\nbasic_auth = {{ username = \"u\", secret_file = {missing:?} }}\n"
    );
    let config = write_test_config(dir.path(), "", &[], &tail);
    let text = std::fs::read_to_string(&config).expect("config");
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_default()
    };
    let (first, second) = (
        line_of("url = \"https://a.example/rss\"") - 1,
        line_of("url = \"https://b.example/rss\"") - 1,
    );
    let check = without_proxies(&["check", "--config", &config])
        .env_remove("NEWSWATCH_TEST_UNSET_KEY")
        .output()
        .expect("check");
    let said = expect_config_error(&check, &config, first, "unset variable");
    assert!(
        said.contains(
            "headers.X-Api-Key: environment variable NEWSWATCH_TEST_UNSET_KEY is not set"
        ),
        "{said}"
    );
    assert!(said.contains(&format!("{config}:{second}:")), "{said}");
    assert!(
        said.contains("basic_auth: cannot read secret_file"),
        "{said}"
    );
}

#[test]
fn check_warns_of_credentials_over_plain_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tail = "[[feed]]\nname = \"Intranet\"\nurl = \"http://intranet.example/rss\"\n\
                basic_auth = { username = \"u\", secret_env = \"NEWSWATCH_TEST_PASSWORD\" }\n\n\
                [[feed]]\nname = \"Local\"\nurl = \"http://127.0.0.1:9/rss\"\n\
                headers = { Authorization = \"Bearer LOCALSECRET\" }\n";
    let config = write_test_config(dir.path(), "", &[], tail);
    let check = without_proxies(&["check", "--config", &config])
        .env("NEWSWATCH_TEST_PASSWORD", "PWSECRET")
        .output()
        .expect("check");
    assert!(check.status.success(), "{}", describe(&check));
    let summary = String::from_utf8_lossy(&check.stdout);
    assert!(
        summary.contains(
            "warning: feed \"Intranet\" sends credentials over plain http to intranet.example"
        ),
        "{summary}"
    );
    assert!(
        !summary.contains("feed \"Local\" sends"),
        "loopback: {summary}"
    );
    assert!(
        summary.contains("feed \"Local\": headers Authorization"),
        "{summary}"
    );
    assert_none_of(&["PWSECRET", "LOCALSECRET"], "check", &summary);
}
