//! /healthz says 503, with a reason, while the pipeline has not started
//! (no heartbeat yet). The heartbeat is a handle the probe is given, so
//! this test shares its process with the others.

use newswatch::service::heartbeat::Heartbeat;
use newswatch::service::http::{Probe, serve};
use newswatch::store::Store;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn health_is_503_until_the_pipeline_beats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("h.db").display());
    let store = Store::open(&url).await.expect("store");
    let stop = CancellationToken::new();
    let heartbeat = Heartbeat::default();
    let address = serve(
        "127.0.0.1:0".parse().expect("address"),
        newswatch::service::http::Limits::with_connections(64),
        Probe::new(store.clone(), heartbeat.clone()),
        stop.clone(),
    )
    .await
    .expect("serve");
    let client = newswatch::http::client_builder().build().expect("client");
    let response = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("JSON");
    assert_eq!(body["status"], "unhealthy");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not started")),
        "{body}"
    );

    heartbeat.beat();
    let response = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    stop.cancel();
    store.close().await;
}
