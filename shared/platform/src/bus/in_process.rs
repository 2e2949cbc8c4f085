//! Streams, groups and pending lists in memory, with the semantics of Redis
//! Streams that consumers rely on.

use super::{BusError, Delivery};
use eip_types::events::EventEnvelope;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Clone, Debug, Default)]
pub struct InProcessBus {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    streams: Mutex<HashMap<String, Stream>>,
    appended: Notify,
}

#[derive(Debug, Default)]
struct Stream {
    next_id: u64,
    entries: BTreeMap<u64, EventEnvelope>,
    groups: HashMap<String, Group>,
}

#[derive(Debug, Default)]
struct Group {
    last_delivered: u64,
    pending: BTreeMap<u64, (String, Instant)>,
}

impl InProcessBus {
    fn streams(&self) -> MutexGuard<'_, HashMap<String, Stream>> {
        // A poisoned lock only means another thread panicked mid-update of
        // plain maps; the data is still usable.
        self.inner
            .streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn publish(&self, env: &EventEnvelope) -> String {
        let id = {
            let mut streams = self.streams();
            let stream = streams.entry(env.source.clone()).or_default();
            stream.next_id += 1;
            let id = stream.next_id;
            stream.entries.insert(id, env.clone());
            id
        };
        self.inner.appended.notify_waiters();
        id.to_string()
    }

    pub fn ensure_group(&self, source: &str, group: &str) {
        let mut streams = self.streams();
        streams
            .entry(source.to_owned())
            .or_default()
            .groups
            .entry(group.to_owned())
            .or_default();
    }

    fn take_new(
        &self,
        source: &str,
        group: &str,
        consumer: &str,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut streams = self.streams();
        let stream = streams.get_mut(source).ok_or(BusError::NoGroup)?;
        let Stream {
            entries, groups, ..
        } = stream;
        let g = groups.get_mut(group).ok_or(BusError::NoGroup)?;
        let now = Instant::now();
        let out: Vec<Delivery> = entries
            .range(g.last_delivered + 1..)
            .take(count)
            .map(|(id, env)| Delivery {
                entry_id: id.to_string(),
                envelope: env.clone(),
            })
            .collect();
        for d in &out {
            let id: u64 = d.entry_id.parse().unwrap_or_default();
            g.last_delivered = g.last_delivered.max(id);
            g.pending.insert(id, (consumer.to_owned(), now));
        }
        Ok(out)
    }

    pub async fn read(
        &self,
        source: &str,
        group: &str,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        let deadline = Instant::now() + block;
        loop {
            let appended = self.inner.appended.notified();
            let out = self.take_new(source, group, consumer, count)?;
            if !out.is_empty() {
                return Ok(out);
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() || tokio::time::timeout(remaining, appended).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }

    pub fn ack(&self, source: &str, group: &str, entry_id: &str) -> Result<(), BusError> {
        let id: u64 = entry_id.parse().map_err(|_| BusError::Decode {
            entry_id: entry_id.to_owned(),
            reason: "not an in-process entry id".into(),
        })?;
        let mut streams = self.streams();
        let g = streams
            .get_mut(source)
            .and_then(|s| s.groups.get_mut(group))
            .ok_or(BusError::NoGroup)?;
        g.pending.remove(&id);
        Ok(())
    }

    pub fn claim_stale(
        &self,
        source: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut streams = self.streams();
        let stream = streams.get_mut(source).ok_or(BusError::NoGroup)?;
        let Stream {
            entries, groups, ..
        } = stream;
        let g = groups.get_mut(group).ok_or(BusError::NoGroup)?;
        let now = Instant::now();
        let mut out = Vec::new();
        for (id, (owner, since)) in g.pending.iter_mut() {
            if out.len() >= count {
                break;
            }
            if now.duration_since(*since) >= min_idle
                && let Some(env) = entries.get(id)
            {
                *owner = consumer.to_owned();
                *since = now;
                out.push(Delivery {
                    entry_id: id.to_string(),
                    envelope: env.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Forgets every stream and group, as a restarted Redis without
    /// persistence would.
    pub fn clear(&self) {
        self.streams().clear();
    }

    /// Entries delivered to a group and not yet acknowledged.
    pub fn pending_count(&self, source: &str, group: &str) -> usize {
        self.streams()
            .get(source)
            .and_then(|s| s.groups.get(group))
            .map_or(0, |g| g.pending.len())
    }
}
