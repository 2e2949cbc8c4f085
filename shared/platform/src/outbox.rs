//! The transactional outbox. A service records its domain events in its own
//! database in the same transaction as the change; the relay publishes them to
//! the bus afterwards, and the feed (`GET /events`) serves them to consumers
//! catching up. The outbox table is defined here, once, and included in each
//! producing service's migrations.

use crate::bus::Bus;
use crate::db::{Backend, Db, Migrations, Tx, now_text, parse_time};
use crate::error::{ApiError, ApiQuery};
use crate::identity::{Authenticated, IdentityKeys};
use crate::telemetry;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_types::Problem;
use eip_types::events::{EventEnvelope, EventPage, FeedPosition};
use serde::Deserialize;
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The outbox table, for a producing service's migration set.
pub fn migrations() -> Migrations {
    Migrations::new(
        sqlx::migrate!("./migrations/outbox/sqlite"),
        sqlx::migrate!("./migrations/outbox/postgres"),
    )
}

/// The outbox of one source service.
#[derive(Clone, Debug)]
pub struct Outbox {
    source: &'static str,
    wake: Arc<Notify>,
}

/// How often the relay looks for unpublished events when nobody woke it.
const RELAY_POLL: Duration = Duration::from_millis(500);
const RELAY_BATCH: i64 = 200;

impl Outbox {
    pub fn new(source: &'static str) -> Self {
        Self {
            source,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Records an event in the caller's transaction, with the current trace
    /// context. It is published only if the transaction commits.
    pub async fn record(
        &self,
        tx: &mut Tx,
        kind: &str,
        payload: &serde_json::Value,
    ) -> Result<Uuid, sqlx::Error> {
        let id = Uuid::new_v4();
        let trace = serde_json::to_string(&telemetry::current_context_map())
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO outbox (event_id, kind, payload, trace, occurred_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(kind)
        .bind(payload.to_string())
        .bind(trace)
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    /// Records several events in the caller's transaction, in order, a few
    /// hundred to a statement: for the aggregates an import writes by the
    /// thousand, where one round trip each would be most of the cost.
    pub async fn record_many(
        &self,
        tx: &mut Tx,
        events: &[(&str, serde_json::Value)],
    ) -> Result<(), sqlx::Error> {
        const ROWS: usize = 500;
        let trace = serde_json::to_string(&telemetry::current_context_map())
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let now = now_text();
        for chunk in events.chunks(ROWS) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p = i * 5;
                    format!(
                        "(${}, ${}, ${}, ${}, ${})",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO outbox (event_id, kind, payload, trace, occurred_at) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (kind, payload) in chunk {
                q = q
                    .bind(Uuid::new_v4().to_string())
                    .bind(*kind)
                    .bind(payload.to_string())
                    .bind(trace.clone())
                    .bind(now.clone());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Tells the relay there is something to publish (call after commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Publishes unpublished events in order until shut down.
    pub fn spawn_relay(
        &self,
        db: Db,
        bus: Bus,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let outbox = self.clone();
        tokio::spawn(async move {
            loop {
                match outbox.publish_pending(&db, &bus).await {
                    Ok(n) if n as i64 == RELAY_BATCH => continue,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(source = outbox.source, error = %e, "outbox relay paused")
                    }
                }
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = outbox.wake.notified() => {}
                    _ = tokio::time::sleep(RELAY_POLL) => {}
                }
            }
        })
    }

    /// Publishes one batch of unpublished events; returns how many.
    pub async fn publish_pending(&self, db: &Db, bus: &Bus) -> anyhow::Result<usize> {
        let rows = sqlx::query(
            "SELECT seq, event_id, kind, payload, trace, occurred_at FROM outbox \
             WHERE published_at IS NULL ORDER BY seq LIMIT $1",
        )
        .bind(RELAY_BATCH)
        .fetch_all(db.pool())
        .await?;
        let mut published = 0;
        for row in rows {
            let env = self.envelope(&row)?;
            bus.publish(&env).await?;
            sqlx::query("UPDATE outbox SET published_at = $1 WHERE seq = $2")
                .bind(now_text())
                .bind(env.seq)
                .execute(db.pool())
                .await?;
            published += 1;
        }
        Ok(published)
    }

    /// Events after `after` in commit order: the feed consumers catch up
    /// from. Only events whose transaction is older than every transaction
    /// still open are served, so nothing can later commit behind a position
    /// the feed has handed out (see [`FeedPosition`]).
    pub async fn feed(
        &self,
        db: &Db,
        after: FeedPosition,
        limit: i64,
    ) -> Result<EventPage, sqlx::Error> {
        let horizon = settled_horizon(db).await?;
        let rows = sqlx::query(
            "SELECT seq, tx, event_id, kind, payload, trace, occurred_at FROM outbox \
             WHERE (tx > $1 OR (tx = $1 AND seq > $2)) AND tx < $3 \
             ORDER BY tx, seq LIMIT $4",
        )
        .bind(after.tx)
        .bind(after.seq)
        .bind(horizon)
        .bind(limit.clamp(1, 1000))
        .fetch_all(db.pool())
        .await?;
        let head: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM outbox")
            .fetch_one(db.pool())
            .await?
            .try_get("head")?;
        let next = match rows.last() {
            Some(row) => FeedPosition {
                tx: row.try_get("tx")?,
                seq: row.try_get("seq")?,
            },
            None => after,
        };
        let events = rows
            .iter()
            .map(|row| self.envelope(row))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EventPage { events, head, next })
    }

    fn envelope(&self, row: &sqlx::any::AnyRow) -> Result<EventEnvelope, sqlx::Error> {
        let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
        let event_id: String = row.try_get("event_id")?;
        Ok(EventEnvelope {
            id: Uuid::parse_str(&event_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            source: self.source.to_owned(),
            seq: row.try_get("seq")?,
            kind: row.try_get("kind")?,
            occurred_at: parse_time(&row.try_get::<String, _>("occurred_at")?)?,
            trace: serde_json::from_str(&row.try_get::<String, _>("trace")?).map_err(decode)?,
            payload: serde_json::from_str(&row.try_get::<String, _>("payload")?).map_err(decode)?,
        })
    }
}

/// The transaction id below which every transaction has ended: the oldest
/// still open (or the next to start) in PostgreSQL's current snapshot. On
/// SQLite writers take turns, every event is stamped 0, and all are settled.
async fn settled_horizon(db: &Db) -> Result<i64, sqlx::Error> {
    match db.backend() {
        Backend::Sqlite => Ok(i64::MAX),
        Backend::Postgres => {
            sqlx::query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon")
                .fetch_one(db.pool())
                .await?
                .try_get("horizon")
        }
    }
}

/// What the event feed needs: the source's database and outbox, and the keys
/// that prove a caller is a platform service.
#[derive(Clone, Debug)]
pub struct FeedState {
    db: Db,
    outbox: Outbox,
    keys: IdentityKeys,
}

impl axum::extract::FromRef<FeedState> for IdentityKeys {
    fn from_ref(state: &FeedState) -> Self {
        state.keys.clone()
    }
}

/// `GET /events`: the feed consumers catch up from.
pub fn feed_router<S>(db: Db, outbox: Outbox, keys: IdentityKeys) -> Router<S> {
    Router::new()
        .route("/events", get(event_feed))
        .with_state(FeedState { db, outbox, keys })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Events after this position: the transaction id of the last event
    /// read (the page's `next.tx`; 0 to start)…
    after_tx: Option<i64>,
    /// …and its sequence number (`next.seq`).
    after: Option<i64>,
    /// At most this many events (1 to 1,000; 500 when absent).
    limit: Option<i64>,
}

/// The event feed consumers catch up from (platform services only).
#[utoipa::path(get, path = "/events", tag = "events", params(FeedQuery),
    responses((status = 200, body = EventPage), (status = 403, body = Problem)))]
pub async fn event_feed(
    State(state): State<FeedState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Json<EventPage>, ApiError> {
    user.require_service()?;
    let after = FeedPosition {
        tx: q.after_tx.unwrap_or(0),
        seq: q.after.unwrap_or(0),
    };
    let page = state
        .outbox
        .feed(&state.db, after, q.limit.unwrap_or(500))
        .await?;
    Ok(Json(page))
}
