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
pub mod release;
pub mod report;
pub mod sources;
pub mod spc;
pub mod store;
pub mod suppression;
pub mod svg;

use axum::extract::FromRef;
use eip_platform::config::Part;
use eip_platform::consumer::Consumer;
use eip_platform::db::{Db, Migrations};
use eip_platform::identity::IdentityKeys;
use eip_platform::service::{Launch, Routes, Service};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use api::ApiDoc;
// What the benchmark measures, as the endpoints do it.
pub use api::dashboard::render_dashboard;
pub use api::packs::{render_signed_pdf, seal_pack};

/// The governance service, as the platform launches it.
pub struct Governance;

/// Its name: its consumer group.
pub const NAME: &str = Governance::PART.name();

/// Its configuration: the shared settings and its own.
pub type Config = eip_platform::service::Config<Settings>;

/// Governance's own settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the referrals service's event feed is, for catching up.
    pub referrals_url: String,
    /// Where the training service's event feed is.
    pub training_url: String,
    /// Where the engagement service's event feed is.
    pub engagement_url: String,
    /// Published counts from 1 up to this number are hidden.
    pub suppress_up_to: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            referrals_url: Part::Referrals.default_url(),
            training_url: Part::Training.default_url(),
            engagement_url: Part::Engagement.default_url(),
            suppress_up_to: 4,
        }
    }
}

impl Service for Governance {
    const PART: Part = Part::Governance;
    const PUBLISHES_EVENTS: bool = false;
    type Settings = Settings;

    /// Its own migrations and the event consumer's.
    fn migrations() -> Migrations {
        eip_platform::migrations!().including(eip_platform::consumer::migrations())
    }

    /// Seeds the framework, loads demo data when asked, and consumes the
    /// sources' events while it serves.
    async fn start(launch: &mut Launch, config: &Config) -> anyhow::Result<Routes> {
        let db = launch.db.clone();
        let mut tx = db.begin().await?;
        store::framework::seed(&mut tx, &framework::strategy()?).await?;
        tx.commit().await?;
        if config.service.demo {
            demo::seed(&db, chrono::Utc::now().date_naive()).await?;
        }
        let consumers = jobs::read_model::consumers(&db, &launch.shared, &config.own);
        for c in &consumers {
            launch.keep(c.clone().spawn(launch.shutdown.clone()));
        }
        let state = AppState {
            db,
            keys: launch.keys(),
            suppress_up_to: config.own.suppress_up_to,
            consumers: Arc::new(consumers),
        };
        Ok(Routes::api(api::router(state)))
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub keys: IdentityKeys,
    pub suppress_up_to: u64,
    /// One consumer per source, for rebuilding the read models.
    pub consumers: Arc<Vec<Consumer>>,
}
