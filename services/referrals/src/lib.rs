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
use eip_platform::config::Part;
use eip_platform::db::{Db, Migrations};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::service::{Launch, Routes, Service};

pub use api::ApiDoc;

/// The referrals service, as the platform launches it.
pub struct Referrals;

/// Its configuration: the shared settings, and where training's feed is.
pub type Config = eip_platform::service::Config<eip_skills::GateSettings>;

impl Service for Referrals {
    const PART: Part = Part::Referrals;
    const PUBLISHES_EVENTS: bool = true;
    type Settings = eip_skills::GateSettings;

    /// Its own migrations and the skill gate's.
    fn migrations() -> Migrations {
        eip_platform::migrations!().including(eip_skills::migrations())
    }

    /// Gives earlier referrals their person records, loads demo data when
    /// asked, and relays the outbox to the bus while it serves.
    async fn start(launch: &mut Launch, config: &Config) -> anyhow::Result<Routes> {
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
        let skills = eip_skills::start(launch, skills::ACTIONS, &config.own.training_url);
        let state = AppState {
            db,
            outbox,
            keys: launch.keys(),
            skills: skills.clone(),
        };
        Ok(Routes::api(api::router(state).merge(skills.router())))
    }
}

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub db: Db,
    pub outbox: Outbox,
    pub keys: IdentityKeys,
    /// Actions gated on a current competency, from training's events.
    pub skills: eip_skills::SkillGate,
}
