//! Reminders of lapses coming up, each stored once (per recipient, person,
//! competency, lapse date and stage), and whether each was emailed.

use super::{date, date_text};
use crate::notices::Due;
use chrono::NaiveDate;
use eip_platform::db::Tx;
use eip_types::training::Reminder;
use sqlx::{AnyConnection, AnyPool, Row};

/// Stores a reminder made on `created_on`; false when the same one exists
/// (the job ran before).
#[tracing::instrument(skip_all)]
pub async fn insert(tx: &mut Tx, r: &Due<'_>, created_on: NaiveDate) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO reminders (id, recipient_id, subject_id, competency_id, lapse_on, stage, created_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(r.recipient_id)
    .bind(r.subject_id)
    .bind(r.competency_id)
    .bind(date_text(r.lapse_on))
    .bind(r.stage)
    .bind(date_text(created_on))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// A person's reminders, the newest first.
#[tracing::instrument(skip_all)]
pub async fn for_recipient(
    conn: &mut AnyConnection,
    recipient_id: &str,
) -> Result<Vec<Reminder>, sqlx::Error> {
    sqlx::query(
        "SELECT r.id, r.subject_id, s.name, r.competency_id, r.lapse_on, r.stage, r.created_on \
         FROM reminders r JOIN staff s ON s.id = r.subject_id WHERE r.recipient_id = $1 \
         ORDER BY r.created_on DESC, r.lapse_on, r.id",
    )
    .bind(recipient_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Reminder {
            id: row.try_get("id")?,
            subject_id: row.try_get("subject_id")?,
            subject_name: row.try_get("name")?,
            competency_id: row.try_get("competency_id")?,
            lapse_on: date(row, "lapse_on")?,
            stage: row.try_get("stage")?,
            created_on: date(row, "created_on")?,
        })
    })
    .collect()
}

/// A reminder to email: to whom, about whom and what.
pub struct Unsent {
    pub id: String,
    pub stage: String,
    pub lapse_on: NaiveDate,
    /// The competency's name.
    pub competency: String,
    pub email: String,
    pub recipient: String,
    /// The person it is about; `None` when that is the recipient.
    pub subject: Option<String>,
}

/// Every reminder not yet emailed whose recipient has an address, the
/// oldest first.
#[tracing::instrument(skip_all)]
pub async fn unsent(pool: &AnyPool) -> Result<Vec<Unsent>, sqlx::Error> {
    sqlx::query(
        "SELECT r.id, r.stage, r.lapse_on, r.recipient_id, r.subject_id, c.name AS competency, \
         p.email, p.name AS recipient, s.name AS subject \
         FROM reminders r JOIN staff p ON p.id = r.recipient_id \
         JOIN staff s ON s.id = r.subject_id JOIN competencies c ON c.id = r.competency_id \
         WHERE r.emailed_on IS NULL AND p.email IS NOT NULL ORDER BY r.created_on, r.id",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let own =
            row.try_get::<String, _>("recipient_id")? == row.try_get::<String, _>("subject_id")?;
        Ok(Unsent {
            id: row.try_get("id")?,
            stage: row.try_get("stage")?,
            lapse_on: date(row, "lapse_on")?,
            competency: row.try_get("competency")?,
            email: row.try_get("email")?,
            recipient: row.try_get("recipient")?,
            subject: if own {
                None
            } else {
                Some(row.try_get("subject")?)
            },
        })
    })
    .collect()
}

/// Marks a reminder emailed on `on`, so it is not sent again.
#[tracing::instrument(skip_all)]
pub async fn mark_emailed(pool: &AnyPool, id: &str, on: NaiveDate) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE reminders SET emailed_on = $2 WHERE id = $1")
        .bind(id)
        .bind(date_text(on))
        .execute(pool)
        .await?;
    Ok(())
}
