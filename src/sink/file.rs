//! The file sink: alerts appended as JSON Lines, flushed per alert, synced
//! to disk on close.

use std::path::PathBuf;

use tokio::fs::{File, OpenOptions};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use super::{BoxFuture, Delivery, Sink, SinkError};

/// Appends alerts to a file, one JSON object per line.
#[derive(Debug)]
pub struct FileSink {
    name: String,
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl FileSink {
    /// A file sink writing to `path` (opened on first use).
    pub fn new(name: &str, path: PathBuf) -> Self {
        FileSink {
            name: name.to_string(),
            path,
            file: Mutex::new(None),
        }
    }

    async fn open(&self) -> Result<File, SinkError> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| SinkError::retryable(format!("cannot open {}: {e}", self.path.display())))
    }
}

impl Sink for FileSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let mut slot = self.file.lock().await;
            if slot.is_none() {
                *slot = Some(self.open().await?);
            }
            let Some(file) = slot.as_mut() else {
                return Err(SinkError::retryable("file not open"));
            };
            let mut line = Vec::with_capacity(delivery.body.len() + 1);
            line.extend_from_slice(delivery.body.as_bytes());
            line.push(b'\n');
            let written = async {
                file.write_all(&line).await?;
                file.flush().await
            }
            .await;
            written.map_err(|e| {
                // Reopen next time: the file may have been removed or the disk fixed.
                *slot = None;
                SinkError::retryable(format!("cannot write {}: {e}", self.path.display()))
            })
        })
    }

    fn healthcheck(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            let mut slot = self.file.lock().await;
            if slot.is_none() {
                *slot = Some(self.open().await?);
            }
            Ok(())
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            let mut slot = self.file.lock().await;
            if let Some(file) = slot.take() {
                file.sync_all().await.map_err(|e| {
                    SinkError::retryable(format!("cannot sync {}: {e}", self.path.display()))
                })?;
            }
            Ok(())
        })
    }
}
