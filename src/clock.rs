//! Wall-clock time in the store's unit: milliseconds since the Unix epoch.
//! One place, so the pipeline, the workers, the metrics and the CLI agree
//! on what "now" and a stored time mean.

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The time `ago` before now, in milliseconds since the Unix epoch (the
/// epoch's start for a span longer than the clock has run): "since 7
/// days" for commands, the API and pruning.
pub fn ms_ago(ago: std::time::Duration) -> i64 {
    now_ms().saturating_sub(i64::try_from(ago.as_millis()).unwrap_or(i64::MAX))
}

/// The UTC time for stored milliseconds (the epoch for an impossible one).
pub fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Where the engine reads the time. Due times are wall-clock milliseconds
/// (they are stored, and cron schedules speak wall-clock time), while the
/// engine sleeps on tokio's clock; a test pauses tokio's clock and lets
/// wall time follow it.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system clock: what the daemon runs on.
    System,
    /// Wall time that moves with tokio's clock, paused or not.
    Tokio {
        /// tokio's time when the wall clock read `start_ms`.
        origin: tokio::time::Instant,
        /// Wall time at `origin`, in ms since the Unix epoch.
        start_ms: i64,
    },
}

impl Clock {
    /// A clock that reads `start_ms` now and advances with tokio's clock.
    pub fn following_tokio(start_ms: i64) -> Clock {
        Clock::Tokio {
            origin: tokio::time::Instant::now(),
            start_ms,
        }
    }

    /// Now, in ms since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => now_ms(),
            Clock::Tokio { origin, start_ms } => start_ms
                .saturating_add(i64::try_from(origin.elapsed().as_millis()).unwrap_or(i64::MAX)),
        }
    }
}
