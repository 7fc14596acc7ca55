//! The lenient reading of an XML feed: one pass of quick-xml that forgives
//! what feed-rs does not (unknown or default namespaces, Atom 0.3, RSS
//! 0.90 to 0.94, RDF variants, markup inside titles, empty elements,
//! items nested in items, unclosed tags) and finds every item by its
//! element's local name. It is also the census: how many items the
//! document holds, so a shortfall is never silent.

use chrono::{DateTime, Utc};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::dates::FoundDate;
use super::entry::Fields;
use super::link::reader_link_rank;

/// Namespaces whose `item`, `entry`, `title`, `link` ... are the feed's own.
const FEED_NAMESPACES: [&str; 8] = [
    "http://purl.org/rss/1.0/",
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss",
    "http://www.w3.org/2005/Atom",
    "http://purl.org/atom/ns#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
];
const DUBLIN_CORE: [&str; 2] = [
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/elements/1.0/",
];
const CONTENT_MODULE: &str = "http://purl.org/rss/1.0/modules/content/";
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";

/// What the lenient pass found.
#[derive(Debug, Default)]
pub struct Scan {
    /// The feed's title (HTML or text), if found.
    pub title: Option<String>,
    /// Every item, in document order.
    pub items: Vec<Fields>,
}

/// Reads every item of an XML feed, however broken; `feed_url` resolves
/// relative links and `now` judges dates.
pub fn scan(text: &str, feed_url: &str, now: DateTime<Utc>) -> Scan {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    config.check_comments = false;
    let mut walk = Walk {
        base: url::Url::parse(feed_url).ok(),
        now,
        ..Walk::default()
    };
    let mut stuck_at = None;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_resolved_event() {
            Ok((ns, event)) => (Family::of(&ns, &event), event),
            Err(_) => {
                // Skip what quick-xml cannot read; stop if it stays put.
                if stuck_at == Some(position) {
                    break;
                }
                stuck_at = Some(position);
                continue;
            }
        };
        match event {
            (_, Event::Eof) => break,
            (family, Event::Start(start)) => walk.start(family, &start, false),
            (family, Event::Empty(start)) => walk.start(family, &start, true),
            (_, Event::End(end)) => walk.end(end.local_name().as_ref()),
            (_, Event::Text(text)) => walk.text(&text.xml10_content()),
            (_, Event::CData(data)) => walk.text(&data.xml10_content()),
            (_, Event::GeneralRef(reference)) => {
                let name = reference.into_inner();
                walk.text(&resolve_reference(&name));
            }
            _ => {}
        }
    }
    walk.finish_item();
    Scan {
        title: walk.feed_title,
        items: walk.items,
    }
}

/// Whose vocabulary an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// The feed format's own (or no namespace, or an unknown default one).
    Feed,
    /// Dublin Core.
    DublinCore,
    /// The RSS content module (`content:encoded`).
    Content,
    /// Media RSS (`media:title`, a title of last resort).
    Media,
    /// Any other extension (media, itunes, ...).
    Other,
}

impl Family {
    fn of(ns: &ResolveResult<'_>, event: &Event<'_>) -> Family {
        let element = matches!(event, Event::Start(_) | Event::Empty(_));
        if !element {
            return Family::Other;
        }
        match ns {
            ResolveResult::Unbound => Family::Feed,
            ResolveResult::Bound(ns) => Family::of_uri(ns.0, event),
            // A prefix never declared: judge it by its usual name.
            ResolveResult::Unknown(prefix) => match prefix.as_str() {
                "atom" | "rss" | "rdf" => Family::Feed,
                "dc" => Family::DublinCore,
                "content" => Family::Content,
                "media" => Family::Media,
                _ => Family::Other,
            },
        }
    }

    fn of_uri(uri: &str, event: &Event<'_>) -> Family {
        if DUBLIN_CORE.contains(&uri) {
            return Family::DublinCore;
        }
        if uri == CONTENT_MODULE {
            return Family::Content;
        }
        if uri == MEDIA_RSS {
            return Family::Media;
        }
        if FEED_NAMESPACES.contains(&uri) {
            return Family::Feed;
        }
        // A default namespace nobody knows (`<rss xmlns="...">`) is the
        // feed's own; a prefixed unknown one is an extension.
        let prefixed = match event {
            Event::Start(start) | Event::Empty(start) => start.name().prefix().is_some(),
            _ => false,
        };
        if prefixed {
            Family::Other
        } else {
            Family::Feed
        }
    }
}

/// Which field a captured element fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Title,
    DcTitle,
    MediaTitle,
    Link,
    Id,
    PermalinkGuid,
    Summary,
    DcDescription,
    Content,
    Published,
    Updated,
    FeedTitle,
}

/// An element whose text is being collected.
#[derive(Debug)]
struct Capture {
    slot: Slot,
    depth: usize,
    text: String,
    /// Atom `type="xhtml"`: the content is markup, so its text is kept
    /// escaped (a "&lt;b&gt;" in it is text, not a tag).
    xhtml: bool,
}

/// An item being read.
#[derive(Debug, Default)]
struct Open {
    depth: usize,
    fields: Fields,
    dc_title: Option<String>,
    media_title: Option<String>,
    dc_description: Option<String>,
    permalink: Option<String>,
    about: Option<String>,
    base: Option<url::Url>,
    /// How fit the link kept so far is (see `reader_link_rank`).
    link_rank: Option<u8>,
}

impl Open {
    /// Keeps `href` as the item's link if it is fitter than the one kept.
    fn offer_link(&mut self, rel: Option<&str>, media_type: Option<&str>, href: &str) {
        let Some(rank) = reader_link_rank(rel, media_type, href) else {
            return;
        };
        if self.link_rank.is_none_or(|kept| rank > kept)
            && let Some(link) = resolve(self.base.as_ref(), href.trim())
        {
            self.fields.link = Some(link);
            self.link_rank = Some(rank);
        }
    }
}

#[derive(Debug, Default)]
struct Walk {
    base: Option<url::Url>,
    now: DateTime<Utc>,
    depth: usize,
    root_is_atom: bool,
    channel_depth: Option<usize>,
    item: Option<Open>,
    capture: Option<Capture>,
    feed_title: Option<String>,
    items: Vec<Fields>,
}

impl Walk {
    fn start(&mut self, family: Family, start: &BytesStart<'_>, empty: bool) {
        self.depth += 1;
        let depth = self.depth;
        let local = start.local_name();
        let name = local.as_ref();
        if depth == 1 {
            self.root_is_atom = name == "feed";
            if let Some(base) = xml_base(start, self.base.as_ref()) {
                self.base = Some(base);
            }
        }
        if family == Family::Feed && (name == "item" || name == "entry") && depth > 1 {
            self.finish_item();
            let base = xml_base(start, self.base.as_ref()).or_else(|| self.base.clone());
            self.item = Some(Open {
                depth,
                about: attribute(start, "about"),
                base,
                ..Open::default()
            });
        } else if self.capture.is_some() {
            // Markup inside a field (XHTML titles, stray tags) separates words.
            self.text(" ");
        } else if let Some(item) = &mut self.item {
            let slot = if depth == item.depth + 1 {
                item_slot(family, name, start)
            } else {
                // Media RSS titles sit in groups and contents too.
                (family == Family::Media && name == "title").then_some(Slot::MediaTitle)
            };
            self.capture = slot.and_then(|slot| open_capture(item, slot, start, depth, empty));
        } else if family == Family::Feed && name == "channel" {
            self.channel_depth.get_or_insert(depth);
        } else if family == Family::Feed
            && name == "title"
            && self.feed_title.is_none()
            && (self.channel_depth.is_some_and(|d| depth == d + 1)
                || (self.root_is_atom && depth == 2))
        {
            self.capture = Some(Capture {
                slot: Slot::FeedTitle,
                depth,
                text: String::new(),
                xhtml: is_xhtml(start),
            });
        }
        if empty {
            self.end(name);
        }
    }

    fn end(&mut self, name: &str) {
        let depth = self.depth;
        if let Some(capture) = self.capture.take_if(|c| c.depth == depth) {
            self.store(capture);
        } else if self.capture.is_some() {
            self.text(" ");
        }
        if self.item.as_ref().is_some_and(|i| i.depth == self.depth)
            || (self.item.is_some()
                && self.capture.is_none()
                && (name == "item" || name == "entry"))
        {
            self.finish_item();
        }
        if self.channel_depth == Some(self.depth) {
            self.channel_depth = None;
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn text(&mut self, text: &str) {
        if let Some(capture) = &mut self.capture {
            if capture.xhtml {
                capture.text.push_str(&html_escape::encode_text(text));
            } else {
                capture.text.push_str(text);
            }
        }
    }

    fn store(&mut self, capture: Capture) {
        let text = capture.text;
        if capture.slot == Slot::FeedTitle {
            self.feed_title = Some(text);
            return;
        }
        let Some(item) = &mut self.item else {
            return;
        };
        let now = self.now;
        let fields = &mut item.fields;
        let keep = |slot: &mut Option<String>, text: String| {
            if slot.is_none() && !text.trim().is_empty() {
                *slot = Some(text);
            }
        };
        match capture.slot {
            Slot::Title => keep(&mut fields.title, text),
            Slot::DcTitle => keep(&mut item.dc_title, text),
            Slot::MediaTitle => keep(&mut item.media_title, text),
            Slot::Link => item.offer_link(None, None, &text),
            Slot::Id => keep(&mut fields.id, text),
            Slot::PermalinkGuid => {
                keep(&mut fields.id, text.clone());
                keep(&mut item.permalink, text);
            }
            Slot::Summary => keep(&mut fields.summary, text),
            Slot::DcDescription => keep(&mut item.dc_description, text),
            Slot::Content => keep(&mut fields.content, text),
            Slot::Published => {
                if fields.published == FoundDate::Missing {
                    fields.published = FoundDate::read(&text, now);
                }
            }
            Slot::Updated => {
                if fields.updated == FoundDate::Missing {
                    fields.updated = FoundDate::read(&text, now);
                }
            }
            Slot::FeedTitle => {}
        }
    }

    fn finish_item(&mut self) {
        if let Some(capture) = self.capture.take() {
            self.store(capture);
        }
        let Some(item) = self.item.take() else {
            return;
        };
        let mut fields = item.fields;
        if fields.title.is_none() {
            fields.title = item.dc_title.or(item.media_title);
        }
        if fields.summary.is_none() {
            fields.summary = item.dc_description;
        }
        if fields.link.is_none() {
            fields.link = item
                .permalink
                .as_deref()
                .or(item.about.as_deref())
                .map(str::trim)
                .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
                .and_then(|l| resolve(item.base.as_ref(), l));
        }
        if fields.id.is_none() {
            fields.id = item.about;
        }
        self.items.push(fields);
    }
}

/// The slot an element directly inside an item fills, if any.
fn item_slot(family: Family, name: &str, start: &BytesStart<'_>) -> Option<Slot> {
    Some(match (family, name) {
        (Family::Feed, "title") => Slot::Title,
        (Family::DublinCore, "title") => Slot::DcTitle,
        (Family::Media, "title") => Slot::MediaTitle,
        (Family::Feed, "link") => Slot::Link,
        (Family::Feed, "guid") => {
            let permalink = attribute(start, "isPermaLink")
                .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
            if permalink {
                Slot::PermalinkGuid
            } else {
                Slot::Id
            }
        }
        (Family::Feed, "id") => Slot::Id,
        (Family::Feed, "description" | "summary") => Slot::Summary,
        (Family::DublinCore, "description") => Slot::DcDescription,
        (Family::Content, "encoded") | (Family::Feed, "content") => Slot::Content,
        (Family::Feed, "pubDate" | "pubdate" | "published" | "issued" | "created")
        | (Family::DublinCore, "date" | "created" | "issued") => Slot::Published,
        (Family::Feed, "updated" | "modified") | (Family::DublinCore, "modified") => Slot::Updated,
        _ => return None,
    })
}

/// Starts collecting an element's text, or takes what its attributes say
/// (an Atom link's `href`) and collects nothing.
fn open_capture(
    item: &mut Open,
    slot: Slot,
    start: &BytesStart<'_>,
    depth: usize,
    empty: bool,
) -> Option<Capture> {
    if slot == Slot::Link
        && let Some(href) = attribute(start, "href")
    {
        let rel = attribute(start, "rel");
        let media_type = attribute(start, "type");
        item.offer_link(rel.as_deref(), media_type.as_deref(), &href);
        return None;
    }
    // Atom 0.3's base64 content is not text.
    if slot == Slot::Content && attribute(start, "mode").is_some_and(|m| m == "base64") {
        return None;
    }
    (!empty).then(|| Capture {
        slot,
        depth,
        text: String::new(),
        xhtml: is_xhtml(start),
    })
}

/// Whether an Atom text construct says `type="xhtml"`.
fn is_xhtml(start: &BytesStart<'_>) -> bool {
    attribute(start, "type").is_some_and(|t| t.trim() == "xhtml")
}

/// An attribute's value with references decoded (HTML's too), by local name; no duplicate checks, so
/// thousands of attributes cost linear time.
fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    let mut attributes = start.attributes();
    attributes.with_checks(false);
    attributes
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| html_escape::decode_html_entities(&a.value).into_owned())
}

/// The base an element's `xml:base` sets, relative to `parent`.
fn xml_base(start: &BytesStart<'_>, parent: Option<&url::Url>) -> Option<url::Url> {
    let mut attributes = start.attributes();
    attributes.with_checks(false);
    let value = attributes
        .flatten()
        .find(|a| a.key.as_ref() == "xml:base")?
        .value
        .into_owned();
    match parent {
        Some(parent) => parent.join(value.trim()).ok(),
        None => url::Url::parse(value.trim()).ok(),
    }
}

/// An absolute link, resolved against the base.
fn resolve(base: Option<&url::Url>, link: &str) -> Option<String> {
    if link.is_empty() {
        return None;
    }
    match base {
        Some(base) => base.join(link).ok().map(String::from),
        None => url::Url::parse(link).ok().map(String::from),
    }
}

/// The text an entity or character reference stands for: XML's five,
/// numeric references, HTML's named entities; anything else stays as written.
fn resolve_reference(name: &str) -> String {
    let written = format!("&{name};");
    let decoded = html_escape::decode_html_entities(&written);
    match decoded {
        std::borrow::Cow::Owned(text) => text,
        std::borrow::Cow::Borrowed(_) => written,
    }
}
