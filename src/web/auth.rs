//! Who may read the endpoint. On a loopback address everything is open;
//! elsewhere the daemon starts only with a bearer token (`[http]
//! token_file`, `token_env` or `token_credential`), and every path but
//! `/healthz` needs it: `Authorization: Bearer ...`, or `?token=...` for
//! feed readers that cannot send headers. Compared in constant time, and
//! never logged.

use sha2::{Digest, Sha256};

use crate::sink::secret::Secret;

/// Whether a request may be answered: no token configured, or the
/// request carries it in its `authorization` header or `query` string.
pub fn authorized(
    token: Option<&Secret>,
    authorization: Option<&str>,
    query: Option<&str>,
) -> bool {
    let Some(token) = token else {
        return true;
    };
    let bearer = authorization
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim);
    let from_query = query.and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "token")
            .map(|(_, value)| value.into_owned())
    });
    let offered = [bearer.map(str::to_string), from_query];
    // Each offered value is compared whole; `|` keeps both comparisons.
    offered
        .iter()
        .flatten()
        .fold(false, |ok, offered| ok | same(offered, token.expose()))
}

/// Equality whose time does not depend on where the values differ (nor
/// on their lengths): their hashes are compared byte by byte, all of them.
fn same(offered: &str, token: &str) -> bool {
    let (a, b) = (
        Sha256::digest(offered.as_bytes()),
        Sha256::digest(token.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |diff, (x, y)| diff | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_needed_only_when_configured() {
        let token = Secret::new("s3cret-value");
        assert!(authorized(None, None, None));
        assert!(!authorized(Some(&token), None, None));
        assert!(authorized(Some(&token), Some("Bearer s3cret-value"), None));
        assert!(!authorized(Some(&token), Some("Bearer s3cret-valuE"), None));
        assert!(!authorized(Some(&token), Some("Basic s3cret-value"), None));
        assert!(authorized(
            Some(&token),
            None,
            Some("list=kfor&token=s3cret-value")
        ));
        assert!(authorized(Some(&token), None, Some("token=s3cret%2Dvalue")));
        assert!(!authorized(Some(&token), None, Some("token=s3cret")));
        assert!(!authorized(Some(&token), Some("Bearer "), Some("token=")));
    }
}
