//! The fact table and what keeps it: the cells, the clocks that time a
//! referral's steps from its submission, and the levels a source last set.

use crate::compute::FactRow;
use crate::sources::{Clock, Count, Fact};
use eip_platform::db::{Tx, parse_date};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// Adds one event's fact to its cell, with the clock and level it moves.
/// Called for every event, a whole feed of them on a rebuild: a hot path,
/// so it opens no span of its own.
pub async fn record(tx: &mut Tx, fact: &Fact) -> Result<(), sqlx::Error> {
    let elapsed = match &fact.clock {
        Clock::None => None,
        Clock::Start { case, on } => {
            start_clock(tx, case, &on.to_string()).await?;
            None
        }
        Clock::Lap { case, at } | Clock::Stop { case, at } => {
            let elapsed = match clock_start(tx, case).await? {
                Some(on) => {
                    let start = on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                    Some((*at - start).num_seconds().max(0))
                }
                None => None,
            };
            if matches!(fact.clock, Clock::Stop { .. }) {
                stop_clock(tx, case).await?;
            }
            elapsed
        }
    };
    let n = match &fact.count {
        Count::One => 1,
        Count::Level { key, value } => set_level(tx, key, fact.source, *value).await?,
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

/// Starts timing a case from `on`, unless it is timed already.
async fn start_clock(tx: &mut Tx, case: &str, on: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_clock (case_key, started_on) VALUES ($1, $2) \
         ON CONFLICT (case_key) DO NOTHING",
    )
    .bind(case)
    .bind(on)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The day a case's clock started, if it is timed.
async fn clock_start(tx: &mut Tx, case: &str) -> Result<Option<chrono::NaiveDate>, sqlx::Error> {
    let started = sqlx::query("SELECT started_on FROM case_clock WHERE case_key = $1")
        .bind(case)
        .fetch_optional(&mut **tx)
        .await?;
    started
        .map(|row| parse_date(&row.try_get::<String, _>("started_on")?))
        .transpose()
}

/// Forgets a case's clock.
async fn stop_clock(tx: &mut Tx, case: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM case_clock WHERE case_key = $1")
        .bind(case)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets the level `key` holds and answers how far it moved.
async fn set_level(tx: &mut Tx, key: &str, source: &str, value: i64) -> Result<i64, sqlx::Error> {
    let before: Option<i64> = sqlx::query("SELECT value FROM fact_levels WHERE level_key = $1")
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
    .bind(source)
    .bind(value)
    .execute(&mut **tx)
    .await?;
    Ok(value - before.unwrap_or(0))
}

fn fact_row(row: &AnyRow) -> Result<FactRow, sqlx::Error> {
    Ok(FactRow {
        kind: row.try_get("kind")?,
        area_id: row.try_get("area_id")?,
        period: row.try_get("period")?,
        category: row.try_get("category")?,
        n: row.try_get("n")?,
        timed: row.try_get("timed")?,
        elapsed_seconds: row.try_get("elapsed_seconds")?,
    })
}

/// Every cell for the given kinds from `from` to `to` (months, inclusive).
/// The table has one row per kind, area, month and category, so this reads
/// the same number of rows however many events made them.
#[tracing::instrument(skip_all)]
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
            out.push(fact_row(&row)?);
        }
    }
    out.sort();
    Ok(out)
}

/// Which kinds each area has reported up to `to` (inclusive): the other
/// fields are left empty. Enough to tell a silent source from zero activity.
#[tracing::instrument(skip_all)]
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

/// Every cell with its source, in a stable order: what a rebuild must
/// reproduce exactly.
#[tracing::instrument(skip_all)]
pub async fn all_facts(pool: &AnyPool) -> Result<Vec<(String, FactRow)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT source, kind, area_id, period, category, n, timed, elapsed_seconds FROM facts",
    )
    .fetch_all(pool)
    .await?;
    let mut out = rows
        .iter()
        .map(|row| Ok((row.try_get("source")?, fact_row(row)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    out.sort();
    Ok(out)
}

/// Submitted referrals per area id, as counted so far.
#[tracing::instrument(skip_all)]
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

/// Forgets everything one source contributed, and where its events were
/// read up to, so that its feed is read again from the start.
#[tracing::instrument(skip_all)]
pub async fn forget_source(tx: &mut Tx, source: &str) -> Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM facts WHERE source = $1",
        "DELETE FROM fact_levels WHERE source = $1",
        "DELETE FROM processed_events WHERE source = $1",
        "DELETE FROM feed_cursors WHERE source = $1",
    ] {
        sqlx::query(sql).bind(source).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Forgets every case clock.
#[tracing::instrument(skip_all)]
pub async fn forget_case_clocks(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM case_clock")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
