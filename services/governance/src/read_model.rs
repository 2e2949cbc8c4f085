//! The fact table, updated inside the transaction that marks an event
//! processed, and the queries reports make of it.

use crate::sources::{self, Clock, Count, Fact};
use async_trait::async_trait;
use eip_platform::consumer::{Consumer, EventHandler};
use eip_platform::db::{Db, Tx, parse_date};
use eip_types::events::EventEnvelope;
use sqlx::{AnyPool, Row};

/// Applies any modelled event from any source to the fact table.
pub struct FactEvents;

#[async_trait]
impl EventHandler for FactEvents {
    async fn apply(&self, tx: &mut Tx, event: &EventEnvelope) -> anyhow::Result<()> {
        let facts = sources::facts_of(event);
        if facts.is_empty() {
            // Kinds this service does not model yet are recorded and skipped.
            tracing::debug!(kind = %event.kind, "event not modelled");
        }
        for fact in &facts {
            record(tx, fact).await?;
        }
        Ok(())
    }
}

async fn record(tx: &mut Tx, fact: &Fact) -> Result<(), sqlx::Error> {
    let elapsed = match &fact.clock {
        Clock::None => None,
        Clock::Start { case, on } => {
            sqlx::query(
                "INSERT INTO case_clock (case_key, started_on) VALUES ($1, $2) \
                 ON CONFLICT (case_key) DO NOTHING",
            )
            .bind(case)
            .bind(on.to_string())
            .execute(&mut **tx)
            .await?;
            None
        }
        Clock::Lap { case, at } | Clock::Stop { case, at } => {
            let started = sqlx::query("SELECT started_on FROM case_clock WHERE case_key = $1")
                .bind(case)
                .fetch_optional(&mut **tx)
                .await?;
            let elapsed = match started {
                Some(row) => {
                    let on = parse_date(&row.try_get::<String, _>("started_on")?)?;
                    let start = on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                    Some((*at - start).num_seconds().max(0))
                }
                None => None,
            };
            if matches!(fact.clock, Clock::Stop { .. }) {
                sqlx::query("DELETE FROM case_clock WHERE case_key = $1")
                    .bind(case)
                    .execute(&mut **tx)
                    .await?;
            }
            elapsed
        }
    };
    let n = match &fact.count {
        Count::One => 1,
        Count::Level { key, value } => {
            let before: Option<i64> =
                sqlx::query("SELECT value FROM fact_levels WHERE level_key = $1")
                    .bind(key)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|row| row.try_get("value"))
                    .transpose()?;
            sqlx::query(
                "INSERT INTO fact_levels (level_key, source, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (level_key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(fact.source)
            .bind(value)
            .execute(&mut **tx)
            .await?;
            value - before.unwrap_or(0)
        }
    };
    sqlx::query(
        "INSERT INTO facts (source, kind, area_id, period, category, n, timed, elapsed_seconds) \
         VALUES ($1, $2, $3, $4, $5, $8, $6, $7) \
         ON CONFLICT (source, kind, area_id, period, category) DO UPDATE SET \
         n = facts.n + excluded.n, timed = facts.timed + excluded.timed, \
         elapsed_seconds = facts.elapsed_seconds + excluded.elapsed_seconds",
    )
    .bind(fact.source)
    .bind(fact.kind)
    .bind(&fact.area_id)
    .bind(&fact.period)
    .bind(&fact.category)
    .bind(i64::from(elapsed.is_some()))
    .bind(elapsed.unwrap_or(0))
    .bind(n)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One cell of the fact table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FactRow {
    pub kind: String,
    pub area_id: String,
    pub period: String,
    pub category: String,
    pub n: i64,
    pub timed: i64,
    pub elapsed_seconds: i64,
}

/// Every cell for the given kinds from `from` to `to` (months, inclusive).
/// The table has one row per kind, area, month and category, so this reads
/// the same number of rows however many events made them.
pub async fn facts(
    pool: &AnyPool,
    kinds: &[String],
    from: &str,
    to: &str,
) -> Result<Vec<FactRow>, sqlx::Error> {
    let mut out = Vec::new();
    for kind in kinds {
        let rows = sqlx::query(
            "SELECT kind, area_id, period, category, n, timed, elapsed_seconds FROM facts \
             WHERE kind = $1 AND period >= $2 AND period <= $3",
        )
        .bind(kind)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
        for row in rows {
            out.push(FactRow {
                kind: row.try_get("kind")?,
                area_id: row.try_get("area_id")?,
                period: row.try_get("period")?,
                category: row.try_get("category")?,
                n: row.try_get("n")?,
                timed: row.try_get("timed")?,
                elapsed_seconds: row.try_get("elapsed_seconds")?,
            });
        }
    }
    out.sort();
    Ok(out)
}

/// Which kinds each area has reported up to `to` (inclusive): the other
/// fields are left empty. Enough to tell a silent source from zero activity.
pub async fn reported(pool: &AnyPool, to: &str) -> Result<Vec<FactRow>, sqlx::Error> {
    sqlx::query("SELECT DISTINCT kind, area_id FROM facts WHERE period <= $1")
        .bind(to)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(FactRow {
                kind: row.try_get("kind")?,
                area_id: row.try_get("area_id")?,
                period: String::new(),
                category: String::new(),
                n: 0,
                timed: 0,
                elapsed_seconds: 0,
            })
        })
        .collect()
}

/// Every cell, in a stable order: what a rebuild must reproduce exactly.
pub async fn all_facts(pool: &AnyPool) -> Result<Vec<(String, FactRow)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT source, kind, area_id, period, category, n, timed, elapsed_seconds FROM facts",
    )
    .fetch_all(pool)
    .await?;
    let mut out = rows
        .iter()
        .map(|row| {
            Ok((
                row.try_get("source")?,
                FactRow {
                    kind: row.try_get("kind")?,
                    area_id: row.try_get("area_id")?,
                    period: row.try_get("period")?,
                    category: row.try_get("category")?,
                    n: row.try_get("n")?,
                    timed: row.try_get("timed")?,
                    elapsed_seconds: row.try_get("elapsed_seconds")?,
                },
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    out.sort();
    Ok(out)
}

/// Submitted referrals per area id, as counted so far.
pub async fn submitted_per_area(pool: &AnyPool) -> Result<Vec<(String, u64)>, sqlx::Error> {
    sqlx::query(
        "SELECT area_id, CAST(SUM(n) AS BIGINT) AS submitted FROM facts \
         WHERE kind = 'referral.submitted' GROUP BY area_id",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let n: i64 = row.try_get("submitted")?;
        Ok((row.try_get("area_id")?, n.max(0) as u64))
    })
    .collect()
}

/// Wipes what one source contributed and replays its event feed from the
/// start. The figures during the replay are partial; once it returns they
/// are exactly what the events say.
pub async fn rebuild(db: &Db, consumer: &Consumer) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    for sql in [
        "DELETE FROM facts WHERE source = $1",
        "DELETE FROM fact_levels WHERE source = $1",
        "DELETE FROM processed_events WHERE source = $1",
        "DELETE FROM feed_cursors WHERE source = $1",
    ] {
        sqlx::query(sql)
            .bind(consumer.source)
            .execute(&mut *tx)
            .await?;
    }
    if consumer.source == eip_types::events::ReferralEvent::SOURCE {
        sqlx::query("DELETE FROM case_clock")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    consumer.catch_up().await
}
