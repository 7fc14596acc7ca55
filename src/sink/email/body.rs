//! The body of an email: the same content as plain text and as HTML (the
//! `multipart/alternative` pair). A message is first laid out as a
//! [`Document`] (a heading, one section per alert, detail lines), then
//! written both ways, so the two parts never say different things. Feed
//! text is cut to a cap and, in HTML, escaped; links are http(s) only.

use crate::matcher::marked_parts;
use crate::model::{Alert, Message};
use crate::sink::text::{
    digest_heading, event_details, event_line, plain_snippet, summary, update_line, web_link,
};
use crate::text::clip::clip;

/// Most alerts a digest email lists; the rest are counted.
const DIGEST_ITEMS: usize = 100;
/// Characters of a headline.
const TITLE_CHARS: usize = 500;
/// Characters of a snippet.
const SNIPPET_CHARS: usize = 2_000;
/// Characters of any other value (lists, terms, sources, a heading).
const VALUE_CHARS: usize = 1_000;

/// A message's two renderings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bodies {
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
}

/// Lays the message out and writes it as text and as HTML; `sink` is
/// named in the footer.
pub fn render(message: &Message, sink: &str) -> Bodies {
    let document = Document::of(message);
    Bodies {
        text: document.text(sink),
        html: document.html(sink),
    }
}

/// What a message says, before it is written either way. Values are
/// plain text, already cut to their caps.
#[derive(Debug, Default)]
struct Document {
    /// A line above everything (a digest's or an event's summary).
    heading: Option<String>,
    /// One per story.
    sections: Vec<Section>,
    /// An event's details, one a line.
    lines: Vec<String>,
    /// "…and N more" under a long digest.
    note: Option<String>,
}

/// One story: its headline, link, snippet and labelled facts.
#[derive(Debug, Default)]
struct Section {
    title: String,
    link: Option<String>,
    /// With the hits marked `**like this**`.
    snippet: Option<String>,
    fields: Vec<(&'static str, String)>,
}

impl Document {
    fn of(message: &Message) -> Document {
        match message {
            Message::Alert(alert) => Document {
                sections: vec![Section::of(alert)],
                ..Document::default()
            },
            Message::Digest(digest) => {
                let shown = digest.alerts.len().min(DIGEST_ITEMS);
                let total = digest.count.max(digest.alerts.len());
                Document {
                    heading: Some(digest_heading(digest)),
                    sections: digest.alerts[..shown].iter().map(Section::of).collect(),
                    lines: Vec::new(),
                    note: (total > shown).then(|| format!("…and {} more", total - shown)),
                }
            }
            Message::StoryUpdate(update) => {
                let mut fields = vec![
                    ("Latest", value(&update.new_source)),
                    ("Sources", value(&update.sources.join(", "))),
                    ("Lists", value(&update.lists.join(", "))),
                ];
                if !update.added_lists.is_empty() {
                    fields.push(("Now also in", value(&update.added_lists.join(", "))));
                }
                fields.push(("Detected", value(&update.detected_at)));
                Document {
                    heading: Some(value(&update_line(update))),
                    sections: vec![Section {
                        title: clip(&update.title, TITLE_CHARS),
                        link: web_link(update.link.as_ref()).map(str::to_string),
                        snippet: None,
                        fields,
                    }],
                    ..Document::default()
                }
            }
            Message::FeedHealth(event) => Document {
                heading: Some(value(&event_line(event))),
                ..Document::default()
            },
            Message::StoryBreaking(_) | Message::ListSpike(_) => Document {
                heading: Some(value(&summary(message))),
                lines: event_details(message).iter().map(|l| value(l)).collect(),
                ..Document::default()
            },
        }
    }

    /// Blocks (the heading, each section, the details, the note, the
    /// signature) one blank line apart.
    fn text(&self, sink: &str) -> String {
        let mut blocks: Vec<String> = self.heading.iter().cloned().collect();
        for section in &self.sections {
            let mut block = section.title.clone();
            if let Some(link) = &section.link {
                block.push('\n');
                block.push_str(link);
            }
            if let Some(snippet) = &section.snippet {
                block.push_str("\n\n");
                block.push_str(&snippet.replace("**", ""));
            }
            block.push('\n');
            for (label, value) in &section.fields {
                block.push_str(&format!("\n{:<10} {value}", format!("{label}:")));
            }
            blocks.push(block);
        }
        if !self.lines.is_empty() {
            let lines: Vec<String> = self.lines.iter().map(|l| format!("- {l}")).collect();
            blocks.push(lines.join("\n"));
        }
        blocks.extend(self.note.clone());
        blocks.push(format!("-- \n{}", footer(sink)));
        let mut text = blocks.join("\n\n");
        text.push('\n');
        text
    }

    fn html(&self, sink: &str) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n\
             <body style=\"font-family: sans-serif\">\n",
        );
        if let Some(heading) = &self.heading {
            out.push_str(&format!("<p><b>{}</b></p>\n", escape(heading)));
        }
        for section in &self.sections {
            let title = escape(&section.title);
            match &section.link {
                Some(link) => out.push_str(&format!(
                    "<h3><a href=\"{}\">{title}</a></h3>\n",
                    html_escape::encode_double_quoted_attribute(link)
                )),
                None => out.push_str(&format!("<h3>{title}</h3>\n")),
            }
            if let Some(snippet) = &section.snippet {
                out.push_str(&format!("<p>{}</p>\n", strong_hits(snippet)));
            }
            out.push_str("<table>\n");
            for (label, value) in &section.fields {
                out.push_str(&format!(
                    "<tr><th align=\"left\" valign=\"top\">{label}</th><td>{}</td></tr>\n",
                    escape(value)
                ));
            }
            out.push_str("</table>\n");
        }
        if !self.lines.is_empty() {
            out.push_str("<ul>\n");
            for line in &self.lines {
                out.push_str(&format!("<li>{}</li>\n", escape(line)));
            }
            out.push_str("</ul>\n");
        }
        if let Some(note) = &self.note {
            out.push_str(&format!("<p>{}</p>\n", escape(note)));
        }
        out.push_str(&format!(
            "<p style=\"color: #666; font-size: smaller\">{}</p>\n</body></html>\n",
            escape(&footer(sink))
        ));
        out
    }
}

impl Section {
    fn of(alert: &Alert) -> Section {
        let published = match (&alert.published, &alert.published_raw) {
            (Some(time), _) => time.clone(),
            (None, Some(raw)) => format!("{raw} (as the feed wrote it)"),
            (None, None) => "unknown".to_string(),
        };
        let mut fields = vec![
            ("Feed", value(&alert.feed)),
            ("Lists", value(&alert.lists.join(", "))),
            ("Matched", value(&alert.terms.join(", "))),
            ("Published", value(&published)),
            ("Detected", value(&alert.detected_at)),
        ];
        if alert.sources.len() > 1 {
            fields.push(("Sources", value(&alert.sources.join(", "))));
        }
        // A hit in the headline gives the headline as the snippet: said once.
        let plain = plain_snippet(alert);
        let told = plain.trim().is_empty() || plain.trim() == alert.title.trim();
        Section {
            title: clip(&alert.title, TITLE_CHARS),
            link: web_link(alert.link.as_ref()).map(str::to_string),
            snippet: (!told).then(|| clip(&alert.snippet, SNIPPET_CHARS)),
            fields,
        }
    }
}

/// A value cut to its cap.
fn value(text: &str) -> String {
    clip(text, VALUE_CHARS)
}

fn footer(sink: &str) -> String {
    format!("Sent by newswatch, sink \"{}\".", clip(sink, 100))
}

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// The snippet as HTML, each `**hit**` in bold (the parts the matcher
/// marked, escaped); with an odd number of markers (a snippet cut inside
/// a hit) none is bold.
fn strong_hits(snippet: &str) -> String {
    if !snippet.matches("**").count().is_multiple_of(2) {
        return escape(&snippet.replace("**", ""));
    }
    marked_parts(snippet)
        .map(|(part, hit)| match hit {
            true => format!("<strong>{}</strong>", escape(part)),
            false => escape(part),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Digest;

    fn alert(title: &str, link: Option<&str>) -> Alert {
        let mut alert = super::super::sample_alert(title, link);
        alert.feed = "Wire <b>".into();
        alert.snippet = "…troops of **KFOR** & <script>alert(1)</script>".into();
        alert
    }

    #[test]
    fn feed_text_is_escaped_in_html_and_plain_in_text() {
        let bodies = render(
            &Message::Alert(alert(
                "KFOR <img src=x onerror=alert(1)> patrols",
                Some("https://n.example/a?x=1&y=\"2\""),
            )),
            "desk",
        );
        assert!(!bodies.html.contains("<img"), "{}", bodies.html);
        assert!(!bodies.html.contains("<script>"), "{}", bodies.html);
        assert!(bodies.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(
            bodies
                .html
                .contains("<strong>KFOR</strong> &amp; &lt;script&gt;")
        );
        assert!(
            bodies
                .html
                .contains("href=\"https://n.example/a?x=1&amp;y=&quot;2&quot;\"")
        );
        assert!(
            bodies
                .text
                .contains("KFOR <img src=x onerror=alert(1)> patrols\n")
        );
        assert!(
            bodies.text.contains("troops of KFOR & <script>"),
            "{}",
            bodies.text
        );
        for body in [&bodies.text, &bodies.html] {
            assert!(
                body.contains("kfor, kosovo") && body.contains("unknown"),
                "{body}"
            );
            assert!(body.contains("sink \"desk\""), "{body}");
        }
    }

    #[test]
    fn only_web_links_are_linked() {
        let bodies = render(
            &Message::Alert(alert("KFOR", Some("javascript:alert(1)"))),
            "s",
        );
        assert!(!bodies.html.contains("javascript:"), "{}", bodies.html);
        assert!(!bodies.text.contains("javascript:"), "{}", bodies.text);
    }

    #[test]
    fn a_long_digest_lists_its_first_alerts_and_counts_the_rest() {
        let alerts: Vec<Alert> = (0..DIGEST_ITEMS + 5)
            .map(|n| alert(&format!("KFOR item {n}"), None))
            .collect();
        let digest = Message::Digest(Digest {
            kind: "digest".into(),
            id: "d".into(),
            period_start: "2026-01-01T00:00:00Z".into(),
            period_end: "2026-01-01T00:15:00Z".into(),
            count: alerts.len(),
            alerts,
        });
        let bodies = render(&digest, "s");
        assert!(bodies.text.starts_with("[digest] 105 alerts from"));
        assert!(
            bodies
                .text
                .ends_with("\n\n-- \nSent by newswatch, sink \"s\".\n")
        );
        assert!(bodies.text.contains("KFOR item 99\n"));
        assert!(!bodies.text.contains("KFOR item 100\n"));
        assert!(bodies.text.contains("…and 5 more"));
        assert_eq!(bodies.html.matches("<h3>").count(), DIGEST_ITEMS);
    }

    #[test]
    fn hit_markers_turn_bold_only_in_pairs() {
        assert_eq!(strong_hits("a **b** c"), "a <strong>b</strong> c");
        assert_eq!(strong_hits("a **b c"), "a b c");
        assert_eq!(strong_hits("<**x**>"), "&lt;<strong>x</strong>&gt;");
    }
}
