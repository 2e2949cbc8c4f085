//! Calls for service as read: the incidents, the demand cells kept from
//! them (calls per ward, month, category and source) and the cells
//! re-imported incidents moved out of. They are written in bulk by the
//! import (see `jobs::import::bulk`).

use super::{day_text as day, in_list, placeholders};
use crate::analysis::Scope;
use crate::incidents::SOURCE_INCIDENTS;
use crate::repeat::Contacts;
use chrono::NaiveDate;
use eip_platform::db::{Tx, parse_date};
use eip_types::engagement::{CrimeShare, HiddenDemand, Hotspot, RepeatRule, RepeatSubject};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

/// Incidents on record.
#[tracing::instrument(skip_all)]
pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM incidents")
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// Incidents on record, counting no further than `limit`.
#[tracing::instrument(skip_all)]
pub async fn count_up_to(pool: &AnyPool, limit: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM incidents LIMIT $1) AS held")
        .bind(limit)
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// The earliest month (`YYYY-MM`) an import moved an incident out of.
#[tracing::instrument(skip_all)]
pub async fn first_moved_month(tx: &mut Tx, job_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT MIN(month) AS month FROM demand_moves WHERE import_id = $1")
        .bind(job_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("month")
}

/// The cells an import's re-imported incidents moved out of (noted by a
/// trigger in `demand_moves`), forgotten as they are read: `(ward, area,
/// month, category)`.
#[tracing::instrument(skip_all)]
pub async fn take_moved_cells(
    tx: &mut Tx,
    job_id: &str,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    let moved = sqlx::query(
        "SELECT place_id, area_id, month, category FROM demand_moves WHERE import_id = $1",
    )
    .bind(job_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("place_id")?,
            r.try_get("area_id")?,
            r.try_get("month")?,
            r.try_get("category")?,
        ))
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    sqlx::query("DELETE FROM demand_moves WHERE import_id = $1")
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    Ok(moved)
}

/// The calls now in each of `places` in each of `months`, as the demand
/// cells hold them, by `(ward, month, category)`; read a few hundred wards
/// at a time.
#[tracing::instrument(skip_all)]
pub async fn cell_calls(
    tx: &mut Tx,
    places: &[&str],
    months: &[&str],
) -> Result<HashMap<(String, String, String), i64>, sqlx::Error> {
    let mut calls = HashMap::new();
    for chunk in places.chunks(500) {
        let sql = format!(
            "SELECT place_id, month, category, calls FROM demand_cells \
             WHERE source = $1 AND place_id IN ({}) AND month IN ({})",
            placeholders(2, chunk.len()),
            placeholders(2 + chunk.len(), months.len()),
        );
        let mut q = sqlx::query(&sql).bind(SOURCE_INCIDENTS);
        for value in chunk.iter().chain(months) {
            q = q.bind(*value);
        }
        for r in q.fetch_all(&mut **tx).await? {
            calls.insert(
                (
                    r.try_get("place_id")?,
                    r.try_get("month")?,
                    r.try_get("category")?,
                ),
                r.try_get("calls")?,
            );
        }
    }
    Ok(calls)
}

/// Where counts in scope are taken from.
#[derive(Clone, Copy)]
enum Counted {
    /// The demand cells: calls per ward, month and category.
    Cells,
    /// The incidents themselves, for what the cells do not hold (distinct
    /// callers and addresses).
    Incidents,
}

/// Calls in scope grouped by `group` (a list of columns), with `extra`
/// aggregate columns.
async fn grouped(
    pool: &AnyPool,
    scope: &Scope,
    from: Counted,
    group: &str,
    extra: &str,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let (table, calls) = match from {
        // SUM of a BIGINT is NUMERIC on PostgreSQL.
        Counted::Cells => ("demand_cells", "CAST(SUM(calls) AS BIGINT)"),
        Counted::Incidents => ("incidents", "COUNT(*)"),
    };
    let sql = format!(
        "SELECT {group}, {calls} AS calls{extra} FROM {table} \
         WHERE source = $1 AND month >= $2 AND month <= $3 AND {} \
         GROUP BY {group}",
        in_list("area_id", scope.areas.len(), 4)
    );
    let mut q = sqlx::query(&sql)
        .bind(scope.source)
        .bind(&scope.from)
        .bind(&scope.to);
    for a in &scope.areas {
        q = q.bind(a);
    }
    q.fetch_all(pool).await
}

/// Calls and the crime share for each ward and month in scope, in no
/// particular order.
#[tracing::instrument(skip_all)]
pub async fn crime_share(pool: &AnyPool, scope: &Scope) -> Result<Vec<CrimeShare>, sqlx::Error> {
    let rows = grouped(
        pool,
        scope,
        Counted::Cells,
        "place_id, month",
        ", CAST(SUM(CASE WHEN category = 'crime' THEN calls ELSE 0 END) AS BIGINT) AS crime_calls",
    )
    .await?;
    rows.iter()
        .map(|r| {
            let calls: i64 = r.try_get("calls")?;
            let crime_calls: i64 = r.try_get("crime_calls")?;
            Ok(CrimeShare {
                place_id: r.try_get("place_id")?,
                month: r.try_get("month")?,
                calls,
                crime_calls,
                crime_share: if calls == 0 {
                    0.0
                } else {
                    crime_calls as f64 / calls as f64
                },
            })
        })
        .collect()
}

/// Calls in scope per ward that has any: `(ward, calls)`.
#[tracing::instrument(skip_all)]
pub async fn calls_by_ward(
    pool: &AnyPool,
    scope: &Scope,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    grouped(pool, scope, Counted::Cells, "place_id", "")
        .await?
        .iter()
        .map(|r| Ok((r.try_get("place_id")?, r.try_get("calls")?)))
        .collect()
}

/// Calls in scope per category that has any: `(category, calls)`.
#[tracing::instrument(skip_all)]
pub async fn calls_by_category(
    pool: &AnyPool,
    scope: &Scope,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    grouped(pool, scope, Counted::Cells, "category", "")
        .await?
        .iter()
        .map(|r| Ok((r.try_get("category")?, r.try_get("calls")?)))
        .collect()
}

/// Each ward in scope with calls, with its distinct callers and
/// addresses, in no particular order.
#[tracing::instrument(skip_all)]
pub async fn hotspots(pool: &AnyPool, scope: &Scope) -> Result<Vec<Hotspot>, sqlx::Error> {
    let rows = grouped(
        pool,
        scope,
        Counted::Incidents,
        "place_id",
        ", COUNT(DISTINCT caller_ref) AS callers, COUNT(DISTINCT address_ref) AS addresses",
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Hotspot {
                place_id: r.try_get("place_id")?,
                calls: r.try_get("calls")?,
                callers: r.try_get("callers")?,
                addresses: r.try_get("addresses")?,
            })
        })
        .collect()
}

/// Calls for service in `places` between two days, both included.
#[tracing::instrument(skip_all)]
pub async fn calls_between(
    pool: &AnyPool,
    places: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, sqlx::Error> {
    if places.is_empty() {
        return Ok(0);
    }
    // Days, not months, so counted from the incidents in one pass.
    let sql = format!(
        "SELECT COUNT(*) AS n FROM incidents WHERE source = $1 \
         AND opened_on >= $2 AND opened_on <= $3 AND {}",
        in_list("place_id", places.len(), 4)
    );
    let mut q = sqlx::query(&sql)
        .bind(SOURCE_INCIDENTS)
        .bind(day(from))
        .bind(day(to));
    for place in places {
        q = q.bind(place);
    }
    q.fetch_one(pool).await?.try_get("n")
}

/// The incidents' column a rule of `subject` counts by.
fn subject_column(subject: RepeatSubject) -> &'static str {
    match subject {
        RepeatSubject::Caller => "caller_ref",
        RepeatSubject::Address => "address_ref",
        RepeatSubject::Place => "place_id",
    }
}

/// A row of contacts: one subject's on one day in one ward.
fn contacts(r: &AnyRow) -> Result<Contacts, sqlx::Error> {
    let day: String = r.try_get("opened_on")?;
    Ok(Contacts {
        subject: r.try_get("subject")?,
        day: parse_date(&day)?,
        place_id: r.try_get("place_id")?,
        area_id: r.try_get("area_id")?,
        count: r.try_get("n")?,
    })
}

/// A rule's contacts from `from` to `to`, per subject, day and ward, in
/// `areas`; only `subject_ref`'s when given.
#[tracing::instrument(skip_all)]
pub async fn contacts_in(
    pool: &AnyPool,
    rule: &RepeatRule,
    areas: &[String],
    (from, to): (NaiveDate, NaiveDate),
    subject_ref: Option<&str>,
) -> Result<Vec<Contacts>, sqlx::Error> {
    let column = subject_column(rule.subject);
    let sql = format!(
        "SELECT {column} AS subject, opened_on, place_id, area_id, COUNT(*) AS n FROM incidents \
         WHERE source = $1 AND opened_on >= $2 AND opened_on <= $3 AND {column} IS NOT NULL \
           AND ($4 IS NULL OR category = $4) AND ($5 IS NULL OR qualifiers LIKE $5) \
           AND ($6 IS NULL OR {column} = $6) AND {} \
         GROUP BY {column}, opened_on, place_id, area_id",
        in_list("area_id", areas.len(), 7)
    );
    let mut q = sqlx::query(&sql)
        .bind(SOURCE_INCIDENTS)
        .bind(day(from))
        .bind(day(to))
        .bind(rule.category.map(|c| c.as_str()))
        .bind(rule.qualifier.as_ref().map(|q| format!("%{q}%")))
        .bind(subject_ref);
    for a in areas {
        q = q.bind(a);
    }
    q.fetch_all(pool).await?.iter().map(contacts).collect()
}

/// A rule's contacts from `from` on, per subject, day and ward,
/// force-wide.
#[tracing::instrument(skip_all)]
pub async fn contacts_since(
    conn: &mut sqlx::AnyConnection,
    rule: &RepeatRule,
    from: NaiveDate,
) -> Result<Vec<Contacts>, sqlx::Error> {
    let column = subject_column(rule.subject);
    // Only subjects with at least N incidents on record can ever meet the
    // rule, and most callers call once: the rest are never read. The count
    // is over the subject's own index alone (a superset of what the rule
    // counts, which the rule then settles), so it costs a fraction of the
    // query it spares.
    let sql = format!(
        "SELECT {column} AS subject, opened_on, place_id, area_id, COUNT(*) AS n FROM incidents \
         WHERE source = $1 AND opened_on >= $2 AND {column} IS NOT NULL \
           AND ($3 IS NULL OR category = $3) AND ($4 IS NULL OR qualifiers LIKE $4) \
           AND {column} IN (SELECT {column} FROM incidents WHERE {column} IS NOT NULL \
                            GROUP BY {column} HAVING COUNT(*) >= $5) \
         GROUP BY {column}, opened_on, place_id, area_id"
    );
    sqlx::query(&sql)
        .bind(SOURCE_INCIDENTS)
        .bind(day(from))
        .bind(rule.category.map(|c| c.as_str()))
        .bind(rule.qualifier.as_ref().map(|q| format!("%{q}%")))
        .bind(rule.min_contacts)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(contacts)
        .collect()
}

/// The references in `areas` with at least the rule's number of incidents
/// of its qualifier from `from` to `to`, none of them on a support path
/// from any flag.
#[tracing::instrument(skip_all)]
pub async fn hidden_demand(
    pool: &AnyPool,
    rule: &RepeatRule,
    areas: &[String],
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<HiddenDemand>, sqlx::Error> {
    let column = subject_column(rule.subject);
    let sql = format!(
        "SELECT {column} AS subject_ref, MIN(area_id) AS area_id, COUNT(*) AS n, \
         MIN(opened_on) AS first_contact, MAX(opened_on) AS last_contact \
         FROM incidents i WHERE source = $1 AND opened_on >= $2 AND opened_on <= $3 \
         AND qualifiers LIKE $4 AND {column} IS NOT NULL AND {} \
         AND NOT EXISTS (SELECT 1 FROM repeat_flags f WHERE f.subject_ref = i.{column} \
                         AND f.support_path IS NOT NULL) \
         GROUP BY {column} HAVING COUNT(*) >= $5",
        in_list("area_id", areas.len(), 6)
    );
    let mut query = sqlx::query(&sql)
        .bind(SOURCE_INCIDENTS)
        .bind(day(from))
        .bind(day(to))
        .bind(format!(
            "%{}%",
            rule.qualifier.as_deref().unwrap_or_default()
        ))
        .bind(rule.min_contacts);
    for a in areas {
        query = query.bind(a);
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(HiddenDemand {
                rule_id: rule.id.clone(),
                rule_version: rule.version,
                subject: rule.subject,
                subject_ref: r.try_get("subject_ref")?,
                qualifier: rule.qualifier.clone().unwrap_or_default(),
                incidents: r.try_get("n")?,
                first_contact: r.try_get("first_contact")?,
                last_contact: r.try_get("last_contact")?,
                area_id: r.try_get("area_id")?,
            })
        })
        .collect()
}
