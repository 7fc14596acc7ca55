//! The pipeline's heartbeat: the loop stamps it every turn, and /healthz,
//! the metrics and the systemd watchdog read its age. A handle passed to
//! both sides, not a process-wide value, so a test (or a second daemon in
//! one process) has its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::clock::now_ms;

/// When the pipeline last showed it was alive (shared by clones).
#[derive(Debug, Clone, Default)]
pub struct Heartbeat(Arc<AtomicI64>);

impl Heartbeat {
    /// Records that the pipeline is alive now.
    pub fn beat(&self) {
        self.0.store(now_ms(), Ordering::Relaxed);
    }

    /// Time since the last beat (`None` before the first).
    pub fn age(&self) -> Option<Duration> {
        let last = self.0.load(Ordering::Relaxed);
        (last > 0).then(|| Duration::from_millis((now_ms() - last).max(0) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_beat() {
        let pipeline = Heartbeat::default();
        let probe = pipeline.clone();
        assert_eq!(probe.age(), None);
        pipeline.beat();
        assert!(probe.age().is_some_and(|age| age < Duration::from_secs(60)));
        assert_eq!(Heartbeat::default().age(), None, "a new handle is its own");
    }
}
