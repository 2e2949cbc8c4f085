//! Places in the service's database. One SQL text serves SQLite and
//! PostgreSQL through sqlx's `Any` driver.

use eip_types::place::{Place, PlaceKind};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn place(row: &AnyRow) -> Result<Place, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Place {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: PlaceKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("place kind `{kind}`").into()))?,
        parent_id: row.try_get("parent_id")?,
    })
}

/// Every place, or those of one kind, in display order: the authorities
/// first, then the priority areas.
pub async fn list(pool: &AnyPool, kind: Option<PlaceKind>) -> Result<Vec<Place>, sqlx::Error> {
    let rows =
        match kind {
            Some(kind) => sqlx::query(
                "SELECT id, name, kind, parent_id FROM places WHERE kind = $1 ORDER BY position",
            )
            .bind(kind.as_str())
            .fetch_all(pool)
            .await?,
            None => {
                sqlx::query("SELECT id, name, kind, parent_id FROM places ORDER BY position")
                    .fetch_all(pool)
                    .await?
            }
        };
    rows.iter().map(place).collect()
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<Place>, sqlx::Error> {
    sqlx::query("SELECT id, name, kind, parent_id FROM places WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(place)
        .transpose()
}
