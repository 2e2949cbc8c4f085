//! Completions recorded by trainers, as first kept before the evidence log.

use super::{date, date_text, time};
use eip_platform::db::{Tx, parse_time, to_text};
use eip_types::training::{Completion, ValidCompletion};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn completion(row: &AnyRow) -> Result<Completion, sqlx::Error> {
    Ok(Completion {
        id: row.try_get("id")?,
        staff_ref: row.try_get("staff_ref")?,
        competency_id: row.try_get("competency_id")?,
        completed_on: date(row, "completed_on")?,
        recorded_by: row.try_get("recorded_by")?,
        recorded_at: time(row, "recorded_at")?,
    })
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    tx: &mut Tx,
    id: &str,
    c: &ValidCompletion,
    recorded_by: &str,
) -> Result<Completion, sqlx::Error> {
    // Read back from its stored form, so the answer equals later reads.
    let recorded_at = to_text(chrono::Utc::now());
    sqlx::query(
        "INSERT INTO completions (id, staff_ref, competency_id, completed_on, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&c.staff_ref)
    .bind(&c.competency_id)
    .bind(date_text(c.completed_on))
    .bind(recorded_by)
    .bind(&recorded_at)
    .execute(&mut **tx)
    .await?;
    Ok(Completion {
        id: id.to_owned(),
        staff_ref: c.staff_ref.clone(),
        competency_id: c.competency_id.clone(),
        completed_on: c.completed_on,
        recorded_by: recorded_by.to_owned(),
        recorded_at: parse_time(&recorded_at)?,
    })
}

/// Completions, of one staff member when `staff_ref` is given, the most
/// recently completed first, at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn list(
    pool: &AnyPool,
    staff_ref: Option<&str>,
    limit: i64,
) -> Result<Vec<Completion>, sqlx::Error> {
    const COLUMNS: &str = "SELECT id, staff_ref, competency_id, completed_on, recorded_by, recorded_at \
                           FROM completions";
    const NEWEST_FIRST: &str = "ORDER BY completed_on DESC, recorded_at DESC, id";
    let rows = match staff_ref {
        Some(staff_ref) => {
            sqlx::query(&format!(
                "{COLUMNS} WHERE staff_ref = $1 {NEWEST_FIRST} LIMIT $2"
            ))
            .bind(staff_ref)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(&format!("{COLUMNS} {NEWEST_FIRST} LIMIT $1"))
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter().map(completion).collect()
}
