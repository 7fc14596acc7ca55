//! A forward HTTP proxy on loopback for the tests of `proxy =` and
//! `HTTP_PROXY`: it takes absolute-form requests (`GET http://host/path`),
//! records what each asked for (with its `Proxy-Authorization`), and
//! passes the request on to the origin with `Connection: close`, relaying
//! the answer back. Plain http only (no CONNECT).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One request the proxy passed on.
#[derive(Debug, Clone)]
pub struct Proxied {
    /// The absolute URL asked for.
    pub target: String,
    /// The `Proxy-Authorization` header, if any.
    pub proxy_authorization: Option<String>,
}

/// The proxy; stops accepting when dropped.
pub struct TestProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Proxied>>>,
    stop: Arc<AtomicBool>,
}

impl TestProxy {
    /// Starts a proxy on 127.0.0.1 with a free port.
    pub fn start() -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (record, stopped) = (Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let record = Arc::clone(&record);
                std::thread::spawn(move || relay(stream, &record));
            }
        });
        TestProxy { addr, seen, stop }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy's address as `host:port`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Every request passed on, in order.
    pub fn requests(&self) -> Vec<Proxied> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one request from the client, passes it to the origin, and
/// copies the answer back.
fn relay(client: TcpStream, seen: &Mutex<Vec<Proxied>>) {
    let Ok(reader_side) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader_side);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return;
    };
    let mut headers = Vec::new();
    let mut proxy_authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let Some((name, value)) = line.trim_end().split_once(':') else {
            continue;
        };
        match name.to_ascii_lowercase().as_str() {
            "proxy-authorization" => proxy_authorization = Some(value.trim().to_string()),
            "proxy-connection" | "connection" | "keep-alive" => {}
            _ => headers.push(format!("{name}:{value}")),
        }
    }
    seen.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(Proxied {
            target: target.to_string(),
            proxy_authorization,
        });
    let Ok(url) = url::Url::parse(target) else {
        return;
    };
    let origin = format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(80)
    );
    let Ok(mut upstream) = TcpStream::connect(origin) else {
        let mut client = client;
        let _ = client.write_all(
            b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        return;
    };
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for header in headers {
        head.push_str(&header);
        head.push_str("\r\n");
    }
    head.push_str("connection: close\r\n\r\n");
    if upstream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = upstream.read_to_end(&mut answer);
    let mut client = client;
    let _ = client.write_all(&answer);
}
