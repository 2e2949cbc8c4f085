//! With an OTLP endpoint configured, spans leave the process over OTLP/HTTP.
//! (Its own test binary: it installs the process's global subscriber.)

use axum::Router;
use axum::routing::post;
use eip_platform::config::TelemetryConfig;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_to_the_configured_endpoint() {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let collector = Router::new().route(
        "/v1/traces",
        post(move |body: axum::body::Bytes| {
            let counter = counter.clone();
            async move {
                if !body.is_empty() {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, collector).await });

    let cfg = TelemetryConfig {
        otlp_endpoint: Some(endpoint),
        ..Default::default()
    };
    let telemetry = eip_platform::telemetry::init("otlp-test", &cfg).expect("telemetry");
    tracing::info_span!("exported span").in_scope(|| tracing::info!("inside"));
    // Shutting down flushes the batch; it blocks, so off the async threads.
    tokio::task::spawn_blocking(move || drop(telemetry))
        .await
        .expect("flushed");
    assert!(
        received.load(Ordering::SeqCst) >= 1,
        "the collector received no spans"
    );
}
