//! The access log: every view or disclosure of a referral, with who, when,
//! what and why (DPA 2018 s.62). Rows are only ever appended, and each row's
//! hash covers the previous row's, so [`verify`] finds any edited, removed or
//! reordered row.

use eip_platform::db::{Tx, now_text, parse_time};
pub use eip_types::audit::{AccessEntry, Verification};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

/// One access to record.
#[derive(Debug, Clone)]
pub struct Access<'a> {
    pub actor: &'a str,
    /// `view`, `view_timeline`, `list`, `disclose`, `access_report`.
    pub action: &'a str,
    pub referral_id: &'a str,
    /// What was disclosed to whom (the receiving agency), if anything.
    pub detail: Option<&'a str>,
    pub reason: &'a str,
}

fn hash(seq: i64, at: &str, a: &Access<'_>, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        seq.to_string().as_str(),
        at,
        a.actor,
        a.action,
        a.referral_id,
        a.detail.unwrap_or(""),
        a.reason,
        prev_hash,
    ] {
        h.update(part.as_bytes());
        // A separator that cannot occur in the fields' text.
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends one access inside the caller's transaction; returns its number.
pub async fn record(tx: &mut Tx, a: &Access<'_>) -> Result<i64, sqlx::Error> {
    // Taking the head row first serialises appenders.
    let head =
        sqlx::query("UPDATE access_log_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let at = now_text();
    let hash = hash(seq, &at, a, &prev_hash);
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

/// Walks the whole chain, recomputing every hash.
pub async fn verify(pool: &AnyPool) -> Result<Verification, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, referral_id, detail, reason, prev_hash, hash \
         FROM access_log ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    let head_seq: i64 = sqlx::query("SELECT seq FROM access_log_head WHERE id = 1")
        .fetch_one(pool)
        .await?
        .try_get("seq")?;
    let mut expected_seq = 1;
    let mut prev = String::new();
    let mut checked = 0;
    for row in &rows {
        let seq: i64 = row.try_get("seq")?;
        let at: String = row.try_get("at")?;
        let actor: String = row.try_get("actor")?;
        let action: String = row.try_get("action")?;
        let referral_id: String = row.try_get("referral_id")?;
        let detail: Option<String> = row.try_get("detail")?;
        let reason: String = row.try_get("reason")?;
        let prev_hash: String = row.try_get("prev_hash")?;
        let stored: String = row.try_get("hash")?;
        let access = Access {
            actor: &actor,
            action: &action,
            referral_id: &referral_id,
            detail: detail.as_deref(),
            reason: &reason,
        };
        let recomputed = hash(seq, &at, &access, &prev_hash);
        if seq != expected_seq || prev_hash != prev || recomputed != stored {
            return Ok(Verification {
                intact: false,
                checked,
                broken_at: Some(expected_seq.min(seq)),
            });
        }
        checked += 1;
        expected_seq += 1;
        prev = stored;
    }
    // Rows removed from the end leave the head ahead of the log.
    if head_seq != expected_seq - 1 {
        return Ok(Verification {
            intact: false,
            checked,
            broken_at: Some(expected_seq),
        });
    }
    Ok(Verification {
        intact: true,
        checked,
        broken_at: None,
    })
}

/// Everything recorded about one referral and the person it is about,
/// lists that showed either included, oldest first.
pub async fn for_referral<'e, E>(
    executor: E,
    id: &str,
    person_id: Option<&str>,
) -> Result<Vec<AccessEntry>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "SELECT seq, at, actor, action, referral_id, detail, reason FROM access_log \
         WHERE referral_id = $1 \
            OR seq IN (SELECT seq FROM access_log_items WHERE referral_id = $1 OR referral_id = $2) \
         ORDER BY seq",
    )
    .bind(id)
    .bind(person_id.unwrap_or(id))
    .fetch_all(executor)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_in_order_with_a_separator() {
        let a = Access {
            actor: "u1",
            action: "disclose",
            referral_id: "r1",
            detail: Some("schools"),
            reason: "Shared for early help",
        };
        // SHA-256 of each field followed by 0x1f: seq, at, actor, action,
        // referral, detail, reason, previous hash. Rows already logged
        // verify only while this stays the same.
        assert_eq!(
            hash(7, "2026-01-02T03:04:05.000006Z", &a, "prev"),
            "bd65984e9d455837f5c692246e4109854703f204b37dd85337fb934769082d06"
        );
        let first = Access {
            action: "list",
            referral_id: "",
            detail: None,
            reason: "Worklist",
            ..a
        };
        assert_eq!(
            hash(1, "2026-01-02T03:04:05.000006Z", &first, ""),
            "54d907e127fd1ae09c9026f7420ca0a03f23681b5ada7abb55de484859cfa4cc"
        );
    }
}
