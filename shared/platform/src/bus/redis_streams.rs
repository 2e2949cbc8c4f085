//! Redis Streams: `XADD`, `XREADGROUP`, `XACK`, `XAUTOCLAIM`.
//!
//! Redis proves nothing by itself: anyone who can reach it can add an
//! entry. So each entry carries, beside the event's JSON, a seal made with
//! the producing service's own key (see [`Keyring::seal_event`]); a reader
//! accepts an entry only when the seal is genuine, made by the service the
//! event names as its source, on that source's stream. Anything else is
//! refused: logged, counted, acknowledged so it never comes back, and never
//! applied.

use super::{BusError, Delivery, decode};
use crate::identity::Keyring;
use eip_types::events::EventEnvelope;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamMaxlen, StreamReadOptions,
    StreamReadReply,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Streams keep at most about this many entries; the outbox keeps them all.
const MAX_STREAM_LEN: usize = 100_000;

#[derive(Clone)]
pub struct RedisBus {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    seals: Arc<Seals>,
}

/// The keys entries are sealed and checked with, and the count of entries
/// refused, shared by every handle on one bus.
#[derive(Debug)]
struct Seals {
    keys: Keyring,
    refused: AtomicU64,
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: redis::RedisError) -> BusError {
    if e.code() == Some("NOGROUP") {
        BusError::NoGroup
    } else {
        BusError::Unavailable(e.to_string())
    }
}

impl RedisBus {
    /// Connects to Redis; events are sealed and checked with `keys`.
    pub async fn connect(url: &str, prefix: &str, keys: Keyring) -> Result<Self, BusError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(10)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unavailable)?;
        Ok(Self {
            client,
            conn,
            prefix: prefix.to_owned(),
            seals: Arc::new(Seals {
                keys,
                refused: AtomicU64::new(0),
            }),
        })
    }

    pub(super) async fn reconnect(&self) -> Result<Self, BusError> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(30)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(self.client.clone(), config)
            .await
            .map_err(unavailable)?;
        Ok(Self {
            client: self.client.clone(),
            conn,
            prefix: self.prefix.clone(),
            seals: self.seals.clone(),
        })
    }

    pub fn key(&self, source: &str) -> String {
        format!("{}events:{}", self.prefix, source)
    }

    pub async fn publish(&self, env: &EventEnvelope) -> Result<String, BusError> {
        let json = serde_json::to_string(env).map_err(|e| BusError::Decode {
            entry_id: env.id.to_string(),
            reason: e.to_string(),
        })?;
        let seal = self
            .seals
            .keys
            .seal_event(&env.source, &json)
            .ok_or_else(|| {
                BusError::Unavailable(format!("this process holds no key for {}", env.source))
            })?;
        let mut conn = self.conn.clone();
        conn.xadd_maxlen(
            self.key(&env.source),
            StreamMaxlen::Approx(MAX_STREAM_LEN),
            "*",
            &[("event", json), ("seal", seal)],
        )
        .await
        .map_err(unavailable)
    }

    pub async fn ensure_group(&self, source: &str, group: &str) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let created: Result<(), redis::RedisError> = conn
            .xgroup_create_mkstream(self.key(source), group, "0")
            .await;
        match created {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    pub async fn read(
        &self,
        source: &str,
        group: &str,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut conn = self.conn.clone();
        let opts = StreamReadOptions::default()
            .group(group, consumer)
            .count(count)
            .block(block.as_millis().try_into().unwrap_or(usize::MAX));
        let reply: Option<StreamReadReply> = conn
            .xread_options(&[self.key(source)], &[">"], &opts)
            .await
            .map_err(unavailable)?;
        let entries = reply
            .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect::<Vec<_>>())
            .unwrap_or_default();
        self.accept(source, group, entries).await
    }

    /// The entries whose seal holds, as deliveries; the rest are refused.
    async fn accept(
        &self,
        source: &str,
        group: &str,
        entries: Vec<StreamId>,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut accepted = Vec::with_capacity(entries.len());
        for entry in entries {
            match self.open(source, &entry) {
                Ok(envelope) => accepted.push(Delivery {
                    envelope,
                    entry_id: entry.id,
                }),
                Err(reason) => {
                    self.seals.refused.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        source,
                        entry = %entry.id,
                        reason,
                        "event refused: not sealed by its source"
                    );
                    self.ack(source, group, &entry.id).await?;
                }
            }
        }
        Ok(accepted)
    }

    /// The event in `entry`, if its seal is genuine and its maker is the
    /// event's source and the stream's.
    fn open(&self, source: &str, entry: &StreamId) -> Result<EventEnvelope, &'static str> {
        let json: String = entry.get("event").ok_or("no event")?;
        let seal: String = entry.get("seal").ok_or("no seal")?;
        let maker = self
            .seals
            .keys
            .event_sealed_by(&json, &seal)
            .ok_or("bad seal")?;
        let envelope = decode(&entry.id, &json).map_err(|_| "undecodable")?;
        if maker != source || envelope.source != source {
            return Err("wrong source");
        }
        Ok(envelope)
    }

    /// Entries refused since this bus was connected.
    pub fn refused(&self) -> u64 {
        self.seals.refused.load(Ordering::Relaxed)
    }

    pub async fn ack(&self, source: &str, group: &str, entry_id: &str) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let _: i64 = conn
            .xack(self.key(source), group, &[entry_id])
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    pub async fn claim_stale(
        &self,
        source: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut conn = self.conn.clone();
        let reply: StreamAutoClaimReply = conn
            .xautoclaim_options(
                self.key(source),
                group,
                consumer,
                min_idle.as_millis().try_into().unwrap_or(usize::MAX),
                "0-0",
                StreamAutoClaimOptions::default().count(count),
            )
            .await
            .map_err(unavailable)?;
        self.accept(source, group, reply.claimed).await
    }

    /// Whether Redis answers. The connection manager reconnects only after
    /// a command fails, so the first ping after Redis restarted fails on the
    /// old connection: it is asked once more before Redis counts as down.
    pub async fn ping(&self) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let first: Result<String, _> = redis::cmd("PING").query_async(&mut conn).await;
        if first.is_ok() {
            return Ok(());
        }
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
