//! The engagement service: places and their wards, the calls for service
//! made in them and the analysis of that demand, and in time the community
//! engagement, partner directory and problem-solving work done in them.
//!
//! Places are reference data: the four local authority areas and the
//! strategy's five priority wards are seeded by migration; other wards come
//! from an imported reference file.

mod analysis;
mod api;
mod bulk;
mod cases;
mod community;
mod demo;
mod directory;
mod imports;
mod repeat;
mod repeat_levels;
mod rows;
pub mod skills;
mod store;

use axum::extract::FromRef;
use eip_platform::db::{Db, Migrations};
use eip_platform::http::{Readiness, serve, service_app};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::{CancellationToken, Shared};
use tokio::net::TcpListener;

pub use api::ApiDoc;

/// The event source name and stream of this service.
pub const SOURCE: &str = "engagement";
pub const DEFAULT_PORT: u16 = 3101;

pub type Config = eip_platform::config::ServiceConfig;

pub fn default_config() -> Config {
    Config::defaults(SOURCE, DEFAULT_PORT)
}

pub fn migrations() -> Migrations {
    Migrations {
        sqlite: sqlx::migrate!("./migrations/sqlite"),
        postgres: sqlx::migrate!("./migrations/postgres"),
    }
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
/// and serves until `shutdown`, relaying the outbox to the bus meanwhile.
pub async fn launch(
    config: Config,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url, &migrations()).await?;
    let outbox = Outbox::new(SOURCE);
    let relay = outbox.spawn_relay(db.clone(), shared.bus.clone(), shutdown.clone());
    let skills = eip_skills::SkillGate::new(db.clone(), shared.keys.clone(), skills::ACTIONS);
    let competencies = eip_skills::consumer(db.clone(), &shared, SOURCE, &config.training_url)
        .spawn(shutdown.clone());
    let state = AppState {
        db: db.clone(),
        outbox,
        keys: shared.keys,
        database_url: config.database_url.clone(),
        skills: skills.clone(),
        bulk_loads: Default::default(),
        levels_due: Default::default(),
    };
    let levels = repeat_levels::spawn_worker(state.clone(), shutdown.clone());
    directory::read_missing_coverage(&state).await?;
    if config.demo {
        demo::seed(&state).await?;
    }
    let uploads = imports::upload_router(state.clone())
        .merge(directory::import_router(state.clone()))
        .layer(axum::middleware::from_fn(
            eip_platform::http::same_origin_only,
        ))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            imports::MAX_UPLOAD_BYTES,
        ))
        .layer(eip_platform::http::trace_layer());
    let app = service_app(
        api::router(state).merge(skills.router()),
        Readiness {
            db: db.clone(),
            bus: shared.bus,
        },
    )
    .merge(uploads);
    tracing::info!(addr = %listener.local_addr()?, "engagement service listening");
    serve(listener, app, shutdown).await?;
    let _ = relay.await;
    let _ = competencies.await;
    let _ = levels.await;
    db.close().await;
    Ok(())
}
