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
use eip_platform::config::{Part, ServiceConfig};
use eip_platform::db::{Db, Migrations};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::service::Launch;
use eip_platform::{CancellationToken, Shared};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use api::ApiDoc;

/// The service's name: its event source and stream.
pub const NAME: &str = Part::Training.name();

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(flatten)]
    pub service: ServiceConfig,
    /// `EIP_SMTP__HOST` and friends: reminders are also emailed when set.
    pub smtp: Option<jobs::mail::SmtpConfig>,
    /// Where "today" comes from: the system clock unless a test fixes it.
    #[serde(skip)]
    pub clock: Clock,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            service: ServiceConfig::defaults(Part::Training),
            smtp: None,
            clock: Clock::system(),
        }
    }
}

impl AsRef<ServiceConfig> for Config {
    fn as_ref(&self) -> &ServiceConfig {
        &self.service
    }
}

/// The service's schema: its own migrations and the outbox.
pub fn migrations() -> Migrations {
    Migrations::new(
        sqlx::migrate!("./migrations/sqlite"),
        sqlx::migrate!("./migrations/postgres"),
    )
    .including(eip_platform::outbox::migrations())
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

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub outbox: Outbox,
    pub keys: IdentityKeys,
    pub clock: Clock,
    /// Sends reminders by email; `None` without an SMTP server.
    pub mailer: Option<jobs::mail::Mailer>,
}

impl FromRef<AppState> for IdentityKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

/// Connects, migrates (which seeds the framework), loads demo data when
/// asked, and serves until `shutdown`, relaying the outbox to the bus and
/// running the daily reminder job meanwhile; reminders are also emailed
/// when `config.smtp` names a relay.
pub async fn launch(
    config: Config,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mailer = jobs::mail::Mailer::from_config(config.smtp.as_ref())?;
    let clock = config.clock;
    let mut launch =
        Launch::connect(NAME, &config.service, &migrations(), shared, shutdown).await?;
    let outbox = launch.outbox();
    if config.service.demo {
        demo::seed(&launch.db, &outbox, clock.today()).await?;
    }
    let state = AppState {
        db: launch.db.clone(),
        outbox,
        keys: launch.shared.keys.clone(),
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
    let uploads =
        eip_platform::http::uploads(api::uploads(state.clone()), jobs::import::MAX_IMPORT_BYTES);
    launch
        .serve_with_uploads(listener, api::router(state), uploads)
        .await
}
