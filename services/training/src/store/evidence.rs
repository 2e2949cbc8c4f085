//! The evidence log (append-only: a correction is a new entry that names
//! the one it corrects) and the assessments that add to it.

use super::{date, date_text, flag, framework, level, staff, time};
use crate::standing::{Fact, Facts};
use chrono::NaiveDate;
use eip_platform::db::{Tx, now_text, parse_time};
use eip_types::training::{Evidence, Level};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// An entry for the log, as appended.
pub struct NewEvidenceRow<'a> {
    pub staff_id: &'a str,
    pub competency_id: &'a str,
    pub kind: &'a str,
    pub activity: &'a str,
    pub level: Option<Level>,
    pub source: &'a str,
    pub occurred_on: NaiveDate,
    pub hours: Option<f64>,
    pub approved: bool,
    pub note: Option<&'a str>,
    pub corrects: Option<&'a str>,
    pub actor: &'a str,
    pub session_id: Option<&'a str>,
}

impl<'a> NewEvidenceRow<'a> {
    /// Completed training at `level`, with nothing else to say: what a
    /// completion, a session's register and the demo seed append.
    pub fn training(
        staff_id: &'a str,
        competency_id: &'a str,
        level: Option<Level>,
        source: &'a str,
        occurred_on: NaiveDate,
        actor: &'a str,
    ) -> Self {
        NewEvidenceRow {
            staff_id,
            competency_id,
            kind: "completed",
            activity: "training",
            level,
            source,
            occurred_on,
            hours: None,
            approved: false,
            note: None,
            corrects: None,
            actor,
            session_id: None,
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn insert(tx: &mut Tx, e: &NewEvidenceRow<'_>) -> Result<Evidence, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let recorded_at = now_text();
    sqlx::query(
        "INSERT INTO evidence (id, staff_id, competency_id, kind, activity, level, source, occurred_on, \
         minutes, approved, note, corrects, actor, session_id, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&id)
    .bind(e.staff_id)
    .bind(e.competency_id)
    .bind(e.kind)
    .bind(e.activity)
    .bind(e.level.map(Level::rank))
    .bind(e.source)
    .bind(date_text(e.occurred_on))
    .bind(e.hours.map(to_minutes))
    .bind(i64::from(e.approved))
    .bind(e.note)
    .bind(e.corrects)
    .bind(e.actor)
    .bind(e.session_id)
    .bind(&recorded_at)
    .execute(&mut **tx)
    .await?;
    Ok(Evidence {
        id,
        staff_id: e.staff_id.into(),
        competency_id: e.competency_id.into(),
        kind: e.kind.into(),
        activity: e.activity.into(),
        level: e.level,
        source: e.source.into(),
        occurred_on: e.occurred_on,
        hours: e.hours,
        approved: e.approved,
        note: e.note.map(str::to_owned),
        corrects: e.corrects.map(str::to_owned),
        actor: e.actor.into(),
        recorded_at: parse_time(&recorded_at)?,
    })
}

/// One person's whole log, corrected entries included, the latest first.
#[tracing::instrument(skip_all)]
pub async fn of_staff(
    conn: &mut AnyConnection,
    staff_id: &str,
) -> Result<Vec<Evidence>, sqlx::Error> {
    sqlx::query(
        "SELECT id, staff_id, competency_id, kind, activity, level, source, occurred_on, minutes, approved, \
         note, corrects, actor, recorded_at FROM evidence WHERE staff_id = $1 \
         ORDER BY occurred_on DESC, recorded_at DESC, id",
    )
    .bind(staff_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Evidence {
            id: row.try_get("id")?,
            staff_id: row.try_get("staff_id")?,
            competency_id: row.try_get("competency_id")?,
            kind: row.try_get("kind")?,
            activity: row.try_get("activity")?,
            level: level(row, "level")?,
            source: row.try_get("source")?,
            occurred_on: date(row, "occurred_on")?,
            hours: row
                .try_get::<Option<i64>, _>("minutes")?
                .map(from_minutes),
            approved: flag(row, "approved")?,
            note: row.try_get("note")?,
            corrects: row.try_get("corrects")?,
            actor: row.try_get("actor")?,
            recorded_at: time(row, "recorded_at")?,
        })
    })
    .collect()
}

/// The latest evidence per person, competency, kind, activity and level,
/// up to `as_of`; of one person when `staff_id` is given.
async fn latest(
    conn: &mut AnyConnection,
    as_of: NaiveDate,
    staff_id: Option<&str>,
) -> Result<HashMap<String, Vec<Fact>>, sqlx::Error> {
    const SQL: &str = "SELECT staff_id, competency_id, kind, activity, level, MAX(occurred_on) AS last \
                       FROM evidence WHERE occurred_on <= $1 \
                       AND id NOT IN (SELECT corrects FROM evidence WHERE corrects IS NOT NULL)";
    const GROUP: &str = "GROUP BY staff_id, competency_id, kind, activity, level";
    let rows = match staff_id {
        Some(id) => {
            sqlx::query(&format!("{SQL} AND staff_id = $2 {GROUP}"))
                .bind(date_text(as_of))
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query(&format!("{SQL} {GROUP}"))
                .bind(date_text(as_of))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut out: HashMap<String, Vec<Fact>> = HashMap::new();
    for row in &rows {
        out.entry(row.try_get("staff_id")?).or_default().push(Fact {
            competency_id: row.try_get("competency_id")?,
            kind: row.try_get("kind")?,
            activity: row.try_get("activity")?,
            level: level(row, "level")?,
            last: date(row, "last")?,
        });
    }
    Ok(out)
}

/// Everything the standings of everyone (or of `staff_id` alone) on
/// `as_of` are worked out from.
#[tracing::instrument(skip_all)]
pub async fn load_facts(
    conn: &mut AnyConnection,
    as_of: NaiveDate,
    staff_id: Option<&str>,
) -> Result<Facts, sqlx::Error> {
    Ok(Facts {
        rules: framework::rules(conn).await?,
        requirements: framework::requirements(conn).await?,
        by_staff: latest(conn, as_of, staff_id).await?,
        pauses: staff::pauses(conn, staff_id).await?,
    })
}

/// Whether `id` is an entry of this person and competency that no later
/// entry corrects yet.
#[tracing::instrument(skip_all)]
pub async fn correctable(
    conn: &mut AnyConnection,
    id: &str,
    staff_id: &str,
    competency_id: &str,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT e.id FROM evidence e WHERE e.id = $1 AND e.staff_id = $2 AND e.competency_id = $3 \
         AND NOT EXISTS (SELECT 1 FROM evidence c WHERE c.corrects = e.id)",
    )
    .bind(id)
    .bind(staff_id)
    .bind(competency_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// A trainer's assessment of observed practice.
pub struct AssessmentRow<'a> {
    pub id: &'a str,
    pub staff_id: &'a str,
    pub competency_id: &'a str,
    pub assessor: &'a str,
    pub assessed_on: NaiveDate,
    pub outcome: &'a str,
    pub level: Option<Level>,
    pub standards_met: &'a [String],
    pub notes: &'a str,
}

#[tracing::instrument(skip_all)]
pub async fn insert_assessment(tx: &mut Tx, a: &AssessmentRow<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO assessments (id, staff_id, competency_id, assessor, assessed_on, outcome, level, \
         standards_met, notes, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id)
    .bind(a.staff_id)
    .bind(a.competency_id)
    .bind(a.assessor)
    .bind(date_text(a.assessed_on))
    .bind(a.outcome)
    .bind(a.level.map(Level::rank))
    .bind(a.standards_met.join(","))
    .bind(a.notes)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// CPD time is stored in whole minutes: exact on both backends.
fn to_minutes(hours: f64) -> i64 {
    // Bounded to 0–100 hours by validation, so the cast cannot overflow.
    #[allow(clippy::cast_possible_truncation)]
    let minutes = (hours * 60.0).round() as i64;
    minutes
}

fn from_minutes(minutes: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let m = minutes as f64;
    m / 60.0
}
