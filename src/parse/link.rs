//! Canonical links: one spelling per story address, so the same story keys
//! the same wherever it is linked from.

/// Query parameters that only track the reader, never select the story.
const TRACKING_PARAMETERS: [&str; 7] = [
    "fbclid",
    "gclid",
    "mc_cid",
    "mc_eid",
    "ocid",
    "cmpid",
    "at_medium",
];

/// The canonical form of an absolute http(s) link: scheme and host
/// lowercased, default port and fragment dropped, tracking parameters
/// (`utm_*` and friends) dropped, the remaining query sorted. `None` for
/// anything that is not an absolute http(s) URL.
pub fn canonical_link(link: &str) -> Option<String> {
    let mut url = url::Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !is_tracking(name))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    Some(url.to_string())
}

fn is_tracking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || TRACKING_PARAMETERS.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_and_cosmetic_differences_vanish() {
        let a = canonical_link("HTTPS://News.Example:443/story?id=7&utm_source=tw&fbclid=abc#top");
        let b = canonical_link("https://news.example/story?id=7");
        assert_eq!(a, b);
        assert_eq!(a.as_deref(), Some("https://news.example/story?id=7"));
        assert_eq!(
            canonical_link("https://n.example/s?b=2&a=1").as_deref(),
            Some("https://n.example/s?a=1&b=2")
        );
    }

    #[test]
    fn non_web_links_have_no_canonical_form() {
        assert_eq!(canonical_link("mailto:desk@n.example"), None);
        assert_eq!(canonical_link("/relative"), None);
    }
}
