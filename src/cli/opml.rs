//! `newswatch import-opml FILE [--write]`: every feed reader exports its
//! subscriptions as OPML; this turns them into `[[feed]]` entries, skipping
//! feeds the config already has, and with `--write` appends them to the
//! config after checking the result is still a valid config.

use std::path::Path;

use quick_xml::events::Event;

use super::{Failure, output};
use crate::config::{Config, parse_http_url};
use crate::parse::to_utf8;

/// One subscription found in the OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The outline's title (or text).
    pub name: Option<String>,
    /// The feed's URL (`xmlUrl`).
    pub url: String,
}

/// Runs the command.
pub fn run(config: &Config, file: &Path, write: bool) -> Result<(), Failure> {
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let found = subscriptions(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut fresh = Vec::new();
    for sub in found {
        match parse_http_url(&sub.url) {
            Err(problem) => eprintln!("skipped: {problem}"),
            Ok(url) if config.feeds.iter().any(|f| f.url.0 == url) => {
                eprintln!("skipped: {url} is already in {}", config.path.display());
            }
            Ok(url) if fresh.iter().any(|s: &Subscription| s.url == url.as_str()) => {}
            Ok(url) => fresh.push(Subscription {
                name: sub.name,
                url: url.to_string(),
            }),
        }
    }
    let text = toml_entries(&fresh, file);
    if !write {
        for line in text.lines() {
            output::line(line)?;
        }
        return Ok(());
    }
    append_to_config(config, &text)?;
    eprintln!("added {} feeds to {}", fresh.len(), config.path.display());
    Ok(())
}

/// Every `<outline xmlUrl=...>` in an OPML document, in order.
pub fn subscriptions(bytes: &[u8]) -> Result<Vec<Subscription>, String> {
    let text = to_utf8(bytes, None).text;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut found = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            let (line, column) =
                crate::config::line_column(&text, reader.error_position() as usize);
            format!("{line}:{column}: not valid OPML: {e}")
        })?;
        match event {
            Event::Start(tag) | Event::Empty(tag)
                if tag.name().as_ref().eq_ignore_ascii_case("outline") =>
            {
                let mut url = None;
                let mut title = None;
                let mut label = None;
                for attribute in tag.attributes().flatten() {
                    let value = html_escape::decode_html_entities(&attribute.value)
                        .trim()
                        .to_string();
                    match attribute.key.as_ref() {
                        "xmlUrl" | "xmlurl" | "url" => url = Some(value),
                        "title" => title = Some(value),
                        "text" => label = Some(value),
                        _ => {}
                    }
                }
                if let Some(url) = url.filter(|u| !u.is_empty()) {
                    let name = title.or(label).filter(|n| !n.is_empty());
                    found.push(Subscription { name, url });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(found)
}

/// The `[[feed]]` tables for the subscriptions, as TOML text.
fn toml_entries(subscriptions: &[Subscription], file: &Path) -> String {
    let mut text = format!("\n# Imported from {}\n", file.display());
    for sub in subscriptions {
        text.push_str("\n[[feed]]\n");
        if let Some(name) = &sub.name {
            text.push_str(&format!("name = {}\n", toml::Value::String(name.clone())));
        }
        text.push_str(&format!("url = {}\n", toml::Value::String(sub.url.clone())));
    }
    text
}

/// Appends `entries` to the config file, but only if the result is valid;
/// written to a temporary file and renamed, so the config is never half
/// written.
fn append_to_config(config: &Config, entries: &str) -> Result<(), Failure> {
    let path = &config.path;
    let current =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut updated = current;
    if !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push_str(entries);
    Config::parse(&updated, path)?;
    let temporary = path.with_extension("toml.new");
    std::fs::write(&temporary, &updated)
        .map_err(|e| anyhow::anyhow!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlines_with_feed_urls_are_found_at_any_depth() {
        let opml = r#"<?xml version="1.0"?><opml version="2.0"><head><title>Subs</title></head><body>
            <outline text="Balkans"><outline type="rss" text="BIRN" title="Balkan Insight &amp; more" xmlUrl="https://balkaninsight.com/feed/"/>
            <outline text="N1" xmlUrl="https://n1info.rs/feed/"/></outline>
            <outline text="A folder without a feed"/></body></opml>"#;
        let found = subscriptions(opml.as_bytes()).expect("valid OPML");
        assert_eq!(
            found,
            vec![
                Subscription {
                    name: Some("Balkan Insight & more".into()),
                    url: "https://balkaninsight.com/feed/".into()
                },
                Subscription {
                    name: Some("N1".into()),
                    url: "https://n1info.rs/feed/".into()
                },
            ]
        );
    }

    #[test]
    fn broken_opml_says_where() {
        let error = subscriptions(b"<opml><body>\n<outline xmlUrl=\"x\"></body></opml>")
            .expect_err("broken");
        assert!(error.starts_with("2:"), "{error}");
    }
}
