//! The partner directory: each service's Open Referral UK record, stored
//! exactly as received, with the listing columns read from it, the places
//! it covers and when it was last reviewed; and the review period.

use crate::directory::Listing;
use eip_platform::db::{Tx, now_text};
use eip_types::engagement::{DirectoryEntry, Sector};
use eip_types::place::Place;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

fn record(text: &str) -> Result<Value, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Adds a service, or replaces the one with the same id.
#[tracing::instrument(skip_all)]
pub async fn upsert_service(
    tx: &mut Tx,
    (id, name, oid, oname, sector, status): &Listing,
    record: &Value,
    reviewed_at: &str,
    by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO directory_services (id, name, organization_id, organization_name, sector, \
         status, record, reviewed_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, organization_id = excluded.organization_id, \
         organization_name = excluded.organization_name, sector = excluded.sector, \
         status = excluded.status, record = excluded.record, reviewed_at = excluded.reviewed_at, \
         updated_by = excluded.updated_by",
    )
    .bind(id)
    .bind(name)
    .bind(oid)
    .bind(oname)
    .bind(sector.as_str())
    .bind(status)
    .bind(record.to_string())
    .bind(reviewed_at)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the places a service covers.
#[tracing::instrument(skip_all)]
pub async fn write_coverage(
    tx: &mut Tx,
    service_id: &str,
    place_ids: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM directory_coverage WHERE service_id = $1")
        .bind(service_id)
        .execute(&mut **tx)
        .await?;
    for place in place_ids {
        sqlx::query("INSERT INTO directory_coverage (service_id, place_id) VALUES ($1, $2)")
            .bind(service_id)
            .bind(place)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE directory_services SET areas_read = 1 WHERE id = $1")
        .bind(service_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The services stored before their coverage was read on import: `(id,
/// record)`; a record that is not JSON reads as null.
#[tracing::instrument(skip_all)]
pub async fn coverage_unread(pool: &AnyPool) -> Result<Vec<(String, Value)>, sqlx::Error> {
    sqlx::query("SELECT id, record FROM directory_services WHERE areas_read = 0")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let text: String = r.try_get("record")?;
            Ok((
                r.try_get("id")?,
                serde_json::from_str(&text).unwrap_or(Value::Null),
            ))
        })
        .collect()
}

/// Days after its last review an entry is overdue.
#[tracing::instrument(skip_all)]
pub async fn review_days(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT review_after_days FROM directory_settings WHERE id = 1")
        .fetch_one(pool)
        .await?
        .try_get("review_after_days")
}

#[tracing::instrument(skip_all)]
pub async fn set_review_days(pool: &AnyPool, days: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE directory_settings SET review_after_days = $1 WHERE id = 1")
        .bind(days)
        .execute(pool)
        .await?;
    Ok(())
}

/// The directory's entries, by organisation and name, those overdue for
/// review flagged; only those serving `place` (covering it or its local
/// authority) when given.
#[tracing::instrument(skip_all)]
pub async fn entries(
    pool: &AnyPool,
    place: Option<&Place>,
) -> Result<Vec<DirectoryEntry>, sqlx::Error> {
    let days = review_days(pool).await?;
    let cutoff = eip_platform::db::to_text(chrono::Utc::now() - chrono::Duration::days(days));
    let (place_id, authority) = match place {
        Some(p) => (Some(p.id.as_str()), p.parent_id.as_deref()),
        None => (None, None),
    };
    let rows = sqlx::query(
        "SELECT id, name, organization_id, organization_name, sector, status, reviewed_at \
         FROM directory_services s WHERE $1 IS NULL OR EXISTS \
           (SELECT 1 FROM directory_coverage c WHERE c.service_id = s.id \
            AND (c.place_id = $1 OR c.place_id = $2)) \
         ORDER BY organization_name, name",
    )
    .bind(place_id)
    .bind(authority)
    .fetch_all(pool)
    .await?;
    let mut coverage: HashMap<String, Vec<String>> = HashMap::new();
    for r in sqlx::query("SELECT service_id, place_id FROM directory_coverage ORDER BY place_id")
        .fetch_all(pool)
        .await?
    {
        coverage
            .entry(r.try_get("service_id")?)
            .or_default()
            .push(r.try_get("place_id")?);
    }
    rows.iter()
        .map(|r: &AnyRow| {
            let sector: String = r.try_get("sector")?;
            let reviewed_at: String = r.try_get("reviewed_at")?;
            let id: String = r.try_get("id")?;
            Ok(DirectoryEntry {
                place_ids: coverage.remove(&id).unwrap_or_default(),
                id,
                name: r.try_get("name")?,
                organization_id: r.try_get("organization_id")?,
                organization_name: r.try_get("organization_name")?,
                sector: Sector::parse(&sector).unwrap_or(Sector::Community),
                status: r.try_get("status")?,
                stale: reviewed_at < cutoff,
                reviewed_at,
            })
        })
        .collect()
}

/// One service's Open Referral UK record, as received.
#[tracing::instrument(skip_all)]
pub async fn find_record(pool: &AnyPool, id: &str) -> Result<Option<Value>, sqlx::Error> {
    sqlx::query("SELECT record FROM directory_services WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(|r| record(&r.try_get::<String, _>("record")?))
        .transpose()
}

/// Every service's record, as received, by id.
#[tracing::instrument(skip_all)]
pub async fn records(pool: &AnyPool) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query("SELECT record FROM directory_services ORDER BY id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| record(&r.try_get::<String, _>("record")?))
        .collect()
}

/// Records that a service was reviewed now.
#[tracing::instrument(skip_all)]
pub async fn mark_reviewed(pool: &AnyPool, id: &str, by: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE directory_services SET reviewed_at = $2, updated_by = $3 WHERE id = $1")
        .bind(id)
        .bind(now_text())
        .bind(by)
        .execute(pool)
        .await?;
    Ok(())
}
