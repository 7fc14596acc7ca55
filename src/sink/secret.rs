//! Secrets for sinks (webhook signing keys, bot tokens) and feeds (header
//! tokens, basic auth passwords): read from an environment variable, a
//! file, or a systemd credential, and never shown:
//! [`Secret`] prints as `***` in `Debug`, and errors name where the secret
//! was looked for, never what it is.

use std::path::{Path, PathBuf};

/// A secret value. Deliberately neither `Display` nor a readable `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (tests and loaders).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a secret comes from, as a table of its own in the config:
/// `{ secret_env = "NAME" }`, `{ secret_file = "/path" }` or
/// `{ credential = "NAME" }` (a feed's header value). Names where the
/// secret is, never the secret, so it may print.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// An environment variable holding the secret.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// A file holding the secret.
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// A systemd credential holding the secret.
    #[serde(default)]
    pub credential: Option<String>,
}

impl SecretRef {
    /// The source, borrowed.
    pub fn source(&self) -> SecretSource<'_> {
        SecretSource {
            secret_env: self.secret_env.as_deref(),
            secret_file: self.secret_file.as_deref(),
            credential: self.credential.as_deref(),
        }
    }
}

/// Where a sink's secret comes from, borrowed from the sink's settings
/// (`secret_env`, `secret_file`, `credential`): at most one of these.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecretSource<'a> {
    /// An environment variable holding the secret.
    pub secret_env: Option<&'a str>,
    /// A file holding the secret (trailing whitespace ignored).
    pub secret_file: Option<&'a Path>,
    /// A systemd credential (`LoadCredential=NAME:...`), read from
    /// `$CREDENTIALS_DIRECTORY/NAME`.
    pub credential: Option<&'a str>,
}

impl SecretSource<'_> {
    /// Whether any source is configured.
    pub fn is_set(&self) -> bool {
        self.secret_env.is_some() || self.secret_file.is_some() || self.credential.is_some()
    }

    /// Checks the settings without I/O: exactly one source, for a value
    /// that is nothing but its secret (a header value, a password).
    pub fn validate_one(&self) -> Result<(), String> {
        self.validate()?;
        if !self.is_set() {
            return Err("set one of secret_env, secret_file and credential".into());
        }
        Ok(())
    }

    /// The secret, which must be configured ([`SecretSource::validate_one`]).
    pub fn load_required(&self) -> Result<Secret, String> {
        self.load()?
            .ok_or_else(|| "set one of secret_env, secret_file and credential".to_string())
    }

    /// Checks the settings without I/O: at most one source.
    pub fn validate(&self) -> Result<(), String> {
        let count = [
            self.secret_env.is_some(),
            self.secret_file.is_some(),
            self.credential.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count();
        if count > 1 {
            return Err("set only one of secret_env, secret_file and credential".into());
        }
        Ok(())
    }

    /// Reads the secret, if a source is configured.
    pub fn load(&self) -> Result<Option<Secret>, String> {
        let value = if let Some(name) = self.secret_env {
            std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))?
        } else if let Some(path) = self.secret_file {
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read secret_file {}: {e}", path.display()))?
        } else if let Some(name) = self.credential {
            let dir = std::env::var("CREDENTIALS_DIRECTORY")
                .map_err(|_| format!("credential {name}: $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)"))?;
            let path = PathBuf::from(dir).join(name);
            std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read credential {}: {e}", path.display()))?
        } else {
            return Ok(None);
        };
        let value = value.trim_end().to_string();
        if value.is_empty() {
            return Err("the configured secret is empty".into());
        }
        Ok(Some(Secret(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("whsec_c2VjcmV0");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert!(!format!("{:?}", Some(secret)).contains("c2Vj"));
    }

    #[test]
    fn one_source_at_most() {
        let both = SecretSource {
            secret_env: Some("A"),
            secret_file: Some(Path::new("/f")),
            credential: None,
        };
        assert!(both.validate().is_err());
        assert!(SecretSource::default().load().expect("no source").is_none());
    }

    #[test]
    fn files_are_read_and_trimmed_and_errors_do_not_leak() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "whsec_dG9rZW4=\n").expect("write");
        let source = SecretSource {
            secret_file: Some(&path),
            ..SecretSource::default()
        };
        assert_eq!(
            source
                .load()
                .expect("read")
                .map(|s| s.expose().to_string())
                .as_deref(),
            Some("whsec_dG9rZW4=")
        );
        let missing = SecretSource {
            secret_env: Some("NEWSWATCH_TEST_UNSET_SECRET"),
            ..SecretSource::default()
        };
        assert!(
            missing
                .load()
                .expect_err("unset")
                .contains("NEWSWATCH_TEST_UNSET_SECRET")
        );
    }
}
