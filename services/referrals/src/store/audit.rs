//! The access log's rows and the head of its hash chain. What a row's hash
//! covers, and how the chain is checked, is [`crate::audit`]'s.

use crate::audit::{self, Access, AccessEntry, Logged, Verification};
use eip_platform::db::{Tx, now_text, parse_time};
use sqlx::{AnyConnection, AnyPool, Row};

/// Appends one access inside the caller's transaction; returns its number.
#[tracing::instrument(skip_all)]
pub async fn record(tx: &mut Tx, a: &Access<'_>) -> Result<i64, sqlx::Error> {
    // Taking the head row first serialises appenders.
    let head =
        sqlx::query("UPDATE access_log_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let at = now_text();
    let hash = audit::hash(seq, &at, a, &prev_hash);
    sqlx::query(
        "INSERT INTO access_log (seq, at, actor, action, referral_id, detail, reason, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(&at)
    .bind(a.actor)
    .bind(a.action)
    .bind(a.referral_id)
    .bind(a.detail)
    .bind(a.reason)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE access_log_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// Records that `actor` was shown the records `ids` (referrals or people)
/// at once, as a list or as candidates: one row in the chain naming them
/// all (so the chain protects them), indexed by record for the access
/// report.
#[tracing::instrument(skip_all)]
pub async fn record_many(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    ids: &[&str],
    reason: &str,
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let detail = ids.join(",");
    let seq = record(
        tx,
        &Access {
            actor,
            action,
            referral_id: "",
            detail: Some(&detail),
            reason,
        },
    )
    .await?;
    let values: Vec<String> = (0..ids.len())
        .map(|i| format!("($1, ${})", i + 2))
        .collect();
    let sql = format!(
        "INSERT INTO access_log_items (seq, referral_id) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(seq);
    for id in ids {
        q = q.bind(*id);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Reads the whole chain and checks it.
#[tracing::instrument(skip_all)]
pub async fn verify(pool: &AnyPool) -> Result<Verification, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, referral_id, detail, reason, prev_hash, hash \
         FROM access_log ORDER BY seq",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Logged {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            referral_id: row.try_get("referral_id")?,
            detail: row.try_get("detail")?,
            reason: row.try_get("reason")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let head_seq: i64 = sqlx::query("SELECT seq FROM access_log_head WHERE id = 1")
        .fetch_one(pool)
        .await?
        .try_get("seq")?;
    Ok(audit::verify(&rows, head_seq))
}

/// Everything recorded about one referral and the person it is about,
/// lists that showed either included, oldest first.
#[tracing::instrument(skip_all)]
pub async fn for_referral(
    conn: &mut AnyConnection,
    id: &str,
    person_id: Option<&str>,
) -> Result<Vec<AccessEntry>, sqlx::Error> {
    sqlx::query(
        "SELECT seq, at, actor, action, referral_id, detail, reason FROM access_log \
         WHERE referral_id = $1 \
            OR seq IN (SELECT seq FROM access_log_items WHERE referral_id = $1 OR referral_id = $2) \
         ORDER BY seq",
    )
    .bind(id)
    .bind(person_id.unwrap_or(id))
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(AccessEntry {
            seq: row.try_get("seq")?,
            at: parse_time(&row.try_get::<String, _>("at")?)?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            referral_id: row.try_get("referral_id")?,
            detail: row.try_get("detail")?,
            reason: row.try_get("reason")?,
        })
    })
    .collect()
}
