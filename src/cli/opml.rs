//! `newswatch import-opml FILE [--write]`: every feed reader exports its
//! subscriptions as OPML; this turns them into `[[feed]]` entries (the
//! folders a feed sits in become its `tags`), skipping feeds the config
//! already has and names already taken, and with `--write` appends them to
//! the config after checking the result is still a valid config.
//! `newswatch export-opml` writes the configured feeds back as OPML, tags
//! as folders.

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
    /// The folders it sits in, outermost first (its `tags`).
    pub tags: Vec<String>,
}

/// Runs the command.
pub fn run(config: &Config, file: &Path, write: bool) -> Result<(), Failure> {
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let found = subscriptions(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut fresh: Vec<Subscription> = Vec::new();
    for sub in found {
        let url = match parse_http_url(&sub.url) {
            Err(problem) => {
                eprintln!("skipped: {problem}");
                continue;
            }
            Ok(url) => url,
        };
        if config.feeds.iter().any(|f| f.url.0 == url) {
            eprintln!("skipped: {url} is already in {}", config.path.display());
            continue;
        }
        if fresh.iter().any(|s| s.url == url.as_str()) {
            continue;
        }
        // Names pick feeds for watch lists and sinks, so one name is one
        // feed: a second feed of the same name is left for the operator.
        let taken = sub.name.as_deref().and_then(|name| {
            let configured = config
                .feeds
                .iter()
                .find(|f| f.name.as_deref() == Some(name));
            let imported = fresh.iter().find(|s| s.name.as_deref() == Some(name));
            configured
                .map(|f| f.url.as_str().to_string())
                .or_else(|| imported.map(|s| s.url.clone()))
        });
        if let (Some(name), Some(owner)) = (&sub.name, taken) {
            eprintln!(
                "skipped: {url}: the name {name:?} is already used by {owner}; \
                 add it by hand with a name of its own"
            );
            continue;
        }
        fresh.push(Subscription {
            url: url.to_string(),
            ..sub
        });
    }
    if !write {
        for line in toml_entries(&fresh, imported_from(file))?.lines() {
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
    // The open `<outline>` elements: a folder's name, or `None` for one
    // that is a feed (or has no name).
    let mut open: Vec<Option<String>> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            let (line, column) =
                crate::config::line_column(&text, reader.error_position() as usize);
            format!("{line}:{column}: not valid OPML: {e}")
        })?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::End(tag) if tag.name().as_ref().eq_ignore_ascii_case("outline") => {
                open.pop();
            }
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
                // A title is one line of text, whatever the file says.
                let name = title
                    .or(label)
                    .map(|n| crate::text::plain::collapse_whitespace(&n))
                    .filter(|n| !n.is_empty());
                let url = url.filter(|u| !u.is_empty());
                if let Some(url) = &url {
                    let tags = open.iter().flatten().cloned().collect();
                    found.push(Subscription {
                        name: name.clone(),
                        url: url.clone(),
                        tags,
                    });
                }
                if opens {
                    open.push(if url.is_some() { None } else { name });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(found)
}

/// The comment above the first imported feed: the file's name, made one
/// line whatever it holds.
fn imported_from(file: &Path) -> impl Fn(usize) -> Option<String> {
    let from = crate::text::plain::collapse_whitespace(&file.display().to_string());
    move |index| (index == 0).then(|| format!("Imported from {from}"))
}

/// The `[[feed]]` tables for the subscriptions, added to `document`
/// through a TOML writer: a title from an OPML file or a web page can
/// hold any character and stays one string value. `comment` gives the
/// one-line comment above each entry (by index), if any.
fn add_feeds(
    document: &mut DocumentMut,
    subscriptions: &[Subscription],
    comment: impl Fn(usize) -> Option<String>,
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
        if !sub.tags.is_empty() {
            let tags: toml_edit::Array = sub.tags.iter().map(String::as_str).collect();
            table.insert("tags", value(tags));
        }
        if let Some(comment) = comment(index) {
            table.decor_mut().set_prefix(format!("\n# {comment}\n"));
        }
        feeds.push(table);
    }
    Ok(())
}

/// The feeds as a TOML text of their own.
pub(super) fn toml_entries(
    subscriptions: &[Subscription],
    comment: impl Fn(usize) -> Option<String>,
) -> Result<String, Failure> {
    let mut document = DocumentMut::new();
    add_feeds(&mut document, subscriptions, comment)?;
    Ok(document.to_string())
}

/// `newswatch export-opml`: the configured feeds as an OPML 2.0 document
/// on stdout, each feed inside the folders its tags name (nested in
/// order, as `import-opml` reads them back).
pub fn export(config: &Config) -> Result<(), Failure> {
    output::line(export_document(config).trim_end())
}

/// The OPML document of `config`'s feeds.
fn export_document(config: &Config) -> String {
    use std::fmt::Write;
    let attribute = |text: &str| {
        let line = crate::text::plain::collapse_whitespace(text);
        quick_xml::escape::escape(line.as_str()).into_owned()
    };
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    let _ = writeln!(
        out,
        "  <head><title>newswatch feeds ({})</title></head>\n  <body>",
        attribute(&config.path.display().to_string())
    );
    // Folders open now, outermost first.
    let mut open: Vec<&str> = Vec::new();
    let mut feeds: Vec<&crate::config::FeedConfig> = config.feeds.iter().collect();
    // Feeds of one folder together; within it, config order.
    feeds.sort_by(|a, b| a.tags.cmp(&b.tags));
    for feed in feeds {
        let shared = open
            .iter()
            .zip(&feed.tags)
            .take_while(|(open, tag)| **open == tag.as_str())
            .count();
        while open.len() > shared {
            open.pop();
            let _ = writeln!(out, "{}</outline>", "  ".repeat(open.len() + 2));
        }
        for tag in &feed.tags[shared..] {
            let shown = attribute(tag);
            let _ = writeln!(
                out,
                "{}<outline text=\"{shown}\" title=\"{shown}\">",
                "  ".repeat(open.len() + 2)
            );
            open.push(tag);
        }
        let name = attribute(&feed.display_name());
        let _ = writeln!(
            out,
            "{}<outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{}\"/>",
            "  ".repeat(open.len() + 2),
            attribute(feed.url.as_str())
        );
    }
    while !open.is_empty() {
        open.pop();
        let _ = writeln!(out, "{}</outline>", "  ".repeat(open.len() + 2));
    }
    out.push_str("  </body>\n</opml>\n");
    out
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
    add_feeds(&mut document, subscriptions, imported_from(file))?;
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
                    url: "https://balkaninsight.com/feed/".into(),
                    tags: vec!["Balkans".into()],
                },
                Subscription {
                    name: Some("N1".into()),
                    url: "https://n1info.rs/feed/".into(),
                    tags: vec!["Balkans".into()],
                },
            ]
        );
    }

    #[test]
    fn nested_folders_become_tags_outermost_first() {
        let opml = r#"<opml version="2.0"><body>
            <outline text="News"><outline title="Balkans">
              <outline text="RTS" xmlUrl="https://rts.example/rss"></outline>
              <outline text="N1" xmlUrl="https://n1.example/rss"/>
            </outline><outline text="Wire" xmlUrl="https://wire.example/rss"/></outline>
            <outline text="Loose" xmlUrl="https://loose.example/rss"/></body></opml>"#;
        let tags: Vec<(String, Vec<String>)> = subscriptions(opml.as_bytes())
            .expect("valid OPML")
            .into_iter()
            .map(|s| (s.url, s.tags))
            .collect();
        let expect = |url: &str, tags: &[&str]| {
            (
                url.to_string(),
                tags.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            tags,
            vec![
                expect("https://rts.example/rss", &["News", "Balkans"]),
                expect("https://n1.example/rss", &["News", "Balkans"]),
                expect("https://wire.example/rss", &["News"]),
                expect("https://loose.example/rss", &[]),
            ]
        );
    }

    #[test]
    fn export_nests_tags_as_folders_and_reads_back_the_same() {
        let config = Config::parse(
            r#"
[[feed]]
url = "https://loose.example/rss"

[[feed]]
url = "https://rts.example/rss?a=1&b=2"
name = 'RTS <"vesti"> & co'
tags = ["News", "Balkans"]

[[feed]]
url = "https://wire.example/rss"
name = "Wire"
tags = ["News"]

[[feed]]
url = "https://n1.example/rss"
name = "N1"
tags = ["News", "Balkans"]
"#,
            Path::new("feeds.toml"),
        )
        .expect("valid config");
        let document = export_document(&config);
        let mut back: Vec<(Option<String>, String, Vec<String>)> =
            subscriptions(document.as_bytes())
                .expect("our OPML reads back")
                .into_iter()
                .map(|s| (s.name, s.url, s.tags))
                .collect();
        back.sort();
        let mut configured: Vec<(Option<String>, String, Vec<String>)> = config
            .feeds
            .iter()
            .map(|f| {
                (
                    Some(f.display_name()),
                    f.url.as_str().to_string(),
                    f.tags.clone(),
                )
            })
            .collect();
        configured.sort();
        assert_eq!(back, configured, "{document}");
        // One Balkans folder, inside one News folder.
        assert_eq!(
            document.matches("text=\"Balkans\"").count(),
            1,
            "{document}"
        );
        assert_eq!(document.matches("text=\"News\"").count(), 1, "{document}");
    }

    #[test]
    fn broken_opml_says_where() {
        let error = subscriptions(b"<opml><body>\n<outline xmlUrl=\"x\"></body></opml>")
            .expect_err("broken");
        assert!(error.starts_with("2:"), "{error}");
    }
}
