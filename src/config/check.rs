//! The validation pass over what was read: pure, it goes on after an
//! error so every problem of the file is found in one pass, and every error
//! points at the value it is about (the checks of `[[watch]]` lists are in
//! `watch.rs`).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::error::closest;
use super::load::{Located, RawConfig};
use super::{
    DaemonConfig, DedupConfig, FeedConfig, FeedFilter, Findings, HeaderSettings, HttpConfig,
    MIN_STUCK_AFTER, PollConfig, SignalsConfig, feed_http, ranges,
};
use crate::sink::SinkConfig;

/// Runs every check on `raw`, adding what is wrong to `findings`.
pub(super) fn check(raw: &RawConfig<'_>, findings: &mut Findings<'_>) {
    let mut check = Checker { findings };
    check.poll(&raw.poll);
    check.daemon(&raw.daemon);
    check.dedup(&raw.dedup);
    check.in_range(
        &raw.archive,
        "[archive]",
        ranges::archive(&raw.archive.value),
    );
    let spikes_wanted = raw
        .sinks
        .iter()
        .any(|sink| sink.value.wants(crate::sink::EventKind::ListSpike));
    check.signals(&raw.signals, &raw.dedup, spikes_wanted);
    check.http(&raw.http);
    check.feeds(&raw.feeds);
    let entities = check.entities(&raw.entities);
    let list_names = check.watches(&raw.watches, &raw.unread_watch_names, &entities);
    check.sinks(&raw.sinks, &list_names);
    let feeds = FeedNames::of(&raw.feeds);
    for watch in &raw.watches {
        let what = format!("watch list {:?}", watch.value.name.get_ref());
        check.feed_filter(watch, &what, watch.value.feed_filter(), &feeds);
    }
    for sink in &raw.sinks {
        let what = format!("sink {:?}", sink.value.name());
        check.feed_filter(sink, &what, sink.value.feed_filter(), &feeds);
    }
}

/// What `feeds = [...]` and `tags = [...]` may name: each feed's name and
/// URL, and every tag some feed carries.
struct FeedNames {
    names: Vec<String>,
    tags: Vec<String>,
}

impl FeedNames {
    fn of(feeds: &[Located<'_, FeedConfig>]) -> FeedNames {
        let mut names = Vec::new();
        let mut tags = Vec::new();
        for feed in feeds {
            let feed = &feed.value;
            names.extend(feed.name.clone());
            names.push(feed.url.as_str().to_string());
            tags.extend(feed.tags.iter().cloned());
        }
        tags.sort();
        tags.dedup();
        FeedNames { names, tags }
    }
}

/// The checks, writing what they find into the findings.
pub(super) struct Checker<'f, 'a> {
    findings: &'f mut Findings<'a>,
}

impl Checker<'_, '_> {
    /// The config's text.
    pub(super) fn text(&self) -> &str {
        self.findings.text()
    }

    /// Records an error at a byte span of the text.
    pub(super) fn report(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.findings.add(span, message);
    }

    /// Each range check's verdict as an error at its key.
    fn in_range<T>(&mut self, at: &Located<'_, T>, what: &str, verdicts: Vec<ranges::OutOfRange>) {
        for (key, message) in verdicts {
            self.report(at.at(key), format!("{what} {message}"));
        }
    }

    fn poll(&mut self, located: &Located<'_, PollConfig>) {
        let poll = &located.value;
        if !(0.0..=1.0).contains(&poll.jitter) {
            self.report(
                located.at("jitter"),
                "[poll] jitter must be between 0.0 and 1.0",
            );
        }
        for (key, value) in [("per_host", poll.per_host), ("max_items", poll.max_items)] {
            if value == 0 {
                self.report(
                    located.at(key),
                    "[poll] per_host and max_items must be at least 1",
                );
            }
        }
        if poll.concurrency == 0 {
            self.report(
                located.at("concurrency"),
                "[poll] concurrency must be at least 1",
            );
        }
        if poll.interval.0.as_secs() < 1 {
            self.report(
                located.at("interval"),
                "[poll] interval must be at least 1s",
            );
        }
        self.in_range(located, "[poll]", ranges::poll(poll));
        self.http_settings(located, "[poll]", &poll.headers, poll.user_agent.as_deref());
    }

    /// The HTTP settings a table (`[poll]` or a `[[feed]]`) sets itself:
    /// each bad header at its name, values never repeated.
    fn http_settings<T>(
        &mut self,
        located: &Located<'_, T>,
        what: &str,
        headers: &HeaderSettings,
        user_agent: Option<&str>,
    ) {
        for (name, value) in &headers.0 {
            if let Some(problem) = feed_http::header_problem(name, value) {
                self.report(located.key_in("headers", name), format!("{what} {problem}"));
            }
        }
        for name in feed_http::repeated_headers(headers) {
            self.report(
                located.key_in("headers", name),
                format!("{what} header {name} is given twice"),
            );
        }
        if let Some(problem) = user_agent.and_then(feed_http::user_agent_problem) {
            self.report(located.at("user_agent"), format!("{what} {problem}"));
        }
    }

    /// A feed's own HTTP settings, and its basic auth.
    fn feed_http(&mut self, located: &Located<'_, FeedConfig>, what: &str) {
        let feed = &located.value;
        self.http_settings(located, what, &feed.headers, feed.user_agent.as_deref());
        let Some(auth) = &feed.basic_auth else {
            return;
        };
        if let Some(problem) = auth.problem() {
            self.report(located.at("basic_auth"), format!("{what} {problem}"));
        }
        let names = feed.headers.0.keys();
        if names
            .into_iter()
            .any(|n| n.eq_ignore_ascii_case("authorization"))
        {
            self.report(
                located.at("basic_auth"),
                format!("{what} set basic_auth or an Authorization header, not both"),
            );
        }
    }

    fn http(&mut self, located: &Located<'_, HttpConfig>) {
        if !(1..=4096).contains(&located.value.max_connections) {
            self.report(
                located.at("max_connections"),
                "[http] max_connections must be between 1 and 4096",
            );
        }
        if located.value.token_source().validate().is_err() {
            self.report(
                located.at("token_file"),
                "[http]: set only one of token_file, token_env and token_credential",
            );
        }
    }

    fn dedup(&mut self, located: &Located<'_, DedupConfig>) {
        self.in_range(located, "[dedup]", ranges::dedup(&located.value));
    }

    /// `[signals]`; the baseline must fit in what retention keeps when a
    /// sink asks for spikes (else the error would be about a feature
    /// nobody uses), pointing at whichever of the two was written.
    fn signals(
        &mut self,
        located: &Located<'_, SignalsConfig>,
        dedup: &Located<'_, DedupConfig>,
        spikes_wanted: bool,
    ) {
        let signals = &located.value;
        self.in_range(located, "[signals]", ranges::signals(signals));
        if signals.spike_baseline.0 < signals.spike_window.0 {
            self.report(
                located.at("spike_baseline"),
                "[signals] spike_baseline must be at least spike_window",
            );
        }
        if spikes_wanted
            && signals.spike_baseline.0 + signals.spike_window.0 > dedup.value.retention.0
        {
            let at = located
                .at("spike_baseline")
                .or_else(|| dedup.at("retention"));
            self.report(
                at,
                "[signals] spike_baseline plus spike_window must be within [dedup] retention \
                 (older matches are forgotten): shorten the baseline or keep more",
            );
        }
    }

    fn daemon(&mut self, located: &Located<'_, DaemonConfig>) {
        if located.value.stuck_after.0 < MIN_STUCK_AFTER {
            self.report(
                located.at("stuck_after"),
                format!(
                    "[daemon] stuck_after must be at least {}s: an idle pipeline shows it is alive once a second",
                    MIN_STUCK_AFTER.as_secs()
                ),
            );
        }
        if let Some(name) = &located.value.instance
            && let Err(problem) = instance_name(name)
        {
            self.report(
                located.at("instance"),
                format!("[daemon] instance {problem}"),
            );
        }
        self.in_range(located, "[daemon]", ranges::daemon(&located.value));
    }

    fn feeds(&mut self, feeds: &[Located<'_, FeedConfig>]) {
        let mut seen = HashSet::new();
        let mut names = HashSet::new();
        for located in feeds {
            let feed = &located.value;
            let url = feed.url.as_str();
            if !seen.insert(url.to_string()) {
                self.report(located.at("url"), format!("feed {url} is listed twice"));
            }
            if feed.interval.is_some() && feed.schedule.is_some() {
                self.report(
                    located.at("schedule"),
                    format!("feed {url}: set either interval or schedule, not both"),
                );
            }
            if feed.interval.is_some_and(|i| i.0.as_secs() < 1) {
                self.report(
                    located.at("interval"),
                    format!("feed {url}: interval must be at least 1s"),
                );
            }
            if feed.max_items == Some(0) {
                self.report(
                    located.at("max_items"),
                    format!("feed {url}: max_items must be at least 1"),
                );
            }
            match feed.name.as_deref() {
                Some(name) if name.trim().is_empty() => {
                    self.report(located.at("name"), format!("feed {url}: name is empty"));
                }
                Some(name) if !names.insert(name) => {
                    self.report(
                        located.at("name"),
                        format!(
                            "feed {url}: another feed is already named {name:?}; \
                             names pick feeds for watch lists and sinks, so each must be unique"
                        ),
                    );
                }
                _ => {}
            }
            if feed.tags.iter().any(|t| t.trim().is_empty()) {
                self.report(located.at("tags"), format!("feed {url}: a tag is empty"));
            }
            self.in_range(located, &format!("feed {url}:"), ranges::feed(feed));
            self.feed_http(located, &format!("feed {url}:"));
        }
    }

    /// Every feed and tag a watch list or sink names exists: a misspelt
    /// one would silently match nothing.
    fn feed_filter<T>(
        &mut self,
        located: &Located<'_, T>,
        what: &str,
        filter: FeedFilter<'_>,
        known: &FeedNames,
    ) {
        let keys = [
            ("feeds", filter.feeds, &known.names, "feed"),
            ("tags", filter.tags, &known.tags, "tag"),
        ];
        for (key, named, known, noun) in keys {
            if named.is_some_and(<[String]>::is_empty) {
                self.report(
                    located.at(key),
                    format!("{what}: {key} is empty, so it would match nothing; remove it"),
                );
            }
            for name in named.unwrap_or_default() {
                if known.contains(name) {
                    continue;
                }
                let hint = match closest(name, known.iter().map(String::as_str)) {
                    Some(near) => format!("; did you mean {near:?}?"),
                    None if noun == "feed" => {
                        " (a feed is named by its name = \"...\" or its url)".to_string()
                    }
                    None => " (no [[feed]] has that tag)".to_string(),
                };
                self.report(
                    located.element(key, name),
                    format!("{what}: {key} names unknown {noun} {name:?}{hint}"),
                );
            }
        }
    }

    fn sinks(&mut self, sinks: &[Located<'_, SinkConfig>], lists: &HashSet<String>) {
        let mut names: HashMap<String, ()> = HashMap::new();
        for located in sinks {
            let sink = &located.value;
            let name = sink.name();
            if names.insert(name.to_string(), ()).is_some() {
                let at = located.at(if sink.name.is_some() { "name" } else { "type" });
                self.report(
                    at,
                    format!("two sinks are named {name:?}; give each sink its own name = \"...\""),
                );
            }
            for list in sink.lists().unwrap_or_default() {
                if !lists.contains(list) {
                    self.report(
                        located.element("lists", list),
                        format!("sink {name:?}: lists names unknown watch list {list:?}"),
                    );
                }
            }
            if let Err((field, message)) = sink.validate() {
                self.report(located.at(field), format!("sink {name:?}: {message}"));
            }
            self.in_range(located, &format!("sink {name:?}:"), ranges::sink(sink));
        }
    }
}

/// Whether an instance name can be shown in `newswatch fleet`, logs and
/// metrics as it is: 1 to 64 letters, digits, `.`, `_` or `-`.
fn instance_name(name: &str) -> Result<(), &'static str> {
    let fits = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if fits {
        Ok(())
    } else {
        Err(
            "must be 1 to 64 letters, digits, '.', '_' or '-' (it names this daemon in `newswatch fleet`)",
        )
    }
}
