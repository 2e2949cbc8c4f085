//! Places: the local authority areas and their wards.

use eip_platform::db::Tx;
use eip_types::place::{Place, PlaceKind};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

const COLUMNS: &str = "id, name, kind, parent_id, code, priority, demo";

fn place(row: &AnyRow) -> Result<Place, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Place {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: PlaceKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("place kind `{kind}`").into()))?,
        parent_id: row.try_get("parent_id")?,
        code: row.try_get("code")?,
        priority: row.try_get::<i64, _>("priority")? != 0,
        demo: row.try_get::<i64, _>("demo")? != 0,
    })
}

/// Which places a list shows.
#[derive(Debug, Default, Clone)]
pub struct PlaceFilter {
    pub kind: Option<PlaceKind>,
    pub parent_id: Option<String>,
    pub priority: Option<bool>,
}

/// Places in display order: the authorities first, then the priority wards,
/// then the others in the order they were added.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &AnyPool, filter: &PlaceFilter) -> Result<Vec<Place>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM places \
         WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR parent_id = $2) \
           AND ($3 IS NULL OR priority = $3) \
         ORDER BY position"
    ))
    .bind(filter.kind.map(PlaceKind::as_str))
    .bind(filter.parent_id.as_deref())
    .bind(filter.priority.map(i64::from))
    .fetch_all(pool)
    .await?;
    rows.iter().map(place).collect()
}

/// One place, read through the pool or inside a transaction.
#[tracing::instrument(skip_all)]
pub async fn get<'e, E>(exec: E, id: &str) -> Result<Option<Place>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!("SELECT {COLUMNS} FROM places WHERE id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await?
        .as_ref()
        .map(place)
        .transpose()
}

/// Adds a ward at the end of the display order. Called for each row of a
/// ward import, so not instrumented.
pub async fn insert_ward(tx: &mut Tx, ward: &Place) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO places (id, name, kind, parent_id, code, priority, demo, position) \
         VALUES ($1, $2, 'ward', $3, $4, $5, $6, (SELECT COALESCE(MAX(position), 0) + 1 FROM places))",
    )
    .bind(&ward.id)
    .bind(&ward.name)
    .bind(ward.parent_id.as_deref())
    .bind(ward.code.as_deref())
    .bind(i64::from(ward.priority))
    .bind(i64::from(ward.demo))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Updates a ward's name, authority and code from reference data; its id,
/// priority flag and position stay. Called for each row of a ward import,
/// so not instrumented.
pub async fn update_ward(tx: &mut Tx, ward: &Place) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE places SET name = $2, parent_id = $3, code = $4, demo = $5 WHERE id = $1")
        .bind(&ward.id)
        .bind(&ward.name)
        .bind(ward.parent_id.as_deref())
        .bind(ward.code.as_deref())
        .bind(i64::from(ward.demo))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
