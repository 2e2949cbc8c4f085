//! Redis Streams: `XADD`, `XREADGROUP`, `XACK`, `XAUTOCLAIM`.

use super::{BusError, Delivery, decode};
use eip_types::events::EventEnvelope;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamMaxlen, StreamReadOptions,
    StreamReadReply,
};
use std::time::Duration;

/// Streams keep at most about this many entries; the outbox keeps them all.
const MAX_STREAM_LEN: usize = 100_000;

#[derive(Clone)]
pub struct RedisBus {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
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
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, BusError> {
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
        let mut conn = self.conn.clone();
        conn.xadd_maxlen(
            self.key(&env.source),
            StreamMaxlen::Approx(MAX_STREAM_LEN),
            "*",
            &[("event", json)],
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
        reply
            .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(to_delivery)
            .collect()
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
        reply.claimed.into_iter().map(to_delivery).collect()
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

fn to_delivery(entry: StreamId) -> Result<Delivery, BusError> {
    let json: String = entry.get("event").ok_or_else(|| BusError::Decode {
        entry_id: entry.id.clone(),
        reason: "no `event` field".into(),
    })?;
    Ok(Delivery {
        envelope: decode(&entry.id, &json)?,
        entry_id: entry.id,
    })
}
