//! From the config to the store's rules: how stories are matched and
//! updates paced, when a story breaks, when a list spikes, and which sinks
//! asked to hear of each.

use crate::config::Config;
use crate::sink::{EventKind, SinkConfig};
use crate::store::{SignalRoute, Signals, SpikeRule, StoryRules};

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The story rules every poll's record carries.
pub fn story_rules(config: &Config) -> StoryRules {
    StoryRules {
        window_ms: millis(config.dedup.window.0),
        update_period_ms: millis(config.dedup.update_period.0),
        breaking_sources: usize::try_from(config.signals.breaking_sources).unwrap_or(usize::MAX),
        breaking_window_ms: millis(config.signals.breaking_window.0),
    }
}

/// Who hears of breaking stories and list spikes, and the spike rule.
pub fn signals(config: &Config) -> Signals {
    let routes = |kind: EventKind| -> Vec<SignalRoute> {
        config
            .sinks
            .iter()
            .filter(|sink| sink.wants(kind))
            .map(route)
            .collect()
    };
    let signals = &config.signals;
    Signals {
        breaking: routes(EventKind::StoryBreaking),
        spikes: routes(EventKind::ListSpike),
        spike: SpikeRule {
            window_ms: millis(signals.spike_window.0),
            baseline_ms: millis(signals.spike_baseline.0),
            min: signals.spike_min,
            factor: signals.spike_factor,
            cooldown_ms: millis(signals.spike_cooldown.0),
        },
    }
}

/// A sink's route for signals: the lists it takes; `lists = []` (events
/// only, no alerts) takes signals of every list.
fn route(sink: &SinkConfig) -> SignalRoute {
    SignalRoute {
        sink: sink.name().to_string(),
        lists: sink
            .lists()
            .filter(|lists| !lists.is_empty())
            .map(<[String]>::to_vec),
    }
}
