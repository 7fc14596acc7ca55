//! Which addresses are private, and whether a URL's host is one: a feed
//! on a public address may not lead the daemon into the network it runs
//! in, by a redirect or by an item's link.

use std::net::IpAddr;

use super::Fetcher;

impl Fetcher {
    /// Whether `url`'s host is, or resolves to, an address that is not
    /// public. A name that does not resolve is not private (its request
    /// fails on its own).
    pub(super) async fn resolves_private(&self, url: &url::Url) -> bool {
        let port = url.port_or_known_default().unwrap_or(80);
        match url.host() {
            Some(url::Host::Ipv4(ip)) => (self.is_private)(&IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => (self.is_private)(&IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => match tokio::net::lookup_host((name, port)).await {
                Ok(addresses) => addresses.map(|a| a.ip()).any(|ip| (self.is_private)(&ip)),
                Err(_) => false,
            },
            None => false,
        }
    }
}

/// Loopback, private (RFC 1918, unique local), link-local, shared
/// (100.64/10), unspecified and IPv4-mapped ones of those.
pub fn is_private_address(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_address(&IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_known() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            let ip: IpAddr = private.parse().expect("address");
            assert!(is_private_address(&ip), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "100.128.0.1"] {
            let ip: IpAddr = public.parse().expect("address");
            assert!(!is_private_address(&ip), "{public}");
        }
    }
}
