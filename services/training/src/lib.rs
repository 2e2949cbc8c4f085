//! The training service: workforce records.
//!
//! It owns the competency framework (seeded by migration, edited by
//! administrators), the staff it applies to, the append-only evidence log,
//! sessions and assessments, and works out currency, the skills matrix,
//! coverage and reminders from them. Its events carry staff ids, competency
//! ids, states and dates: never a name or staff number.

pub mod access;
mod api;
pub mod currency;
mod demo;
pub mod evidence;
pub mod export;
pub mod jobs;
pub mod notices;
pub mod rules;
pub mod standing;
mod store;
pub mod validation;

use axum::extract::FromRef;
use eip_platform::config::Part;
use eip_platform::db::{Db, Migrations};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::service::{Launch, Routes, Service};
use serde::{Deserialize, Serialize};

pub use api::ApiDoc;

/// The training service, as the platform launches it.
pub struct Training;

/// Its configuration: the shared settings and its own.
pub type Config = eip_platform::service::Config<Settings>;

/// Training's own settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `EIP_SMTP__HOST` and friends: reminders are also emailed when set.
    pub smtp: Option<jobs::mail::SmtpConfig>,
    /// Where "today" comes from: the system clock unless a test fixes it.
    #[serde(skip)]
    pub clock: Clock,
}

impl Service for Training {
    const PART: Part = Part::Training;
    const PUBLISHES_EVENTS: bool = true;
    type Settings = Settings;

    /// Its own migrations, which seed the framework.
    fn migrations() -> Migrations {
        eip_platform::migrations!()
    }

    /// Loads demo data when asked, relays the outbox to the bus and runs
    /// the daily reminder job while it serves; reminders are also emailed
    /// when `smtp` names a relay. Staff imports take files.
    async fn start(launch: &mut Launch, config: &Config) -> anyhow::Result<Routes> {
        let mailer = jobs::mail::Mailer::from_config(config.own.smtp.as_ref())?;
        let clock = config.own.clock;
        let outbox = launch.outbox();
        if config.service.demo {
            demo::seed(&launch.db, &outbox, clock.today()).await?;
        }
        let state = AppState {
            db: launch.db.clone(),
            outbox,
            keys: launch.keys(),
            clock,
            mailer,
        };
        if config.service.demo {
            // Reminders show from the first page view, not an hour in.
            jobs::daily::run(&state, clock.today())
                .await
                .map_err(|e| anyhow::anyhow!("the demo's daily job failed: {e}"))?;
        }
        launch.keep(tokio::spawn(jobs::daily::schedule(
            state.clone(),
            launch.shutdown.clone(),
        )));
        Ok(Routes {
            uploads: eip_platform::http::uploads(
                api::uploads(state.clone()),
                jobs::import::MAX_IMPORT_BYTES,
            ),
            api: api::router(state),
        })
    }
}

/// Where "today" comes from. The service runs on the system clock; tests
/// and demonstrations fix the day instead of waiting for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    fixed: Option<chrono::NaiveDate>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { fixed: None }
    }

    pub fn fixed(today: chrono::NaiveDate) -> Self {
        Clock { fixed: Some(today) }
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.fixed
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub db: Db,
    pub outbox: Outbox,
    pub keys: IdentityKeys,
    pub clock: Clock,
    /// Sends reminders by email; `None` without an SMTP server.
    pub mailer: Option<jobs::mail::Mailer>,
}
