//! Sinks: where alerts go. Each kind (`stdout`, `file`, `webhook`,
//! `exec`, `email`) is an adapter with its config beside it; [`config`] holds the
//! settings every sink shares and the list of kinds. A sink knows the model
//! and nothing of the store: the outbox worker that feeds it is wiring, in
//! `app::worker`. Here: the small async [`Sink`] trait, what a delivery
//! is, and how it can fail.

mod config;
mod discord;
mod email;
mod exec;
mod file;
mod markup;
pub mod presets;
pub mod secret;
pub mod sign;
mod slack;
mod stdout;
pub mod text;
mod webhook;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::model::Message;

pub use config::{DEFAULT_RETRY_SCHEDULE, EventKind, KindConfig, OnRepeat, SinkConfig, SinkKind};
pub use email::{DEFAULT_SUBJECT, EmailConfig, EmailSink, TlsMode};
pub use exec::ExecConfig;
pub use file::{FileConfig, FileSink};
pub use stdout::{LineFormat, StdoutConfig, StdoutSink};
pub use webhook::{LogUrl, TELEGRAM_API, WebhookConfig, WebhookSink};

/// A boxed future, so [`Sink`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One alert (or event) to hand to a sink.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Stable across retries; receivers can drop repeats by it.
    pub id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The alert or event.
    pub message: Message,
    /// Its JSON exactly as stored.
    pub body: String,
}

/// Why a delivery failed, and whether trying again may help.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Try again later (network trouble, 5xx, 429, a full disk).
    #[error("{message}")]
    Retryable {
        /// What went wrong.
        message: String,
        /// When the receiver asked us to come back, if it did.
        retry_after: Option<Duration>,
    },
    /// Trying again will not help (4xx, a rejected payload).
    #[error("{message}")]
    Permanent {
        /// What went wrong.
        message: String,
    },
    /// The endpoint is gone for good (410): the sink is disabled until the
    /// operator re-enables it; its deliveries wait.
    #[error("{message}")]
    Gone {
        /// What went wrong.
        message: String,
    },
}

impl SinkError {
    /// Whether the worker should schedule a retry.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SinkError::Retryable { .. })
    }

    /// A retryable error without a server-given delay.
    pub fn retryable(message: impl Into<String>) -> Self {
        SinkError::Retryable {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// A destination for alerts.
pub trait Sink: Send + Sync {
    /// The sink's configured name (its key in the outbox).
    fn name(&self) -> &str;

    /// Delivers one alert; `Ok` only once the destination has it.
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>>;

    /// Checks the sink can work at all (called before the daemon is ready).
    fn healthcheck(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }

    /// Flushes and releases what the sink holds (called on shutdown).
    fn close(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}
