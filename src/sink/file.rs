//! The file sink: messages appended as JSON Lines. Each line is flushed to
//! the OS as it is written; the file is synced to disk at least once a
//! second while messages flow, and on close. SIGHUP reloads the daemon,
//! which opens the file afresh, so logrotate can move it away without
//! `copytruncate`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::fs::{File, OpenOptions};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use serde::Deserialize;

use super::{BoxFuture, Delivery, KindConfig, Sink, SinkError};

/// How often written lines are synced to disk.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// `type = "file"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The JSON Lines file alerts are appended to.
    pub path: PathBuf,
}

impl KindConfig for FileConfig {
    fn type_name(&self) -> &'static str {
        "file"
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.path.as_os_str().is_empty() {
            Err(("path", "path is empty".to_string()))
        } else {
            Ok(())
        }
    }

    fn problem(&self, _name: &str) -> Option<String> {
        file_problem(&self.path)
    }

    fn build(&self, name: &str) -> anyhow::Result<Box<dyn Sink>> {
        Ok(Box::new(FileSink::new(name, self.path.clone())))
    }

    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }
}

/// A path that is a directory, or lies in no directory, cannot be opened.
fn file_problem(path: &Path) -> Option<String> {
    if path.is_dir() {
        return Some(format!(
            "path {} is a directory, not a file",
            path.display()
        ));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty())?;
    (!parent.is_dir()).then(|| {
        format!(
            "path {}: the directory {} does not exist",
            path.display(),
            parent.display()
        )
    })
}

/// Appends messages to a file, one JSON object per line.
#[derive(Debug)]
pub struct FileSink {
    name: String,
    shared: Arc<Shared>,
    stop: CancellationToken,
}

#[derive(Debug)]
struct Shared {
    path: PathBuf,
    file: Mutex<Option<File>>,
    /// Written since the last sync.
    dirty: AtomicBool,
}

impl Shared {
    async fn open(&self) -> Result<File, SinkError> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| SinkError::retryable(format!("cannot open {}: {e}", self.path.display())))
    }

    /// Syncs the open file if anything was written since the last sync.
    async fn sync(&self) -> Result<(), SinkError> {
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let slot = self.file.lock().await;
        if let Some(file) = slot.as_ref() {
            file.sync_data().await.map_err(|e| {
                SinkError::retryable(format!("cannot sync {}: {e}", self.path.display()))
            })?;
        }
        Ok(())
    }
}

impl FileSink {
    /// A file sink writing to `path` (opened on first use). Starts the task
    /// that syncs it every second; must be called inside the runtime.
    pub fn new(name: &str, path: PathBuf) -> Self {
        let shared = Arc::new(Shared {
            path,
            file: Mutex::new(None),
            dirty: AtomicBool::new(false),
        });
        let stop = CancellationToken::new();
        let (syncing, stopped) = (Arc::clone(&shared), stop.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SYNC_EVERY);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if let Err(error) = syncing.sync().await {
                            tracing::warn!(error = %error, "sync failed");
                        }
                    }
                    _ = stopped.cancelled() => break,
                }
            }
        });
        FileSink {
            name: name.to_string(),
            shared,
            stop,
        }
    }
}

impl Sink for FileSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let mut slot = self.shared.file.lock().await;
            if slot.is_none() {
                *slot = Some(self.shared.open().await?);
            }
            let Some(file) = slot.as_mut() else {
                return Err(SinkError::retryable("file not open"));
            };
            let mut line = Vec::with_capacity(delivery.body.len() + 1);
            line.extend_from_slice(delivery.body.as_bytes());
            line.push(b'\n');
            // Where the last complete line ends: a write that fails half
            // way (a full disk) is cut back to it, so the retry appends a
            // whole line after whole lines and every reader can parse them.
            let complete = file.metadata().await.map(|m| m.len());
            let written = async {
                file.write_all(&line).await?;
                file.flush().await
            }
            .await;
            self.shared.dirty.store(true, Ordering::Release);
            written.map_err(|e| {
                let cut = match complete {
                    Ok(length) => std::fs::OpenOptions::new()
                        .write(true)
                        .open(&self.shared.path)
                        .and_then(|f| f.set_len(length))
                        .map_or_else(
                            |e| format!("; cutting back the partial line failed: {e}"),
                            |()| String::new(),
                        ),
                    Err(e) => format!("; its length was unknown: {e}"),
                };
                // Reopen next time: the file may have been removed or the disk fixed.
                *slot = None;
                SinkError::retryable(format!(
                    "cannot write {}: {e}{cut}",
                    self.shared.path.display()
                ))
            })
        })
    }

    fn healthcheck(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            let mut slot = self.shared.file.lock().await;
            if slot.is_none() {
                *slot = Some(self.shared.open().await?);
            }
            Ok(())
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            self.stop.cancel();
            let mut slot = self.shared.file.lock().await;
            if let Some(file) = slot.take() {
                file.sync_all().await.map_err(|e| {
                    SinkError::retryable(format!("cannot sync {}: {e}", self.shared.path.display()))
                })?;
            }
            Ok(())
        })
    }
}
