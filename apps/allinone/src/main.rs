//! `eip`: the whole platform in one process (see the README).

use eip_platform::{config, service, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("keys") => {
            print!("{}", eip_allinone::key_file());
            return Ok(());
        }
        Some(other) => anyhow::bail!("unknown command {other:?}; the only command is `eip keys`"),
    }
    let cfg = config::load(eip_allinone::Config::default())?;
    let _telemetry = telemetry::init("eip-allinone", &cfg.telemetry)?;
    let shutdown = service::shutdown_on_signal();
    let url = format!("http://{}", cfg.bind);
    let demo = cfg.demo;
    let announce = tokio::spawn(async move {
        let client = std::time::Duration::from_millis(200);
        for _ in 0..600 {
            if tokio::net::TcpStream::connect(url.trim_start_matches("http://"))
                .await
                .is_ok()
            {
                println!("\n  Early Intervention Platform is up: {url}");
                if demo {
                    println!(
                        "  Sign in as frontline.hull, coordinator.hull, coordinator.eastriding,"
                    );
                    println!(
                        "  partner.cfs, trainer, board, analyst or admin; password: demo-password"
                    );
                }
                println!("  Stop with Ctrl-C.\n");
                return;
            }
            tokio::time::sleep(client).await;
        }
    });
    let result = eip_allinone::run(cfg, shutdown).await;
    announce.abort();
    result
}
