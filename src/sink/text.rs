//! Plain-text forms of alerts, events and digests, shared by the stdout
//! sink and the chat presets.

use crate::http::is_web_url;
use crate::model::{
    Alert, Digest, FeedHealthEvent, ListSpike, Message, StoryBreaking, StoryUpdate,
};
use crate::text::clip::clip;
use crate::units::human_seconds;

/// Most sources or stories an event's one line names.
const NAMED_IN_LINE: usize = 5;
/// Characters of a headline inside an event's line.
const TITLE_IN_LINE: usize = 120;

/// One line for any message.
pub fn summary(message: &Message) -> String {
    let line = match message {
        Message::Alert(alert) => alert_line(alert),
        Message::FeedHealth(event) => event_line(event),
        Message::Digest(digest) => digest_heading(digest),
        Message::StoryUpdate(update) => update_line(update),
        Message::StoryBreaking(event) => breaking_line(event),
        Message::ListSpike(event) => spike_line(event),
    };
    // A title never contains a newline after cleanup, but be sure.
    line.replace(['\n', '\r'], " ")
}

/// `[lists] title — feed — link`.
pub fn alert_line(alert: &Alert) -> String {
    let mut line = format!(
        "[{}] {} — {}",
        alert.lists.join(","),
        alert.title,
        alert.feed
    );
    if let Some(link) = web_link(alert.link.as_ref()) {
        line.push_str(" — ");
        line.push_str(link);
    }
    line
}

/// What happened to the feed, in one line.
pub fn event_line(event: &FeedHealthEvent) -> String {
    if event.kind == FeedHealthEvent::RECOVERED {
        format!(
            "[feed recovered] {} ({}) works again after {} failures since {}",
            event.feed, event.feed_url, event.failures, event.failing_since
        )
    } else {
        format!(
            "[feed unhealthy] {} ({}) has failed {} times since {}: {}",
            event.feed,
            event.feed_url,
            event.failures,
            event.failing_since,
            event.last_error.as_deref().unwrap_or("unknown error")
        )
    }
}

/// A story seen again: how many sources now, and any lists it gained.
pub fn update_line(update: &StoryUpdate) -> String {
    let mut line = format!(
        "[also reported] {} — now from {} sources, latest {}",
        update.title,
        update.sources.len(),
        update.new_source
    );
    if !update.added_lists.is_empty() {
        line.push_str(&format!(" — now also in {}", update.added_lists.join(", ")));
    }
    line
}

/// A breaking story: its headline, its lists, how many sources and how
/// fast, and the first few of them.
pub fn breaking_line(event: &StoryBreaking) -> String {
    let names: Vec<&str> = event.sources.iter().map(|s| s.feed.as_str()).collect();
    format!(
        "[breaking: {}] {} — {} sources within {}: {}",
        event.lists.join(","),
        clip(&event.title, TITLE_IN_LINE),
        event.sources.len(),
        human_seconds(event.window_seconds),
        named(&names)
    )
}

/// A list spike: the list, the count against the usual, the top stories.
pub fn spike_line(event: &ListSpike) -> String {
    let top: Vec<String> = event
        .top_stories
        .iter()
        .map(|s| format!("\"{}\" ({})", clip(&s.title, TITLE_IN_LINE), s.items))
        .collect();
    let top: Vec<&str> = top.iter().map(String::as_str).collect();
    format!(
        "[spike: {}] {} matches in the last {}, usually {:.1} an hour — top: {}",
        event.list,
        event.count,
        human_seconds(event.window_seconds),
        event.baseline_per_hour,
        named(&top)
    )
}

/// The detail lines of an event, for services that show more than one
/// line: a breaking story's sources with their times, a spike's stories.
pub fn event_details(message: &Message) -> Vec<String> {
    match message {
        Message::StoryBreaking(event) => event
            .sources
            .iter()
            .map(|s| format!("{} — first at {}", s.feed, s.first_seen_at))
            .chain(web_link(event.link.as_ref()).map(|link| format!("Latest copy: {link}")))
            .collect(),
        Message::ListSpike(event) => event
            .top_stories
            .iter()
            .map(|s| {
                format!(
                    "{} — {} items, {} sources",
                    clip(&s.title, TITLE_IN_LINE * 2),
                    s.items,
                    s.sources
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// "a, b, c and 4 more".
fn named(names: &[&str]) -> String {
    let mut text = names
        .iter()
        .take(NAMED_IN_LINE)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > NAMED_IN_LINE {
        text.push_str(&format!(" and {} more", names.len() - NAMED_IN_LINE));
    }
    text
}

/// "12 alerts from ... to ...".
pub fn digest_heading(digest: &Digest) -> String {
    let noun = if digest.count == 1 { "alert" } else { "alerts" };
    format!(
        "[digest] {} {noun} from {} to {}",
        digest.count, digest.period_start, digest.period_end
    )
}

/// A link a person may be shown as one to follow: http(s) only, never
/// `javascript:` or `data:` (alerts stored by older versions may carry one).
pub fn web_link(link: Option<&String>) -> Option<&str> {
    link.map(String::as_str).filter(|l| is_web_url(l))
}

/// When the story came out: "published 2026-11-28 09:15 UTC", or
/// "detected …" when the feed gave no date.
pub fn time_line(alert: &Alert) -> String {
    let (what, at) = match &alert.published {
        Some(published) => ("published", published),
        None => ("detected", &alert.detected_at),
    };
    let at = chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.clone(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        },
    );
    format!("{what} {at}")
}

/// The snippet without our `**` hit markers (for services that show
/// them literally).
pub fn plain_snippet(alert: &Alert) -> String {
    alert.snippet.replace("**", "")
}
