//! The webhook sink: POSTs the alert JSON to a URL. 2xx confirms; 5xx, 408,
//! 429 and network errors are retried (honouring `Retry-After`); other 4xx
//! are permanent. Redirects are not followed.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use super::{BoxFuture, Delivery, Sink, SinkError, WebhookConfig};
use crate::fetch::{USER_AGENT, client_builder, error_chain, retry_after};

/// POSTs alerts to one endpoint.
#[derive(Debug)]
pub struct WebhookSink {
    name: String,
    url: String,
    client: reqwest::Client,
}

impl WebhookSink {
    /// Builds the sink's HTTP client from its config.
    pub fn new(name: &str, config: &WebhookConfig) -> anyhow::Result<Self> {
        let mut headers = HeaderMap::new();
        for (key, value) in &config.headers {
            headers.insert(
                HeaderName::from_bytes(key.as_bytes())?,
                HeaderValue::from_str(value)?,
            );
        }
        let timeout = config.timeout.map_or(Duration::from_secs(15), |t| t.0);
        let client = client_builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()?;
        Ok(WebhookSink {
            name: name.to_string(),
            url: config.url.clone(),
            client,
        })
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let response = self
                .client
                .post(&self.url)
                .header(CONTENT_TYPE, "application/json")
                .header("webhook-id", &delivery.id)
                .body(delivery.body.clone())
                .send()
                .await
                .map_err(|e| {
                    SinkError::retryable(format!("POST {}: {}", self.url, error_chain(&e)))
                })?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let message = format!("POST {}: HTTP {}", self.url, status.as_u16());
            let code = status.as_u16();
            if code == 408 || code == 429 || status.is_server_error() {
                Err(SinkError::Retryable {
                    message,
                    retry_after: retry_after(response.headers()),
                })
            } else {
                Err(SinkError::Permanent { message })
            }
        })
    }
}
