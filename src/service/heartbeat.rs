//! The pipeline's heartbeat: the loop stamps it every turn (and the
//! poller's claims on the store count as turns that have not ended), and
//! /healthz, the metrics and the systemd watchdog read its age. A handle passed to
//! both sides, not a process-wide value, so a test (or a second daemon in
//! one process) has its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::clock::now_ms;

/// When the pipeline last showed it was alive, and since when the poller
/// has waited on the store to claim feeds (shared by clones).
#[derive(Debug, Clone, Default)]
pub struct Heartbeat(Arc<Beats>);

#[derive(Debug, Default)]
struct Beats {
    last: AtomicI64,
    /// 0 unless a claim is under way.
    claiming_since: AtomicI64,
}

impl Heartbeat {
    /// Records that the pipeline is alive now.
    pub fn beat(&self) {
        self.0.last.store(now_ms(), Ordering::Relaxed);
    }

    /// Marks a claim on the store under way until the guard drops: a
    /// claim that hangs (a locked database) ages the heartbeat like a
    /// store write that hangs, since no feed gets polled meanwhile.
    pub fn claiming(&self) -> Claiming<'_> {
        self.0.claiming_since.store(now_ms(), Ordering::Relaxed);
        Claiming(self)
    }

    /// Time since the last beat, or since a claim under way began if that
    /// is longer (`None` before the first beat).
    pub fn age(&self) -> Option<Duration> {
        let now = now_ms();
        let last = self.0.last.load(Ordering::Relaxed);
        let claiming = self.0.claiming_since.load(Ordering::Relaxed);
        let since = if claiming > 0 {
            last.min(claiming)
        } else {
            last
        };
        (last > 0).then(|| Duration::from_millis((now - since).max(0) as u64))
    }
}

/// A claim under way ([`Heartbeat::claiming`]).
pub struct Claiming<'a>(&'a Heartbeat);

impl Drop for Claiming<'_> {
    fn drop(&mut self) {
        self.0.0.claiming_since.store(0, Ordering::Relaxed);
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
        // A claim that began before the last beat ages the heartbeat from
        // its start, until it ends.
        pipeline.0.last.store(now_ms() - 5_000, Ordering::Relaxed);
        let claim = pipeline.claiming();
        pipeline
            .0
            .claiming_since
            .store(now_ms() - 60_000, Ordering::Relaxed);
        pipeline.beat();
        assert!(
            probe
                .age()
                .is_some_and(|age| age >= Duration::from_secs(60))
        );
        drop(claim);
        assert!(probe.age().is_some_and(|age| age < Duration::from_secs(60)));
    }
}
