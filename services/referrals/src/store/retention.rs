//! Retention review: the periods in force, the referrals due for review,
//! the decisions taken, and disposal of a referral's personal data.

use super::{count, day, labelled};
use crate::retention::{DISPOSED_NAME, anonymised_birth_date};
use chrono::NaiveDate;
use eip_platform::db::{Tx, now_text, parse_date, parse_time};
use eip_types::referral::{Outcome, Referral, RetentionChoice, RetentionDue, RetentionPeriods};
use sqlx::{AnyConnection, AnyPool, Row};

/// The periods in force.
#[tracing::instrument(skip_all)]
pub async fn periods(conn: &mut AnyConnection) -> Result<RetentionPeriods, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM retention_periods WHERE id = 1")
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else {
        return Ok(RetentionPeriods::default());
    };
    Ok(RetentionPeriods {
        open_months: count(&row, "open_months")?,
        withdrawn_months: count(&row, "withdrawn_months")?,
        support_completed_months: count(&row, "support_completed_months")?,
        partly_met_months: count(&row, "partly_met_months")?,
        disengaged_months: count(&row, "disengaged_months")?,
        escalated_months: count(&row, "escalated_months")?,
        no_longer_needed_months: count(&row, "no_longer_needed_months")?,
    })
}

/// Replaces the periods in force.
#[tracing::instrument(skip_all)]
pub async fn set_periods(pool: &AnyPool, p: &RetentionPeriods) -> Result<(), sqlx::Error> {
    let fields = p.fields();
    let sets: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, (name, _))| format!("{name} = ${}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE retention_periods SET {} WHERE id = 1",
        sets.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (_, months) in fields {
        q = q.bind(i64::from(months));
    }
    q.execute(pool).await?;
    Ok(())
}

/// Referrals due for review on or before `on`, not yet disposed of.
#[tracing::instrument(skip_all)]
pub async fn due(
    pool: &AnyPool,
    on: NaiveDate,
    limit: i64,
) -> Result<Vec<RetentionDue>, sqlx::Error> {
    sqlx::query(
        "SELECT id, child_name, area_id, status, outcome, created_at, review_on FROM referrals \
         WHERE review_on <= $1 AND disposed_at IS NULL ORDER BY review_on, id LIMIT $2",
    )
    .bind(day(on))
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(RetentionDue {
            id: row.try_get("id")?,
            child_name: row.try_get("child_name")?,
            area_id: row.try_get("area_id")?,
            status: super::referrals::status(row, "status")?,
            outcome: labelled(row, "outcome", Outcome::parse)?,
            created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
            review_on: parse_date(&row.try_get::<String, _>("review_on")?)?,
        })
    })
    .collect()
}

/// Records a retain or dispose decision.
#[tracing::instrument(skip_all)]
pub async fn record_decision(
    tx: &mut Tx,
    referral_id: &str,
    decision: RetentionChoice,
    reason: &str,
    next_review_on: Option<NaiveDate>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO retention_decisions (referral_id, decision, reason, next_review_on, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(referral_id)
    .bind(decision.as_str())
    .bind(reason)
    .bind(next_review_on.map(day))
    .bind(actor)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a referral's next review to `on`.
#[tracing::instrument(skip_all)]
pub async fn set_review_on(
    tx: &mut Tx,
    referral_id: &str,
    on: NaiveDate,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE referrals SET review_on = $1, version = version + 1 WHERE id = $2")
        .bind(day(on))
        .bind(referral_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Erases the personal data of a referral and of its timeline's notes,
/// keeping area, states, categories and dates for statistics.
#[tracing::instrument(skip_all)]
pub async fn dispose(tx: &mut Tx, r: &Referral) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE referrals SET child_name = $1, date_of_birth = $2, reason = '', risk_factors = '', \
         disposed_at = $3, review_on = NULL, version = version + 1 WHERE id = $4",
    )
    .bind(DISPOSED_NAME)
    .bind(day(r
        .date_of_birth
        .map(anonymised_birth_date)
        .unwrap_or_default()))
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
        super::people::dispose_if_unused(tx, person_id).await?;
    }
    Ok(())
}
