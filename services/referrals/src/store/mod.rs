//! The service's database: all its SQL, one module per aggregate. One SQL
//! text serves SQLite and PostgreSQL through sqlx's `Any` driver. Here only
//! what reading rows back needs everywhere.

pub mod audit;
pub mod people;
pub mod referrals;
pub mod retention;
pub mod sharing;
pub mod timeliness;

use chrono::{DateTime, NaiveDate, Utc};
use eip_platform::db::{now_text, parse_date, parse_time};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The current time as it will read back from the database.
pub fn now() -> Result<DateTime<Utc>, sqlx::Error> {
    parse_time(&now_text())
}

/// A day as stored: `YYYY-MM-DD`.
fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A labelled value read back from its id; an unknown id is a decode error.
fn labelled<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, sqlx::Error> {
    row.try_get::<Option<String>, _>(column)?
        .map(|s| parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("{column} `{s}`").into())))
        .transpose()
}

/// A labelled value that must be present.
fn required<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    labelled(row, column, parse)?
        .ok_or_else(|| sqlx::Error::Decode(format!("{column} missing").into()))
}

/// A comma-separated list of labelled values, read back from their ids;
/// an unknown id is a decode error naming `what` it should have been.
fn labels<T>(text: &str, what: &str, parse: fn(&str) -> Option<T>) -> Result<Vec<T>, sqlx::Error> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| sqlx::Error::Decode(format!("{what} `{s}`").into())))
        .collect()
}

/// A time that may be absent.
fn time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    row.try_get::<Option<String>, _>(column)?
        .map(|t| parse_time(&t))
        .transpose()
}

/// A day that may be absent.
fn date(row: &AnyRow, column: &str) -> Result<Option<NaiveDate>, sqlx::Error> {
    row.try_get::<Option<String>, _>(column)?
        .map(|d| parse_date(&d))
        .transpose()
}

/// A count of hours or months, kept as an integer column.
fn count(row: &AnyRow, column: &str) -> Result<u32, sqlx::Error> {
    u32::try_from(row.try_get::<i64, _>(column)?).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
