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
use eip_types::events::{EventEnvelope, EventPage, FeedPosition};
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
    async fn page(&self, after: FeedPosition, limit: i64) -> anyhow::Result<EventPage>;
}

/// A source service's `GET /events` feed.
#[async_trait]
impl EventFeed for ServiceClient {
    async fn page(&self, after: FeedPosition, limit: i64) -> anyhow::Result<EventPage> {
        Ok(self
            .get_as_service(&format!(
                "/events?after_tx={}&after={}&limit={limit}",
                after.tx, after.seq
            ))
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
/// Pages one catch-up reads before handing back to the stream: under
/// sustained load the feed never runs dry, and the stream (and a group
/// lost with Redis) must not wait for it. The rest follows next time.
const CATCH_UP_PAGES: usize = 20;
/// The least time between two catch-ups that a gap in the stream asks for:
/// transactions commit out of sequence, so a gap is often only a moment.
const GAP_CATCH_UP_EVERY: Duration = Duration::from_secs(1);

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

    async fn feed_cursor(&self) -> Result<FeedPosition, sqlx::Error> {
        let row = sqlx::query("SELECT tx, position FROM feed_cursors WHERE source = $1")
            .bind(self.source)
            .fetch_optional(self.db.pool())
            .await?;
        row.map_or(Ok(FeedPosition::default()), |r| {
            Ok(FeedPosition {
                tx: r.try_get("tx")?,
                seq: r.try_get("position")?,
            })
        })
    }

    /// Moves the cursor forward to `to`; never back (replicas share it).
    async fn save_feed_cursor(&self, to: FeedPosition) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO feed_cursors (source, tx, position) VALUES ($1, $2, $3) \
             ON CONFLICT (source) DO UPDATE SET tx = excluded.tx, position = excluded.position \
             WHERE feed_cursors.tx < excluded.tx \
                OR (feed_cursors.tx = excluded.tx AND feed_cursors.position < excluded.position)",
        )
        .bind(self.source)
        .bind(to.tx)
        .bind(to.seq)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Reads the source's whole feed from where the last catch-up stopped,
    /// until it runs dry, and processes what is missing. Returns how many
    /// events were applied. (The running consumer reads it a few pages at a
    /// time instead, between reads of the stream.)
    pub async fn catch_up(&self) -> anyhow::Result<usize> {
        let mut applied = 0;
        loop {
            let (n, dry) = self.catch_up_some().await?;
            applied += n;
            if dry {
                return Ok(applied);
            }
        }
    }

    /// Reads the source's feed from where the last catch-up stopped and
    /// processes what is missing, for at most [`CATCH_UP_PAGES`] pages.
    /// Returns how many events were applied and whether the feed ran dry
    /// (a page came back short); if not, the caller goes back to the stream
    /// and catches up again soon.
    async fn catch_up_some(&self) -> anyhow::Result<(usize, bool)> {
        let mut after = self.feed_cursor().await?;
        let mut applied = 0;
        let mut dry = false;
        for _ in 0..CATCH_UP_PAGES {
            let page = self.feed.page(after, FEED_PAGE).await?;
            for event in &page.events {
                if self.process(event).await? == Outcome::Applied {
                    applied += 1;
                }
            }
            if page.next > after {
                after = page.next;
                self.save_feed_cursor(after).await?;
            }
            if (page.events.len() as i64) < FEED_PAGE {
                dry = true;
                break;
            }
        }
        if applied > 0 {
            tracing::info!(
                source = self.source,
                applied,
                dry,
                "caught up from the source feed"
            );
        }
        Ok((applied, dry))
    }

    /// Processes and acknowledges `deliveries`; says whether they skipped
    /// a sequence number (something before them may never have reached
    /// the stream, or is only committing now).
    async fn handle(&self, reader: &Bus, deliveries: Vec<Delivery>) -> anyhow::Result<bool> {
        if deliveries.is_empty() {
            return Ok(false);
        }
        let mut high = self.high_seq().await?;
        let mut gap = false;
        for d in deliveries {
            gap |= d.envelope.seq > high + 1;
            self.process(&d.envelope).await?;
            high = high.max(d.envelope.seq);
            reader.ack(self.source, self.group, &d.entry_id).await?;
        }
        Ok(gap)
    }

    /// Runs until `shutdown`: catch up, then read, process and acknowledge,
    /// catching up again from the feed when the stream shows a gap (at most
    /// once a second), when the group was lost, and every minute. A
    /// catch-up reads a bounded number of pages and hands back to the
    /// stream; one that fails (the source is down) is retried, and the
    /// stream keeps being read meanwhile.
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            let mut reader: Option<Bus> = None;
            // Catch up before anything else, and then whenever `due` says.
            let mut urgent = true;
            let mut gap = false;
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
                    let since = last_catch_up.elapsed();
                    if urgent || (gap && since >= GAP_CATCH_UP_EVERY) || since >= CATCH_UP_EVERY {
                        last_catch_up = tokio::time::Instant::now();
                        match self.catch_up_some().await {
                            Ok((_, dry)) => {
                                urgent = !dry;
                                gap = false;
                            }
                            Err(e) => {
                                tracing::warn!(
                                    source = self.source,
                                    error = %format!("{e:#}"),
                                    "catching up from the source feed failed; reading the stream meanwhile"
                                );
                                urgent = false;
                                gap = true;
                            }
                        }
                    }
                    let stale = bus
                        .claim_stale(self.source, self.group, &self.name, CLAIM_IDLE, READ_COUNT)
                        .await?;
                    gap |= self.handle(&bus, stale).await?;
                    let fresh = bus
                        .read(self.source, self.group, &self.name, READ_COUNT, READ_BLOCK)
                        .await?;
                    gap |= self.handle(&bus, fresh).await?;
                    anyhow::Ok(())
                };
                let result = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    r = step => r,
                };
                match result {
                    Ok(()) => backoff = Duration::from_millis(200),
                    Err(e) => {
                        reader = None;
                        urgent = true;
                        if matches!(e.downcast_ref::<BusError>(), Some(BusError::NoGroup)) {
                            tracing::warn!(
                                source = self.source,
                                "consumer group lost; recreating and catching up"
                            );
                            continue;
                        }
                        tracing::warn!(
                            source = self.source,
                            error = %format!("{e:#}"),
                            "consumer paused"
                        );
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
