//! Recorded rebases: where a measure's process changed and its limits are
//! recalculated.

use eip_types::governance::Rebase;
use sqlx::{AnyPool, Row};

/// Every recorded rebase, by measure.
#[tracing::instrument(skip_all)]
pub async fn all(pool: &AnyPool) -> Result<Vec<(String, Rebase)>, sqlx::Error> {
    sqlx::query(
        "SELECT measure_id, period, reason, recorded_by, recorded_at FROM rebases \
         ORDER BY measure_id, period",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("measure_id")?,
            Rebase {
                period: r.try_get("period")?,
                reason: r.try_get("reason")?,
                recorded_by: r.try_get("recorded_by")?,
                recorded_at: r.try_get("recorded_at")?,
            },
        ))
    })
    .collect()
}

/// Records a rebase of a measure; false if the measure is already rebased
/// from that month.
#[tracing::instrument(skip_all)]
pub async fn insert(
    pool: &AnyPool,
    measure_id: &str,
    rebase: &Rebase,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO rebases (measure_id, period, reason, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (measure_id, period) DO NOTHING",
    )
    .bind(measure_id)
    .bind(&rebase.period)
    .bind(&rebase.reason)
    .bind(&rebase.recorded_by)
    .bind(&rebase.recorded_at)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}
