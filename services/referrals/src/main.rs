#[tokio::main]
async fn main() -> anyhow::Result<()> {
    eip_platform::service::run(
        "eip-referrals",
        eip_referrals::Config::default(),
        eip_referrals::launch,
    )
    .await
}
