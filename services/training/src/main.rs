#[tokio::main]
async fn main() -> anyhow::Result<()> {
    eip_platform::service::run(
        "eip-training",
        eip_training::Config::default(),
        eip_training::launch,
    )
    .await
}
