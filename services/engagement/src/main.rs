use eip_platform::{CancellationToken, Shared, config, http, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cfg = config::load(eip_engagement::default_config())?;
    let _telemetry = telemetry::init("eip-engagement", &cfg.telemetry)?;
    let shared = Shared::from_config(&cfg).await?;
    let listener = tokio::net::TcpListener::bind(&cfg.bind).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            http::shutdown_signal().await;
            shutdown.cancel();
        }
    });
    eip_engagement::launch(cfg, shared, listener, shutdown).await
}
