//! The exec sink: runs a command (an argv list, no shell) for each message,
//! with its JSON on stdin; exit status 0 confirms. A non-zero status or a
//! timeout is retried, except 65 (EX_DATAERR: "this input is wrong"), which
//! is permanent. The command is killed when it overruns its timeout. Its
//! stderr is read as it comes (the last 4 KiB go into the error), and the
//! outcome is decided by its exit, whoever still holds the pipe.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use serde::Deserialize;

use super::{BoxFuture, Delivery, KindConfig, Sink, SinkError};
use crate::units::HumanDuration;

/// `type = "exec"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecConfig {
    /// The program and its arguments (no shell).
    pub command: Vec<String>,
    /// Time allowed for one run; default 30s.
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
}

impl KindConfig for ExecConfig {
    fn type_name(&self) -> &'static str {
        "exec"
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        match self.command.first() {
            Some(program) if !program.trim().is_empty() => Ok(()),
            _ => Err((
                "command",
                "command must name a program: [\"/path/to/program\", \"arg\", ...]".to_string(),
            )),
        }
    }

    fn problem(&self, _name: &str) -> Option<String> {
        self.command
            .first()
            .and_then(|program| command_problem(program))
    }

    fn build(&self, name: &str) -> anyhow::Result<Box<dyn Sink>> {
        Ok(Box::new(ExecSink::new(
            name,
            self.command.clone(),
            self.timeout.map_or(Duration::from_secs(30), |t| t.0),
        )))
    }

    fn describe(&self) -> String {
        format!("exec {}", self.command.join(" "))
    }
}

/// A program that is not an executable file, or not found in `PATH`.
fn command_problem(program: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |path: &Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return (!runnable(Path::new(program)))
            .then(|| format!("command {program} is not an executable file"));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| runnable(&dir.join(program)));
    (!found).then(|| format!("command {program} is not found in PATH"))
}

/// Exit status meaning "the input is wrong; do not send it again".
const EX_DATAERR: i32 = 65;
/// How much of the command's stderr (its end) goes into an error message.
const STDERR_KEPT: usize = 4 * 1024;
/// How long stderr is still read once the command has exited.
const DRAIN_GRACE: Duration = Duration::from_millis(200);

/// The last [`STDERR_KEPT`] bytes a command wrote.
#[derive(Debug, Default)]
struct Tail(std::collections::VecDeque<u8>);

impl Tail {
    fn push(&mut self, bytes: &[u8]) {
        self.0.extend(bytes);
        let excess = self.0.len().saturating_sub(STDERR_KEPT);
        self.0.drain(..excess);
    }

    /// The tail as text (a character cut at its start shows as U+FFFD).
    fn text(&self) -> String {
        let bytes: Vec<u8> = self.0.iter().copied().collect();
        crate::text::plain::collapse_whitespace(&String::from_utf8_lossy(&bytes))
    }
}

/// Reads a pipe to its end, keeping the tail: a command that writes more
/// than a pipe holds never blocks on us.
async fn drain_into(mut pipe: tokio::process::ChildStderr, tail: Arc<Mutex<Tail>>) {
    let mut buffer = [0u8; 8192];
    while let Ok(read) = pipe.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        tail.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(&buffer[..read]);
    }
}

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
        let stdin = child.stdin.take();
        let tail = Arc::new(Mutex::new(Tail::default()));
        let drain = child
            .stderr
            .take()
            .map(|stderr| tokio::spawn(drain_into(stderr, Arc::clone(&tail))));
        let body = format!("{}\n", delivery.body);
        // Feed stdin and wait for the exit together: the outcome is the
        // process's exit, not the end of its output (a background child
        // may hold stderr open long after).
        let feed = async move {
            if let Some(mut stdin) = stdin {
                // A command that does not read its input is its own business.
                let _ = stdin.write_all(body.as_bytes()).await;
            }
        };
        let status = tokio::time::timeout(self.timeout, async {
            let (_, status) = tokio::join!(feed, child.wait());
            status
        })
        .await
        .map_err(|_| {
            SinkError::retryable(format!(
                "{program} did not finish within {:?}; killed",
                self.timeout
            ))
        });
        // What the command wrote last has a moment to arrive, no more.
        if let Some(drain) = drain {
            let handle = drain.abort_handle();
            if tokio::time::timeout(DRAIN_GRACE, drain).await.is_err() {
                handle.abort();
            }
        }
        let status = status?;
        let stderr = tail.lock().unwrap_or_else(|p| p.into_inner()).text();
        let status = status.map_err(|e| SinkError::retryable(format!("{program}: {e}")))?;
        if status.success() {
            return Ok(());
        }
        let said = stderr.trim();
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
