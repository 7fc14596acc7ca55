//! The exec sink: runs a command (an argv list, no shell) for each message,
//! with its JSON on stdin; exit status 0 confirms. A non-zero status or a
//! timeout is retried, except 65 (EX_DATAERR: "this input is wrong"), which
//! is permanent. The command is killed when it overruns its timeout.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{BoxFuture, Delivery, Sink, SinkError};

/// Exit status meaning "the input is wrong; do not send it again".
const EX_DATAERR: i32 = 65;
/// How much of the command's stderr goes into an error message.
const STDERR_KEPT: usize = 400;

/// Runs a command per message.
#[derive(Debug)]
pub struct ExecSink {
    name: String,
    argv: Vec<String>,
    timeout: Duration,
}

impl ExecSink {
    /// A sink running `argv` with `timeout`.
    pub fn new(name: &str, argv: Vec<String>, timeout: Duration) -> Self {
        ExecSink {
            name: name.to_string(),
            argv,
            timeout,
        }
    }

    async fn run(&self, delivery: &Delivery) -> Result<(), SinkError> {
        let program = self.argv.first().ok_or_else(|| SinkError::Permanent {
            message: "empty command".into(),
        })?;
        let mut child = tokio::process::Command::new(program)
            .args(&self.argv[1..])
            .env("NEWSWATCH_DELIVERY_ID", &delivery.id)
            .env("NEWSWATCH_MESSAGE_TYPE", delivery.message.kind())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| SinkError::retryable(format!("cannot start {program}: {e}")))?;
        let mut stdin = child.stdin.take();
        let mut stderr = child.stderr.take();
        let body = format!("{}\n", delivery.body);
        let exchange = async {
            if let Some(stdin) = stdin.as_mut() {
                // A command that does not read its input is its own business.
                let _ = stdin.write_all(body.as_bytes()).await;
            }
            drop(stdin.take());
            let mut text = Vec::new();
            if let Some(stderr) = stderr.as_mut() {
                let _ = stderr.take(64 * 1024).read_to_end(&mut text).await;
            }
            let status = child.wait().await;
            (status, text)
        };
        let (status, stderr) =
            tokio::time::timeout(self.timeout, exchange)
                .await
                .map_err(|_| {
                    SinkError::retryable(format!(
                        "{program} did not finish within {:?}; killed",
                        self.timeout
                    ))
                })?;
        let status = status.map_err(|e| SinkError::retryable(format!("{program}: {e}")))?;
        if status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&stderr);
        let said = said.trim();
        let said: String = said.chars().take(STDERR_KEPT).collect();
        let message = match status.code() {
            Some(code) => format!("{program} exited with status {code}: {said}"),
            None => format!("{program} was killed by a signal: {said}"),
        };
        if status.code() == Some(EX_DATAERR) {
            Err(SinkError::Permanent { message })
        } else {
            Err(SinkError::retryable(message))
        }
    }
}

impl Sink for ExecSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(self.run(delivery))
    }
}
