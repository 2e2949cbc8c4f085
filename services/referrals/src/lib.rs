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
use eip_platform::db::{Db, Migrations};
use eip_platform::http::{Readiness, serve, service_app};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::{CancellationToken, Shared};
use tokio::net::TcpListener;

pub use api::ApiDoc;

/// The event source name and stream of this service.
pub const SOURCE: &str = "referrals";
pub const DEFAULT_PORT: u16 = 3102;

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
    let db = Db::connect(&config.database_url, &migrations()).await?;
    let given = people::backfill(&db).await?;
    if given > 0 {
        tracing::info!(
            referrals = given,
            "person records made for earlier referrals"
        );
    }
    let outbox = Outbox::new(SOURCE);
    if config.demo {
        demo::seed(&db, &outbox).await?;
    }
    let relay = outbox.spawn_relay(db.clone(), shared.bus.clone(), shutdown.clone());
    let skills = eip_skills::SkillGate::new(db.clone(), shared.keys.clone(), skills::ACTIONS);
    let competencies = eip_skills::consumer(db.clone(), &shared, SOURCE, &config.training_url)
        .spawn(shutdown.clone());
    let state = AppState {
        db: db.clone(),
        outbox,
        keys: shared.keys,
        skills: skills.clone(),
    };
    let app = service_app(
        api::router(state).merge(skills.router()),
        Readiness {
            db: db.clone(),
            bus: shared.bus,
        },
    );
    tracing::info!(addr = %listener.local_addr()?, "referrals service listening");
    serve(listener, app, shutdown).await?;
    let _ = relay.await;
    let _ = competencies.await;
    db.close().await;
    Ok(())
}
