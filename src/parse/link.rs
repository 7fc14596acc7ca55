//! Canonical links: one spelling per story address, so the same story keys
//! the same wherever it is linked from.

/// How fit a link is to be the one a reader follows: `None` for links
/// that are not the item's page (`self`, `related`, `enclosure`, replies);
/// otherwise higher for http(s) over other schemes, then for an HTML type
/// over no type over another type. Ties go to the first link.
pub fn reader_link_rank(rel: Option<&str>, media_type: Option<&str>, href: &str) -> Option<u8> {
    if !matches!(rel.map(str::trim), None | Some("" | "alternate")) {
        return None;
    }
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let starts = |prefix: &str| {
        href.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let web = starts("http://") || starts("https://") || !href.contains(':');
    let html = match media_type.map(str::trim) {
        None | Some("") => 1,
        Some(t)
            if t.eq_ignore_ascii_case("text/html")
                || t.eq_ignore_ascii_case("application/xhtml+xml") =>
        {
            2
        }
        Some(_) => 0,
    };
    Some(u8::from(web) * 4 + html)
}

/// Query parameters that only track the reader, never select the story.
const TRACKING_PARAMETERS: [&str; 9] = [
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ocid",
    "cmpid",
    "at_medium",
];

/// Query parameters that ask for the AMP rendering of the same page.
const AMP_PARAMETERS: [(&str, &str); 3] = [("amp", ""), ("amp", "1"), ("outputtype", "amp")];

/// The canonical form of an absolute http(s) link: scheme and host
/// lowercased, default port and fragment dropped, tracking parameters
/// (`utm_*` and friends) dropped, the remaining query sorted, and AMP
/// variants mapped to the plain page where the pattern is unambiguous
/// (the AMP cache's `/c/s/host/path`, a trailing `/amp` segment, `.amp`
/// before the extension, `?amp` / `?amp=1` / `?outputType=amp`). `None`
/// for anything that is not an absolute http(s) URL.
pub fn canonical_link(link: &str) -> Option<String> {
    canonical_link_with(link, &[])
}

/// [`canonical_link`], also dropping the operator's own `extra` tracking
/// parameters (compared case-insensitively).
pub fn canonical_link_with(link: &str, extra: &[String]) -> Option<String> {
    let mut url = url::Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    if let Some(origin) = amp_cache_origin(&url) {
        url = origin;
    }
    url.set_fragment(None);
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, value)| !is_tracking(name, extra) && !is_amp_parameter(name, value))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let path = plain_path(url.path());
    url.set_path(&path);
    Some(url.to_string())
}

fn is_tracking(name: &str, extra: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_")
        || TRACKING_PARAMETERS.contains(&lower.as_str())
        || extra.iter().any(|e| e.eq_ignore_ascii_case(&lower))
}

fn is_amp_parameter(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let value = value.to_ascii_lowercase();
    AMP_PARAMETERS
        .iter()
        .any(|(n, v)| *n == name && *v == value)
}

/// `https://www-example-com.cdn.ampproject.org/c/s/www.example.com/path`
/// is `https://www.example.com/path` (`/c/` without `s/` is http).
fn amp_cache_origin(url: &url::Url) -> Option<url::Url> {
    if !url.host_str()?.ends_with(".cdn.ampproject.org") {
        return None;
    }
    let path = url.path();
    let (scheme, rest) = if let Some(rest) = path
        .strip_prefix("/c/s/")
        .or_else(|| path.strip_prefix("/v/s/"))
    {
        ("https", rest)
    } else if let Some(rest) = path
        .strip_prefix("/c/")
        .or_else(|| path.strip_prefix("/v/"))
    {
        ("http", rest)
    } else {
        return None;
    };
    let mut origin = url::Url::parse(&format!("{scheme}://{rest}")).ok()?;
    origin.set_query(url.query());
    Some(origin)
}

/// The page's path without an AMP marker: a last `/amp` segment, or
/// `.amp` before the file extension.
fn plain_path(path: &str) -> String {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if let Some(base) = trimmed.strip_suffix("/amp") {
        return if base.is_empty() {
            "/".to_string()
        } else {
            format!("{base}/")
        };
    }
    if let Some(base) = trimmed.strip_suffix(".amp") {
        return base.to_string();
    }
    if let Some(base) = path.strip_suffix(".amp.html") {
        return format!("{base}.html");
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(link: &str) -> String {
        canonical_link(link).unwrap_or_else(|| format!("none: {link}"))
    }

    #[test]
    fn tracking_and_cosmetic_differences_vanish() {
        let a = canonical("HTTPS://News.Example:443/story?id=7&utm_source=tw&fbclid=abc#top");
        assert_eq!(a, canonical("https://news.example/story?id=7"));
        assert_eq!(a, "https://news.example/story?id=7");
        assert_eq!(
            canonical("https://n.example/s?b=2&a=1"),
            "https://n.example/s?a=1&b=2"
        );
    }

    #[test]
    fn real_world_tracking_links() {
        assert_eq!(
            canonical("https://www.bbc.co.uk/news/articles/c0kfor?at_medium=RSS&at_campaign=rss"),
            "https://www.bbc.co.uk/news/articles/c0kfor?at_campaign=rss"
        );
        assert_eq!(
            canonical(
                "https://www.theguardian.com/world/2026/nov/28/kosovo-serbia-border?CMP=share_btn_url&utm_medium=social"
            ),
            "https://www.theguardian.com/world/2026/nov/28/kosovo-serbia-border?CMP=share_btn_url"
        );
        assert_eq!(
            canonical(
                "https://www.msn.com/en-us/news/world/kfor-troops/ar-AA1x?ocid=BingNewsSearch&cvid=1"
            ),
            "https://www.msn.com/en-us/news/world/kfor-troops/ar-AA1x?cvid=1"
        );
        assert_eq!(
            canonical(
                "https://balkaninsight.com/2026/11/28/vucic/?mc_cid=0f00&mc_eid=a1b2&gclid=Cj0K"
            ),
            "https://balkaninsight.com/2026/11/28/vucic/"
        );
        assert_eq!(
            canonical("https://news.example.org/story/abc123?utm_source=feed12&utm_medium=rss"),
            "https://news.example.org/story/abc123"
        );
        assert_eq!(canonical("http://example.org:80/a"), "http://example.org/a");
    }

    #[test]
    fn amp_variants_map_to_the_plain_page() {
        assert_eq!(
            canonical(
                "https://www-rferl-org.cdn.ampproject.org/c/s/www.rferl.org/a/kosovo-serbia/123.html"
            ),
            "https://www.rferl.org/a/kosovo-serbia/123.html"
        );
        assert_eq!(
            canonical("https://n1info.rs/vesti/kfor-patrole/amp/"),
            "https://n1info.rs/vesti/kfor-patrole/"
        );
        assert_eq!(
            canonical("https://example.com/world/story.amp"),
            "https://example.com/world/story"
        );
        assert_eq!(
            canonical("https://example.com/world/story.amp.html"),
            "https://example.com/world/story.html"
        );
        assert_eq!(
            canonical("https://example.com/world/story?amp=1&id=3"),
            "https://example.com/world/story?id=3"
        );
        assert_eq!(
            canonical("https://example.com/world/story?outputType=amp"),
            "https://example.com/world/story"
        );
        // "amp" elsewhere in a path is a word, not a marker.
        assert_eq!(
            canonical("https://example.com/amp/story"),
            "https://example.com/amp/story"
        );
        assert_eq!(
            canonical("https://example.com/campaign"),
            "https://example.com/campaign"
        );
    }

    #[test]
    fn extra_parameters_are_dropped_when_configured() {
        let extra = vec!["ref".to_string()];
        assert_eq!(
            canonical_link_with("https://example.com/s?ref=rss&id=1", &extra).as_deref(),
            Some("https://example.com/s?id=1")
        );
    }

    #[test]
    fn non_web_links_have_no_canonical_form() {
        assert_eq!(canonical_link("mailto:desk@n.example"), None);
        assert_eq!(canonical_link("/relative"), None);
    }
}
