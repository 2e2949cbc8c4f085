use eip_platform::{CancellationToken, Shared, config, http, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cfg = config::load(eip_training::default_config())?;
    // `EIP_SMTP__HOST` and friends: reminders are emailed when set.
    let mail = config::load(eip_training::mail::MailConfig::default())?;
    let _telemetry = telemetry::init("eip-training", &cfg.telemetry)?;
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
    eip_training::launch_with(
        cfg,
        mail,
        shared,
        listener,
        shutdown,
        eip_training::Clock::system(),
    )
    .await
}
