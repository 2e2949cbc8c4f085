//! The framework's storage: outcomes, indicators and measures, each kept
//! as its JSON body at its position.

use super::{from_json, to_json};
use crate::framework::seed_replaces;
use eip_platform::db::{Tx, now_text};
use eip_types::governance::{Framework, Indicator, Measure};
use sqlx::{AnyPool, Row};

/// Stores `f` (the strategy's framework) if no framework has been stored
/// yet, or brings an earlier seed up to date.
#[tracing::instrument(skip_all)]
pub async fn seed(tx: &mut Tx, f: &Framework) -> Result<(), sqlx::Error> {
    let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM outcomes")
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    if existing > 0 {
        return upgrade(tx, f).await;
    }
    for (i, o) in f.outcomes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO outcomes (id, position, body) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&o.id)
        .bind(i as i64)
        .bind(to_json(o)?)
        .execute(&mut **tx)
        .await?;
    }
    for (i, ind) in f.indicators.iter().enumerate() {
        add_indicator(tx, ind, i as i64).await?;
    }
    for (i, m) in f.measures.iter().enumerate() {
        put_measure(tx, m, i as i64).await?;
    }
    Ok(())
}

/// Brings a framework seeded by an earlier release up to date without
/// undoing anyone's edits: indicators and measures the strategy has gained
/// are added, and seeded measures still planned become active once the
/// events they wait for are published.
async fn upgrade(tx: &mut Tx, f: &Framework) -> Result<(), sqlx::Error> {
    for (i, ind) in f.indicators.iter().enumerate() {
        add_indicator(tx, ind, i as i64).await?;
    }
    let stored = sqlx::query("SELECT id, body FROM measures")
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("id")?,
                from_json::<Measure>(&r.try_get::<String, _>("body")?)?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    for (i, m) in f.measures.iter().enumerate() {
        let old = stored.iter().find(|(id, _)| *id == m.id).map(|(_, m)| m);
        if seed_replaces(old, m) {
            put_measure(tx, m, i as i64).await?;
        }
    }
    Ok(())
}

/// Adds an indicator unless one with its id is stored.
async fn add_indicator(tx: &mut Tx, ind: &Indicator, position: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO indicators (id, outcome_id, position, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&ind.id)
    .bind(&ind.outcome_id)
    .bind(position)
    .bind(to_json(ind)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Creates or replaces a measure at `position`.
#[tracing::instrument(skip_all)]
pub async fn put_measure(tx: &mut Tx, m: &Measure, position: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO measures (id, indicator_id, position, body, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET \
         indicator_id = excluded.indicator_id, body = excluded.body, \
         updated_at = excluded.updated_at",
    )
    .bind(&m.id)
    .bind(&m.indicator_id)
    .bind(position)
    .bind(to_json(m)?)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The stored framework, in the order it was written.
#[tracing::instrument(skip_all)]
pub async fn load(pool: &AnyPool) -> Result<Framework, sqlx::Error> {
    Ok(Framework {
        outcomes: bodies(pool, "outcomes").await?,
        indicators: bodies(pool, "indicators").await?,
        measures: bodies(pool, "measures").await?,
    })
}

async fn bodies<T: serde::de::DeserializeOwned>(
    pool: &AnyPool,
    table: &str,
) -> Result<Vec<T>, sqlx::Error> {
    sqlx::query(&format!("SELECT body FROM {table} ORDER BY position, id"))
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| from_json(&r.try_get::<String, _>("body")?))
        .collect()
}
