//! The framework, staff, evidence, sessions, assessments and reminders in
//! the service's database. One SQL text serves SQLite and PostgreSQL.

use crate::standing::{Fact, Rule};
use chrono::NaiveDate;
use eip_platform::db::{Tx, now_text, parse_date, parse_time};
use eip_types::training::{
    Evidence, Framework, FrameworkCompetency, JobRole, Level, Pause, Reminder, Requirement, Staff,
    Standard,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

pub type Conn = AnyConnection;

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn level(row: &AnyRow, column: &str) -> Result<Option<Level>, sqlx::Error> {
    Ok(row
        .try_get::<Option<i64>, _>(column)?
        .and_then(Level::from_rank))
}

fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
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

/// Whether `id` is an entry of this person and competency that no later
/// entry corrects yet.
pub async fn correctable(
    conn: &mut Conn,
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

// ---- framework ----

pub async fn rules(conn: &mut Conn) -> Result<Vec<Rule>, sqlx::Error> {
    sqlx::query(
        "SELECT id, name, description, validity_months, warning_days, levelled, practice_checks \
         FROM competencies ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Rule {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            validity_months: row
                .try_get::<Option<i64>, _>("validity_months")?
                .and_then(|m| u32::try_from(m).ok()),
            warning_days: u32::try_from(row.try_get::<i64, _>("warning_days")?).unwrap_or(0),
            levelled: flag(row, "levelled")?,
            practice_checks: flag(row, "practice_checks")?,
        })
    })
    .collect()
}

/// Required competencies by job role: `(competency, level)`.
pub type Requirements = HashMap<String, Vec<(String, Option<Level>)>>;

pub async fn requirements(conn: &mut Conn) -> Result<Requirements, sqlx::Error> {
    let rows = sqlx::query("SELECT role_id, competency_id, level FROM role_requirements")
        .fetch_all(&mut *conn)
        .await?;
    let mut out: Requirements = HashMap::new();
    for row in &rows {
        out.entry(row.try_get("role_id")?)
            .or_default()
            .push((row.try_get("competency_id")?, level(row, "level")?));
    }
    Ok(out)
}

pub async fn framework(conn: &mut Conn) -> Result<Framework, sqlx::Error> {
    let rules = rules(conn).await?;
    let standards = sqlx::query(
        "SELECT competency_id, code, indicator, text FROM competency_standards ORDER BY competency_id, position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut by_competency: HashMap<String, Vec<Standard>> = HashMap::new();
    for row in &standards {
        by_competency
            .entry(row.try_get("competency_id")?)
            .or_default()
            .push(Standard {
                code: row.try_get("code")?,
                indicator: row.try_get("indicator")?,
                text: row.try_get("text")?,
            });
    }
    let reqs = requirements(conn).await?;
    let roles = sqlx::query("SELECT id, name FROM job_roles ORDER BY position")
        .fetch_all(&mut *conn)
        .await?;
    let position = |c: &str| rules.iter().position(|r| r.id == c);
    let roles = roles
        .iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let mut requirements: Vec<Requirement> = reqs
                .get(&id)
                .into_iter()
                .flatten()
                .map(|(c, l)| Requirement {
                    competency_id: c.clone(),
                    level: *l,
                })
                .collect();
            requirements.sort_by_key(|r| position(&r.competency_id));
            Ok(JobRole {
                id,
                name: row.try_get("name")?,
                requirements,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let competencies = rules
        .iter()
        .map(|r| FrameworkCompetency {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            validity_months: r.validity_months,
            warning_days: r.warning_days,
            levelled: r.levelled,
            practice_checks: r.practice_checks,
            standards: by_competency.remove(&r.id).unwrap_or_default(),
        })
        .collect();
    Ok(Framework {
        competencies,
        roles,
    })
}

pub async fn update_rule(
    conn: &mut Conn,
    id: &str,
    validity_months: Option<u32>,
    warning_days: u32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE competencies SET validity_months = $1, warning_days = $2 WHERE id = $3",
    )
    .bind(validity_months.map(i64::from))
    .bind(i64::from(warning_days))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_competency(
    tx: &mut Tx,
    c: &eip_types::training::NewCompetency,
) -> Result<bool, sqlx::Error> {
    // `WHERE TRUE` lets SQLite read the upsert clause after a SELECT.
    let done = sqlx::query(
        "INSERT INTO competencies (id, name, description, position, validity_months, warning_days, \
         levelled, practice_checks) \
         SELECT $1, $2, $3, COALESCE(MAX(position), 0) + 1, $4, $5, $6, $7 FROM competencies WHERE TRUE \
         ON CONFLICT DO NOTHING",
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.description)
    .bind(c.validity_months.map(i64::from))
    .bind(i64::from(c.warning_days))
    .bind(i64::from(c.levelled))
    .bind(i64::from(c.practice_checks))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for (i, s) in c.standards.iter().enumerate() {
        sqlx::query(
            "INSERT INTO competency_standards (competency_id, code, indicator, text, position) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&c.id)
        .bind(&s.code)
        .bind(&s.indicator)
        .bind(&s.text)
        .bind(i64::try_from(i).unwrap_or(0) + 1)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

pub async fn role_exists(conn: &mut Conn, id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT id FROM job_roles WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

pub async fn set_requirements(
    tx: &mut Tx,
    role_id: &str,
    reqs: &[Requirement],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM role_requirements WHERE role_id = $1")
        .bind(role_id)
        .execute(&mut **tx)
        .await?;
    for r in reqs {
        sqlx::query(
            "INSERT INTO role_requirements (role_id, competency_id, level) VALUES ($1, $2, $3)",
        )
        .bind(role_id)
        .bind(&r.competency_id)
        .bind(r.level.map(Level::rank))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

// ---- staff ----

const STAFF: &str =
    "SELECT id, staff_number, user_id, name, team, area, role_id, manager_id, agency FROM staff";

fn staff_row(row: &AnyRow) -> Result<Staff, sqlx::Error> {
    Ok(Staff {
        id: row.try_get("id")?,
        staff_number: row.try_get("staff_number")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        team: row.try_get("team")?,
        area: row.try_get("area")?,
        role_id: row.try_get("role_id")?,
        manager_id: row.try_get("manager_id")?,
        agency: row.try_get("agency")?,
    })
}

pub async fn all_staff(conn: &mut Conn) -> Result<Vec<Staff>, sqlx::Error> {
    sqlx::query(&format!("{STAFF} ORDER BY team, name, id"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(staff_row)
        .collect()
}

pub async fn staff(conn: &mut Conn, id: &str) -> Result<Option<Staff>, sqlx::Error> {
    sqlx::query(&format!("{STAFF} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(staff_row)
        .transpose()
}

pub async fn staff_by_user(conn: &mut Conn, user_id: &str) -> Result<Option<Staff>, sqlx::Error> {
    sqlx::query(&format!("{STAFF} WHERE user_id = $1"))
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(staff_row)
        .transpose()
}

pub async fn staff_by_number(conn: &mut Conn, number: &str) -> Result<Option<Staff>, sqlx::Error> {
    sqlx::query(&format!("{STAFF} WHERE staff_number = $1"))
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(staff_row)
        .transpose()
}

pub async fn staff_count(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM staff")
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")
}

/// Inserts without a manager; managers are set after every row of an
/// import is in, so a row may name a manager further down the file.
pub async fn insert_staff(tx: &mut Tx, s: &Staff) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff (id, staff_number, user_id, name, team, area, role_id, manager_id, agency, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
    )
    .bind(&s.id)
    .bind(&s.staff_number)
    .bind(&s.user_id)
    .bind(&s.name)
    .bind(&s.team)
    .bind(&s.area)
    .bind(&s.role_id)
    .bind(&s.agency)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Rows per statement in the batched import writes: few round trips, and
/// well under either backend's limit on bound parameters.
const BATCH: usize = 400;

/// Inserts many people (without managers, as [`insert_staff`]) and their
/// email addresses, a few hundred rows a statement.
pub async fn insert_staff_batch(
    tx: &mut Tx,
    people: &[(Staff, Option<String>)],
) -> Result<(), sqlx::Error> {
    let now = now_text();
    for chunk in people.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO staff (id, staff_number, user_id, name, team, area, role_id, manager_id, \
             agency, created_at, email) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 10;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, NULL, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10
            ));
        }
        let mut q = sqlx::query(&sql);
        for (s, email) in chunk {
            q = q
                .bind(&s.id)
                .bind(&s.staff_number)
                .bind(&s.user_id)
                .bind(&s.name)
                .bind(&s.team)
                .bind(&s.area)
                .bind(&s.role_id)
                .bind(&s.agency)
                .bind(&now)
                .bind(email);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Sets many `(person, manager)` pairs, a few hundred a statement.
pub async fn set_managers(tx: &mut Tx, pairs: &[(&str, &str)]) -> Result<(), sqlx::Error> {
    for chunk in pairs.chunks(BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        // VALUES columns are `column1`, `column2` on both backends.
        let sql = format!(
            "UPDATE staff SET manager_id = v.column2 FROM (VALUES {}) AS v \
             WHERE staff.id = v.column1",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (id, manager) in chunk {
            q = q.bind(*id).bind(*manager);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn set_manager(tx: &mut Tx, id: &str, manager_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff SET manager_id = $1 WHERE id = $2")
        .bind(manager_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_role(conn: &mut Conn, id: &str, role_id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("UPDATE staff SET role_id = $1 WHERE id = $2")
        .bind(role_id)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

// ---- evidence ----

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

pub async fn insert_evidence(tx: &mut Tx, e: &NewEvidenceRow<'_>) -> Result<Evidence, sqlx::Error> {
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

pub async fn evidence_of(conn: &mut Conn, staff_id: &str) -> Result<Vec<Evidence>, sqlx::Error> {
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
            occurred_on: parse_date(&row.try_get::<String, _>("occurred_on")?)?,
            hours: row
                .try_get::<Option<i64>, _>("minutes")?
                .map(from_minutes),
            approved: flag(row, "approved")?,
            note: row.try_get("note")?,
            corrects: row.try_get("corrects")?,
            actor: row.try_get("actor")?,
            recorded_at: parse_time(&row.try_get::<String, _>("recorded_at")?)?,
        })
    })
    .collect()
}

/// The latest evidence per person, competency, kind, activity and level,
/// up to `as_of`; of one person when `staff_id` is given.
pub async fn facts(
    conn: &mut Conn,
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
            last: parse_date(&row.try_get::<String, _>("last")?)?,
        });
    }
    Ok(out)
}

// ---- pauses ----

pub type Pauses = HashMap<String, Vec<(NaiveDate, NaiveDate)>>;

pub async fn pauses(conn: &mut Conn, staff_id: Option<&str>) -> Result<Pauses, sqlx::Error> {
    let rows = match staff_id {
        Some(id) => {
            sqlx::query("SELECT staff_id, starts_on, ends_on FROM pauses WHERE staff_id = $1")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("SELECT staff_id, starts_on, ends_on FROM pauses")
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut out: Pauses = HashMap::new();
    for row in &rows {
        out.entry(row.try_get("staff_id")?).or_default().push((
            parse_date(&row.try_get::<String, _>("starts_on")?)?,
            parse_date(&row.try_get::<String, _>("ends_on")?)?,
        ));
    }
    Ok(out)
}

pub async fn pause_log(conn: &mut Conn, staff_id: &str) -> Result<Vec<Pause>, sqlx::Error> {
    sqlx::query(
        "SELECT starts_on, ends_on, reason, actor FROM pauses WHERE staff_id = $1 ORDER BY starts_on, recorded_at",
    )
    .bind(staff_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Pause {
            starts_on: parse_date(&row.try_get::<String, _>("starts_on")?)?,
            ends_on: parse_date(&row.try_get::<String, _>("ends_on")?)?,
            reason: row.try_get("reason")?,
            actor: row.try_get("actor")?,
        })
    })
    .collect()
}

pub async fn insert_pause(tx: &mut Tx, staff_id: &str, p: &Pause) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pauses (id, staff_id, starts_on, ends_on, reason, actor, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(staff_id)
    .bind(date_text(p.starts_on))
    .bind(date_text(p.ends_on))
    .bind(&p.reason)
    .bind(&p.actor)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---- courses, sessions, attendance, assessments ----

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

pub async fn courses(conn: &mut Conn) -> Result<Vec<CourseRow>, sqlx::Error> {
    sqlx::query("SELECT id, title, competency_id, level FROM courses ORDER BY title, id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(course_row)
        .collect()
}

pub async fn course(conn: &mut Conn, id: &str) -> Result<Option<CourseRow>, sqlx::Error> {
    sqlx::query("SELECT id, title, competency_id, level FROM courses WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(course_row)
        .transpose()
}

pub async fn insert_course(conn: &mut Conn, c: &CourseRow) -> Result<(), sqlx::Error> {
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
        held_on: parse_date(&row.try_get::<String, _>("held_on")?)?,
        place: row.try_get("place")?,
        capacity: row.try_get("capacity")?,
    })
}

const SESSION: &str = "SELECT id, course_id, trainer, held_on, place, capacity FROM sessions";

pub async fn session(conn: &mut Conn, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query(&format!("{SESSION} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(session_row)
        .transpose()
}

pub async fn sessions(conn: &mut Conn) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query(&format!("{SESSION} ORDER BY held_on DESC, id"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(session_row)
        .collect()
}

pub async fn insert_session(conn: &mut Conn, s: &SessionRow) -> Result<(), sqlx::Error> {
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
pub async fn register(
    conn: &mut Conn,
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

pub async fn standard_codes(
    conn: &mut Conn,
    competency_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT code FROM competency_standards WHERE competency_id = $1 ORDER BY position")
        .bind(competency_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get("code"))
        .collect()
}

// ---- reminders and coverage publishing ----

pub struct ReminderRow<'a> {
    pub recipient_id: &'a str,
    pub subject_id: &'a str,
    pub competency_id: &'a str,
    pub lapse_on: NaiveDate,
    pub stage: &'a str,
    pub created_on: NaiveDate,
}

/// Stores a reminder; false when the same one exists (the job ran before).
pub async fn insert_reminder(tx: &mut Tx, r: &ReminderRow<'_>) -> Result<bool, sqlx::Error> {
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
    .bind(date_text(r.created_on))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

pub async fn reminders_for(
    conn: &mut Conn,
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
            lapse_on: parse_date(&row.try_get::<String, _>("lapse_on")?)?,
            stage: row.try_get("stage")?,
            created_on: parse_date(&row.try_get::<String, _>("created_on")?)?,
        })
    })
    .collect()
}

/// Claims a month's coverage publication for a scope; false when taken.
pub async fn claim_coverage(
    tx: &mut Tx,
    month: &str,
    scope: &str,
    scope_id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO coverage_published (month, scope, scope_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(month)
    .bind(scope)
    .bind(scope_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}
