//! The service's database, one module per aggregate. One SQL text serves
//! SQLite and PostgreSQL through sqlx's `Any` driver. What several
//! aggregates share is here: placeholders for a list of values, and the
//! JSON text some columns hold.
//!
//! The incident import's bulk writer, which talks to each database through
//! its own interface, keeps its SQL beside it (see `jobs::import::bulk`).

pub mod area_lookup;
pub mod cases;
pub mod directory;
pub mod engagements;
pub mod hubs;
pub mod imports;
pub mod incidents;
pub mod places;
pub mod priorities;
pub mod repeat;
pub mod repeat_levels;

use sqlx::Row;
use sqlx::any::AnyRow;

/// `$first, $first + 1, …`: `n` numbered placeholders.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `column IN ($first, …)` for `n` values, numbered from `first`; a
/// condition nothing meets when there are none.
pub fn in_list(column: &str, n: usize, first: usize) -> String {
    if n == 0 {
        return "1 = 0".into();
    }
    format!("{column} IN ({})", placeholders(first, n))
}

/// A day as the date columns hold it: `2026-10-01`.
pub fn day_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A column holding a value as JSON text.
pub fn json_column<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A value as the JSON text a column holds.
pub fn json_text<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}
