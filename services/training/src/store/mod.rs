//! All the service's SQL, one module per aggregate. One SQL text serves
//! SQLite and PostgreSQL through sqlx's `Any` driver. Dates are stored as
//! `YYYY-MM-DD` text, times as RFC 3339 text, flags as 0 or 1 and levels by
//! rank.

pub mod completions;
pub mod coverage;
pub mod evidence;
pub mod framework;
pub mod reminders;
pub mod sessions;
pub mod staff;

use chrono::NaiveDate;
use eip_types::training::Level;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A date as stored.
fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date column.
fn date(row: &AnyRow, column: &str) -> Result<NaiveDate, sqlx::Error> {
    eip_platform::db::parse_date(&row.try_get::<String, _>(column)?)
}

/// A level column, stored by rank (NULL for none).
fn level(row: &AnyRow, column: &str) -> Result<Option<Level>, sqlx::Error> {
    Ok(row
        .try_get::<Option<i64>, _>(column)?
        .and_then(Level::from_rank))
}

/// A 0/1 flag column.
fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// A time column.
fn time(row: &AnyRow, column: &str) -> Result<chrono::DateTime<chrono::Utc>, sqlx::Error> {
    eip_platform::db::parse_time(&row.try_get::<String, _>(column)?)
}
