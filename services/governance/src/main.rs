#[tokio::main]
async fn main() -> anyhow::Result<()> {
    eip_platform::service::run(
        "eip-governance",
        eip_governance::Config::default(),
        eip_governance::launch,
    )
    .await
}
