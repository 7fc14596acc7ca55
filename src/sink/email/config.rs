//! `type = "email"`: the SMTP server, how the connection is secured, the
//! login, the sender and recipients, and the subject template. Checked
//! without I/O at load (addresses, the template, a password that would
//! cross the network in clear); `check` also builds the sink once to find
//! an unreadable password.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use serde::Deserialize;

use super::EmailSink;
use super::compose::SubjectTemplate;
use crate::sink::secret::SecretSource;
use crate::sink::{KindConfig, Sink};
use crate::units::HumanDuration;

/// `type = "email"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The SMTP server's host name (or address).
    pub host: String,
    /// Its port; default by `tls`: 587 (starttls), 465 (tls), 25 (none).
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is secured; default `starttls`.
    #[serde(default)]
    pub tls: TlsMode,
    /// The login, if the server wants one (with the password below).
    #[serde(default)]
    pub username: Option<String>,
    /// The password from an environment variable...
    #[serde(default)]
    pub secret_env: Option<String>,
    /// ...or a file...
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// ...or a systemd credential.
    #[serde(default)]
    pub credential: Option<String>,
    /// The sender: `alerts@example.org` or `Newswatch <alerts@example.org>`.
    pub from: String,
    /// The recipients (at least one), written like `from`.
    #[serde(default)]
    pub to: Vec<String>,
    /// A minijinja template for the subject; default [`DEFAULT_SUBJECT`].
    #[serde(default)]
    pub subject: Option<String>,
    /// Time allowed for one message (connecting included); default 30s.
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
}

/// The subject unless the sink sets one: the lists, then the headline.
pub const DEFAULT_SUBJECT: &str = "[newswatch] {% if lists %}{{ lists }}: {% endif %}{{ title }}";

/// `tls` of an email sink.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which the server must offer.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, "implicit TLS").
    Tls,
    /// No encryption: only for a relay on this machine or a trusted network.
    None,
}

impl TlsMode {
    /// The port this mode is usually served on.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
            TlsMode::None => 25,
        }
    }

    /// The name the config uses for it.
    pub fn name(self) -> &'static str {
        match self {
            TlsMode::Starttls => "starttls",
            TlsMode::Tls => "tls",
            TlsMode::None => "none",
        }
    }
}

impl EmailConfig {
    /// Where the password comes from.
    pub fn secret_source(&self) -> SecretSource<'_> {
        SecretSource {
            secret_env: self.secret_env.as_deref(),
            secret_file: self.secret_file.as_deref(),
            credential: self.credential.as_deref(),
        }
    }

    /// The port connected to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.tls.default_port())
    }

    /// Time allowed for one message.
    pub fn timeout(&self) -> Duration {
        self.timeout.map_or(Duration::from_secs(30), |t| t.0)
    }

    /// The sender, parsed.
    pub fn sender(&self) -> Result<Mailbox, (&'static str, String)> {
        mailbox(&self.from).map_err(|e| ("from", format!("from: {e}")))
    }

    /// The recipients, parsed; at least one.
    pub fn recipients(&self) -> Result<Vec<Mailbox>, (&'static str, String)> {
        if self.to.is_empty() {
            return Err((
                "to",
                "to needs at least one address: to = [\"desk@example.org\"]".to_string(),
            ));
        }
        self.to
            .iter()
            .enumerate()
            .map(|(n, text)| mailbox(text).map_err(|e| ("to", format!("to[{n}]: {e}"))))
            .collect()
    }

    /// The field that sets the password, for pointing at it.
    fn secret_field(&self) -> &'static str {
        if self.secret_env.is_some() {
            "secret_env"
        } else if self.secret_file.is_some() {
            "secret_file"
        } else {
            "credential"
        }
    }

    /// Checks the settings without I/O (see [`KindConfig::validate`]).
    fn check(&self) -> Result<(), (&'static str, String)> {
        let host = self.host.trim();
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(("host", format!("host {:?} is not a host name", self.host)));
        }
        if self.port == Some(0) {
            return Err(("port", "port must be 1 to 65535".to_string()));
        }
        if self.timeout.is_some_and(|t| t.0 < Duration::from_secs(1)) {
            return Err(("timeout", "timeout must be at least 1s".to_string()));
        }
        self.sender()?;
        self.recipients()?;
        let secret = self.secret_source();
        secret.validate().map_err(|e| (self.secret_field(), e))?;
        match (&self.username, secret.is_set()) {
            (Some(name), _) if name.trim().is_empty() => {
                return Err(("username", "username is empty".to_string()));
            }
            (Some(_), false) => {
                return Err((
                    "username",
                    "username needs a password in secret_env, secret_file or credential"
                        .to_string(),
                ));
            }
            (None, true) => {
                return Err((self.secret_field(), "a password needs username".to_string()));
            }
            _ => {}
        }
        if self.tls == TlsMode::None && secret.is_set() && !crate::http::is_loopback_host(host) {
            return Err((
                "tls",
                format!(
                    "tls = \"none\" would send the password in clear over the network to {host}; \
                     use tls = \"starttls\" or \"tls\", or a relay on this machine"
                ),
            ));
        }
        SubjectTemplate::new(self.subject.as_deref()).map_err(|e| ("subject", e))?;
        Ok(())
    }
}

/// Reads one address (`a@example.org` or `Name <a@example.org>`); the
/// parser wants the whole text to be that one address.
fn mailbox(text: &str) -> Result<Mailbox, String> {
    let hint = if text.contains(',') {
        " (one address per entry: to = [\"a@example.org\", \"b@example.org\"])"
    } else if text.contains(|c: char| c.is_control()) {
        " (it holds a control character)"
    } else {
        ""
    };
    if !hint.is_empty() {
        return Err(format!("{text:?} is not an email address{hint}"));
    }
    text.trim()
        .parse()
        .map_err(|e| format!("{text:?} is not an email address ({e})"))
}

impl KindConfig for EmailConfig {
    fn type_name(&self) -> &'static str {
        "email"
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        self.check()
    }

    fn build(&self, name: &str) -> anyhow::Result<Box<dyn Sink>> {
        Ok(Box::new(EmailSink::new(name, self)?))
    }

    fn describe(&self) -> String {
        let to: Vec<String> = match self.recipients() {
            Ok(to) => to.iter().map(|m| m.email.to_string()).collect(),
            Err(_) => self.to.clone(),
        };
        let login = if self.secret_source().is_set() {
            ", with login"
        } else {
            ""
        };
        format!(
            "email {}:{} {}{login} to {}",
            self.host,
            self.port(),
            self.tls.name(),
            to.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> EmailConfig {
        toml::from_str(&format!(
            "host = \"smtp.example.org\"\nfrom = \"newswatch <alerts@example.org>\"\nto = [\"desk@example.org\"]\n{extra}"
        ))
        .expect("config")
    }

    #[test]
    fn ports_follow_tls_unless_set() {
        assert_eq!(config("").port(), 587);
        assert_eq!(config("tls = \"tls\"").port(), 465);
        assert_eq!(config("tls = \"none\"").port(), 25);
        assert_eq!(config("tls = \"tls\"\nport = 2465").port(), 2465);
        assert!(config("").check().is_ok());
    }

    #[test]
    fn addresses_are_checked_and_errors_name_the_field() {
        let mut bad_to = config("");
        bad_to.to = vec!["desk@example.org".into(), "not an address".into()];
        let (field, message) = bad_to.check().expect_err("bad to");
        assert_eq!(field, "to");
        assert!(
            message.contains("to[1]") && message.contains("not an address"),
            "{message}"
        );
        let mut two_in_one = config("");
        two_in_one.to = vec!["a@example.org, b@example.org".into()];
        assert_eq!(two_in_one.check().expect_err("two").0, "to");
        let mut none = config("");
        none.to.clear();
        assert_eq!(none.check().expect_err("none").0, "to");
        let mut bad_from = config("");
        bad_from.from = "alerts@example.org\r\nBcc: x@evil.example".into();
        assert_eq!(bad_from.check().expect_err("from").0, "from");
    }

    #[test]
    fn a_password_never_crosses_the_network_in_clear() {
        let clear = config("tls = \"none\"\nusername = \"u\"\nsecret_env = \"P\"");
        let (field, message) = clear.check().expect_err("refused");
        assert_eq!(field, "tls");
        assert!(message.contains("smtp.example.org"), "{message}");
        for host in ["127.0.0.1", "localhost", "::1", "[::1]"] {
            let mut local = config("tls = \"none\"\nusername = \"u\"\nsecret_env = \"P\"");
            local.host = host.into();
            assert!(local.check().is_ok(), "{host}");
        }
        // Without a password, plain SMTP to a relay is the operator's call.
        assert!(config("tls = \"none\"").check().is_ok());
    }

    #[test]
    fn login_and_password_come_together() {
        assert_eq!(
            config("username = \"u\"")
                .check()
                .expect_err("no password")
                .0,
            "username"
        );
        assert_eq!(
            config("secret_file = \"/p\"")
                .check()
                .expect_err("no user")
                .0,
            "secret_file"
        );
        assert!(
            config("username = \"u\"\nsecret_env = \"A\"\ncredential = \"c\"")
                .check()
                .is_err()
        );
    }

    #[test]
    fn a_broken_subject_template_is_a_config_error() {
        let (field, _) = config("subject = \"{{ title\"")
            .check()
            .expect_err("template");
        assert_eq!(field, "subject");
    }

    #[test]
    fn check_shows_where_mail_goes_but_no_secret() {
        let described =
            config("username = \"u\"\nsecret_env = \"NEWSWATCH_SMTP_PASSWORD\"").describe();
        assert_eq!(
            described,
            "email smtp.example.org:587 starttls, with login to desk@example.org"
        );
    }
}
