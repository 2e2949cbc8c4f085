//! The governance service: read models built only from other services'
//! events, published to boards as aggregates with small numbers suppressed.

mod api;
pub mod read_model;
pub mod suppression;

use axum::extract::FromRef;
use eip_platform::client::ServiceClient;
use eip_platform::config::ServiceConfig;
use eip_platform::consumer::Consumer;
use eip_platform::db::{Db, Migrations};
use eip_platform::http::{Readiness, serve, service_app};
use eip_platform::identity::IdentityKeys;
use eip_platform::{CancellationToken, Shared};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::net::TcpListener;

pub use api::ApiDoc;

pub const NAME: &str = "governance";
pub const DEFAULT_PORT: u16 = 3104;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(flatten)]
    pub service: ServiceConfig,
    /// Where the referrals service's event feed is, for catching up.
    pub referrals_url: String,
    /// Published counts from 1 up to this number are hidden.
    pub suppress_up_to: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            service: ServiceConfig::defaults(NAME, DEFAULT_PORT),
            referrals_url: format!("http://127.0.0.1:{}", 3102),
            suppress_up_to: 4,
        }
    }
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
    pub keys: IdentityKeys,
    pub suppress_up_to: u64,
}

impl FromRef<AppState> for IdentityKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

/// The consumer of referral events that keeps the read models current.
pub fn referrals_consumer(db: Db, shared: &Shared, referrals_url: &str) -> Consumer {
    Consumer {
        db,
        bus: shared.bus.clone(),
        source: eip_types::events::ReferralEvent::SOURCE,
        group: NAME,
        name: format!("{NAME}-{}", uuid::Uuid::new_v4().simple()),
        handler: Arc::new(read_model::ReferralEvents),
        feed: Arc::new(ServiceClient::new(NAME, referrals_url, shared.keys.clone())),
    }
}

/// Connects, migrates, consumes referral events and serves until `shutdown`.
pub async fn launch(
    config: Config,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let db = Db::connect(&config.service.database_url, &migrations()).await?;
    let consumer =
        referrals_consumer(db.clone(), &shared, &config.referrals_url).spawn(shutdown.clone());
    let state = AppState {
        db: db.clone(),
        keys: shared.keys.clone(),
        suppress_up_to: config.suppress_up_to,
    };
    let app = service_app(
        api::router(state),
        Readiness {
            db: db.clone(),
            bus: shared.bus,
        },
    );
    tracing::info!(addr = %listener.local_addr()?, "governance service listening");
    serve(listener, app, shutdown).await?;
    let _ = consumer.await;
    db.close().await;
    Ok(())
}
