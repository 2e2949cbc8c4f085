//! Referral records in the service's database. One SQL text serves SQLite and
//! PostgreSQL through sqlx's `Any` driver.

use crate::access::Scope;
use eip_platform::db::{Tx, now_text, parse_date, parse_time, to_text};
use eip_types::referral::{Referral, ReferralStatus, ReferralSummary, ValidReferral};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn status(row: &AnyRow) -> Result<ReferralStatus, sqlx::Error> {
    let s: String = row.try_get("status")?;
    ReferralStatus::parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("status `{s}`").into()))
}

fn referral(row: &AnyRow) -> Result<Referral, sqlx::Error> {
    Ok(Referral {
        id: row.try_get("id")?,
        child_name: row.try_get("child_name")?,
        date_of_birth: parse_date(&row.try_get::<String, _>("date_of_birth")?)?,
        area_id: row.try_get("area_id")?,
        reason: row.try_get("reason")?,
        status: status(row)?,
        created_by: row.try_get("created_by")?,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
        submitted_at: row
            .try_get::<Option<String>, _>("submitted_at")?
            .map(|t| parse_time(&t))
            .transpose()?,
        version: row.try_get("version")?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    r: &ValidReferral,
    created_by: &str,
) -> Result<Referral, sqlx::Error> {
    // Stored with microsecond precision: answer what a later read returns.
    let now = parse_time(&now_text())?;
    let status = if r.submit {
        ReferralStatus::Submitted
    } else {
        ReferralStatus::Draft
    };
    let submitted_at = r.submit.then(|| to_text(now));
    sqlx::query(
        "INSERT INTO referrals (id, child_name, date_of_birth, area_id, reason, status, \
         created_by, created_at, submitted_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
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
    .execute(&mut **tx)
    .await?;
    Ok(Referral {
        id: id.to_owned(),
        child_name: r.child_name.clone(),
        date_of_birth: r.date_of_birth,
        area_id: r.area_id.clone(),
        reason: r.reason.clone(),
        status,
        created_by: created_by.to_owned(),
        created_at: now,
        submitted_at: r.submit.then_some(now),
        version: 1,
    })
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

/// Marks a draft submitted if its version is still `version`; `false` when
/// someone changed it first.
pub async fn mark_submitted(tx: &mut Tx, id: &str, version: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE referrals SET status = $1, submitted_at = $2, version = version + 1 \
         WHERE id = $3 AND version = $4 AND status = $5",
    )
    .bind(ReferralStatus::Submitted.as_str())
    .bind(now_text())
    .bind(id)
    .bind(version)
    .bind(ReferralStatus::Draft.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The newest referrals within `scope`, at most `limit`.
pub async fn list(
    pool: &AnyPool,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<ReferralSummary>, sqlx::Error> {
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
                "SELECT id, child_name, area_id, status, created_at FROM referrals \
                 WHERE (created_by = $1{area_clause}) ORDER BY created_at DESC, id LIMIT $2"
            );
            let mut q = sqlx::query(&sql).bind(creator).bind(limit);
            for a in areas {
                q = q.bind(a);
            }
            q.fetch_all(pool).await?
        }
        // Agencies see only what was shared with them; sharing comes later.
        Scope::Agency(_) => Vec::new(),
    };
    rows.iter()
        .map(|row| {
            Ok(ReferralSummary {
                id: row.try_get("id")?,
                child_name: row.try_get("child_name")?,
                area_id: row.try_get("area_id")?,
                status: status(row)?,
                created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
            })
        })
        .collect()
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM referrals")
        .fetch_one(pool)
        .await?
        .try_get("n")
}
