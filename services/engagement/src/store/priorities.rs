//! Community priorities agreed for a place and period, with their "you
//! said, we did" responses kept as JSON text.

use super::{json_column, json_text};
use eip_platform::db::Tx;
use eip_types::engagement::{CommunityPriority, NewPriority, PriorityStatus, WeDid};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn priority(row: &AnyRow) -> Result<CommunityPriority, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(CommunityPriority {
        id: row.try_get("id")?,
        place_id: row.try_get("place_id")?,
        area_id: row.try_get("area_id")?,
        period: row.try_get("period")?,
        title: row.try_get("title")?,
        you_said: row.try_get("you_said")?,
        engagement_ids: json_column(row, "engagement_ids")?,
        status: if status == "resolved" {
            PriorityStatus::Resolved
        } else {
            PriorityStatus::Agreed
        },
        responses: json_column(row, "responses")?,
        agreed_at: row.try_get("agreed_at")?,
        resolved_at: row.try_get("resolved_at")?,
    })
}

const PRIORITY_COLUMNS: &str = "id, place_id, area_id, period, title, you_said, engagement_ids, \
                                status, responses, agreed_at, resolved_at";

#[tracing::instrument(skip_all)]
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<CommunityPriority>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PRIORITY_COLUMNS} FROM priorities WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(priority)
    .transpose()
}

/// The priorities at a place and in a period (each when given), the latest
/// period first, then in the order agreed.
#[tracing::instrument(skip_all)]
pub async fn list(
    pool: &AnyPool,
    place: Option<&str>,
    period: Option<&str>,
) -> Result<Vec<CommunityPriority>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {PRIORITY_COLUMNS} FROM priorities WHERE ($1 IS NULL OR place_id = $1) \
         AND ($2 IS NULL OR period = $2) ORDER BY period DESC, agreed_at"
    ))
    .bind(place)
    .bind(period)
    .fetch_all(pool)
    .await?;
    rows.iter().map(priority).collect()
}

/// How many priorities are agreed for a place in a period.
#[tracing::instrument(skip_all)]
pub async fn count(tx: &mut Tx, place_id: &str, period: &str) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM priorities WHERE place_id = $1 AND period = $2")
        .bind(place_id)
        .bind(period)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")
}

/// Records an agreed priority, with no responses yet.
#[tracing::instrument(skip_all)]
pub async fn insert(
    tx: &mut Tx,
    id: &str,
    new: &NewPriority,
    area_id: &str,
    by: &str,
    agreed_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO priorities (id, place_id, area_id, period, title, you_said, engagement_ids, \
         status, responses, created_by, agreed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'agreed', '[]', $8, $9)",
    )
    .bind(id)
    .bind(&new.place_id)
    .bind(area_id)
    .bind(&new.period)
    .bind(new.title.trim())
    .bind(new.you_said.trim())
    .bind(json_text(&new.engagement_ids)?)
    .bind(by)
    .bind(agreed_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A priority's responses, and the text they were read from (see
/// [`replace_responses`]).
#[tracing::instrument(skip_all)]
pub async fn responses(pool: &AnyPool, id: &str) -> Result<(Vec<WeDid>, String), sqlx::Error> {
    let before: String = sqlx::query_scalar("SELECT responses FROM priorities WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    let responses = serde_json::from_str(&before).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok((responses, before))
}

/// Writes an agreed priority's responses only over the text `before` they
/// were read from, so a response someone else added meanwhile is never
/// lost, nor one added to a priority just resolved; false when it changed.
#[tracing::instrument(skip_all)]
pub async fn replace_responses(
    pool: &AnyPool,
    id: &str,
    responses: &[WeDid],
    before: &str,
) -> Result<bool, sqlx::Error> {
    let written = sqlx::query(
        "UPDATE priorities SET responses = $2 WHERE id = $1 AND responses = $3 AND status = 'agreed'",
    )
    .bind(id)
    .bind(json_text(&responses)?)
    .bind(before)
    .execute(pool)
    .await?;
    Ok(written.rows_affected() != 0)
}

#[tracing::instrument(skip_all)]
pub async fn resolve(tx: &mut Tx, id: &str, resolved_at: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE priorities SET status = 'resolved', resolved_at = $2 WHERE id = $1")
        .bind(id)
        .bind(resolved_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
