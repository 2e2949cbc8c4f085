#[tokio::main]
async fn main() -> anyhow::Result<()> {
    eip_platform::service::run::<eip_engagement::Engagement>().await
}
