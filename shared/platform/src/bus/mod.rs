//! The event bus: one stream per source service, consumer groups, explicit
//! acknowledgement and reclaiming of entries a crashed consumer left pending.
//! Two implementations honour the same contract: [`InProcessBus`] for the
//! embedded mode and [`RedisBus`] (Redis Streams) for the distributed mode.
//!
//! The bus is transport, not truth: a source's outbox is. Consumers that find
//! the bus has lost entries catch up from the source's event feed.

mod in_process;
mod redis_streams;

pub use in_process::InProcessBus;
pub use redis_streams::RedisBus;

use crate::config::{BusConfig, BusKind};
use crate::identity::Keyring;
use eip_types::events::EventEnvelope;
use std::time::Duration;

/// An entry handed to a consumer: ack it by `entry_id` once processed.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub entry_id: String,
    pub envelope: EventEnvelope,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The stream or the group is gone, as after Redis restarted empty.
    #[error("consumer group missing")]
    NoGroup,
    #[error("bus unavailable: {0}")]
    Unavailable(String),
    #[error("undecodable entry {entry_id}: {reason}")]
    Decode { entry_id: String, reason: String },
}

#[derive(Clone, Debug)]
pub enum Bus {
    InProcess(InProcessBus),
    Redis(RedisBus),
}

impl Bus {
    /// The bus `cfg` names; on Redis, events are sealed and checked with
    /// `keys`.
    pub async fn from_config(cfg: &BusConfig, keys: &Keyring) -> Result<Self, BusError> {
        match cfg.kind {
            BusKind::InProcess => Ok(Bus::InProcess(InProcessBus::default())),
            BusKind::Redis => Ok(Bus::Redis(
                RedisBus::connect(&cfg.redis_url, &cfg.key_prefix, keys.clone()).await?,
            )),
        }
    }

    /// Entries refused because their seal did not hold (never on the
    /// in-process bus, which nobody outside the process can write to).
    pub fn refused(&self) -> u64 {
        match self {
            Bus::InProcess(_) => 0,
            Bus::Redis(b) => b.refused(),
        }
    }

    /// Appends an event to the stream of its source.
    pub async fn publish(&self, env: &EventEnvelope) -> Result<String, BusError> {
        match self {
            Bus::InProcess(b) => Ok(b.publish(env)),
            Bus::Redis(b) => b.publish(env).await,
        }
    }

    /// Creates the group on the source's stream if it does not exist,
    /// starting from the beginning of the stream.
    pub async fn ensure_group(&self, source: &str, group: &str) -> Result<(), BusError> {
        match self {
            Bus::InProcess(b) => {
                b.ensure_group(source, group);
                Ok(())
            }
            Bus::Redis(b) => b.ensure_group(source, group).await,
        }
    }

    /// New entries for this consumer, waiting up to `block` for some.
    pub async fn read(
        &self,
        source: &str,
        group: &str,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        match self {
            Bus::InProcess(b) => b.read(source, group, consumer, count, block).await,
            Bus::Redis(b) => b.read(source, group, consumer, count, block).await,
        }
    }

    pub async fn ack(&self, source: &str, group: &str, entry_id: &str) -> Result<(), BusError> {
        match self {
            Bus::InProcess(b) => b.ack(source, group, entry_id),
            Bus::Redis(b) => b.ack(source, group, entry_id).await,
        }
    }

    /// Takes over entries another consumer left unacknowledged for longer
    /// than `min_idle`.
    pub async fn claim_stale(
        &self,
        source: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        match self {
            Bus::InProcess(b) => b.claim_stale(source, group, consumer, min_idle, count),
            Bus::Redis(b) => {
                b.claim_stale(source, group, consumer, min_idle, count)
                    .await
            }
        }
    }

    pub async fn ping(&self) -> Result<(), BusError> {
        match self {
            Bus::InProcess(_) => Ok(()),
            Bus::Redis(b) => b.ping().await,
        }
    }

    /// A handle suited to blocking reads: Redis gets its own connection so a
    /// waiting read never delays publishing.
    pub async fn for_blocking_reads(&self) -> Result<Self, BusError> {
        match self {
            Bus::InProcess(b) => Ok(Bus::InProcess(b.clone())),
            Bus::Redis(b) => Ok(Bus::Redis(b.reconnect().await?)),
        }
    }
}

pub(crate) fn decode(entry_id: &str, json: &str) -> Result<EventEnvelope, BusError> {
    serde_json::from_str(json).map_err(|e| BusError::Decode {
        entry_id: entry_id.to_owned(),
        reason: e.to_string(),
    })
}
