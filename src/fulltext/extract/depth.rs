//! Caps how deeply a page's elements nest, before it is parsed.
//!
//! The HTML parser checks its stack of open elements for every tag, and the
//! readability pass walks each element's ancestors and descendants, so work
//! grows with depth × elements: measured, 10,000 nested `<div>`s take 28 s,
//! and 8,000 nested tables overflow a 2 MiB thread stack (an abort, not a
//! panic). No article nests anywhere near [`MAX_DEPTH`] (the fixtures need
//! at most 18), so start tags that would open deeper are dropped from the
//! text; their end tags then close shallower elements of the same name,
//! as the parser would do with any stray end tag.
//!
//! The scan is one linear pass that tracks open elements the way the
//! parser does, roughly: void elements, elements whose end tag is optional
//! (`p`, `li`, `td`, ...), and raw-text elements (`script`, `style`, ...)
//! never count; `<a>` closes an open `<a>`; inside `svg` and `math`
//! `<x/>` closes itself. Where it guesses wrong, it only drops a tag
//! earlier or later than needed.

use std::borrow::Cow;

use memchr::{memchr, memmem};

use crate::parse::html;

/// The deepest nesting kept (the fixtures need at most 18). The real tree
/// can be up to about three times deeper (a table's rows and cells, which
/// are not counted), which the parser and the extractor handle on a 2 MiB
/// stack.
pub const MAX_DEPTH: usize = 64;

/// The most tables kept open inside each other: the extractor weighs each
/// table by all it contains, so 2 MiB of rows under 128 nested tables
/// took 21 s. Old table layouts nest a handful.
pub const MAX_TABLE_DEPTH: usize = 8;

/// Elements without content or an end tag.
const VOID: [&str; 18] = [
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements the parser closes by itself when a sibling starts, and the
/// document's singletons (repeats merge into the first).
const NOT_COUNTED: [&str; 18] = [
    "p", "li", "dt", "dd", "tr", "td", "th", "tbody", "thead", "tfoot", "option", "optgroup", "rb",
    "rt", "rp", "html", "head", "body",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: [&str; 9] = [
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Elements a second start tag of which closes the first.
const NOT_NESTED: [&str; 3] = ["a", "nobr", "button"];

/// `html` with every start tag that would nest deeper than `max` removed;
/// borrowed when none is.
pub fn cap_depth(html: &str, max: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    // Open elements, as byte ranges of their names in `html`.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut foreign = 0usize;
    let mut tables = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let lt = at + offset;
        match bytes.get(lt + 1) {
            Some(b'!') if bytes[lt + 2..].starts_with(b"--") => {
                at = memmem::find(&bytes[lt + 4..], b"-->").map_or(bytes.len(), |end| lt + 7 + end);
            }
            Some(b'!' | b'?') => {
                at = memchr(b'>', &bytes[lt..]).map_or(bytes.len(), |end| lt + end + 1);
            }
            Some(b'/') => {
                let name = name_at(bytes, lt + 2);
                at = tag_end(html, lt + 2);
                if name.0 == name.1 {
                    continue;
                }
                if let Some(pos) = open.iter().rposition(|n| same(bytes, *n, name)) {
                    foreign -= count(bytes, &open[pos..], is_foreign_root);
                    tables -= count(bytes, &open[pos..], is_table);
                    open.truncate(pos);
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = name_at(bytes, lt + 1);
                let end = tag_end(html, lt + 1);
                at = end;
                let text = &html[name.0..name.1];
                if RAW_TEXT.iter().any(|r| r.eq_ignore_ascii_case(text)) {
                    at = raw_text_end(html, end, text);
                    continue;
                }
                if text.eq_ignore_ascii_case("plaintext") {
                    break;
                }
                let self_closed = foreign > 0 && end >= 2 && bytes[end - 2] == b'/';
                if self_closed
                    || VOID.iter().any(|v| v.eq_ignore_ascii_case(text))
                    || NOT_COUNTED.iter().any(|v| v.eq_ignore_ascii_case(text))
                {
                    continue;
                }
                if NOT_NESTED.iter().any(|v| v.eq_ignore_ascii_case(text))
                    && let Some(pos) = open.iter().rposition(|n| same(bytes, *n, name))
                {
                    foreign -= count(bytes, &open[pos..], is_foreign_root);
                    tables -= count(bytes, &open[pos..], is_table);
                    open.truncate(pos);
                }
                if open.len() >= max || is_table(bytes, name) && tables >= MAX_TABLE_DEPTH {
                    let kept = out.get_or_insert_with(|| String::with_capacity(html.len()));
                    kept.push_str(&html[copied..lt]);
                    copied = end;
                    continue;
                }
                foreign += usize::from(is_foreign_root(bytes, name));
                tables += usize::from(is_table(bytes, name));
                open.push(name);
            }
            _ => at = lt + 1,
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut kept) => {
            kept.push_str(&html[copied..]);
            Cow::Owned(kept)
        }
    }
}

/// The byte range of the tag name starting at `from`.
fn name_at(bytes: &[u8], from: usize) -> (usize, usize) {
    let len = bytes[from.min(bytes.len())..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'))
        .count();
    (from, from + len)
}

fn same(bytes: &[u8], a: (usize, usize), b: (usize, usize)) -> bool {
    bytes[a.0..a.1].eq_ignore_ascii_case(&bytes[b.0..b.1])
}

/// How many of `names` are `kind`.
fn count(bytes: &[u8], names: &[(usize, usize)], kind: fn(&[u8], (usize, usize)) -> bool) -> usize {
    names.iter().filter(|n| kind(bytes, **n)).count()
}

fn is_table(bytes: &[u8], name: (usize, usize)) -> bool {
    bytes[name.0..name.1].eq_ignore_ascii_case(b"table")
}

fn is_foreign_root(bytes: &[u8], name: (usize, usize)) -> bool {
    let name = &bytes[name.0..name.1];
    name.eq_ignore_ascii_case(b"svg") || name.eq_ignore_ascii_case(b"math")
}

/// Just past the `>` closing the tag whose name starts at `from` (quoted
/// attribute values may hold `>`); the document's end if it never closes.
fn tag_end(html: &str, from: usize) -> usize {
    let rest = html.get(from..).unwrap_or("");
    html::tag_end(rest).map_or(html.len(), |end| from + end + 1)
}

/// Just past the end tag of the raw-text element `name` whose content
/// starts at `from`; the document's end if it has none.
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let rest = html.get(from..).unwrap_or("");
    html.len() - html::skip_element(rest, name).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(html: &str) -> usize {
        let doc = dom_query::Document::from(html);
        doc.select("*")
            .nodes()
            .iter()
            .map(|n| n.ancestors(None).len())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn deep_divs_are_cut_to_the_cap() {
        let html = format!(
            "<html><body>{}deep text{}",
            "<div>".repeat(1000),
            "</div>".repeat(1000)
        );
        let capped = cap_depth(&html, 50);
        assert!(matches!(capped, Cow::Owned(_)));
        assert!(capped.contains("deep text"));
        let depth = depth_of(&capped);
        assert!((50..60).contains(&depth), "depth {depth}");
    }

    #[test]
    fn nested_tables_are_cut_sooner() {
        let html = format!("<body>{}cell", "<table><tr><td>".repeat(100));
        let capped = cap_depth(&html, MAX_DEPTH);
        assert_eq!(capped.matches("<table>").count(), MAX_TABLE_DEPTH);
        assert_eq!(capped.matches("<td>").count(), 100);
        let closed = "<table><tr><td>x</td></tr></table>".repeat(100);
        assert!(matches!(cap_depth(&closed, MAX_DEPTH), Cow::Borrowed(_)));
    }

    #[test]
    fn shallow_markup_is_borrowed_untouched() {
        let html = "<html><body><div><p>One<p>Two<ul><li>a<li>b</ul><svg><path/><path/></svg>\
                    <script>'<div><div><div>'</script><a>x<a>y<!-- <div><div> --></div></body>";
        assert!(matches!(cap_depth(html, 3), Cow::Borrowed(_)));
    }

    #[test]
    fn a_greater_than_sign_in_an_attribute_does_not_end_the_tag() {
        let html = r#"<div title="a>b"><div>x</div></div>"#;
        assert!(matches!(cap_depth(html, 2), Cow::Borrowed(_)));
        let capped = cap_depth(html, 1);
        assert_eq!(capped, r#"<div title="a>b">x</div></div>"#);
    }

    #[test]
    fn unclosed_quotes_and_tags_end_the_scan() {
        for html in [
            "<div title=\"open",
            "<div",
            "<",
            "<!--",
            "<script>never closed",
            "</",
        ] {
            assert!(matches!(cap_depth(html, 1), Cow::Borrowed(_)), "{html}");
        }
    }
}

#[cfg(test)]
mod real_pages {
    use super::*;

    #[test]
    fn real_news_pages_are_never_trimmed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/articles");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "html") {
                let html = std::fs::read_to_string(&path).expect("UTF-8 page");
                assert!(
                    matches!(cap_depth(&html, MAX_DEPTH), Cow::Borrowed(_)),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
        assert_eq!(seen, 9);
    }
}
