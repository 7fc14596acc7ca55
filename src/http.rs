//! What fetching feeds and delivering to webhooks share about HTTP: the
//! client builder, the User-Agent, error text, `Retry-After`, which URLs
//! count as web links, and which hosts are this machine. A leaf: neither polling nor delivery code.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The User-Agent sent unless the config sets another.
pub const USER_AGENT: &str = concat!(
    "newswatch/",
    env!("CARGO_PKG_VERSION"),
    " (news feed monitor)"
);

/// Builds reqwest clients with the crypto provider installed once.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// Makes ring rustls's crypto provider, for every TLS client of the
/// process (reqwest's and the email sink's).
pub fn install_crypto_provider() {
    // Installing twice is harmless; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The error and its causes on one line, since reqwest's top-level message
/// alone ("error sending request") says little.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Reads `Retry-After` in its seconds form or its HTTP-date form.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Whether a link is an absolute http(s) URL.
pub fn is_web_url(link: &str) -> bool {
    url::Url::parse(link.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Whether `host` (a URL's host, IPv6 in brackets or not) is this
/// machine: `localhost`, a name under `.localhost`, or a loopback
/// address. Credentials may travel in clear text only to such a host.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The host a URL's requests go to, as per-host limits count it (the
/// poller's slots and the fleet's leases): the host name without port,
/// empty for a URL that has none.
pub fn host_key(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_hosts_are_this_machine_only() {
        for host in [
            "localhost",
            "LOCALHOST.",
            "api.localhost",
            "127.0.0.1",
            "127.8.9.1",
            "[::1]",
            "::1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.org",
            "localhost.example.org",
            "10.0.0.1",
            "[2001:db8::1]",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
