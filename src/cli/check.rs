//! `newswatch check`: the config is valid; here is what it says.

use super::{Failure, output};
use crate::config::{Config, HttpSettings};
use crate::sink::SinkConfig;

/// Prints a short summary of a valid config (and warnings for a config
/// that is valid but cannot do anything useful).
pub fn run(config: &Config) -> Result<(), Failure> {
    crate::app::preflight(config)?;
    output::line(&format!("{}: OK", config.path.display()))?;
    let cron = config.feeds.iter().filter(|f| f.schedule.is_some()).count();
    output::line(&format!(
        "  feeds: {} ({} on cron schedules), default interval {}",
        config.feeds.len(),
        cron,
        humantime::format_duration(config.poll.interval.0)
    ))?;
    let lists: Vec<String> = config
        .watches
        .iter()
        .map(|w| format!("{} ({} terms)", w.name.get_ref(), w.terms.len()))
        .collect();
    output::line(&format!("  watch lists: {}", lists.join(", ")))?;
    http_settings(config)?;
    let sinks: Vec<String> = config.sinks.iter().map(SinkConfig::describe).collect();
    output::line(&format!("  sinks: {}", sinks.join(", ")))?;
    let state_dir = config.state_directory(|k| std::env::var(k).ok());
    let database = crate::redact::public_url(&config.database_url(&state_dir));
    output::line(&format!("  state: {database}"))?;
    for (missing, what) in [
        (
            config.feeds.is_empty(),
            "no [[feed]]: nothing will be polled",
        ),
        (
            config.watches.is_empty(),
            "no [[watch]] list: nothing will match",
        ),
        (
            config.sinks.is_empty(),
            "no [[sink]]: alerts are recorded but go nowhere",
        ),
    ] {
        if missing {
            output::line(&format!("  warning: {what}"))?;
        }
    }
    for warning in config.clear_text_credentials() {
        output::line(&format!("  warning: {warning}"))?;
    }
    Ok(())
}

/// What the `[poll]` defaults and each feed that sets its own send: header
/// names, the User-Agent, the basic auth user, the proxy without its
/// credentials. Never a header value.
fn http_settings(config: &Config) -> Result<(), Failure> {
    let defaults = HttpSettings::of_poll(&config.poll);
    if defaults.is_set() {
        output::line(&format!("  [poll] http: {}", defaults.describe()))?;
    }
    for feed in config.feeds.iter().filter(|feed| feed.sets_http()) {
        output::line(&format!(
            "  feed {:?}: {}",
            feed.display_name(),
            config.http_of(feed).describe()
        ))?;
    }
    Ok(())
}
