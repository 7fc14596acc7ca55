//! `newswatch import-opml FILE [--write]`: every feed reader exports its
//! subscriptions as OPML; this turns them into `[[feed]]` entries, skipping
//! feeds the config already has, and with `--write` appends them to the
//! config after checking the result is still a valid config.

use std::path::Path;

use quick_xml::events::Event;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

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
    if !write {
        for line in toml_entries(&fresh, file)?.lines() {
            output::line(line)?;
        }
        return Ok(());
    }
    append_to_config(config, &fresh, file)?;
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
                    // A title is one line of text, whatever the file says.
                    let name = title
                        .or(label)
                        .map(|n| crate::text::plain::collapse_whitespace(&n))
                        .filter(|n| !n.is_empty());
                    found.push(Subscription { name, url });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(found)
}

/// The `[[feed]]` tables for the subscriptions, added to `document`
/// through a TOML writer: an outline's title can hold any character and
/// stays one string value.
fn add_feeds(
    document: &mut DocumentMut,
    subscriptions: &[Subscription],
    file: &Path,
) -> Result<(), Failure> {
    let feeds = document
        .entry("feed")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| anyhow::anyhow!("`feed` in the config is not a list of [[feed]] tables"))?;
    for (index, sub) in subscriptions.iter().enumerate() {
        let mut table = Table::new();
        if let Some(name) = &sub.name {
            table.insert("name", value(name.as_str()));
        }
        table.insert("url", value(sub.url.as_str()));
        if index == 0 {
            // The file's name, made one line whatever it holds.
            let from = crate::text::plain::collapse_whitespace(&file.display().to_string());
            table
                .decor_mut()
                .set_prefix(format!("\n# Imported from {from}\n"));
        }
        feeds.push(table);
    }
    Ok(())
}

/// The new feeds as a TOML text of their own.
fn toml_entries(subscriptions: &[Subscription], file: &Path) -> Result<String, Failure> {
    let mut document = DocumentMut::new();
    add_feeds(&mut document, subscriptions, file)?;
    Ok(document.to_string())
}

/// Adds the feeds to the config file, but only if the result is a valid
/// config. The file is rewritten through a temporary file in the same
/// directory, with the same mode and owner, synced, then renamed over it:
/// never half written, never more readable than it was.
fn append_to_config(
    config: &Config,
    subscriptions: &[Subscription],
    file: &Path,
) -> Result<(), Failure> {
    let path = &config.path;
    let at = |e: &dyn std::fmt::Display| anyhow::anyhow!("{}: {e}", path.display());
    let current = std::fs::read_to_string(path).map_err(|e| at(&e))?;
    let mut document: DocumentMut = current.parse().map_err(|e| at(&e))?;
    add_feeds(&mut document, subscriptions, file)?;
    let updated = document.to_string();
    Config::parse(&updated, path)?;
    replace_file(path, updated.as_bytes()).map_err(|e| at(&e))?;
    Ok(())
}

/// Writes `bytes` over `path` atomically, keeping its mode and owner.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let metadata = std::fs::metadata(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.new", std::process::id()));
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(metadata.permissions().mode() & 0o7777)
        .open(&temporary)?;
    let written = (|| {
        // A file created under a umask may have fewer bits than asked.
        out.set_permissions(metadata.permissions())?;
        if let Err(error) =
            std::os::unix::fs::fchown(&out, Some(metadata.uid()), Some(metadata.gid()))
        {
            // Only root may give a file away; anyone may keep their own.
            if metadata.uid() != effective_uid() {
                return Err(error);
            }
        }
        out.write_all(bytes)?;
        out.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// This process's effective user id.
fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
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
