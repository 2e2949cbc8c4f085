//! The course catalogue, sessions of its courses and their registers.

use super::{date, date_text, flag, level};
use chrono::NaiveDate;
use eip_platform::db::{Tx, now_text};
use eip_types::training::Level;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A course of the catalogue: training in one competency (at a level,
/// for a levelled one).
pub struct CourseRow {
    pub id: String,
    pub title: String,
    pub competency_id: String,
    pub level: Option<Level>,
}

fn course_row(row: &AnyRow) -> Result<CourseRow, sqlx::Error> {
    Ok(CourseRow {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        competency_id: row.try_get("competency_id")?,
        level: level(row, "level")?,
    })
}

/// The catalogue, by title.
#[tracing::instrument(skip_all)]
pub async fn courses(conn: &mut AnyConnection) -> Result<Vec<CourseRow>, sqlx::Error> {
    sqlx::query("SELECT id, title, competency_id, level FROM courses ORDER BY title, id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(course_row)
        .collect()
}

#[tracing::instrument(skip_all)]
pub async fn course(conn: &mut AnyConnection, id: &str) -> Result<Option<CourseRow>, sqlx::Error> {
    sqlx::query("SELECT id, title, competency_id, level FROM courses WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(course_row)
        .transpose()
}

#[tracing::instrument(skip_all)]
pub async fn insert_course(conn: &mut AnyConnection, c: &CourseRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO courses (id, title, competency_id, level, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&c.id)
    .bind(&c.title)
    .bind(&c.competency_id)
    .bind(c.level.map(Level::rank))
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A scheduled session of a course.
pub struct SessionRow {
    pub id: String,
    pub course_id: String,
    pub trainer: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub capacity: i64,
}

fn session_row(row: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        id: row.try_get("id")?,
        course_id: row.try_get("course_id")?,
        trainer: row.try_get("trainer")?,
        held_on: date(row, "held_on")?,
        place: row.try_get("place")?,
        capacity: row.try_get("capacity")?,
    })
}

const SESSION: &str = "SELECT id, course_id, trainer, held_on, place, capacity FROM sessions";

#[tracing::instrument(skip_all)]
pub async fn session(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query(&format!("{SESSION} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(session_row)
        .transpose()
}

/// Every session, the latest first.
#[tracing::instrument(skip_all)]
pub async fn sessions(conn: &mut AnyConnection) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query(&format!("{SESSION} ORDER BY held_on DESC, id"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(session_row)
        .collect()
}

#[tracing::instrument(skip_all)]
pub async fn insert_session(conn: &mut AnyConnection, s: &SessionRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, course_id, trainer, held_on, place, capacity, held, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
    )
    .bind(&s.id)
    .bind(&s.course_id)
    .bind(&s.trainer)
    .bind(date_text(s.held_on))
    .bind(&s.place)
    .bind(s.capacity)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks the session held; true only the first time.
#[tracing::instrument(skip_all)]
pub async fn mark_held(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE sessions SET held = 1 WHERE id = $1 AND held = 0")
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1,
    )
}

/// `(staff_id, attended)` in the order taken.
#[tracing::instrument(skip_all)]
pub async fn register(
    conn: &mut AnyConnection,
    session_id: &str,
) -> Result<Vec<(String, bool)>, sqlx::Error> {
    sqlx::query(
        "SELECT staff_id, attended FROM attendance WHERE session_id = $1 ORDER BY recorded_at, staff_id",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("staff_id")?, flag(row, "attended")?)))
    .collect()
}

/// Adds a line to the register; false when the person is already on it.
#[tracing::instrument(skip_all)]
pub async fn insert_attendance(
    tx: &mut Tx,
    session_id: &str,
    staff_id: &str,
    attended: bool,
    actor: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO attendance (session_id, staff_id, attended, actor, recorded_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(session_id)
    .bind(staff_id)
    .bind(i64::from(attended))
    .bind(actor)
    .bind(now_text())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}
