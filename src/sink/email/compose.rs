//! One email from one delivery: its subject (a minijinja template, cleaned
//! so feed text cannot add a header), its headers and its two bodies.
//!
//! Ids are made so a mail client can thread and de-duplicate them:
//! - an alert's `Message-ID` is derived from its story and the sink, so
//!   the later messages about the story can point at it;
//! - every other message's `Message-ID` is derived from the delivery id,
//!   which the outbox keeps across retries (a digest's from its period);
//! - a story update or breaking event has `In-Reply-To` and `References`
//!   set to its story's alert, and a subject starting "Re: ";
//! - `List-Id` names the sink (`<SINK.newswatch.DOMAIN>`), so a mailbox
//!   can file each sink's mail by one rule.
//!
//! Ids use the sender's domain, as mail programs expect.

use std::time::SystemTime;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::body;
use crate::model::{ItemKey, Message};
use crate::sink::Delivery;
use crate::sink::text::digest_heading;
use crate::text::clip::clip;
use crate::text::plain::collapse_whitespace;

use super::config::DEFAULT_SUBJECT;

/// Characters of a subject, at most.
const SUBJECT_CHARS: usize = 200;

/// The compiled subject template.
#[derive(Debug)]
pub struct SubjectTemplate {
    env: minijinja::Environment<'static>,
}

impl SubjectTemplate {
    /// Compiles `source` (default [`DEFAULT_SUBJECT`]); the error says
    /// what is wrong with it.
    pub fn new(source: Option<&str>) -> Result<SubjectTemplate, String> {
        let mut env = minijinja::Environment::new();
        env.add_template_owned("subject", source.unwrap_or(DEFAULT_SUBJECT).to_string())
            .map_err(|e| format!("subject: {e}"))?;
        Ok(SubjectTemplate { env })
    }

    /// The subject of `message` (its JSON as stored is `stored`): one line,
    /// control characters and line breaks gone, at most [`SUBJECT_CHARS`].
    fn render(&self, message: &Message, stored: &str) -> Result<String, String> {
        let topic = Topic::of(message);
        let json: serde_json::Value = serde_json::from_str(stored).map_err(|e| e.to_string())?;
        let context = minijinja::context! {
            title => topic.title,
            lists => topic.lists.join(", "),
            feed => topic.feed,
            count => topic.count,
            kind => message.kind(),
            message => minijinja::Value::from(minijinja::value::Serde(&json)),
        };
        let text = self
            .env
            .get_template("subject")
            .and_then(|t| t.render(context))
            .map_err(|e| format!("subject: {e}"))?;
        let line = collapse_whitespace(&text);
        Ok(if line.is_empty() {
            format!("[newswatch] {}", message.kind())
        } else {
            clip(&line, SUBJECT_CHARS)
        })
    }
}

/// What the subject template can say about a message.
struct Topic {
    title: String,
    lists: Vec<String>,
    feed: String,
    /// Alerts carried (a digest's count; 1 for an alert).
    count: usize,
}

impl Topic {
    fn of(message: &Message) -> Topic {
        let topic = |title: String, lists: &[String], feed: &str, count: usize| Topic {
            title,
            lists: lists.to_vec(),
            feed: feed.to_string(),
            count,
        };
        match message {
            Message::Alert(alert) => topic(alert.title.clone(), &alert.lists, &alert.feed, 1),
            Message::Digest(digest) => {
                let mut lists: Vec<String> =
                    digest.alerts.iter().flat_map(|a| a.lists.clone()).collect();
                lists.sort();
                lists.dedup();
                let heading = digest_heading(digest);
                let title = heading.trim_start_matches("[digest] ").to_string();
                topic(title, &lists, "", digest.count)
            }
            Message::StoryUpdate(update) => {
                topic(update.title.clone(), &update.lists, &update.new_source, 0)
            }
            Message::StoryBreaking(event) => {
                topic(format!("Breaking: {}", event.title), &event.lists, "", 0)
            }
            Message::ListSpike(event) => topic(
                format!("Spike: {} matches", event.count),
                std::slice::from_ref(&event.list),
                "",
                0,
            ),
            Message::FeedHealth(event) => {
                let what = event.kind.replace('_', " ");
                topic(format!("{what}: {}", event.feed), &[], &event.feed, 0)
            }
        }
    }
}

/// Builds the emails of one sink.
#[derive(Debug)]
pub struct Composer {
    sink: String,
    from: Mailbox,
    to: Vec<Mailbox>,
    /// The right-hand side of Message-IDs and the List-Id.
    domain: String,
    /// The sink's name as it can stand in an id.
    sink_tag: String,
    subject: SubjectTemplate,
}

impl Composer {
    /// A composer for the sink `sink`, sending as `from` to `to`.
    pub fn new(sink: &str, from: Mailbox, to: Vec<Mailbox>, subject: SubjectTemplate) -> Self {
        let domain = from.email.domain().to_ascii_lowercase();
        // An address literal ([192.0.2.1]) is no domain for a List-Id.
        let domain = if domain.starts_with('[') {
            "localhost".to_string()
        } else {
            domain
        };
        Composer {
            sink: sink.to_string(),
            from,
            to,
            domain,
            sink_tag: id_token(sink, "sink"),
            subject,
        }
    }

    /// The email for `delivery`. An error (a subject template that fails on
    /// this message) will fail the same way on every retry.
    pub fn compose(&self, delivery: &Delivery) -> Result<lettre::Message, String> {
        let message = &delivery.message;
        let mut subject = self.subject.render(message, &delivery.body)?;
        let story = thread_of(message);
        if story.is_some() {
            subject = format!("Re: {subject}");
        }
        let bodies = body::render(message, &self.sink);
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(self.message_id(delivery)))
            .date(SystemTime::now())
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Id"),
                self.list_id(),
            ))
            // RFC 3834: no vacation replies to a machine.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_string(),
            ));
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        if let Some(story) = story {
            let root = self.story_message_id(story);
            builder = builder.in_reply_to(root.clone()).references(root);
        }
        builder
            .multipart(MultiPart::alternative_plain_html(bodies.text, bodies.html))
            .map_err(|e| format!("cannot build the email: {e}"))
    }

    /// The `Message-ID`: the story's for an alert, else the delivery's.
    pub fn message_id(&self, delivery: &Delivery) -> String {
        match &delivery.message {
            Message::Alert(alert) if !alert.story.is_empty() => self.story_message_id(&alert.story),
            message => format!(
                "<{}.{}.{}@{}>",
                message.kind(),
                id_token(&delivery.id, "delivery"),
                self.sink_tag,
                self.domain
            ),
        }
    }

    /// The `Message-ID` of the alert that opened `story`'s thread.
    pub fn story_message_id(&self, story: &str) -> String {
        format!(
            "<story.{}.{}@{}>",
            id_token(story, "story"),
            self.sink_tag,
            self.domain
        )
    }

    /// `newswatch SINK <SINK.newswatch.DOMAIN>`.
    fn list_id(&self) -> String {
        format!(
            "newswatch {tag} <{tag}.newswatch.{}>",
            self.domain,
            tag = self.sink_tag
        )
    }
}

/// The story a message follows up, if it is about one alerted before.
fn thread_of(message: &Message) -> Option<&str> {
    let story = match message {
        Message::StoryUpdate(update) => &update.story,
        Message::StoryBreaking(event) => &event.story,
        _ => return None,
    };
    (!story.is_empty()).then_some(story.as_str())
}

/// `text` as it can stand in a Message-ID or List-Id: itself when made of
/// letters, digits and `-` (ids, most sink names), else a hash of it.
fn id_token(text: &str, kind: &str) -> String {
    let plain = !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if plain {
        text.to_string()
    } else {
        format!("h{}", ItemKey::from_parts(kind, &[text]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StoryUpdate;

    fn composer(sink: &str, subject: Option<&str>) -> Composer {
        Composer::new(
            sink,
            "Newswatch <alerts@Example.org>".parse().expect("from"),
            vec!["desk@example.org".parse().expect("to")],
            SubjectTemplate::new(subject).expect("template"),
        )
    }

    fn alert_delivery(title: &str) -> Delivery {
        let message = Message::Alert(super::super::sample_alert(title, None));
        Delivery {
            id: "0190a0b0-0000-7000-8000-0000000000d1".into(),
            attempt: 1,
            body: message.to_json().expect("json"),
            message,
        }
    }

    fn formatted(composer: &Composer, delivery: &Delivery) -> String {
        String::from_utf8(composer.compose(delivery).expect("compose").formatted()).expect("utf-8")
    }

    #[test]
    fn the_default_subject_names_the_lists_and_the_headline() {
        let email = formatted(&composer("desk", None), &alert_delivery("KFOR patrols"));
        assert!(
            email.contains("Subject: [newswatch] kfor, kosovo: KFOR patrols\r\n"),
            "{email}"
        );
    }

    #[test]
    fn feed_text_cannot_add_a_header() {
        let delivery = alert_delivery("KFOR\r\nBcc: victim@example.org\nX-Evil: 1");
        let email = formatted(&composer("desk", None), &delivery);
        let headers = email.split("\r\n\r\n").next().unwrap_or_default();
        assert!(
            !headers
                .lines()
                .any(|l| l.starts_with("Bcc:") || l.starts_with("X-Evil:")),
            "{headers}"
        );
        let long = alert_delivery(&"Kosovo ".repeat(100));
        let subject = composer("desk", None)
            .subject
            .render(&long.message, &long.body)
            .expect("subject");
        assert_eq!(subject.chars().count(), SUBJECT_CHARS);
    }

    #[test]
    fn a_subject_template_can_use_the_message() {
        let composer = composer(
            "desk",
            Some("{{ kind }} from {{ feed }}: {{ message.title }}"),
        );
        let delivery = alert_delivery("KFOR patrols");
        let subject = composer
            .subject
            .render(&delivery.message, &delivery.body)
            .expect("subject");
        assert_eq!(subject, "alert from Wire: KFOR patrols");
    }

    #[test]
    fn ids_are_stable_per_story_and_sink_and_updates_thread_under_the_alert() {
        let desk = composer("desk", None);
        let delivery = alert_delivery("KFOR patrols");
        let id = desk.message_id(&delivery);
        assert_eq!(id, desk.message_id(&delivery), "the same on a retry");
        assert_eq!(
            id,
            "<story.0190a0b0-0000-7000-8000-000000000001.desk@example.org>"
        );
        assert_ne!(id, composer("ops desk", None).message_id(&delivery));
        let update = Message::StoryUpdate(StoryUpdate {
            kind: "story_update".into(),
            id: "u1".into(),
            story: "0190a0b0-0000-7000-8000-000000000001".into(),
            title: "KFOR patrols".into(),
            link: None,
            lists: vec!["kfor".into(), "kosovo".into()],
            sources: vec!["Wire".into(), "Other".into()],
            new_source: "Other".into(),
            added_lists: Vec::new(),
            detected_at: "2026-01-01T00:00:00Z".into(),
        });
        let update = Delivery {
            id: "0190a0b0-0000-7000-8000-0000000000d2".into(),
            attempt: 1,
            body: update.to_json().expect("json"),
            message: update,
        };
        let email = formatted(&desk, &update);
        assert!(email.contains(&format!("In-Reply-To: {id}\r\n")), "{email}");
        assert!(email.contains(&format!("References: {id}\r\n")), "{email}");
        assert!(email.contains("Subject: Re: [newswatch] kfor, kosovo: KFOR patrols"));
        assert!(email.contains(
            "Message-ID: <story_update.0190a0b0-0000-7000-8000-0000000000d2.desk@example.org>"
        ));
        assert!(email.contains("List-Id: newswatch desk <desk.newswatch.example.org>"));
    }
}
