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
pub mod import;
pub mod mail;
mod records;
pub mod rules;
pub mod standing;
mod store;
pub mod workforce;

use axum::extract::FromRef;
use eip_platform::db::{Db, Migrations};
use eip_platform::http::{Readiness, serve, service_app};
use eip_platform::identity::IdentityKeys;
use eip_platform::outbox::Outbox;
use eip_platform::{CancellationToken, Shared};
use tokio::net::TcpListener;

pub use api::ApiDoc;

/// The event source name and stream of this service.
pub const SOURCE: &str = eip_types::events::TrainingEvent::SOURCE;
pub const DEFAULT_PORT: u16 = 3103;

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
    pub mailer: Option<mail::Mailer>,
}

impl FromRef<AppState> for IdentityKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

/// How long after start the daily job first runs, and how often after.
/// It is idempotent per day, so running it hourly only catches up.
const JOB_FIRST_RUN: std::time::Duration = std::time::Duration::from_secs(60);
const JOB_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Runs the daily reminder and coverage job a minute after start and then
/// hourly until `shutdown`.
async fn run_daily_job(state: AppState, shutdown: CancellationToken) {
    let mut wait = JOB_FIRST_RUN;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = JOB_EVERY;
        if let Err(e) = workforce::daily(&state, state.clock.today()).await {
            tracing::warn!(error = %e, "daily training job failed; retrying in an hour");
        }
    }
}

/// Connects, migrates (which seeds the framework), loads demo data when
/// asked, and serves until `shutdown`, relaying the outbox to the bus
/// meanwhile.
pub async fn launch(
    config: Config,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    launch_with(
        config,
        mail::MailConfig::default(),
        shared,
        listener,
        shutdown,
        Clock::system(),
    )
    .await
}

/// [`launch`] with the day taken from `clock`.
pub async fn launch_with_clock(
    config: Config,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
    clock: Clock,
) -> anyhow::Result<()> {
    launch_with(
        config,
        mail::MailConfig::default(),
        shared,
        listener,
        shutdown,
        clock,
    )
    .await
}

/// [`launch_with_clock`] that also emails reminders when `mail` names an
/// SMTP server.
pub async fn launch_with(
    config: Config,
    mail: mail::MailConfig,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
    clock: Clock,
) -> anyhow::Result<()> {
    let mailer = mail::Mailer::from_config(&mail)?;
    let db = Db::connect(&config.database_url, &migrations()).await?;
    let outbox = Outbox::new(SOURCE);
    if config.demo {
        demo::seed(&db, &outbox, clock.today()).await?;
    }
    let relay = outbox.spawn_relay(db.clone(), shared.bus.clone(), shutdown.clone());
    let state = AppState {
        db: db.clone(),
        outbox,
        keys: shared.keys,
        clock,
        mailer,
    };
    if config.demo {
        // Reminders show from the first page view, not an hour in.
        workforce::daily(&state, clock.today())
            .await
            .map_err(|e| anyhow::anyhow!("the demo's daily job failed: {e}"))?;
    }
    let job = tokio::spawn(run_daily_job(state.clone(), shutdown.clone()));
    let uploads = workforce::import_router(state.clone())
        .layer(axum::middleware::from_fn(
            eip_platform::http::same_origin_only,
        ))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            workforce::MAX_IMPORT_BYTES,
        ))
        .layer(eip_platform::http::trace_layer());
    let app = service_app(
        api::router(state),
        Readiness {
            db: db.clone(),
            bus: shared.bus,
        },
    )
    .merge(uploads);
    tracing::info!(addr = %listener.local_addr()?, "training service listening");
    serve(listener, app, shutdown).await?;
    let _ = job.await;
    let _ = relay.await;
    db.close().await;
    Ok(())
}
