//! The stdout sink: one readable line per alert, or JSON Lines. Whole lines
//! only, and a closed stdout is a sink error, never a panic.

use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::{BoxFuture, Delivery, KindConfig, Sink, SinkError};

/// How the stdout sink writes an alert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineFormat {
    /// `[lists] title — feed — link`, for people.
    #[default]
    Text,
    /// The alert JSON, one object per line, for programs.
    Json,
}

/// `type = "stdout"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdoutConfig {
    /// `text` (one readable line, default) or `json` (JSON Lines).
    #[serde(default)]
    pub format: LineFormat,
}

impl KindConfig for StdoutConfig {
    fn type_name(&self) -> &'static str {
        "stdout"
    }

    fn build(&self, name: &str) -> anyhow::Result<Box<dyn Sink>> {
        Ok(Box::new(StdoutSink::new(name, self.format)))
    }
}

/// Writes alerts to standard output.
#[derive(Debug)]
pub struct StdoutSink {
    name: String,
    format: LineFormat,
    out: tokio::sync::Mutex<tokio::io::Stdout>,
}

impl StdoutSink {
    /// A stdout sink with the given name and format.
    pub fn new(name: &str, format: LineFormat) -> Self {
        StdoutSink {
            name: name.to_string(),
            format,
            out: tokio::sync::Mutex::new(tokio::io::stdout()),
        }
    }
}

impl Sink for StdoutSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let mut line = match self.format {
                LineFormat::Text => super::text::summary(&delivery.message),
                LineFormat::Json => delivery.body.clone(),
            };
            line.push('\n');
            let mut out = self.out.lock().await;
            out.write_all(line.as_bytes())
                .await
                .map_err(|e| SinkError::retryable(format!("cannot write to stdout: {e}")))?;
            out.flush()
                .await
                .map_err(|e| SinkError::retryable(format!("cannot flush stdout: {e}")))
        })
    }
}
