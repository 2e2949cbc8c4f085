//! The engagement log: meetings, surveys and the like held with
//! communities, and who they reached.

use super::{json_column, json_text};
use eip_platform::db::Tx;
use eip_types::engagement::{Engagement, EngagementKind};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn engagement(row: &AnyRow) -> Result<Engagement, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Engagement {
        id: row.try_get("id")?,
        kind: EngagementKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("engagement kind `{kind}`").into()))?,
        place_id: row.try_get("place_id")?,
        area_id: row.try_get("area_id")?,
        held_on: row.try_get("held_on")?,
        attendance: row.try_get("attendance")?,
        groups_reached: json_column(row, "groups_reached")?,
        seldom_heard: row.try_get::<i64, _>("seldom_heard")? != 0,
        issues_raised: json_column(row, "issues_raised")?,
        created_at: row.try_get("created_at")?,
    })
}

#[tracing::instrument(skip_all)]
pub async fn insert(tx: &mut Tx, record: &Engagement, created_by: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engagements (id, kind, place_id, area_id, held_on, attendance, groups_reached, \
         seldom_heard, issues_raised, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&record.id)
    .bind(record.kind.as_str())
    .bind(&record.place_id)
    .bind(&record.area_id)
    .bind(&record.held_on)
    .bind(record.attendance)
    .bind(json_text(&record.groups_reached)?)
    .bind(i64::from(record.seldom_heard))
    .bind(json_text(&record.issues_raised)?)
    .bind(created_by)
    .bind(&record.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest 500 engagements, at one place when given, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &AnyPool, place: Option<&str>) -> Result<Vec<Engagement>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, place_id, area_id, held_on, attendance, groups_reached, seldom_heard, \
         issues_raised, created_at FROM engagements WHERE ($1 IS NULL OR place_id = $1) \
         ORDER BY held_on DESC, created_at DESC LIMIT 500",
    )
    .bind(place)
    .fetch_all(pool)
    .await?;
    rows.iter().map(engagement).collect()
}

#[tracing::instrument(skip_all)]
pub async fn exists(pool: &AnyPool, id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT id FROM engagements WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .is_some())
}
