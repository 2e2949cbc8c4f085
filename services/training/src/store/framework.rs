//! The competency framework: competencies with their currency rules and
//! standards, job roles and what each requires.

use super::{flag, level};
use crate::standing::{Requirements, Rule};
use eip_platform::db::Tx;
use eip_types::training::{
    Competency, Framework, FrameworkCompetency, JobRole, Level, NewCompetency, Requirement,
    Standard,
};
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::HashMap;

/// Every competency, in display order.
#[tracing::instrument(skip_all)]
pub async fn competencies(pool: &AnyPool) -> Result<Vec<Competency>, sqlx::Error> {
    sqlx::query("SELECT id, name, description FROM competencies ORDER BY position")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(Competency {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                description: row.try_get("description")?,
            })
        })
        .collect()
}

#[tracing::instrument(skip_all)]
pub async fn competency_exists(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT id FROM competencies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

/// Every competency's currency rule, in display order.
#[tracing::instrument(skip_all)]
pub async fn rules(conn: &mut AnyConnection) -> Result<Vec<Rule>, sqlx::Error> {
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

/// What each job role requires.
#[tracing::instrument(skip_all)]
pub async fn requirements(conn: &mut AnyConnection) -> Result<Requirements, sqlx::Error> {
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

/// The whole framework, as administrators edit it.
#[tracing::instrument(skip_all)]
pub async fn framework(conn: &mut AnyConnection) -> Result<Framework, sqlx::Error> {
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

/// Sets a competency's validity and warning window; false when there is
/// no such competency.
#[tracing::instrument(skip_all)]
pub async fn update_rule(
    conn: &mut AnyConnection,
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

/// Adds a competency at the end, with its standards; false when one with
/// its id exists.
#[tracing::instrument(skip_all)]
pub async fn insert_competency(tx: &mut Tx, c: &NewCompetency) -> Result<bool, sqlx::Error> {
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

/// Every job role's id, in display order.
#[tracing::instrument(skip_all)]
pub async fn role_ids(conn: &mut AnyConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT id FROM job_roles ORDER BY position")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get("id"))
        .collect()
}

#[tracing::instrument(skip_all)]
pub async fn role_exists(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT id FROM job_roles WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

/// Replaces what a job role requires.
#[tracing::instrument(skip_all)]
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

/// The codes of a competency's standards, in order.
#[tracing::instrument(skip_all)]
pub async fn standard_codes(
    conn: &mut AnyConnection,
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
