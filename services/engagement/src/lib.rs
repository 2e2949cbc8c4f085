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
use eip_platform::config::{DatabaseUrl, Part};
use eip_platform::db::{Db, Migrations};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::service::{Launch, Routes, Service};

pub use api::ApiDoc;

/// The engagement service, as the platform launches it.
pub struct Engagement;

/// Its configuration: the shared settings, and where training's feed is.
pub type Config = eip_platform::service::Config<eip_skills::GateSettings>;

impl Service for Engagement {
    const PART: Part = Part::Engagement;
    const PUBLISHES_EVENTS: bool = true;
    type Settings = eip_skills::GateSettings;

    /// Its own migrations (which seed the places) and the skill gate's.
    fn migrations() -> Migrations {
        eip_platform::migrations!().including(eip_skills::migrations())
    }

    /// Loads demo data when asked, relays the outbox to the bus and
    /// publishes repeat-demand levels while it serves; imports take files.
    async fn start(launch: &mut Launch, config: &Config) -> anyhow::Result<Routes> {
        let outbox = launch.outbox();
        let skills = eip_skills::start(launch, skills::ACTIONS, &config.own.training_url);
        let state = AppState {
            db: launch.db.clone(),
            outbox,
            keys: launch.keys(),
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
        Ok(Routes {
            uploads: eip_platform::http::uploads(
                api::upload_router(state.clone()),
                api::imports::MAX_UPLOAD_BYTES,
            ),
            api: api::router(state).merge(skills.router()),
        })
    }
}

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub db: Db,
    /// Where this service's events go.
    pub outbox: Outbox,
    pub keys: IdentityKeys,
    /// Imports open a connection of their own for bulk writes.
    pub database_url: DatabaseUrl,
    /// Actions gated on a current competency, from training's events.
    pub skills: eip_skills::SkillGate,
    /// Incident loads running without the secondary indexes: the last to
    /// end builds them.
    pub bulk_loads: std::sync::Arc<tokio::sync::Mutex<usize>>,
    /// Wakes the worker that publishes repeat-demand levels.
    pub levels_due: std::sync::Arc<tokio::sync::Notify>,
}
