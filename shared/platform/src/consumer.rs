//! Event consumers: read a source's stream through a consumer group, process
//! each event at most once (its id is recorded in the consumer's database in
//! the same transaction as its effect), acknowledge after commit, and take
//! over entries a crashed replica left pending.
//!
//! When the bus has lost events (the group is gone after a Redis restart, or
//! a delivered event's sequence number skips ahead), the consumer recreates
//! its group and catches up from the source's event feed over HTTP: the
//! source's outbox is the truth.

use crate::bus::{Bus, BusError, Delivery};
use crate::client::ServiceClient;
use crate::db::{Db, Migrations, Tx, now_text};
use crate::telemetry;
use async_trait::async_trait;
use eip_types::events::{EventEnvelope, EventPage};
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// The tables a consumer keeps (events applied, feed positions), for a
/// consuming service's migration set.
pub fn migrations() -> Migrations {
    Migrations::new(
        sqlx::migrate!("./migrations/consumer/sqlite"),
        sqlx::migrate!("./migrations/consumer/postgres"),
    )
}

/// What a consumer does with one event, inside the transaction that also
/// records the event as processed.
#[async_trait]
pub trait EventHandler: Send + Sync + 'static {
    async fn apply(&self, tx: &mut Tx, event: &EventEnvelope) -> anyhow::Result<()>;
}

/// Where a consumer catches up from when the bus lost events.
#[async_trait]
pub trait EventFeed: Send + Sync + 'static {
    async fn page(&self, after: i64, limit: i64) -> anyhow::Result<EventPage>;
}

/// A source service's `GET /events` feed.
#[async_trait]
impl EventFeed for ServiceClient {
    async fn page(&self, after: i64, limit: i64) -> anyhow::Result<EventPage> {
        Ok(self
            .get_as_service(&format!("/events?after={after}&limit={limit}"))
            .await?)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Duplicate,
}

#[derive(Clone)]
pub struct Consumer {
    pub db: Db,
    pub bus: Bus,
    /// The source service whose events this consumer reads.
    pub source: &'static str,
    /// The consumer group: one per consuming service, shared by its replicas.
    pub group: &'static str,
    /// This replica's name within the group.
    pub name: String,
    pub handler: Arc<dyn EventHandler>,
    pub feed: Arc<dyn EventFeed>,
}

const READ_BLOCK: Duration = Duration::from_millis(1000);
const READ_COUNT: usize = 100;
const CLAIM_IDLE: Duration = Duration::from_secs(30);
const CATCH_UP_EVERY: Duration = Duration::from_secs(60);
const FEED_PAGE: i64 = 500;

impl Consumer {
    /// Processes one event exactly once, whatever the number of deliveries.
    pub async fn process(&self, event: &EventEnvelope) -> anyhow::Result<Outcome> {
        let span = tracing::info_span!(
            "consume event",
            otel.name = %format!("consume {}", event.kind),
            event.kind = %event.kind,
            event.seq = event.seq,
        );
        telemetry::set_parent(&span, &event.trace);
        async {
            let mut tx = self.db.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO processed_events (event_id, source, seq, processed_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(event.id.to_string())
            .bind(&event.source)
            .bind(event.seq)
            .bind(now_text())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                tx.rollback().await?;
                return Ok(Outcome::Duplicate);
            }
            self.handler.apply(&mut tx, event).await?;
            tx.commit().await?;
            Ok(Outcome::Applied)
        }
        .instrument(span)
        .await
    }

    /// The highest sequence number processed from the source.
    pub async fn high_seq(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COALESCE(MAX(seq), 0) AS high FROM processed_events WHERE source = $1")
            .bind(self.source)
            .fetch_one(self.db.pool())
            .await?
            .try_get("high")
    }

    async fn feed_cursor(&self) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT position FROM feed_cursors WHERE source = $1")
            .bind(self.source)
            .fetch_optional(self.db.pool())
            .await?;
        row.map_or(Ok(0), |r| r.try_get("position"))
    }

    async fn save_feed_cursor(&self, position: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO feed_cursors (source, position) VALUES ($1, $2) \
             ON CONFLICT (source) DO UPDATE SET position = excluded.position \
             WHERE feed_cursors.position < excluded.position",
        )
        .bind(self.source)
        .bind(position)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Reads the source's feed from where the last catch-up stopped and
    /// processes what is missing. Returns how many events were applied.
    pub async fn catch_up(&self) -> anyhow::Result<usize> {
        let mut after = self.feed_cursor().await?;
        let mut applied = 0;
        loop {
            let page = self.feed.page(after, FEED_PAGE).await?;
            let Some(last) = page.events.last().map(|e| e.seq) else {
                break;
            };
            for event in &page.events {
                if self.process(event).await? == Outcome::Applied {
                    applied += 1;
                }
            }
            after = last;
            self.save_feed_cursor(after).await?;
        }
        if applied > 0 {
            tracing::info!(
                source = self.source,
                applied,
                "caught up from the source feed"
            );
        }
        Ok(applied)
    }

    async fn handle(&self, reader: &Bus, deliveries: Vec<Delivery>) -> anyhow::Result<()> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let mut high = self.high_seq().await?;
        for d in deliveries {
            if d.envelope.seq > high + 1 {
                // Something before this event never reached us.
                self.catch_up().await?;
                high = self.high_seq().await?;
            }
            self.process(&d.envelope).await?;
            high = high.max(d.envelope.seq);
            reader.ack(self.source, self.group, &d.entry_id).await?;
        }
        Ok(())
    }

    /// Runs until `shutdown`: catch up, then read, process and acknowledge.
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            let mut reader: Option<Bus> = None;
            let mut needs_catch_up = true;
            let mut last_catch_up = tokio::time::Instant::now();
            while !shutdown.is_cancelled() {
                let step = async {
                    let bus = match &reader {
                        Some(b) => b.clone(),
                        None => {
                            let b = self.bus.for_blocking_reads().await?;
                            b.ensure_group(self.source, self.group).await?;
                            reader = Some(b.clone());
                            b
                        }
                    };
                    if needs_catch_up || last_catch_up.elapsed() >= CATCH_UP_EVERY {
                        self.catch_up().await?;
                        needs_catch_up = false;
                        last_catch_up = tokio::time::Instant::now();
                    }
                    let stale = bus
                        .claim_stale(self.source, self.group, &self.name, CLAIM_IDLE, READ_COUNT)
                        .await?;
                    self.handle(&bus, stale).await?;
                    let fresh = bus
                        .read(self.source, self.group, &self.name, READ_COUNT, READ_BLOCK)
                        .await?;
                    self.handle(&bus, fresh).await
                };
                let result = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    r = step => r,
                };
                match result {
                    Ok(()) => backoff = Duration::from_millis(200),
                    Err(e) => {
                        if matches!(e.downcast_ref::<BusError>(), Some(BusError::NoGroup)) {
                            tracing::warn!(
                                source = self.source,
                                "consumer group lost; recreating and catching up"
                            );
                            reader = None;
                            needs_catch_up = true;
                            continue;
                        }
                        tracing::warn!(source = self.source, error = %e, "consumer paused");
                        reader = None;
                        needs_catch_up = true;
                        tokio::select! {
                            _ = shutdown.cancelled() => break,
                            _ = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            }
        })
    }
}
