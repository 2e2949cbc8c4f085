//! Referral records and their timelines.

use super::{day, labelled, now, required, time};
use crate::access::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use eip_platform::db::{Tx, now_text, parse_date, parse_time, to_text};
use eip_platform::outbox::Outbox;
use eip_types::referral::{
    FollowUpResult, HistoryEntry, Outcome, Pathway, Priority, Referral, ReferralStatus,
    ReferralSummary, RiskFactor, SharedField, Transition, ValidReferral, ace_count,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

fn risk_factors(row: &AnyRow) -> Result<Vec<RiskFactor>, sqlx::Error> {
    let text: String = row.try_get("risk_factors")?;
    super::labels(&text, "risk factor", RiskFactor::parse)
}

fn risk_factors_text(factors: &[RiskFactor]) -> String {
    factors
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn status(row: &AnyRow, column: &str) -> Result<ReferralStatus, sqlx::Error> {
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
        review_on: super::date(row, "review_on")?,
        disposed_at: time(row, "disposed_at")?,
        follow_up_due_on: super::date(row, "follow_up_due_on")?,
        follow_up: labelled(row, "follow_up", FollowUpResult::parse)?,
        followed_up_at: time(row, "followed_up_at")?,
        version: row.try_get("version")?,
    })
}

/// Stores a new referral about `person_id` (a draft, or submitted at once)
/// with its first review date, and starts its timeline.
#[tracing::instrument(skip_all)]
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
    let periods = super::retention::periods(tx).await?;
    let review_on = crate::retention::review_on(&periods, status, None, now.date_naive());
    sqlx::query(
        "INSERT INTO referrals (id, child_name, date_of_birth, area_id, reason, status, \
         created_by, created_at, submitted_at, risk_factors, review_on, person_id, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)",
    )
    .bind(id)
    .bind(&r.child_name)
    .bind(day(r.date_of_birth))
    .bind(&r.area_id)
    .bind(&r.reason)
    .bind(status.as_str())
    .bind(created_by)
    .bind(to_text(now))
    .bind(submitted_at)
    .bind(risk_factors_text(&r.risk_factors))
    .bind(day(review_on))
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

/// One referral by id.
#[tracing::instrument(skip_all)]
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Referral>, sqlx::Error> {
    sqlx::query("SELECT * FROM referrals WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(referral)
        .transpose()
}

/// Writes the lifecycle fields of `r` if the stored version is still
/// `expected`; `false` when someone changed it first. The stored version
/// becomes `expected + 1`.
async fn save(tx: &mut Tx, r: &Referral, expected: i64) -> Result<bool, sqlx::Error> {
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
    .bind(r.review_on.map(day))
    .bind(r.follow_up_due_on.map(day))
    .bind(r.follow_up.map(FollowUpResult::as_str))
    .bind(text(r.followed_up_at))
    .bind(&r.id)
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores `after`, the referral once `t` is taken from `before`, if no one
/// changed it since `before` was read, and adds the step to its timeline;
/// `after` then carries its new version. `false`, with nothing written,
/// when someone changed it first.
#[tracing::instrument(skip_all)]
pub async fn save_step(
    tx: &mut Tx,
    before: &Referral,
    after: &mut Referral,
    t: &Transition,
    actor: &str,
    note: Option<&str>,
) -> Result<bool, sqlx::Error> {
    if !save(tx, after, before.version).await? {
        return Ok(false);
    }
    after.version = before.version + 1;
    record_history(tx, after, t.name(), Some(before.status), actor, note).await?;
    Ok(true)
}

/// Records the event a step raises in the outbox, in the step's
/// transaction.
#[tracing::instrument(skip_all)]
pub async fn record_event(
    tx: &mut Tx,
    outbox: &Outbox,
    after: &Referral,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let event = crate::lifecycle::event(after, t, now);
    outbox.record(tx, event.kind(), &event.payload()).await?;
    Ok(())
}

/// Adds a step to the referral's timeline.
pub(super) async fn record_history(
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

/// The referral's timeline, oldest step first.
#[tracing::instrument(skip_all)]
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

/// A line of a list, with what its viewer's agency was sent: `None` for
/// police staff, who see the whole record; the fields of the live share
/// for a partner.
#[derive(Debug, Clone)]
pub struct Listed {
    pub summary: ReferralSummary,
    pub shared: Option<Vec<SharedField>>,
}

/// The referrals within `scope`, at most `limit`: the newest first, or
/// with `statuses` (a worklist) those whose clock has run longest first, so
/// that overdue work is never cut off by the limit. An agency's list holds
/// only the referrals it may still see on `today`: the conditions of
/// `sharing::share_is_live`, in SQL, so the limit counts only those.
#[tracing::instrument(skip_all)]
pub async fn list(
    pool: &AnyPool,
    scope: &Scope,
    statuses: Option<&[ReferralStatus]>,
    limit: i64,
    today: NaiveDate,
) -> Result<Vec<Listed>, sqlx::Error> {
    // Status ids are the service's own constants, never user text.
    let status_clause = statuses.map_or(String::new(), |list| {
        let ids: Vec<String> = list.iter().map(|s| format!("'{}'", s.as_str())).collect();
        format!(" AND r.status IN ({})", ids.join(", "))
    });
    let order = if statuses.is_some() {
        "COALESCE(r.shared_at, r.submitted_at, r.created_at), r.id"
    } else {
        "r.created_at DESC, r.id"
    };
    const COLUMNS: &str = SUMMARY_COLUMNS;
    match scope {
        Scope::Areas { areas, creator } => {
            // One placeholder per area; the area ids come from a verified
            // assertion but are still bound, never spliced.
            let placeholders: Vec<String> =
                (0..areas.len()).map(|i| format!("${}", i + 3)).collect();
            let area_clause = if areas.is_empty() {
                String::new()
            } else {
                format!(" OR r.area_id IN ({})", placeholders.join(", "))
            };
            let sql = format!(
                "SELECT {COLUMNS} FROM referrals r \
                 WHERE (r.created_by = $1{area_clause}){status_clause} \
                 ORDER BY {order} LIMIT $2"
            );
            let mut q = sqlx::query(&sql).bind(creator).bind(limit);
            for a in areas {
                q = q.bind(a);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|row| {
                    Ok(Listed {
                        summary: summary(row)?,
                        shared: None,
                    })
                })
                .collect()
        }
        Scope::Agency(agency) => {
            let sql = format!(
                "SELECT {COLUMNS}, s.fields AS shared_fields FROM referrals r \
                 JOIN shares s ON s.id = (SELECT MAX(id) FROM shares WHERE referral_id = r.id) \
                 JOIN sharing_agreements a ON a.id = s.agreement_id \
                 WHERE r.agency_id = $1 AND s.agency_id = $1 AND a.agency_id = $1 \
                 AND r.status NOT IN ('declined', 'withdrawn') AND s.withdrawn_at IS NULL \
                 AND a.starts_on <= $3 AND a.ends_on >= $3{status_clause} \
                 ORDER BY {order} LIMIT $2"
            );
            sqlx::query(&sql)
                .bind(agency)
                .bind(limit)
                .bind(day(today))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| {
                    let fields: String = row.try_get("shared_fields")?;
                    Ok(Listed {
                        summary: summary(row)?,
                        shared: Some(super::labels(&fields, "shared field", SharedField::parse)?),
                    })
                })
                .collect()
        }
    }
}

const SUMMARY_COLUMNS: &str = "r.id, r.child_name, r.area_id, r.status, r.priority, r.agency_id, r.risk_factors, r.created_at, r.submitted_at, r.shared_at";

fn summary(row: &AnyRow) -> Result<ReferralSummary, sqlx::Error> {
    Ok(ReferralSummary {
        id: row.try_get("id")?,
        child_name: row.try_get("child_name")?,
        area_id: row.try_get("area_id")?,
        status: status(row, "status")?,
        priority: labelled(row, "priority", Priority::parse)?,
        agency_id: row.try_get("agency_id")?,
        ace_count: Some(ace_count(&risk_factors(row)?)),
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
        submitted_at: time(row, "submitted_at")?,
        shared_at: time(row, "shared_at")?,
        due_at: None,
        overdue: false,
    })
}

/// The referrals about one person that a user with `areas` (who is
/// `creator`) may see: their areas' and their own, newest first.
#[tracing::instrument(skip_all)]
pub async fn for_person(
    conn: &mut AnyConnection,
    person_id: &str,
    areas: &[String],
    creator: &str,
) -> Result<Vec<ReferralSummary>, sqlx::Error> {
    let placeholders: Vec<String> = (0..areas.len()).map(|i| format!("${}", i + 3)).collect();
    let area_clause = if areas.is_empty() {
        String::new()
    } else {
        format!(" OR r.area_id IN ({})", placeholders.join(", "))
    };
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM referrals r \
         WHERE r.person_id = $1 AND (r.created_by = $2{area_clause}) \
         ORDER BY r.created_at DESC, r.id"
    );
    let mut q = sqlx::query(&sql).bind(person_id).bind(creator);
    for a in areas {
        q = q.bind(a);
    }
    q.fetch_all(conn).await?.iter().map(summary).collect()
}

/// Whether `user_id` raised a referral about this person.
#[tracing::instrument(skip_all)]
pub async fn raised_for(
    conn: &mut AnyConnection,
    person_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT id FROM referrals WHERE person_id = $1 AND created_by = $2 LIMIT 1")
            .bind(person_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

/// How many referrals there are.
#[tracing::instrument(skip_all)]
pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM referrals")
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// Moves a referral's raising to `raised` and every step of its timeline
/// to `steps_at` (demonstration data whose story lies in the past).
#[tracing::instrument(skip_all)]
pub async fn backdate(
    tx: &mut Tx,
    id: &str,
    raised: DateTime<Utc>,
    steps_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE referrals SET created_at = $1, submitted_at = $1 WHERE id = $2")
        .bind(to_text(raised))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE referral_history SET at = $1 WHERE referral_id = $2")
        .bind(to_text(steps_at))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
