use eip_platform::{CancellationToken, Shared, config, http, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cfg = config::load(eip_governance::Config::default())?;
    let _telemetry = telemetry::init("eip-governance", &cfg.service.telemetry)?;
    let shared = Shared::from_config(&cfg.service).await?;
    let listener = tokio::net::TcpListener::bind(&cfg.service.bind).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            http::shutdown_signal().await;
            shutdown.cancel();
        }
    });
    eip_governance::launch(cfg, shared, listener, shutdown).await
}
