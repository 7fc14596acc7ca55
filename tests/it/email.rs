//! The email sink against a real SMTP server: Python's aiosmtpd on
//! loopback (tests/fixtures/smtp_sink.py), which saves every message it
//! takes; Python's `email` package then reads them back. Needs aiosmtpd
//! (`NEWSWATCH_AIOSMTPD_PYTHONPATH`, as .ci/run installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::support::{
    self, Daemon, TestServer, describe, newswatch_command, once_finished, wait_until,
    write_test_config,
};
use newswatch::store::{DeliveryRow, DeliveryState, Store};

/// How long a message may take to arrive.
const ARRIVAL: Duration = Duration::from_secs(60);
/// A password no other text in a test contains.
const PASSWORD: &str = "Sm7p-pa55w0rd_only-here";
/// Where the sink reads it from.
const PASSWORD_VAR: &str = "NEWSWATCH_TEST_SMTP_PASSWORD";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_sink.py")
}

/// `python3` with aiosmtpd, or `None` (skipped; a failure under CI=true).
fn python(what: &str) -> Option<Command> {
    let mut python = support::python_importing(
        "aiosmtpd",
        "NEWSWATCH_AIOSMTPD_PYTHONPATH",
        "aiosmtpd==1.4.6",
        what,
    )?;
    python.arg(fixture());
    Some(python)
}

/// A running aiosmtpd that saves what it receives in its directory.
struct SmtpServer {
    _process: Daemon,
    dir: tempfile::TempDir,
    port: u16,
}

impl SmtpServer {
    /// Starts the server on `port` (0: any), requiring `user` to log in
    /// with [`PASSWORD`] when given; `None` when aiosmtpd is missing.
    fn start(what: &str, port: u16, user: Option<&str>) -> Option<SmtpServer> {
        SmtpServer::start_with(what, port, user, &[])
    }

    /// [`SmtpServer::start`] with more arguments for `serve`.
    fn start_with(
        what: &str,
        port: u16,
        user: Option<&str>,
        args: &[&std::ffi::OsStr],
    ) -> Option<SmtpServer> {
        let mut command = python(what)?;
        let dir = tempfile::tempdir().expect("tempdir");
        command
            .arg("serve")
            .arg(dir.path())
            .args(["--port", &port.to_string()])
            .env("SMTP_SINK_PASSWORD", PASSWORD);
        if let Some(user) = user {
            command.args(["--user", user]);
        }
        command.args(args);
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log");
        let process = Daemon::spawn(command, log);
        let port_file = dir.path().join("port");
        wait_until(ARRIVAL, "the SMTP server to listen", || port_file.exists());
        let port = std::fs::read_to_string(&port_file)
            .expect("port")
            .trim()
            .parse()
            .expect("a port number");
        Some(SmtpServer {
            _process: process,
            dir,
            port,
        })
    }

    fn received(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".eml"))
            })
            .count()
    }

    fn wait_for(&self, count: usize) {
        wait_until(ARRIVAL, &format!("{count} emails"), || {
            self.received() >= count
        });
    }

    /// Every message received, as Python's `email` package reads it.
    fn messages(&self) -> Vec<Value> {
        let mut python = python("reading the emails").expect("aiosmtpd was there to start");
        let output = python
            .arg("parse")
            .arg(self.dir.path())
            .output()
            .expect("run the parser");
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect()
    }

    /// The logins tried: `{mechanism, login, ok}`.
    fn logins(&self) -> Vec<Value> {
        support::read_json_lines(&self.dir.path().join("auth.jsonl"))
    }
}

/// An `[[sink]]` of type email to the server on `port`, plain SMTP on
/// loopback, with `extra` lines.
fn sink(port: u16, extra: &str) -> String {
    format!(
        "[[sink]]\ntype = \"email\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
         from = \"Newswatch <alerts@example.org>\"\n\
         to = [\"desk@example.org\", \"Night Ops <ops@example.org>\"]\n{extra}\n"
    )
}

/// A state directory and a config polling rss2.xml (two items the test
/// lists match, both alerted: `backlog = "all"`) for the sink `sink_text`.
struct Run {
    _feeds: TestServer,
    dir: tempfile::TempDir,
    config: String,
}

impl Run {
    /// With `poll` lines besides the backlog.
    fn new(poll: &str, sink_text: &str) -> Run {
        let feeds = TestServer::start();
        feeds.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = write_test_config(
            dir.path(),
            &format!("backlog = \"all\"\n{poll}"),
            &[feeds.url("/rss2.xml")],
            sink_text,
        );
        Run {
            _feeds: feeds,
            dir,
            config,
        }
    }

    fn once(&self, env: &[(&str, &str)]) -> Output {
        once(&self.config, env)
    }

    fn state_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rw",
            self.dir.path().join("state/newswatch.db").display()
        )
    }

    /// The sink's deliveries in `state`.
    async fn deliveries(&self, state: DeliveryState) -> Vec<DeliveryRow> {
        let store = Store::open(&self.state_url()).await.expect("open store");
        let rows = store
            .list_deliveries(Some("email"), Some(state), 100)
            .await
            .expect("list");
        store.close().await;
        rows
    }

    /// Runs SQL on the state's database (to move time along).
    async fn execute(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.state_url())
            .await
            .expect("open");
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .expect("update");
        pool.close().await;
    }
}

/// Runs `newswatch once` with `env` set, to its end.
fn once(config: &str, env: &[(&str, &str)]) -> Output {
    let mut command = newswatch_command(&["once", "--config", config]);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run newswatch");
    assert!(once_finished(&output), "{}", describe(&output));
    output
}

fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["headers"][name][0].as_str().unwrap_or_default()
}

/// Python found the message well formed: no defects, a text and an HTML
/// alternative, a dated message from us to both recipients.
fn assert_well_formed(message: &Value) {
    assert_eq!(message["defects"], serde_json::json!([]), "{message:#}");
    assert_eq!(
        message["content_type"], "multipart/alternative",
        "{message:#}"
    );
    assert_eq!(
        message["part_types"],
        serde_json::json!(["text/plain", "text/html"]),
        "{message:#}"
    );
    assert_eq!(message["date_has_zone"], true, "{message:#}");
    assert_eq!(header(message, "from"), "Newswatch <alerts@example.org>");
    assert_eq!(
        header(message, "to"),
        "desk@example.org, Night Ops <ops@example.org>"
    );
    assert_eq!(
        message["envelope"]["rcpt_tos"],
        serde_json::json!(["desk@example.org", "ops@example.org"])
    );
    assert_eq!(
        header(message, "list-id"),
        "newswatch email <email.newswatch.example.org>"
    );
    let id = header(message, "message-id");
    assert!(id.starts_with('<') && id.ends_with("@example.org>"), "{id}");
}

/// One feed item: (guid, title, description, link).
fn rss(items: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut text =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>");
    for (guid, title, description, link) in items {
        text.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <description>{description}</description><link>{link}</link></item>"
        ));
    }
    text.push_str("</channel></rss>");
    text.into_bytes()
}

#[test]
fn an_alert_and_its_update_arrive_as_one_thread_of_well_formed_emails() {
    let Some(smtp) = SmtpServer::start("the email sink's threading", 0, None) else {
        return;
    };
    let server = TestServer::start();
    // One story from two feeds: the same link, tracking parameters aside.
    server.serve_feed(
        "/first",
        rss(&[(
            "f1",
            "KFOR: Belgrade &amp; Pristina resume talks",
            "",
            "https://news.example/talks?utm_source=first",
        )]),
        "application/rss+xml",
    );
    server.serve_feed(
        "/second",
        rss(&[(
            "s1",
            "Talks resume between Belgrade &amp; Pristina, KFOR says",
            "",
            "https://news.example/talks?utm_source=second",
        )]),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_test_config(
        dir.path(),
        "backlog = \"all\"",
        &[server.url("/first"), server.url("/second")],
        &sink(smtp.port, "on_repeat = \"update\""),
    );
    once(&config, &[]);
    smtp.wait_for(2);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    for message in &messages {
        assert_well_formed(message);
    }
    let (alert, update) = (&messages[0], &messages[1]);
    // Which feed's copy is the alert depends on which poll was recorded
    // first; both headlines hold "Belgrade & Pristina".
    let subject = header(alert, "subject");
    assert!(
        subject.starts_with("[newswatch] kfor, serbia: ")
            && subject.contains("Belgrade & Pristina"),
        "{subject}"
    );
    let text = alert["text"].as_str().expect("text");
    let html = alert["html"].as_str().expect("html");
    assert!(text.contains("Belgrade & Pristina"), "{text}");
    assert!(text.contains("https://news.example/talks"), "{text}");
    assert!(text.contains("kfor, serbia"), "{text}");
    assert!(html.contains("Belgrade &amp; Pristina"), "escaped: {html}");
    assert!(html.contains("href=\"https://news.example/talks"), "{html}");
    // The hit is in the headline, whose snippet is not repeated.
    assert_eq!(text.matches("Belgrade & Pristina").count(), 1, "{text}");
    // The update replies to the alert: same thread, "Re:" its subject.
    let alert_id = header(alert, "message-id");
    assert!(alert_id.starts_with("<story."), "{alert_id}");
    assert_eq!(header(update, "in-reply-to"), alert_id);
    assert_eq!(header(update, "references"), alert_id);
    assert_eq!(header(update, "subject"), format!("Re: {subject}"));
    assert_ne!(header(update, "message-id"), alert_id);
    assert!(
        update["text"]
            .as_str()
            .is_some_and(|t| t.contains("[also reported]")),
        "{update:#}"
    );
}

#[test]
fn headlines_in_any_script_survive_the_subject() {
    let Some(smtp) = SmtpServer::start("the email sink's encoded subjects", 0, None) else {
        return;
    };
    Run::new("", &sink(smtp.port, "")).once(&[]);
    smtp.wait_for(2);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2);
    let subjects: Vec<&str> = messages.iter().map(|m| header(m, "subject")).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.ends_with("Вучић затражио повратак војске на Косово")),
        "{subjects:?}"
    );
    for message in &messages {
        assert_well_formed(message);
    }
}

#[tokio::test]
async fn a_login_reaches_the_server_and_the_password_nothing_else() {
    let Some(smtp) = SmtpServer::start("the email sink's login", 0, Some("newswatch-bot")) else {
        return;
    };
    let run = Run::new(
        "",
        &sink(
            smtp.port,
            &format!(
                "username = \"newswatch-bot\"\nsecret_env = \"{PASSWORD_VAR}\"\nretry = [\"1h\"]"
            ),
        ),
    );
    // A wrong password is the sink's settings, not the message: the
    // delivery waits in the queue instead of dying.
    let wrong = "wrong-Sm7p-guess";
    let first = run.once(&[(PASSWORD_VAR, wrong), ("RUST_LOG", "debug")]);
    let first_log = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(first_log.contains("535"), "{first_log}");
    assert!(!first_log.contains(wrong), "{first_log}");
    assert_eq!(smtp.received(), 0);
    let pending = run.deliveries(DeliveryState::Pending).await;
    assert_eq!(pending.len(), 2, "{pending:?}");
    // As if the hour had passed, with the right password now.
    run.execute("UPDATE deliveries SET due_at = 0").await;
    let second = run.once(&[(PASSWORD_VAR, PASSWORD), ("RUST_LOG", "debug")]);
    smtp.wait_for(2);
    let logins = smtp.logins();
    assert!(
        logins
            .iter()
            .any(|l| l["login"] == "newswatch-bot" && l["ok"] == true),
        "{logins:?}"
    );
    assert!(logins.iter().any(|l| l["ok"] == false), "{logins:?}");
    for message in smtp.messages() {
        assert_well_formed(&message);
        assert_eq!(message["envelope"]["login"], "newswatch-bot");
    }
    // Neither the logs, nor `check`, nor `alerts` show the password.
    let check = newswatch_command(&["check", "--config", &run.config])
        .env(PASSWORD_VAR, PASSWORD)
        .output()
        .expect("check");
    assert!(check.status.success(), "{}", describe(&check));
    let described = String::from_utf8_lossy(&check.stdout);
    assert!(
        described.contains(&format!(
            "email 127.0.0.1:{} none, with login to desk@example.org ops@example.org",
            smtp.port
        )),
        "{described}"
    );
    let listed = newswatch_command(&["alerts", "--config", &run.config, "--json"])
        .output()
        .expect("alerts");
    for output in [&first, &second, &check, &listed] {
        let all = describe(output);
        assert!(!all.contains(PASSWORD) && !all.contains(wrong), "{all}");
    }
}

#[test]
fn check_finds_a_missing_password_without_the_network() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Port 9 (discard) on a documentation address: nothing is contacted.
    let config = write_test_config(
        dir.path(),
        "",
        &[],
        "[[sink]]\ntype = \"email\"\nhost = \"smtp.example.org\"\nport = 9\n\
         username = \"u\"\nsecret_env = \"NEWSWATCH_TEST_UNSET_SMTP_PASSWORD\"\n\
         from = \"alerts@example.org\"\nto = [\"desk@example.org\"]\n",
    );
    let output = newswatch_command(&["check", "--config", &config])
        .env_remove("NEWSWATCH_TEST_UNSET_SMTP_PASSWORD")
        .output()
        .expect("check");
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("NEWSWATCH_TEST_UNSET_SMTP_PASSWORD is not set"),
        "{said}"
    );
}

#[test]
fn a_bad_recipient_is_a_config_error_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_test_config(
        dir.path(),
        "",
        &[],
        "[[sink]]\ntype = \"email\"\nhost = \"smtp.example.org\"\n\
         from = \"alerts@example.org\"\n\
         to = [\"desk@example.org\", \"desk at example.org\"]\n",
    );
    let output = newswatch_command(&["check", "--config", &config])
        .output()
        .expect("check");
    let text = std::fs::read_to_string(&config).expect("config");
    let line = text
        .lines()
        .position(|l| l.starts_with("to = "))
        .expect("the to line")
        + 1;
    let said = support::expect_config_error(&output, &config, line, "a bad recipient");
    assert!(
        said.contains("to[1]: \"desk at example.org\" is not an email address"),
        "{said}"
    );
}

#[tokio::test]
async fn a_refused_recipient_is_a_dead_letter_at_once_and_a_busy_one_is_retried() {
    for (to, attempts, code) in [
        ("reject@example.org", 1, "550"),
        ("later@example.org", 2, "451"),
    ] {
        let Some(smtp) = SmtpServer::start("the email sink's 5xx and 4xx", 0, None) else {
            return;
        };
        let sink_text = format!(
            "[[sink]]\ntype = \"email\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\
             from = \"alerts@example.org\"\nto = [\"{to}\"]\nretry = [\"0s\"]\n",
            smtp.port
        );
        let run = Run::new("", &sink_text);
        run.once(&[]);
        let dead = run.deliveries(DeliveryState::Dead).await;
        assert_eq!(dead.len(), 2, "{to}: {dead:?}");
        for row in &dead {
            assert_eq!(row.attempts, attempts, "{to}: {row:?}");
            let error = row.last_error.as_deref().unwrap_or_default();
            assert!(
                error.contains(code) && error.contains("127.0.0.1"),
                "{to}: {error}"
            );
        }
        assert_eq!(smtp.received(), 0);
    }
}

#[test]
fn a_server_that_is_down_is_retried_until_it_takes_the_messages() {
    // Is aiosmtpd there at all? (Its server starts later, on this port.)
    if python("the email sink's retries").is_none() {
        return;
    }
    let port = support::free_port();
    let retries = vec!["\"1s\""; 60].join(", ");
    let run = Run::new(
        "startup_spread = \"0s\"",
        &sink(port, &format!("retry = [{retries}]")),
    );
    let log_path = run.dir.path().join("daemon.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let _daemon = Daemon::run(&run.config, log);
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    wait_until(ARRIVAL, "a failed delivery to be retried", || {
        read_log().matches("delivery failed; will retry").count() >= 2
    });
    let said = read_log();
    assert!(
        said.contains(&format!("SMTP 127.0.0.1:{port} (none)")),
        "{said}"
    );
    let Some(smtp) = SmtpServer::start("the email sink's retries", port, None) else {
        return;
    };
    smtp.wait_for(2);
    let messages = smtp.messages();
    let ids: std::collections::BTreeSet<&str> =
        messages.iter().map(|m| header(m, "message-id")).collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert_eq!(ids.len(), 2, "each alert once: {messages:#?}");
    for message in &messages {
        assert_well_formed(message);
    }
}

#[tokio::test]
async fn a_digest_sink_sends_one_email_listing_the_periods_alerts() {
    let Some(smtp) = SmtpServer::start("the email sink's digests", 0, None) else {
        return;
    };
    let run = Run::new("", &sink(smtp.port, "digest = \"1h\""));
    // The period has not ended: nothing is sent yet.
    let first = run.once(&[]);
    assert_eq!(first.status.code(), Some(75), "{}", describe(&first));
    assert_eq!(smtp.received(), 0);
    // As if the hour had passed.
    run.execute("UPDATE deliveries SET created_at = created_at - 7200000")
        .await;
    run.once(&[]);
    smtp.wait_for(1);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let digest = &messages[0];
    assert_well_formed(digest);
    assert!(header(digest, "message-id").starts_with("<digest."));
    let subject = header(digest, "subject");
    assert!(
        subject.starts_with("[newswatch] kfor, kosovo, serbia: 2 alerts from "),
        "{subject}"
    );
    let text = digest["text"].as_str().expect("text");
    assert!(text.contains("KFOR says it will act"), "{text}");
    assert!(text.contains("Вучић затражио"), "{text}");
    let html = digest["html"].as_str().expect("html");
    assert_eq!(html.matches("<h3>").count(), 2, "{html}");
    assert!(run.deliveries(DeliveryState::Pending).await.is_empty());
}

#[test]
fn the_readme_email_example_is_a_valid_sink() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let block = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("type = \"email\""))
        .expect("the email example");
    let config = newswatch::config::Config::parse(block, Path::new("README.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    let described: Vec<String> = config.sinks.iter().map(|s| s.describe()).collect();
    assert_eq!(
        described,
        [
            "desk-mail (email smtp.example.org:587 starttls, with login to \
          desk@example.org night@example.org, all lists)"
        ]
    );
}

/// A certificate authority and a certificate it signed for 127.0.0.1,
/// made with openssl in `dir`: (CA, certificate, key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let [ca_key, ca, key, request, cert, san] = [
        "ca.key", "ca.pem", "key.pem", "cert.csr", "cert.pem", "san.ext",
    ]
    .map(|n| dir.join(n));
    std::fs::write(&san, "subjectAltName=IP:127.0.0.1\n").expect("extensions");
    let openssl = |args: &str, files: &[(&str, &PathBuf)]| {
        let mut command = Command::new("openssl");
        command.args(args.split(' '));
        for (flag, path) in files {
            command.arg(flag).arg(path);
        }
        let made = command.output().expect("run openssl");
        assert!(made.status.success(), "{}", describe(&made));
    };
    openssl(
        "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=newswatch-test-CA",
        &[("-keyout", &ca_key), ("-out", &ca)],
    );
    openssl(
        "req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1",
        &[("-keyout", &key), ("-out", &request)],
    );
    openssl(
        "x509 -req -CAcreateserial -days 2",
        &[
            ("-in", &request),
            ("-CA", &ca),
            ("-CAkey", &ca_key),
            ("-extfile", &san),
            ("-out", &cert),
        ],
    );
    (ca, cert, key)
}

#[tokio::test]
async fn tls_is_required_never_hoped_for_and_checks_the_certificate() {
    let what = "the email sink's TLS";
    if !support::skip::command_available("openssl", "version", what, "apt-get install -y openssl") {
        return;
    }
    let keys = tempfile::tempdir().expect("tempdir");
    let (ca, cert, key) = certificates(keys.path());
    let tls_args = [
        "--tls-cert".as_ref(),
        cert.as_os_str(),
        "--tls-key".as_ref(),
        key.as_os_str(),
    ];
    let starttls_args = [&tls_args[..], &["--starttls".as_ref()]].concat();
    let (Some(plain), Some(smtps), Some(starttls)) = (
        SmtpServer::start(what, 0, None),
        SmtpServer::start_with(what, 0, None, &tls_args),
        SmtpServer::start_with(what, 0, None, &starttls_args),
    ) else {
        return;
    };
    let ca_path = ca.to_string_lossy().into_owned();
    // The test CA is trusted only where SSL_CERT_FILE names it.
    let trusted: &[(&str, &str)] = &[("SSL_CERT_FILE", &ca_path)];
    for (server, tls, env, refused) in [
        (
            &plain,
            "starttls",
            trusted,
            Some("STARTTLS is not supported"),
        ),
        (&smtps, "tls", &[][..], Some("certificate")),
        (&starttls, "starttls", &[][..], Some("certificate")),
        (&smtps, "tls", trusted, None),
        (&starttls, "starttls", trusted, None),
    ] {
        let sink_text = format!(
            "[[sink]]\ntype = \"email\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"{tls}\"\n\
             from = \"alerts@example.org\"\nto = [\"desk@example.org\"]\nretry = [\"1h\"]\n",
            server.port
        );
        let run = Run::new("", &sink_text);
        let before = server.received();
        run.once(env);
        let pending = run.deliveries(DeliveryState::Pending).await;
        let Some(why) = refused else {
            assert!(pending.is_empty(), "{tls}: {pending:?}");
            assert_eq!(server.received(), before + 2, "{tls}");
            continue;
        };
        assert_eq!(pending.len(), 2, "{tls}: {pending:?}");
        let errors: Vec<&str> = pending
            .iter()
            .filter_map(|r| r.last_error.as_deref())
            .collect();
        assert!(errors.iter().any(|e| e.contains(why)), "{tls}: {errors:?}");
        assert_eq!(
            server.received(),
            before,
            "{tls}: nothing sent in clear or unverified"
        );
    }
}
