//! Referral records in the service's database. One SQL text serves SQLite and
//! PostgreSQL through sqlx's `Any` driver.

use crate::access::Scope;
use chrono::{DateTime, Utc};
use eip_platform::db::{Tx, now_text, parse_date, parse_time, to_text};
use eip_types::referral::{
    Agency, FollowUpResult, HistoryEntry, Outcome, Pathway, Priority, Referral, ReferralStatus,
    ReferralSummary, RetentionChoice, RetentionDue, RiskFactor, ValidReferral, ace_count,
};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// A labelled value read back from its id; an unknown id is a decode error.
pub(crate) fn labelled<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, sqlx::Error> {
    row.try_get::<Option<String>, _>(column)?
        .map(|s| parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("{column} `{s}`").into())))
        .transpose()
}

fn time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    row.try_get::<Option<String>, _>(column)?
        .map(|t| parse_time(&t))
        .transpose()
}

fn risk_factors(row: &AnyRow) -> Result<Vec<RiskFactor>, sqlx::Error> {
    let text: String = row.try_get("risk_factors")?;
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            RiskFactor::parse(s)
                .ok_or_else(|| sqlx::Error::Decode(format!("risk factor `{s}`").into()))
        })
        .collect()
}

fn risk_factors_text(factors: &[RiskFactor]) -> String {
    factors
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A labelled value that must be present.
pub(crate) fn required<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    labelled(row, column, parse)?
        .ok_or_else(|| sqlx::Error::Decode(format!("{column} missing").into()))
}

fn status(row: &AnyRow, column: &str) -> Result<ReferralStatus, sqlx::Error> {
    required(row, column, ReferralStatus::parse)
}

fn referral(row: &AnyRow) -> Result<Referral, sqlx::Error> {
    Ok(Referral {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        child_name: row.try_get("child_name")?,
        date_of_birth: Some(parse_date(&row.try_get::<String, _>("date_of_birth")?)?),
        area_id: row.try_get("area_id")?,
        reason: row.try_get("reason")?,
        risk_factors: risk_factors(row)?,
        status: status(row, "status")?,
        created_by: row.try_get("created_by")?,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
        submitted_at: time(row, "submitted_at")?,
        priority: labelled(row, "priority", Priority::parse)?,
        pathway: labelled(row, "pathway", Pathway::parse)?,
        agency_id: row.try_get("agency_id")?,
        outcome: labelled(row, "outcome", Outcome::parse)?,
        triaged_at: time(row, "triaged_at")?,
        shared_at: time(row, "shared_at")?,
        accepted_at: time(row, "accepted_at")?,
        closed_at: time(row, "closed_at")?,
        review_on: row
            .try_get::<Option<String>, _>("review_on")?
            .map(|d| parse_date(&d))
            .transpose()?,
        disposed_at: time(row, "disposed_at")?,
        follow_up_due_on: row
            .try_get::<Option<String>, _>("follow_up_due_on")?
            .map(|d| parse_date(&d))
            .transpose()?,
        follow_up: labelled(row, "follow_up", FollowUpResult::parse)?,
        followed_up_at: time(row, "followed_up_at")?,
        version: row.try_get("version")?,
    })
}

/// The current time as it will read back from the database.
pub fn now() -> Result<DateTime<Utc>, sqlx::Error> {
    parse_time(&now_text())
}

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    person_id: &str,
    r: &ValidReferral,
    created_by: &str,
) -> Result<Referral, sqlx::Error> {
    let now = now()?;
    let status = if r.submit {
        ReferralStatus::Submitted
    } else {
        ReferralStatus::Draft
    };
    let submitted_at = r.submit.then(|| to_text(now));
    let periods = crate::retention::periods(&mut **tx).await?;
    let review_on = crate::retention::review_on(&periods, status, None, now.date_naive());
    sqlx::query(
        "INSERT INTO referrals (id, child_name, date_of_birth, area_id, reason, status, \
         created_by, created_at, submitted_at, risk_factors, review_on, person_id, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)",
    )
    .bind(id)
    .bind(&r.child_name)
    .bind(r.date_of_birth.format("%Y-%m-%d").to_string())
    .bind(&r.area_id)
    .bind(&r.reason)
    .bind(status.as_str())
    .bind(created_by)
    .bind(to_text(now))
    .bind(submitted_at)
    .bind(risk_factors_text(&r.risk_factors))
    .bind(review_on.format("%Y-%m-%d").to_string())
    .bind(person_id)
    .execute(&mut **tx)
    .await?;
    let saved = Referral {
        id: id.to_owned(),
        person_id: Some(person_id.to_owned()),
        child_name: r.child_name.clone(),
        date_of_birth: Some(r.date_of_birth),
        area_id: r.area_id.clone(),
        reason: r.reason.clone(),
        risk_factors: r.risk_factors.clone(),
        status,
        created_by: created_by.to_owned(),
        created_at: now,
        submitted_at: r.submit.then_some(now),
        priority: None,
        pathway: None,
        agency_id: None,
        outcome: None,
        triaged_at: None,
        shared_at: None,
        accepted_at: None,
        closed_at: None,
        review_on: Some(review_on),
        disposed_at: None,
        follow_up_due_on: None,
        follow_up: None,
        followed_up_at: None,
        version: 1,
    };
    record_history(tx, &saved, "create", None, created_by, None).await?;
    Ok(saved)
}

/// One referral by id, read in a transaction or straight from the pool.
pub async fn get<'e, E>(executor: E, id: &str) -> Result<Option<Referral>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT * FROM referrals WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(referral)
        .transpose()
}

/// Writes the lifecycle fields of `r` if the stored version is still
/// `expected`; `false` when someone changed it first. The stored version
/// becomes `expected + 1`.
pub async fn save(tx: &mut Tx, r: &Referral, expected: i64) -> Result<bool, sqlx::Error> {
    let text = |t: Option<DateTime<Utc>>| t.map(to_text);
    let done = sqlx::query(
        "UPDATE referrals SET status = $1, submitted_at = $2, priority = $3, pathway = $4, \
         agency_id = $5, outcome = $6, triaged_at = $7, shared_at = $8, accepted_at = $9, \
         closed_at = $10, review_on = $11, follow_up_due_on = $12, follow_up = $13, \
         followed_up_at = $14, version = version + 1 \
         WHERE id = $15 AND version = $16",
    )
    .bind(r.status.as_str())
    .bind(text(r.submitted_at))
    .bind(r.priority.map(Priority::as_str))
    .bind(r.pathway.map(Pathway::as_str))
    .bind(r.agency_id.as_deref())
    .bind(r.outcome.map(Outcome::as_str))
    .bind(text(r.triaged_at))
    .bind(text(r.shared_at))
    .bind(text(r.accepted_at))
    .bind(text(r.closed_at))
    .bind(r.review_on.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(r.follow_up_due_on.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(r.follow_up.map(FollowUpResult::as_str))
    .bind(text(r.followed_up_at))
    .bind(&r.id)
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds a step to the referral's timeline.
pub async fn record_history(
    tx: &mut Tx,
    after: &Referral,
    action: &str,
    from: Option<ReferralStatus>,
    actor: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO referral_history (referral_id, action, from_status, to_status, actor, at, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&after.id)
    .bind(action)
    .bind(from.map(ReferralStatus::as_str))
    .bind(after.status.as_str())
    .bind(actor)
    .bind(now_text())
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn history(pool: &AnyPool, id: &str) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    sqlx::query(
        "SELECT action, from_status, to_status, actor, at, note FROM referral_history \
         WHERE referral_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(HistoryEntry {
            action: row.try_get("action")?,
            from_status: labelled(row, "from_status", ReferralStatus::parse)?,
            to_status: status(row, "to_status")?,
            actor: row.try_get("actor")?,
            at: parse_time(&row.try_get::<String, _>("at")?)?,
            note: row.try_get("note")?,
        })
    })
    .collect()
}

/// The referrals within `scope`, at most `limit`: the newest first, or
/// with `statuses` (a worklist) those whose clock has run longest first, so
/// that overdue work is never cut off by the limit.
pub async fn list(
    pool: &AnyPool,
    scope: &Scope,
    statuses: Option<&[ReferralStatus]>,
    limit: i64,
) -> Result<Vec<ReferralSummary>, sqlx::Error> {
    // Status ids are the service's own constants, never user text.
    let status_clause = statuses.map_or(String::new(), |list| {
        let ids: Vec<String> = list.iter().map(|s| format!("'{}'", s.as_str())).collect();
        format!(" AND status IN ({})", ids.join(", "))
    });
    let order = if statuses.is_some() {
        "COALESCE(shared_at, submitted_at, created_at), id"
    } else {
        "created_at DESC, id"
    };
    const COLUMNS: &str = SUMMARY_COLUMNS;
    let rows = match scope {
        Scope::Areas { areas, creator } => {
            // One placeholder per area; the area ids come from a verified
            // assertion but are still bound, never spliced.
            let placeholders: Vec<String> =
                (0..areas.len()).map(|i| format!("${}", i + 3)).collect();
            let area_clause = if areas.is_empty() {
                String::new()
            } else {
                format!(" OR area_id IN ({})", placeholders.join(", "))
            };
            let sql = format!(
                "SELECT {COLUMNS} FROM referrals \
                 WHERE (created_by = $1{area_clause}){status_clause} \
                 ORDER BY {order} LIMIT $2"
            );
            let mut q = sqlx::query(&sql).bind(creator).bind(limit);
            for a in areas {
                q = q.bind(a);
            }
            q.fetch_all(pool).await?
        }
        Scope::Agency(agency) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM referrals WHERE agency_id = $1{status_clause} \
                 ORDER BY {order} LIMIT $2"
            );
            sqlx::query(&sql)
                .bind(agency)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter().map(summary).collect()
}

const SUMMARY_COLUMNS: &str = "id, child_name, area_id, status, priority, agency_id, risk_factors, created_at, submitted_at, shared_at";

fn summary(row: &AnyRow) -> Result<ReferralSummary, sqlx::Error> {
    Ok(ReferralSummary {
        id: row.try_get("id")?,
        child_name: row.try_get("child_name")?,
        area_id: row.try_get("area_id")?,
        status: status(row, "status")?,
        priority: labelled(row, "priority", Priority::parse)?,
        agency_id: row.try_get("agency_id")?,
        ace_count: ace_count(&risk_factors(row)?),
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
        submitted_at: time(row, "submitted_at")?,
        shared_at: time(row, "shared_at")?,
        due_at: None,
        overdue: false,
    })
}

/// The referrals about one person, newest first.
pub async fn for_person(
    pool: &AnyPool,
    person_id: &str,
) -> Result<Vec<ReferralSummary>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM referrals WHERE person_id = $1 ORDER BY created_at DESC, id"
    ))
    .bind(person_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(summary)
    .collect()
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM referrals")
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// The agencies and programmes referrals can be shared with; inactive ones
/// too when `all`.
pub async fn agencies(pool: &AnyPool, all: bool) -> Result<Vec<Agency>, sqlx::Error> {
    let sql = if all {
        "SELECT id, name, kind, active FROM agencies ORDER BY position, id"
    } else {
        "SELECT id, name, kind, active FROM agencies WHERE active = 1 ORDER BY position, id"
    };
    sqlx::query(sql)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(Agency {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                active: row.try_get::<i64, _>("active")? == 1,
            })
        })
        .collect()
}

pub async fn agency_is_active<'e, E>(executor: E, id: &str) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query("SELECT id FROM agencies WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(executor)
            .await?
            .is_some(),
    )
}

/// Referrals due for review on or before `on`, not yet disposed of.
pub async fn retention_due(
    pool: &AnyPool,
    on: chrono::NaiveDate,
    limit: i64,
) -> Result<Vec<RetentionDue>, sqlx::Error> {
    sqlx::query(
        "SELECT id, child_name, area_id, status, outcome, created_at, review_on FROM referrals \
         WHERE review_on <= $1 AND disposed_at IS NULL ORDER BY review_on, id LIMIT $2",
    )
    .bind(on.format("%Y-%m-%d").to_string())
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(RetentionDue {
            id: row.try_get("id")?,
            child_name: row.try_get("child_name")?,
            area_id: row.try_get("area_id")?,
            status: status(row, "status")?,
            outcome: labelled(row, "outcome", Outcome::parse)?,
            created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
            review_on: parse_date(&row.try_get::<String, _>("review_on")?)?,
        })
    })
    .collect()
}

/// Records a retain or dispose decision.
pub async fn record_retention(
    tx: &mut Tx,
    referral_id: &str,
    decision: RetentionChoice,
    reason: &str,
    next_review_on: Option<chrono::NaiveDate>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO retention_decisions (referral_id, decision, reason, next_review_on, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(referral_id)
    .bind(decision.as_str())
    .bind(reason)
    .bind(next_review_on.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(actor)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_review_on(
    tx: &mut Tx,
    referral_id: &str,
    on: chrono::NaiveDate,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE referrals SET review_on = $1, version = version + 1 WHERE id = $2")
        .bind(on.format("%Y-%m-%d").to_string())
        .bind(referral_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Erases the personal data of a referral and of its timeline's notes,
/// keeping area, states, categories and dates for statistics.
pub async fn dispose(tx: &mut Tx, r: &Referral) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE referrals SET child_name = $1, date_of_birth = $2, reason = '', risk_factors = '', \
         disposed_at = $3, review_on = NULL, version = version + 1 WHERE id = $4",
    )
    .bind(crate::retention::DISPOSED_NAME)
    .bind(
        r.date_of_birth
            .map(crate::retention::anonymised_birth_date)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string(),
    )
    .bind(now_text())
    .bind(&r.id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE referral_history SET note = NULL WHERE referral_id = $1")
        .bind(&r.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE shares SET consent_note = NULL WHERE referral_id = $1")
        .bind(&r.id)
        .execute(&mut **tx)
        .await?;
    if let Some(person_id) = &r.person_id {
        crate::people::dispose_if_unused(tx, person_id).await?;
    }
    Ok(())
}
