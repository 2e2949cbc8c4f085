use eip_platform::{CancellationToken, config, http, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cfg = config::load(eip_portal::Config::default())?;
    let _telemetry = telemetry::init("eip-portal", &cfg.telemetry)?;
    let keys = cfg.identity_keys()?;
    let listener = tokio::net::TcpListener::bind(&cfg.bind).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            http::shutdown_signal().await;
            shutdown.cancel();
        }
    });
    eip_portal::launch(cfg, keys, listener, shutdown).await
}
