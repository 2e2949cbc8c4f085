#[tokio::main]
async fn main() -> anyhow::Result<()> {
    eip_platform::service::run::<eip_training::Training>().await
}
