//! The timeliness targets in force.

use super::count;
use eip_types::referral::TimelinessTargets;
use sqlx::AnyPool;

/// The targets in force.
#[tracing::instrument(skip_all)]
pub async fn targets(pool: &AnyPool) -> Result<TimelinessTargets, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM timeliness_targets WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(TimelinessTargets::default());
    };
    Ok(TimelinessTargets {
        triage_hours: count(&row, "triage_hours")?,
        urgent_hours: count(&row, "urgent_hours")?,
        high_hours: count(&row, "high_hours")?,
        routine_hours: count(&row, "routine_hours")?,
    })
}

/// Replaces the targets in force.
#[tracing::instrument(skip_all)]
pub async fn set_targets(pool: &AnyPool, t: &TimelinessTargets) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE timeliness_targets SET triage_hours = $1, urgent_hours = $2, high_hours = $3, \
         routine_hours = $4 WHERE id = 1",
    )
    .bind(i64::from(t.triage_hours))
    .bind(i64::from(t.urgent_hours))
    .bind(i64::from(t.high_hours))
    .bind(i64::from(t.routine_hours))
    .execute(pool)
    .await?;
    Ok(())
}
