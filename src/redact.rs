//! URLs as newswatch shows them: in logs, in stored errors, in `check`
//! and in alerts. A URL can carry a credential in its user info, in its
//! query (`?token=`), or as its path (Slack, Discord and Teams webhooks
//! are secret by their path), so none is ever shown whole by default.

/// Query parameter names that carry credentials (matched as parts of the
/// lowercased name: `api_key`, `access_token`, `X-Signature` ...).
const CREDENTIAL_PARAMETERS: [&str; 7] =
    ["key", "token", "secret", "sig", "password", "auth", "pass"];

/// The mark left where something was taken out.
const MARK: &str = "…";

/// A sink's URL as logs and errors show it: scheme, host, port and the
/// first path segment; user info, the rest of the path and the query
/// become "…". (`https://hooks.slack.com/services/…`)
pub fn opaque_url(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return MARK.to_string();
    };
    let mut shown = format!("{}://", parsed.scheme());
    if !parsed.username().is_empty() || parsed.password().is_some() {
        shown.push_str(MARK);
        shown.push('@');
    }
    shown.push_str(parsed.host_str().unwrap_or_default());
    if let Some(port) = parsed.port() {
        shown.push_str(&format!(":{port}"));
    }
    let mut segments = parsed
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty());
    if let Some(first) = segments.next() {
        shown.push('/');
        shown.push_str(first);
        if segments.next().is_some() {
            shown.push('/');
            shown.push_str(MARK);
        }
    }
    if parsed.query().is_some() {
        shown.push('?');
        shown.push_str(MARK);
    }
    shown
}

/// A feed's or a database's URL as alerts, logs and listings show it:
/// whole, less its user info and any query parameter whose name looks
/// like a credential. (A feed's path names the feed; it is kept.)
pub fn public_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url.trim()) else {
        return url.to_string();
    };
    if parsed.cannot_be_a_base() {
        return url.to_string();
    }
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    if parsed.query().is_some() {
        let kept: Vec<(String, String)> = parsed
            .query_pairs()
            .filter(|(name, _)| !looks_like_credential(name))
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            parsed.set_query(None);
        } else {
            parsed.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    parsed.to_string()
}

fn looks_like_credential(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    CREDENTIAL_PARAMETERS
        .iter()
        .any(|word| lower.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_urls_keep_only_where_they_go() {
        for (url, shown) in [
            (
                "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
                "https://hooks.slack.com/services/…",
            ),
            (
                "https://discord.com/api/webhooks/123/tokenSECRET",
                "https://discord.com/api/…",
            ),
            (
                "https://prod.westeurope.logic.azure.com:443/workflows/abc/triggers?sig=SECRET",
                "https://prod.westeurope.logic.azure.com/workflows/…?…",
            ),
            (
                "https://user:SECRET@hooks.example:8443/in?token=SECRET",
                "https://…@hooks.example:8443/in?…",
            ),
            ("https://ntfy.example", "https://ntfy.example"),
            ("https://Hooks.Example/Path", "https://hooks.example/Path"),
            ("not a url SECRET", "…"),
        ] {
            assert_eq!(opaque_url(url), shown, "{url}");
            assert!(!opaque_url(url).contains("SECRET"));
        }
    }

    #[test]
    fn feed_and_database_urls_lose_their_credentials_only() {
        for (url, shown) in [
            (
                "https://user:SECRET@feeds.example/news/rss.xml?apikey=SECRET&lang=sr",
                "https://feeds.example/news/rss.xml?lang=sr",
            ),
            (
                "https://feeds.example/rss?Token=SECRET&X-Signature=SECRET&AUTH=SECRET&page=2",
                "https://feeds.example/rss?page=2",
            ),
            (
                "https://feeds.example/rss?access_token=SECRET",
                "https://feeds.example/rss",
            ),
            (
                "postgres://newswatch:SECRET@db.example:5432/newswatch",
                "postgres://db.example:5432/newswatch",
            ),
            (
                "https://feeds.bbci.co.uk/news/world/europe/rss.xml",
                "https://feeds.bbci.co.uk/news/world/europe/rss.xml",
            ),
            (
                "sqlite:///var/lib/newswatch/newswatch.db?mode=rwc",
                "sqlite:///var/lib/newswatch/newswatch.db?mode=rwc",
            ),
        ] {
            assert_eq!(public_url(url), shown, "{url}");
        }
    }
}
