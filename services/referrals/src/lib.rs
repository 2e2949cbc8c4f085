//! The referrals service: early-help referrals for children and young people.
//!
//! It owns referral records and their lifecycle. Other services learn of
//! referrals only through its events, which carry ids, areas and dates and
//! never a name or free text.

pub mod access;
mod api;
pub mod audit;
mod demo;
#[cfg(test)]
mod fixtures;
pub mod lifecycle;
pub mod matching;
pub mod people;
pub mod retention;
pub mod sharing;
pub mod skills;
mod store;
pub mod timeliness;

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
pub const NAME: &str = Part::Referrals.name();

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
            service: ServiceConfig::defaults(Part::Referrals),
            training_url: Part::Training.default_url(),
        }
    }
}

impl AsRef<ServiceConfig> for Config {
    fn as_ref(&self) -> &ServiceConfig {
        &self.service
    }
}

/// The service's schema: its own migrations, the outbox and the skill gate.
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
    pub outbox: Outbox,
    pub keys: IdentityKeys,
    /// Actions gated on a current competency, from training's events.
    pub skills: eip_skills::SkillGate,
}

impl FromRef<AppState> for IdentityKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

/// Connects, migrates, loads demo data when asked, and serves until
/// `shutdown`, relaying the outbox to the bus meanwhile.
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
    let given = store::people::backfill(&mut tx).await?;
    tx.commit().await?;
    if given > 0 {
        tracing::info!(
            referrals = given,
            "person records made for earlier referrals"
        );
    }
    let outbox = launch.outbox();
    if config.service.demo {
        demo::seed(&db, &outbox).await?;
    }
    let skills = eip_skills::start(&mut launch, skills::ACTIONS, &config.training_url);
    let state = AppState {
        db,
        outbox,
        keys: launch.shared.keys.clone(),
        skills: skills.clone(),
    };
    launch
        .serve(listener, api::router(state).merge(skills.router()))
        .await
}
