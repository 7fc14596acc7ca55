//! Plain-text forms of alerts, events and digests, shared by the stdout
//! sink and the chat presets.

use crate::http::is_web_url;
use crate::model::{Alert, Digest, FeedHealthEvent, Message};

/// One line for any message.
pub fn summary(message: &Message) -> String {
    let line = match message {
        Message::Alert(alert) => alert_line(alert),
        Message::FeedHealth(event) => event_line(event),
        Message::Digest(digest) => digest_heading(digest),
        Message::StoryUpdate(update) => format!(
            "[also reported] {} — now from {} sources, latest {}",
            update.title,
            update.sources.len(),
            update.new_source
        ),
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

/// The snippet without our `**` hit markers (for services that show
/// them literally).
pub fn plain_snippet(alert: &Alert) -> String {
    alert.snippet.replace("**", "")
}
