//! The engagement service: places and their wards, the calls for service
//! made in them and the analysis of that demand, and in time the community
//! engagement, partner directory and problem-solving work done in them.
//!
//! Places are reference data: the four local authority areas and the
//! strategy's five priority wards are seeded by migration; other wards come
//! from an imported reference file.

mod analysis;
mod api;
mod cases;
mod community;
mod demo;
mod directory;
mod imports;
mod incidents;
mod jobs;
mod repeat;
pub mod skills;
mod store;

use axum::extract::FromRef;
use eip_platform::config::{Part, ServiceConfig};
use eip_platform::db::{Db, Migrations};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::service::Launch;
use eip_platform::{CancellationToken, Shared};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use api::ApiDoc;

/// The service's name: its event source and stream, its consumer group.
pub const NAME: &str = Part::Engagement.name();

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(flatten)]
    pub service: ServiceConfig,
    /// The training service, whose event feed the skill gate catches up
    /// from when the bus lost events.
    pub training_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            service: ServiceConfig::defaults(Part::Engagement),
            training_url: Part::Training.default_url(),
        }
    }
}

impl AsRef<ServiceConfig> for Config {
    fn as_ref(&self) -> &ServiceConfig {
        &self.service
    }
}

/// The service's schema: its own migrations (which seed the places), the
/// outbox and the skill gate.
pub fn migrations() -> Migrations {
    Migrations::new(
        sqlx::migrate!("./migrations/sqlite"),
        sqlx::migrate!("./migrations/postgres"),
    )
    .including(eip_platform::outbox::migrations())
    .including(eip_skills::migrations())
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    /// Where this service's events go.
    pub outbox: Outbox,
    pub keys: IdentityKeys,
    /// Imports open a connection of their own for bulk writes.
    pub database_url: eip_platform::config::DatabaseUrl,
    /// Actions gated on a current competency, from training's events.
    pub skills: eip_skills::SkillGate,
    /// Incident loads running without the secondary indexes: the last to
    /// end builds them.
    pub bulk_loads: std::sync::Arc<tokio::sync::Mutex<usize>>,
    /// Wakes the worker that publishes repeat-demand levels.
    pub levels_due: std::sync::Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for IdentityKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

/// Connects, migrates (which seeds the places), loads demo data when asked,
/// and serves until `shutdown`, relaying the outbox to the bus and
/// publishing repeat-demand levels meanwhile.
pub async fn launch(
    config: Config,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut launch =
        Launch::connect(NAME, &config.service, &migrations(), shared, shutdown).await?;
    let outbox = launch.outbox();
    let skills = eip_skills::start(&mut launch, skills::ACTIONS, &config.training_url);
    let state = AppState {
        db: launch.db.clone(),
        outbox,
        keys: launch.shared.keys.clone(),
        database_url: config.service.database_url.clone(),
        skills: skills.clone(),
        bulk_loads: Default::default(),
        levels_due: Default::default(),
    };
    launch.keep(jobs::repeat_levels::spawn_worker(
        state.clone(),
        launch.shutdown.clone(),
    ));
    jobs::directory_coverage::read_missing(&state).await?;
    if config.service.demo {
        demo::seed(&state).await?;
    }
    let uploads = eip_platform::http::uploads(
        api::upload_router(state.clone()),
        api::imports::MAX_UPLOAD_BYTES,
    );
    launch
        .serve_with_uploads(listener, api::router(state).merge(skills.router()), uploads)
        .await
}
