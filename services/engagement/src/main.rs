#[tokio::main]
async fn main() -> anyhow::Result<()> {
    eip_platform::service::run(
        "eip-engagement",
        eip_engagement::Config::default(),
        eip_engagement::launch,
    )
    .await
}
