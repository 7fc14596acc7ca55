//! Reading a response: where a redirect points, what `Cache-Control`
//! allows, the body up to its cap, and header values as text.

use std::time::Duration;

use reqwest::header::{CACHE_CONTROL, HeaderMap, LOCATION};

use super::FetchError;

/// The absolute URL a redirect points to.
pub(super) fn next_location(from: &url::Url, headers: &HeaderMap) -> Result<url::Url, FetchError> {
    let location = header_text(headers, LOCATION.as_str())
        .ok_or_else(|| FetchError::Redirect("redirect without a Location header".into()))?;
    let next = from
        .join(&location)
        .map_err(|e| FetchError::Redirect(format!("bad Location {location:?}: {e}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(FetchError::Redirect(format!(
            "redirect to a non-web address {next}"
        )));
    }
    Ok(next)
}

/// `Cache-Control: max-age=N` (ignored with `no-cache` or `no-store`).
pub(super) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(CACHE_CONTROL)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    if value.contains("no-cache") || value.contains("no-store") {
        return None;
    }
    value.split(',').find_map(|directive| {
        let seconds = directive.trim().strip_prefix("max-age=")?;
        seconds
            .trim_matches('"')
            .parse()
            .ok()
            .map(Duration::from_secs)
    })
}

/// Reads the body chunk by chunk, failing as soon as it passes `limit`
/// decoded bytes (a compressed response has no trustworthy length).
pub(super) async fn read_capped(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(FetchError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::from_reqwest)? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A header's value as text (`None` when absent, empty or not text).
pub(super) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|v| !v.is_empty())
}
