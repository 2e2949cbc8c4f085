//! Staff: force officers and staff, partner staff, their line managers,
//! and the pauses of their records for long leave.

use super::{date, date_text};
use crate::standing::Pauses;
use eip_platform::db::{Tx, now_text};
use eip_types::training::{Pause, Staff};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

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

/// Everyone, by team and name.
#[tracing::instrument(skip_all)]
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Staff>, sqlx::Error> {
    sqlx::query(&format!("{STAFF} ORDER BY team, name, id"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(staff_row)
        .collect()
}

/// The person whose `column` (a column name of this module's, never input)
/// is `value`; each of these columns is unique.
async fn one_by(
    conn: &mut AnyConnection,
    column: &str,
    value: &str,
) -> Result<Option<Staff>, sqlx::Error> {
    sqlx::query(&format!("{STAFF} WHERE {column} = $1"))
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(staff_row)
        .transpose()
}

#[tracing::instrument(skip_all)]
pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<Staff>, sqlx::Error> {
    one_by(conn, "id", id).await
}

/// The record linked to a sign-in account.
#[tracing::instrument(skip_all)]
pub async fn by_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<Staff>, sqlx::Error> {
    one_by(conn, "user_id", user_id).await
}

#[tracing::instrument(skip_all)]
pub async fn by_number(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<Staff>, sqlx::Error> {
    one_by(conn, "staff_number", number).await
}

#[tracing::instrument(skip_all)]
pub async fn count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM staff")
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")
}

/// Inserts without a manager; managers are set after every row of an
/// import is in, so a row may name a manager further down the file.
#[tracing::instrument(skip_all)]
pub async fn insert(tx: &mut Tx, s: &Staff) -> Result<(), sqlx::Error> {
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

/// Inserts many people (without managers, as [`insert`]) and their
/// email addresses, a few hundred rows a statement.
#[tracing::instrument(skip_all)]
pub async fn insert_batch(
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
#[tracing::instrument(skip_all)]
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

#[tracing::instrument(skip_all)]
pub async fn set_manager(tx: &mut Tx, id: &str, manager_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff SET manager_id = $1 WHERE id = $2")
        .bind(manager_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves a person to another job role; false when there is no such person.
#[tracing::instrument(skip_all)]
pub async fn set_role(
    conn: &mut AnyConnection,
    id: &str,
    role_id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("UPDATE staff SET role_id = $1 WHERE id = $2")
        .bind(role_id)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Each person's pauses as `(starts_on, ends_on)`; of one person when
/// `staff_id` is given.
#[tracing::instrument(skip_all)]
pub async fn pauses(
    conn: &mut AnyConnection,
    staff_id: Option<&str>,
) -> Result<Pauses, sqlx::Error> {
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
    let mut out = Pauses::new();
    for row in &rows {
        out.entry(row.try_get("staff_id")?)
            .or_default()
            .push((date(row, "starts_on")?, date(row, "ends_on")?));
    }
    Ok(out)
}

/// One person's pauses with their reasons, the earliest first.
#[tracing::instrument(skip_all)]
pub async fn pause_log(
    conn: &mut AnyConnection,
    staff_id: &str,
) -> Result<Vec<Pause>, sqlx::Error> {
    sqlx::query(
        "SELECT starts_on, ends_on, reason, actor FROM pauses WHERE staff_id = $1 ORDER BY starts_on, recorded_at",
    )
    .bind(staff_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Pause {
            starts_on: date(row, "starts_on")?,
            ends_on: date(row, "ends_on")?,
            reason: row.try_get("reason")?,
            actor: row.try_get("actor")?,
        })
    })
    .collect()
}

#[tracing::instrument(skip_all)]
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
