//! A stand-in training service for the tests of services that gate work:
//! it serves an event feed (for the consumer's catch-up) and publishes
//! training events onto the bus in sequence, as the real outbox relay does.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::bus::Bus;
use eip_types::events::{EventEnvelope, EventPage, FeedPosition, TrainingEvent};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Log = Arc<Mutex<Vec<EventEnvelope>>>;

pub struct FakeTraining {
    /// Where the feed is served: the gating service's `training_url`.
    pub url: String,
    bus: Bus,
    log: Log,
    server: tokio::task::JoinHandle<()>,
}

/// The feed as the platform serves it, with every event written by one
/// transaction (`tx` 0), as on SQLite.
async fn feed(State(log): State<Log>, Query(q): Query<HashMap<String, i64>>) -> Json<EventPage> {
    let after = FeedPosition {
        tx: q.get("after_tx").copied().unwrap_or(0),
        seq: q.get("after").copied().unwrap_or(0),
    };
    let limit = usize::try_from(q.get("limit").copied().unwrap_or(500)).unwrap_or(500);
    let all = log.lock().map(|l| l.clone()).unwrap_or_default();
    let head = all.last().map_or(0, |e| e.seq);
    let events: Vec<EventEnvelope> = all
        .into_iter()
        .filter(|e| FeedPosition { tx: 0, seq: e.seq } > after)
        .take(limit)
        .collect();
    let next = events
        .last()
        .map_or(after, |e| FeedPosition { tx: 0, seq: e.seq });
    Json(EventPage { events, head, next })
}

impl FakeTraining {
    pub async fn start(bus: Bus) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let log: Log = Arc::default();
        let app = Router::new()
            .route("/events", get(feed))
            .with_state(log.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeTraining {
            url,
            bus,
            log,
            server,
        })
    }

    /// Publishes `event` with the next sequence number; returns it.
    pub async fn publish(&self, event: &TrainingEvent) -> anyhow::Result<i64> {
        let env = {
            let mut log = self
                .log
                .lock()
                .map_err(|_| anyhow::anyhow!("event log poisoned"))?;
            let env = EventEnvelope {
                id: uuid::Uuid::new_v4(),
                source: TrainingEvent::SOURCE.into(),
                seq: log.last().map_or(1, |e| e.seq + 1),
                kind: event.kind().into(),
                occurred_at: chrono::Utc::now(),
                trace: BTreeMap::new(),
                payload: event.payload(),
            };
            log.push(env.clone());
            env
        };
        self.bus.publish(&env).await?;
        Ok(env.seq)
    }

    /// Publishes `event` and waits (up to ten seconds) until the service
    /// whose database is at `database_url` has applied it.
    pub async fn deliver(&self, database_url: &str, event: &TrainingEvent) -> anyhow::Result<()> {
        let seq = self.publish(event).await?;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(database_url).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let high: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM processed_events WHERE source = $1",
            )
            .bind(TrainingEvent::SOURCE)
            .fetch_one(&pool)
            .await?;
            if high >= seq {
                pool.close().await;
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                anyhow::bail!("the training event {seq} was not applied within ten seconds");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for FakeTraining {
    fn drop(&mut self) {
        self.server.abort();
    }
}
