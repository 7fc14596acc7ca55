//! The email sink: one email per message (an alert, a digest, an event)
//! over SMTP, with STARTTLS, implicit TLS or none, and an optional login.
//! A new connection per message: alerts are few, and a pooled connection
//! the server dropped while idle would only add failures.
//!
//! What a failure means for the outbox:
//! - no connection, TLS trouble, a timeout, a 4xx reply: retried;
//! - a 5xx reply to the login (530, 534, 535, 538), or a server that
//!   offers no STARTTLS or login we can use: the sink's settings are
//!   wrong, not the message, so it is retried too: the queue waits in
//!   order for the operator to fix them instead of every alert turning
//!   into a dead letter;
//! - any other 5xx (a recipient refused, a message rejected): a dead
//!   letter at once, so one message the server will never take does not
//!   hold up the others for the whole retry schedule. `newswatch
//!   redeliver --dead --sink NAME` sends them again.
//!
//! The password is held by lettre's `Credentials` (whose `Debug` hides
//! it) and is cut out of any error text before it is logged or stored.

mod body;
mod compose;
mod config;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

pub use config::{DEFAULT_SUBJECT, EmailConfig, TlsMode};

use crate::http::error_chain;
use crate::sink::secret::Secret;
use crate::sink::{BoxFuture, Delivery, Sink, SinkError};
use crate::text::clip::clip;
use compose::{Composer, SubjectTemplate};

/// Replies to AUTH meaning the login is wrong or impossible: 530 (needed),
/// 534 (mechanism too weak), 535 (credentials invalid), 538 (encryption
/// needed).
const LOGIN_CODES: [u16; 4] = [530, 534, 535, 538];
/// Characters of an error kept for logs and the outbox.
const ERROR_CHARS: usize = 1_000;

/// Sends messages as email through one SMTP server.
pub struct EmailSink {
    name: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    composer: Composer,
    /// `host:port (tls)`, as errors show the server.
    server: String,
    timeout: Duration,
    /// Texts that must never appear in an error: the password and the
    /// forms AUTH sends it in.
    hidden: Vec<String>,
}

impl std::fmt::Debug for EmailSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSink")
            .field("name", &self.name)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl EmailSink {
    /// Builds the sink: reads its password, checks its addresses and
    /// template, sets up TLS. Connects to nothing.
    pub fn new(name: &str, config: &EmailConfig) -> anyhow::Result<Self> {
        let fail = |what: String| anyhow::anyhow!("sink {name:?}: {what}");
        let from = config.sender().map_err(|(_, e)| fail(e))?;
        let to = config.recipients().map_err(|(_, e)| fail(e))?;
        let subject = SubjectTemplate::new(config.subject.as_deref()).map_err(fail)?;
        let password = config.secret_source().load().map_err(fail)?;
        let host = config.host.trim().to_string();
        let port = config.port();
        crate::http::install_crypto_provider();
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_parameters(&host).map_err(fail)?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters(&host).map_err(fail)?),
        };
        let timeout = config.timeout();
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(timeout));
        let mut hidden = Vec::new();
        if let (Some(user), Some(password)) = (&config.username, &password) {
            hidden = hidden_forms(user, password);
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(EmailSink {
            name: name.to_string(),
            transport: builder.build(),
            composer: Composer::new(name, from, to, subject),
            server: format!("{host}:{port} ({})", config.tls.name()),
            timeout,
            hidden,
        })
    }

    /// What went wrong, with the server named and no secret in it.
    fn error_text(&self, what: &str) -> String {
        let mut text = format!("SMTP {}: {what}", self.server);
        for secret in &self.hidden {
            text = text.replace(secret.as_str(), "***");
        }
        clip(&text, ERROR_CHARS)
    }

    /// Sorts a failed send into retry or dead letter (see the module doc).
    fn classify(&self, error: &lettre::transport::smtp::Error) -> SinkError {
        let message = self.error_text(&error_chain(error));
        match error.status().map(u16::from) {
            Some(code) if error.is_permanent() && !LOGIN_CODES.contains(&code) => {
                SinkError::Permanent { message }
            }
            _ => SinkError::retryable(message),
        }
    }
}

/// TLS towards `host`, checked against the same roots as HTTPS (the
/// platform verifier reqwest uses).
fn tls_parameters(host: &str) -> Result<TlsParameters, String> {
    TlsParameters::builder(host.to_string())
        .build_rustls()
        .map_err(|e| format!("cannot set up TLS for {host}: {}", error_chain(&e)))
}

/// The password as it may show in a server's reply or a client error:
/// itself, and base64 of it and of PLAIN's `\0user\0password`.
fn hidden_forms(user: &str, password: &Secret) -> Vec<String> {
    let password = password.expose();
    vec![
        password.to_string(),
        STANDARD.encode(password),
        STANDARD.encode(format!("\0{user}\0{password}")),
    ]
}

impl Sink for EmailSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let email = self
                .composer
                .compose(delivery)
                .map_err(|message| SinkError::Permanent { message })?;
            match tokio::time::timeout(self.timeout, self.transport.send(email)).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(error)) => Err(self.classify(&error)),
                Err(_) => Err(SinkError::retryable(self.error_text(&format!(
                    "no answer within {}",
                    humantime::format_duration(self.timeout)
                )))),
            }
        })
    }
}

/// An alert for the module's tests: id and story
/// `0190a0b0-0000-7000-8000-000000000001`, from "Wire", lists kfor and
/// kosovo, term KFOR, no snippet.
#[cfg(test)]
fn sample_alert(title: &str, link: Option<&str>) -> crate::model::Alert {
    let item = crate::model::Item {
        key: crate::model::ItemKey::from_parts("id", &[title]),
        source_id: None,
        title: title.to_string(),
        link: link.map(str::to_string),
        summary: String::new(),
        content: String::new(),
        article: String::new(),
        published: None,
        published_raw: None,
    };
    let mut alert = crate::model::Alert::new(
        "0190a0b0-0000-7000-8000-000000000001".into(),
        "Wire",
        "https://wire.example/rss",
        &item,
        &[],
        chrono::Utc::now(),
    );
    alert.lists = vec!["kfor".into(), "kosovo".into()];
    alert.terms = vec!["KFOR".into()];
    alert.story = alert.id.clone();
    alert
}
