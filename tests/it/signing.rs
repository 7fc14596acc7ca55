//! Webhook signatures checked by an independent implementation (the
//! `standardwebhooks` crate): valid as sent, invalid with a wrong secret
//! or a tampered body, the same id on every retry, and secrets never in
//! the logs.

use crate::support::{Recorded, TestServer, describe, newswatch_command, write_test_config};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use standardwebhooks::Webhook;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_c29tZW9uZSBlbHNlJ3Mgc2VjcmV0IGtleQ==";

fn headers(recorded: &Recorded) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in &recorded.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            map.insert(name, value);
        }
    }
    map
}

/// Runs `once` over rss2.xml with `sink`, a secret in the environment and
/// debug logging (to show secrets stay out of even those).
fn once_with_secret(
    dir: &std::path::Path,
    server: &TestServer,
    sink: &str,
    secret: (&str, &str),
) -> std::process::Output {
    let path = write_test_config(dir, "backlog = \"all\"", &[server.url("/rss2.xml")], sink);
    newswatch_command(&["once", "--config", &path])
        .env(secret.0, secret.1)
        .env("RUST_LOG", "debug")
        .output()
        .expect("run")
}

/// Runs `once` with a signed webhook sink; returns the server and stderr.
fn run(script: &[u16], sink_extra: &str) -> (TestServer, String) {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    server.hook("/hook", script, 200);
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = format!(
        "[[sink]]\ntype = \"webhook\"\nurl = {:?}\nsecret_env = \"HOOK_SECRET\"\nretry = [\"0s\", \"0s\"]\n{sink_extra}\n",
        server.url("/hook"),
    );
    let output = once_with_secret(dir.path(), &server, &sink, ("HOOK_SECRET", SECRET));
    assert!(output.status.success(), "{}", describe(&output));
    (server, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn signatures_verify_with_an_independent_implementation() {
    let (server, stderr) = run(&[], "");
    let calls = server.requests("/hook");
    assert_eq!(calls.len(), 2);
    let verifier = Webhook::new(SECRET).expect("secret");
    let stranger = Webhook::new(OTHER_SECRET).expect("secret");
    for call in &calls {
        let headers = headers(call);
        verifier
            .verify(&call.body, &headers)
            .expect("valid signature");
        assert!(
            stranger.verify(&call.body, &headers).is_err(),
            "a wrong secret must fail"
        );
        let mut tampered = call.body.clone();
        tampered[10] ^= 1;
        assert!(
            verifier.verify(&tampered, &headers).is_err(),
            "a tampered body must fail"
        );
        // The signature covers the exact bytes: our alert JSON as stored.
        let alert: serde_json::Value = serde_json::from_slice(&call.body).expect("JSON body");
        assert_eq!(alert["type"], "alert");
    }
    assert!(
        !stderr.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "the secret leaked into the logs"
    );
}

#[test]
fn retries_keep_the_id_and_are_signed_afresh() {
    let (server, stderr) = run(&[503, 500], "");
    let calls = server.requests("/hook");
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        [503, 500, 200, 200]
    );
    let verifier = Webhook::new(SECRET).expect("secret");
    for call in &calls {
        verifier
            .verify(&call.body, &headers(call))
            .expect("every attempt is signed");
    }
    assert_eq!(
        calls[0].headers["webhook-id"],
        calls[2].headers["webhook-id"]
    );
    assert_eq!(
        calls[0].body, calls[2].body,
        "the same bytes on every attempt"
    );
    assert!(!stderr.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
}

#[test]
fn presets_are_signed_over_the_bytes_they_send() {
    let (server, _) = run(&[], "format = \"slack\"");
    let verifier = Webhook::new(SECRET).expect("secret");
    for call in server.requests("/hook") {
        verifier
            .verify(&call.body, &headers(&call))
            .expect("valid signature");
        let body: serde_json::Value = serde_json::from_slice(&call.body).expect("JSON");
        assert!(body["attachments"][0]["title"].is_string(), "{body}");
    }
}

#[test]
fn a_telegram_token_never_reaches_the_logs() {
    let server = TestServer::start();
    server.serve_fixture("/rss2.xml", "rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let token = "123456:SECRET-bot-token";
    let path_with_token = format!("/bot{token}/sendMessage");
    server.hook(&path_with_token, &[500], 200);
    let sink = format!(
        "[[sink]]\ntype = \"webhook\"\nformat = \"telegram\"\nurl = {:?}\nchat_id = \"-100123\"\nsecret_env = \"BOT_TOKEN\"\nretry = [\"0s\"]\n",
        server.url(""),
    );
    let output = once_with_secret(dir.path(), &server, &sink, ("BOT_TOKEN", token));
    assert!(output.status.success(), "{}", describe(&output));
    let calls = server.requests(&path_with_token);
    assert_eq!(calls.len(), 3, "one failure, then two alerts");
    let body: serde_json::Value = serde_json::from_slice(&calls[2].body).expect("JSON");
    assert_eq!(body["chat_id"], "-100123");
    assert_eq!(body["parse_mode"], "HTML");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/bot…/sendMessage"), "{stderr}");
    assert!(
        !stderr.contains("SECRET-bot-token"),
        "the token leaked: {stderr}"
    );
}
