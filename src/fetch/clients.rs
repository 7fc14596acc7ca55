//! The HTTP clients of the fetch stage: one per distinct proxy setting,
//! shared by every feed that uses it. A client holds a connection pool
//! and a TLS configuration, so one per feed (or per poll) would cost
//! sockets and start-up time for nothing; what differs between feeds
//! besides the proxy (headers, User-Agent) is set per request.

use std::collections::HashMap;
use std::time::Duration;

use super::ClientError;
use crate::config::{PollConfig, ProxySetting};
use crate::http::{client_builder, error_chain};

/// The clients built so far, by proxy setting (`None`: the environment's).
pub struct Clients {
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    built: HashMap<Option<ProxySetting>, reqwest::Client>,
}

impl Clients {
    /// No client yet; each is built with `[poll]`'s timeouts.
    pub fn new(poll: &PollConfig) -> Clients {
        Clients {
            connect_timeout: poll.connect_timeout.0,
            read_timeout: poll.read_timeout.0,
            timeout: poll.timeout.0,
            built: HashMap::new(),
        }
    }

    /// The client for a proxy setting, built on first use.
    pub fn get(&mut self, proxy: Option<&ProxySetting>) -> Result<reqwest::Client, ClientError> {
        if let Some(client) = self.built.get(&proxy.cloned()) {
            return Ok(client.clone());
        }
        let client = self.build(proxy)?;
        self.built.insert(proxy.cloned(), client.clone());
        Ok(client)
    }

    /// How many distinct clients were built.
    pub fn len(&self) -> usize {
        self.built.len()
    }

    /// Whether none was built.
    pub fn is_empty(&self) -> bool {
        self.built.is_empty()
    }

    fn build(&self, proxy: Option<&ProxySetting>) -> Result<reqwest::Client, ClientError> {
        let mut builder = client_builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .timeout(self.timeout)
            // Redirects are followed by hand, to learn which were permanent
            // and to keep a feed's credentials on its own site.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30));
        // Without a setting, reqwest reads HTTPS_PROXY, HTTP_PROXY,
        // ALL_PROXY and NO_PROXY (and their lowercase forms) itself.
        match proxy {
            None => {}
            Some(ProxySetting::Off) => builder = builder.no_proxy(),
            Some(ProxySetting::Via(url)) => {
                // The error could quote the URL, and with it the proxy's
                // password: say only which proxy.
                let proxy = reqwest::Proxy::all(url.as_str()).map_err(|_| {
                    ClientError(format!(
                        "cannot use the proxy {}",
                        ProxySetting::Via(url.clone()).shown()
                    ))
                })?;
                builder = builder.proxy(proxy);
            }
        }
        builder
            .build()
            .map_err(|e| ClientError(format!("cannot build the HTTP client: {}", error_chain(&e))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_per_distinct_proxy() {
        let mut clients = Clients::new(&PollConfig::default());
        let via = ProxySetting::Via(url::Url::parse("http://proxy.example:3128").expect("url"));
        for _ in 0..3 {
            clients.get(None).expect("environment");
            clients.get(Some(&ProxySetting::Off)).expect("off");
            clients.get(Some(&via)).expect("via");
        }
        assert_eq!(clients.len(), 3);
    }
}
