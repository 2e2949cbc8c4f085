//! Problem-solving cases and the wards each covers. A case's scanning,
//! analysis, responses and assessment are kept as JSON text.

use super::{json_column, json_text};
use eip_platform::db::Tx;
use eip_types::engagement::{
    Assessment, CaseResponse, CaseStatus, ProblemCase, Scanning, TriangleAnalysis,
};
use sqlx::{AnyPool, Row};

#[tracing::instrument(skip_all)]
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<ProblemCase>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT id, title, area_id, status, objective, scanning, analysis, responses, assessment, \
         opened_at, closed_at FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let places =
        sqlx::query("SELECT place_id FROM case_places WHERE case_id = $1 ORDER BY place_id")
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("place_id"))
            .collect::<Result<Vec<_>, _>>()?;
    let status: String = row.try_get("status")?;
    let assessment: Option<String> = row.try_get("assessment")?;
    Ok(Some(ProblemCase {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        area_id: row.try_get("area_id")?,
        place_ids: places,
        status: if status == "closed" {
            CaseStatus::Closed
        } else {
            CaseStatus::Open
        },
        objective: row.try_get("objective")?,
        scanning: json_column(&row, "scanning")?,
        analysis: json_column(&row, "analysis")?,
        responses: json_column(&row, "responses")?,
        assessment: assessment
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        opened_at: row.try_get("opened_at")?,
        closed_at: row.try_get("closed_at")?,
    }))
}

/// Records a new open case (with no responses yet) and its wards.
#[tracing::instrument(skip_all)]
pub async fn insert(tx: &mut Tx, case: &ProblemCase, created_by: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cases (id, title, area_id, status, objective, scanning, analysis, responses, \
         created_by, opened_at) VALUES ($1, $2, $3, 'open', $4, $5, $6, '[]', $7, $8)",
    )
    .bind(&case.id)
    .bind(&case.title)
    .bind(&case.area_id)
    .bind(&case.objective)
    .bind(json_text(&case.scanning)?)
    .bind(json_text(&case.analysis)?)
    .bind(created_by)
    .bind(&case.opened_at)
    .execute(&mut **tx)
    .await?;
    for place in &case.place_ids {
        sqlx::query("INSERT INTO case_places (case_id, place_id) VALUES ($1, $2)")
            .bind(&case.id)
            .bind(place)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The ids of the cases in an area, on a ward, in a status (each when
/// given), newest first.
#[tracing::instrument(skip_all)]
pub async fn ids(
    pool: &AnyPool,
    area: Option<&str>,
    place: Option<&str>,
    status: Option<CaseStatus>,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT c.id, c.opened_at FROM cases c JOIN case_places cp ON cp.case_id = c.id \
         WHERE ($1 IS NULL OR c.area_id = $1) AND ($2 IS NULL OR cp.place_id = $2) \
           AND ($3 IS NULL OR c.status = $3) ORDER BY c.opened_at DESC",
    )
    .bind(area)
    .bind(place)
    .bind(status.map(|s| {
        if s == CaseStatus::Open {
            "open"
        } else {
            "closed"
        }
    }))
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// Sets one of an open case's JSON columns; a closed case is left as it is.
async fn set_column(
    pool: &AnyPool,
    id: &str,
    column: &str,
    value: String,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE cases SET {column} = $2 WHERE id = $1 AND status = 'open'"
    ))
    .bind(id)
    .bind(value)
    .execute(pool)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn set_scanning(pool: &AnyPool, id: &str, value: &Scanning) -> Result<(), sqlx::Error> {
    set_column(pool, id, "scanning", json_text(value)?).await
}

#[tracing::instrument(skip_all)]
pub async fn set_analysis(
    pool: &AnyPool,
    id: &str,
    value: &TriangleAnalysis,
) -> Result<(), sqlx::Error> {
    set_column(pool, id, "analysis", json_text(value)?).await
}

#[tracing::instrument(skip_all)]
pub async fn set_responses(
    pool: &AnyPool,
    id: &str,
    value: &[CaseResponse],
) -> Result<(), sqlx::Error> {
    set_column(pool, id, "responses", json_text(&value)?).await
}

#[tracing::instrument(skip_all)]
pub async fn set_assessment(
    pool: &AnyPool,
    id: &str,
    value: &Assessment,
) -> Result<(), sqlx::Error> {
    set_column(pool, id, "assessment", json_text(value)?).await
}

/// Closes an open, assessed case; false when it is not (any longer) one.
#[tracing::instrument(skip_all)]
pub async fn close(tx: &mut Tx, id: &str, closed_at: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE cases SET status = 'closed', closed_at = $2 WHERE id = $1 AND status = 'open' \
         AND assessment IS NOT NULL",
    )
    .bind(id)
    .bind(closed_at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
