#[tokio::main]
async fn main() -> anyhow::Result<()> {
    eip_platform::service::run::<eip_referrals::Referrals>().await
}
