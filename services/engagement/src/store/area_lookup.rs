//! The census area lookup: which ward each census area lies in, kept by
//! version (such as `2021-census`), which street-level crime is read
//! through.

use eip_platform::db::{Tx, now_text};
use sqlx::{AnyPool, Row};

#[tracing::instrument(skip_all)]
pub async fn version_exists(pool: &AnyPool, version: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT version FROM area_lookup_versions WHERE version = $1")
            .bind(version)
            .fetch_optional(pool)
            .await?
            .is_some(),
    )
}

/// Records a version unless it is on record already.
#[tracing::instrument(skip_all)]
pub async fn add_version(pool: &AnyPool, version: &str) -> Result<(), sqlx::Error> {
    if !version_exists(pool, version).await? {
        sqlx::query("INSERT INTO area_lookup_versions (version, created_at) VALUES ($1, $2)")
            .bind(version)
            .bind(now_text())
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// The version recorded last.
#[tracing::instrument(skip_all)]
pub async fn latest_version(pool: &AnyPool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query(
        "SELECT version FROM area_lookup_versions ORDER BY created_at DESC, version DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?
    .map(|r| r.try_get::<String, _>("version"))
    .transpose()
}

/// A version's areas: `(area code, ward id, the ward's authority)`.
#[tracing::instrument(skip_all)]
pub async fn areas(
    pool: &AnyPool,
    version: &str,
) -> Result<Vec<(String, String, Option<String>)>, sqlx::Error> {
    sqlx::query(
        "SELECT l.area_code, l.place_id, p.parent_id FROM area_lookup l \
         JOIN places p ON p.id = l.place_id WHERE l.version = $1",
    )
    .bind(version)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("area_code")?,
            r.try_get("place_id")?,
            r.try_get("parent_id")?,
        ))
    })
    .collect()
}

/// Records or moves one area. Called for each row of a lookup import, so
/// not instrumented.
pub async fn upsert(
    tx: &mut Tx,
    version: &str,
    area_code: &str,
    place_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO area_lookup (version, area_code, place_id) VALUES ($1, $2, $3) \
         ON CONFLICT (version, area_code) DO UPDATE SET place_id = excluded.place_id",
    )
    .bind(version)
    .bind(area_code)
    .bind(place_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
