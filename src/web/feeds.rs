//! A watch list's alerts as a feed any reader (and newswatch itself) can
//! subscribe to: `/watch/{list}.atom` (Atom 1.0) and `/watch/{list}.json`
//! (JSON Feed 1.1). Each entry is an alert: its title, link, published
//! and detected times, the matched terms and the snippet as an HTML
//! summary, the story id as the entry id (one entry per story).

use html_escape::encode_text as text;
use serde_json::json;

use crate::model::Alert;

/// Alerts a list's feed carries, newest first.
pub const ENTRIES: usize = 100;

/// The alerts of one list, newest first, one per story (the newest).
pub fn one_per_story(alerts: Vec<Alert>) -> Vec<Alert> {
    let mut seen = std::collections::HashSet::new();
    alerts
        .into_iter()
        .filter(|alert| seen.insert(alert.story.clone()))
        .collect()
}

/// The entry id of an alert: its story, as a URN.
fn entry_id(alert: &Alert) -> String {
    let story = if alert.story.is_empty() {
        &alert.id
    } else {
        &alert.story
    };
    format!("urn:newswatch:story:{story}")
}

/// The alert as HTML: its lists and terms, the snippet with the hit in
/// bold, and its feed. Every text from outside is escaped.
pub fn summary_html(alert: &Alert) -> String {
    format!(
        "<p>{}</p><p>Lists: {} · Terms: {} · {}</p>",
        snippet_html(&alert.snippet),
        text(&alert.lists.join(", ")),
        text(&alert.terms.join(", ")),
        text(&alert.feed)
    )
}

/// A snippet as HTML: escaped, its `**hit**` in bold.
pub fn snippet_html(snippet: &str) -> String {
    let mut html = String::with_capacity(snippet.len() + 16);
    for (part, hit) in crate::matcher::marked_parts(snippet) {
        if hit {
            html.push_str("<b>");
            html.push_str(&text(part));
            html.push_str("</b>");
        } else {
            html.push_str(&text(part));
        }
    }
    html
}

/// The XML escape of `value` for element text and attributes.
fn xml(value: &str) -> String {
    // XML 1.0 forbids most control characters even escaped.
    let clean: String = value
        .chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    html_escape::encode_quoted_attribute(&clean).into_owned()
}

/// The list's alerts (newest first) as an Atom 1.0 document; `now` is
/// the feed's `updated` when it has no entry.
pub fn atom(list: &str, alerts: &[Alert], now: &str) -> String {
    let updated = alerts.first().map_or(now, |a| a.detected_at.as_str());
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>newswatch: {}</title>\n\
         <id>urn:newswatch:watch:{}</id>\n\
         <updated>{}</updated>\n\
         <author><name>newswatch</name></author>\n\
         <generator>newswatch</generator>\n",
        xml(list),
        xml(list),
        xml(updated)
    );
    for alert in alerts {
        out.push_str("<entry>\n");
        out.push_str(&format!("<title>{}</title>\n", xml(&alert.title)));
        out.push_str(&format!("<id>{}</id>\n", xml(&entry_id(alert))));
        if let Some(link) = &alert.link {
            out.push_str(&format!(
                "<link rel=\"alternate\" href=\"{}\"/>\n",
                xml(link)
            ));
        }
        let published = alert.published.as_deref().unwrap_or(&alert.detected_at);
        out.push_str(&format!("<published>{}</published>\n", xml(published)));
        out.push_str(&format!("<updated>{}</updated>\n", xml(&alert.detected_at)));
        for term in alert.lists.iter() {
            out.push_str(&format!("<category term=\"{}\"/>\n", xml(term)));
        }
        out.push_str(&format!(
            "<summary type=\"html\">{}</summary>\n",
            xml(&summary_html(alert))
        ));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// The list's alerts (newest first) as a JSON Feed 1.1 document.
pub fn json_feed(list: &str, alerts: &[Alert]) -> String {
    let items: Vec<serde_json::Value> = alerts
        .iter()
        .map(|alert| {
            let mut item = json!({
                "id": entry_id(alert),
                "title": alert.title,
                "content_html": summary_html(alert),
                "summary": alert.snippet.replace("**", ""),
                "date_published": alert.published.as_deref().unwrap_or(&alert.detected_at),
                "date_modified": alert.detected_at,
                "tags": alert.lists,
                "_newswatch": {
                    "alert": alert.id,
                    "feed": alert.feed,
                    "terms": alert.terms,
                },
            });
            if let Some(link) = &alert.link {
                item["url"] = json!(link);
            }
            item
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": format!("newswatch: {list}"),
        "description": format!("Alerts of the watch list {list}, newest first."),
        "authors": [{ "name": "newswatch" }],
        "items": items,
    })
    .to_string()
}

/// A weak validator for a body: its hash.
pub fn etag(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` header value names `etag` (or is `*`).
pub fn not_modified(if_none_match: Option<&str>, etag: &str) -> bool {
    if_none_match.is_some_and(|header| {
        header
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == etag || tag == "*")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(title: &str, snippet: &str) -> Alert {
        let item = crate::model::Item {
            key: crate::model::ItemKey::from_stored("k".into()),
            source_id: None,
            title: title.into(),
            link: Some("https://n.example/a?x=1&y=2".into()),
            summary: String::new(),
            content: String::new(),
            article: String::new(),
            published: None,
            published_raw: None,
        };
        let mut alert = Alert::new(
            "a1".into(),
            "Feed <1>",
            "https://f.example",
            &item,
            &[],
            chrono::Utc::now(),
        );
        alert.snippet = snippet.into();
        alert.lists = vec!["kfor".into()];
        alert.terms = vec!["KFOR".into()];
        alert.story = "s1".into();
        alert
    }

    #[test]
    fn hostile_text_is_escaped_in_both_formats() {
        let a = alert(
            "<script>alert(1)</script> & \u{1}KFOR",
            "…the **<b>KFOR</b>** troops",
        );
        let atom = atom("kfor", std::slice::from_ref(&a), "2026-01-01T00:00:00Z");
        assert!(!atom.contains("<script>"), "{atom}");
        assert!(!atom.contains('\u{1}'), "{atom}");
        assert!(
            atom.contains("&amp;lt;b&amp;gt;KFOR"),
            "double escaped inside the HTML summary: {atom}"
        );
        assert!(
            atom.contains("href=\"https://n.example/a?x=1&amp;y=2\""),
            "{atom}"
        );
        let json: serde_json::Value = serde_json::from_str(&json_feed("kfor", &[a])).expect("JSON");
        let html = json["items"][0]["content_html"]
            .as_str()
            .unwrap_or_default();
        assert!(html.contains("<b>&lt;b&gt;KFOR&lt;/b&gt;</b>"), "{html}");
        assert!(html.contains("Feed &lt;1&gt;"), "{html}");
    }

    #[test]
    fn etags_match_only_their_body() {
        let tag = etag(b"one");
        assert!(not_modified(Some(&tag), &tag));
        assert!(not_modified(Some(&format!("\"x\", W/{tag}")), &tag));
        assert!(!not_modified(Some(&etag(b"two")), &tag));
        assert!(!not_modified(None, &tag));
    }
}
