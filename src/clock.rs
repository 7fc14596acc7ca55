//! Wall-clock time in the store's unit: milliseconds since the Unix epoch.
//! One place, so the pipeline, the workers, the metrics and the CLI agree
//! on what "now" and a stored time mean.

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The UTC time for stored milliseconds (the epoch for an impossible one).
pub fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
