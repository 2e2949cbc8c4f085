//! Recorded pilots.

use super::{from_json, to_json};
use eip_types::governance::Pilot;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn pilot_of(r: &AnyRow) -> Result<Pilot, sqlx::Error> {
    let input: String = r.try_get("input")?;
    Ok(Pilot {
        id: r.try_get("id")?,
        input: from_json(&input)?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Every recorded pilot, oldest first.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &AnyPool) -> Result<Vec<Pilot>, sqlx::Error> {
    sqlx::query("SELECT id, input, created_by, created_at FROM pilots ORDER BY created_at, id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(pilot_of)
        .collect()
}

/// One pilot.
#[tracing::instrument(skip_all)]
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<Pilot>, sqlx::Error> {
    sqlx::query("SELECT id, input, created_by, created_at FROM pilots WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(pilot_of)
        .transpose()
}

/// Records a pilot.
#[tracing::instrument(skip_all)]
pub async fn insert(pool: &AnyPool, pilot: &Pilot) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO pilots (id, input, created_by, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&pilot.id)
        .bind(to_json(&pilot.input)?)
        .bind(&pilot.created_by)
        .bind(&pilot.created_at)
        .execute(pool)
        .await?;
    Ok(())
}
