//! The platform every Early Intervention service stands on.
//!
//! Each module is one concern: typed configuration ([`config`]), logs and
//! traces ([`telemetry`]), database pools for SQLite and PostgreSQL ([`db`]),
//! the event bus with its in-process and Redis Streams implementations
//! ([`bus`]), the transactional outbox and its relay ([`outbox`]), event
//! consumers that catch up from the source when the bus lost something
//! ([`consumer`]), the signed identity assertion ([`identity`]), the client
//! services and the portal call each other with ([`client`]), the HTTP
//! plumbing every service shares ([`http`], [`error`]), and the frame every
//! service's `main` and `launch` are built in ([`service`]).

pub mod bus;
pub mod client;
pub mod config;
pub mod consumer;
pub mod db;
pub mod error;
pub mod http;
pub mod identity;
pub mod outbox;
pub mod service;
pub mod telemetry;

pub use tokio_util::sync::CancellationToken;

/// What the parts hosted in one process share: the bus and the keyring.
#[derive(Clone, Debug)]
pub struct Shared {
    pub bus: bus::Bus,
    pub keys: identity::Keyring,
}

impl Shared {
    /// Builds the bus and keys a standalone process running `part` needs.
    pub async fn from_config(part: &str, cfg: &config::ServiceConfig) -> anyhow::Result<Self> {
        let keys = identity::Keyring::from_config(part, &cfg.identity)?;
        let bus = bus::Bus::from_config(&cfg.bus, &keys).await?;
        Ok(Self { bus, keys })
    }
}
