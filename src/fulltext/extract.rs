//! Placeholder: replaced by the extract branch. The interface is the
//! real one (`extract`, `Article`, `ExtractError`); the implementation is
//! deliberately simple, so the full-text pipeline can be built and tested
//! before the real extraction lands: the text of the `<p>` elements found
//! by a scan, the `<title>`, and `<link rel="canonical">`.

/// The main text of an article page, and what the page says of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    /// The article's main text, plain, paragraphs separated by blank lines.
    pub text: String,
    /// The page's title, if it has one.
    pub title: Option<String>,
    /// The page's canonical URL (`<link rel="canonical">`), absolute.
    pub canonical: Option<String>,
}

/// Why a page gave no article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The answer is no HTML page.
    #[error("not an HTML page ({0})")]
    NotHtml(String),
    /// The page holds no text that reads as an article.
    #[error("no article text found")]
    NoText,
}

/// The article in an HTML page fetched from `page_url` (the URL after
/// redirects, for resolving relative links).
pub fn extract(
    html: &[u8],
    content_type: Option<&str>,
    page_url: &str,
) -> Result<Article, ExtractError> {
    if let Some(kind) = content_type {
        let kind = kind.to_ascii_lowercase();
        if !kind.contains("html") {
            return Err(ExtractError::NotHtml(kind));
        }
    }
    let page = String::from_utf8_lossy(html);
    let lower = page.to_ascii_lowercase();
    let mut paragraphs = Vec::new();
    let mut at = 0;
    while let Some(open) = find_tag(&lower, at, "p") {
        let Some(body_start) = lower[open..].find('>').map(|i| open + i + 1) else {
            break;
        };
        let end = lower[body_start..]
            .find("</p")
            .map_or(lower.len(), |i| body_start + i);
        let text = plain(&page[body_start..end]);
        if !text.is_empty() {
            paragraphs.push(text);
        }
        at = end;
    }
    if paragraphs.is_empty() {
        return Err(ExtractError::NoText);
    }
    let title = find_tag(&lower, 0, "title").and_then(|open| {
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find("</title")?;
        Some(plain(&page[start..end])).filter(|t| !t.is_empty())
    });
    Ok(Article {
        text: paragraphs.join("\n\n"),
        title,
        canonical: canonical(&page, &lower, page_url),
    })
}

/// Where the next `<name` tag (followed by `>` or a space) starts at or after `from`.
fn find_tag(lower: &str, mut from: usize, name: &str) -> Option<usize> {
    let open = format!("<{name}");
    loop {
        let at = from + lower.get(from..)?.find(&open)?;
        let next = lower.as_bytes().get(at + open.len()).copied();
        if matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')) {
            return Some(at);
        }
        from = at + open.len();
    }
}

/// `<link rel="canonical" href="...">`, resolved against the page's URL.
fn canonical(page: &str, lower: &str, page_url: &str) -> Option<String> {
    let mut from = 0;
    while let Some(at) = find_tag(lower, from, "link") {
        let end = at + lower[at..].find('>')?;
        let tag = &lower[at..end];
        if attribute(tag, "rel").is_some_and(|rel| rel.trim() == "canonical") {
            let original = &page[at..end];
            let start = tag.find("href=")?;
            let href = quoted(&original[start + 5..])?;
            let base = url::Url::parse(page_url).ok()?;
            return base.join(href.trim()).ok().map(String::from);
        }
        from = end;
    }
    None
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{name}="))? + name.len() + 1;
    quoted(&tag[start..])
}

fn quoted(text: &str) -> Option<&str> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &text[1..];
    rest.find(quote).map(|end| &rest[..end])
}

/// Markup removed, entities decoded, whitespace collapsed.
fn plain(fragment: &str) -> String {
    let mut text = String::with_capacity(fragment.len());
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = html_escape::decode_html_entities(&text);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_title_and_canonical() {
        let page = b"<html><head><title>T &amp; U</title>\
            <link rel=\"canonical\" href=\"/story/1\"></head>\
            <body><p class=x>One <b>two</b>.</p><p>Three</p></body></html>";
        let article = extract(page, Some("text/html"), "https://n.example/a?x=1").expect("ok");
        assert_eq!(article.text, "One two .\n\nThree");
        assert_eq!(article.title.as_deref(), Some("T & U"));
        assert_eq!(
            article.canonical.as_deref(),
            Some("https://n.example/story/1")
        );
        assert!(matches!(
            extract(b"{}", Some("application/json"), "https://n.example/"),
            Err(ExtractError::NotHtml(_))
        ));
        assert_eq!(
            extract(b"<html></html>", None, "https://n.example/"),
            Err(ExtractError::NoText)
        );
    }
}
