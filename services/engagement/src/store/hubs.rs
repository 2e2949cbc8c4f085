//! The Early Intervention Hubs: where each is, when it opens, the teams
//! there and the ways in (the lists kept as JSON text).

use eip_platform::db::now_text;
use eip_types::engagement::{Hub, HubInput};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

const HUB_COLUMNS: &str =
    "id, name, place_id, area_id, address, opening_times, partner_teams, access_points";

fn hub(r: &AnyRow) -> Result<Hub, sqlx::Error> {
    Ok(Hub {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        place_id: r.try_get("place_id")?,
        area_id: r.try_get("area_id")?,
        address: r.try_get("address")?,
        opening_times: r.try_get("opening_times")?,
        partner_teams: super::json_column(r, "partner_teams")?,
        access_points: super::json_column(r, "access_points")?,
    })
}

/// Every hub, by area and name.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &AnyPool) -> Result<Vec<Hub>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {HUB_COLUMNS} FROM hubs ORDER BY area_id, name"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(hub).collect()
}

#[tracing::instrument(skip_all)]
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<Hub>, sqlx::Error> {
    sqlx::query(&format!("SELECT {HUB_COLUMNS} FROM hubs WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(hub)
        .transpose()
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    pool: &AnyPool,
    id: &str,
    area: &str,
    input: &HubInput,
) -> Result<(), sqlx::Error> {
    write(
        pool,
        "INSERT INTO hubs (id, name, place_id, area_id, address, opening_times, partner_teams, \
         access_points, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        area,
        input,
    )
    .await
}

#[tracing::instrument(skip_all)]
pub async fn update(
    pool: &AnyPool,
    id: &str,
    area: &str,
    input: &HubInput,
) -> Result<(), sqlx::Error> {
    write(
        pool,
        "UPDATE hubs SET name = $2, place_id = $3, area_id = $4, address = $5, opening_times = $6, \
         partner_teams = $7, access_points = $8, updated_at = $9 WHERE id = $1",
        id,
        area,
        input,
    )
    .await
}

async fn write(
    pool: &AnyPool,
    sql: &str,
    id: &str,
    area: &str,
    input: &HubInput,
) -> Result<(), sqlx::Error> {
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    sqlx::query(sql)
        .bind(id)
        .bind(input.name.trim())
        .bind(&input.place_id)
        .bind(area)
        .bind(input.address.trim())
        .bind(input.opening_times.trim())
        .bind(json(&input.partner_teams))
        .bind(json(&input.access_points))
        .bind(now_text())
        .execute(pool)
        .await?;
    Ok(())
}
