//! The governance service: read models built only from other services'
//! events, published to boards as aggregates with small numbers suppressed.

mod api;
pub mod compute;
pub mod demo;
pub mod disclosure;
mod export;
pub mod framework;
pub mod jobs;
pub mod lp;
pub mod packs;
pub mod pdf;
pub mod period;
pub mod pilot;
pub mod report;
pub mod sources;
pub mod spc;
pub mod store;
pub mod suppression;
pub mod svg;

use axum::extract::FromRef;
use eip_platform::config::{Part, ServiceConfig};
use eip_platform::consumer::Consumer;
use eip_platform::db::{Db, Migrations};
use eip_platform::identity::IdentityKeys;
use eip_platform::service::Launch;
use eip_platform::{CancellationToken, Shared};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::net::TcpListener;

pub use api::ApiDoc;
// What the benchmark measures, as the endpoints do it.
pub use api::dashboard::render_dashboard;
pub use api::packs::{render_signed_pdf, seal_pack};

/// The service's name: its consumer group.
pub const NAME: &str = Part::Governance.name();

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(flatten)]
    pub service: ServiceConfig,
    /// Where the referrals service's event feed is, for catching up.
    pub referrals_url: String,
    /// Where the training service's event feed is.
    pub training_url: String,
    /// Where the engagement service's event feed is.
    pub engagement_url: String,
    /// Published counts from 1 up to this number are hidden.
    pub suppress_up_to: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            service: ServiceConfig::defaults(Part::Governance),
            referrals_url: Part::Referrals.default_url(),
            training_url: Part::Training.default_url(),
            engagement_url: Part::Engagement.default_url(),
            suppress_up_to: 4,
        }
    }
}

impl AsRef<ServiceConfig> for Config {
    fn as_ref(&self) -> &ServiceConfig {
        &self.service
    }
}

/// The service's schema: its own migrations and the event consumer's.
pub fn migrations() -> Migrations {
    Migrations::new(
        sqlx::migrate!("./migrations/sqlite"),
        sqlx::migrate!("./migrations/postgres"),
    )
    .including(eip_platform::consumer::migrations())
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: IdentityKeys,
    pub suppress_up_to: u64,
    /// One consumer per source, for rebuilding the read models.
    pub consumers: Arc<Vec<Consumer>>,
}

impl FromRef<AppState> for IdentityKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

/// Connects, migrates, seeds the framework, consumes the sources' events
/// and serves until `shutdown`.
pub async fn launch(
    config: Config,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut launch =
        Launch::connect(NAME, &config.service, &migrations(), shared, shutdown).await?;
    let db = launch.db.clone();
    let mut tx = db.begin().await?;
    store::framework::seed(&mut tx, &framework::strategy()?).await?;
    tx.commit().await?;
    if config.service.demo {
        demo::seed(&db, chrono::Utc::now().date_naive()).await?;
    }
    let consumers = jobs::read_model::consumers(&db, &launch.shared, &config);
    for c in &consumers {
        launch.keep(c.clone().spawn(launch.shutdown.clone()));
    }
    let state = AppState {
        db,
        keys: launch.shared.keys.clone(),
        suppress_up_to: config.suppress_up_to,
        consumers: Arc::new(consumers),
    };
    launch.serve(listener, api::router(state)).await
}
