//! The webhook sink: POSTs each message, rendered by its preset, signed
//! per Standard Webhooks when a secret is set. 2xx confirms; 5xx, 408, 429
//! and network errors are retried (honouring `Retry-After`); 410 disables
//! the endpoint; other 4xx are permanent. Redirects are not followed.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

mod config;

pub use config::{LogUrl, TELEGRAM_API, WebhookConfig};

use crate::http::{USER_AGENT, client_builder, error_chain, retry_after};
use crate::sink::presets::{Preset, Renderer};
use crate::sink::sign::SigningKey;
use crate::sink::{BoxFuture, Delivery, Sink, SinkError};

/// POSTs messages to one endpoint.
#[derive(Debug)]
pub struct WebhookSink {
    name: String,
    /// The URL requests go to (may hold a bot token: never logged).
    url: String,
    /// The URL as shown in logs and errors.
    shown_url: String,
    client: reqwest::Client,
    renderer: Renderer,
    signing: Option<SigningKey>,
}

impl WebhookSink {
    /// Builds the sink: reads its secret and template, builds its client.
    pub fn new(name: &str, config: &WebhookConfig) -> anyhow::Result<Self> {
        let fail = |what: String| anyhow::anyhow!("sink {name:?}: {what}");
        let secret = config.secret_source().load().map_err(fail)?;
        let template =
            match (&config.template, &config.template_file) {
                (Some(text), _) => Some(text.clone()),
                (None, Some(path)) => Some(std::fs::read_to_string(path).map_err(|e| {
                    fail(format!("cannot read template_file {}: {e}", path.display()))
                })?),
                (None, None) => None,
            };
        let renderer = Renderer::new(config, template).map_err(fail)?;
        let (url, shown_url, signing) = match config.format {
            Preset::Telegram => {
                let token = secret.ok_or_else(|| fail(config::TELEGRAM_NEEDS_TOKEN.into()))?;
                let base = config
                    .url
                    .as_deref()
                    .unwrap_or(TELEGRAM_API)
                    .trim_end_matches('/');
                (
                    format!("{base}/bot{}/sendMessage", token.expose()),
                    format!(
                        "{}/bot…/sendMessage",
                        config.shown_url().trim_end_matches('/')
                    ),
                    None,
                )
            }
            _ => {
                let url = config
                    .url
                    .clone()
                    .ok_or_else(|| fail("url is missing".into()))?;
                let signing = secret
                    .map(|s| SigningKey::from_secret(&s))
                    .transpose()
                    .map_err(fail)?;
                (url, config.shown_url(), signing)
            }
        };
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
            url,
            shown_url,
            client,
            renderer,
            signing,
        })
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let body = self
                .renderer
                .render(&delivery.message, &delivery.body)
                .map_err(|message| SinkError::Permanent { message })?;
            let mut request = self
                .client
                .post(&self.url)
                .header(CONTENT_TYPE, &body.content_type)
                .header("webhook-id", &delivery.id);
            if let Some(key) = &self.signing {
                let timestamp = chrono::Utc::now().timestamp();
                request = request
                    .header("webhook-timestamp", timestamp.to_string())
                    .header(
                        "webhook-signature",
                        key.sign(&delivery.id, timestamp, &body.bytes),
                    );
            }
            let response = request.body(body.bytes).send().await.map_err(|e| {
                // reqwest's message names the URL, which may hold a token.
                SinkError::retryable(format!(
                    "POST {}: {}",
                    self.shown_url,
                    error_chain(&e.without_url())
                ))
            })?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let code = status.as_u16();
            let message = format!("POST {}: HTTP {code}", self.shown_url);
            if code == 410 {
                Err(SinkError::Gone { message })
            } else if code == 408 || code == 429 || status.is_server_error() {
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
