use eip_platform::{config, service, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cfg = config::load(eip_portal::Config::default())?;
    let _telemetry = telemetry::init("eip-portal", &cfg.telemetry)?;
    let keys = cfg.identity_keys()?;
    let listener = service::bind(&cfg.bind).await?;
    eip_portal::launch(cfg, keys, listener, service::shutdown_on_signal()).await
}
