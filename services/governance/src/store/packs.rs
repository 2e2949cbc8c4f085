//! Boards, their approvers, every version of every pack, and who viewed or
//! downloaded which.

use super::{from_json, to_json};
use eip_platform::db::{Tx, now_text};
use eip_types::governance::{Board, Pack, PackAccess, PackInput, PackStatus};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// Every board with the approvers it names.
#[tracing::instrument(skip_all)]
pub async fn boards(pool: &AnyPool) -> Result<Vec<Board>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name FROM boards ORDER BY position, id")
        .fetch_all(pool)
        .await?;
    let approvers = sqlx::query(
        "SELECT board_id, approver_user FROM board_approvers ORDER BY board_id, approver_user",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let mine = approvers
                .iter()
                .filter(|a| a.try_get::<String, _>("board_id").is_ok_and(|b| b == id))
                .map(|a| a.try_get("approver_user"))
                .collect::<Result<Vec<String>, _>>()?;
            Ok(Board {
                id,
                name: r.try_get("name")?,
                approvers: mine,
            })
        })
        .collect()
}

/// Every board's id.
#[tracing::instrument(skip_all)]
pub async fn board_ids(tx: &mut Tx) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT id FROM boards")
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect()
}

/// How many approvers a board names.
#[tracing::instrument(skip_all)]
pub async fn approver_count(tx: &mut Tx, board_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM board_approvers WHERE board_id = $1")
        .bind(board_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")
}

/// Names one more approver of a board.
#[tracing::instrument(skip_all)]
pub async fn add_approver(tx: &mut Tx, board_id: &str, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO board_approvers (board_id, approver_user) VALUES ($1, $2)")
        .bind(board_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces a board's approvers with `approvers`, each trimmed.
#[tracing::instrument(skip_all)]
pub async fn replace_approvers(
    tx: &mut Tx,
    board_id: &str,
    approvers: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM board_approvers WHERE board_id = $1")
        .bind(board_id)
        .execute(&mut **tx)
        .await?;
    for a in approvers {
        add_approver(tx, board_id, a.trim()).await?;
    }
    Ok(())
}

const PACK_COLUMNS: &str = "id, series_id, version, status, input, created_by, created_at, \
    reviewed_by, reviewed_at, signed_by, signed_at, snapshot_sha256";

fn pack_of(r: &AnyRow) -> Result<Pack, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let input: String = r.try_get("input")?;
    Ok(Pack {
        id: r.try_get("id")?,
        series_id: r.try_get("series_id")?,
        version: r.try_get("version")?,
        status: PackStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown pack status {status}").into()))?,
        input: from_json(&input)?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        reviewed_by: r.try_get("reviewed_by")?,
        reviewed_at: r.try_get("reviewed_at")?,
        signed_by: r.try_get("signed_by")?,
        signed_at: r.try_get("signed_at")?,
        snapshot_sha256: r.try_get("snapshot_sha256")?,
    })
}

/// How many packs there are, of any version.
#[tracing::instrument(skip_all)]
pub async fn count(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM packs")
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")
}

/// One pack version.
#[tracing::instrument(skip_all)]
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<Pack>, sqlx::Error> {
    sqlx::query(&format!("SELECT {PACK_COLUMNS} FROM packs WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(pack_of)
        .transpose()
}

/// Every version of one pack, oldest first.
#[tracing::instrument(skip_all)]
pub async fn history(pool: &AnyPool, series_id: &str) -> Result<Vec<Pack>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PACK_COLUMNS} FROM packs WHERE series_id = $1 ORDER BY version"
    ))
    .bind(series_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(pack_of)
    .collect()
}

/// Every version of every pack (of one board, if given), newest first.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &AnyPool, board_id: Option<&str>) -> Result<Vec<Pack>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PACK_COLUMNS} FROM packs WHERE ($1 = '' OR board_id = $1) \
         ORDER BY created_at DESC, version DESC"
    ))
    .bind(board_id.unwrap_or_default())
    .fetch_all(pool)
    .await?
    .iter()
    .map(pack_of)
    .collect()
}

/// Stores a new pack version, as drafted or as reviewed.
#[tracing::instrument(skip_all)]
pub async fn insert(tx: &mut Tx, pack: &Pack) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO packs (id, series_id, version, board_id, status, input, created_by, \
         created_at, reviewed_by, reviewed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&pack.id)
    .bind(&pack.series_id)
    .bind(pack.version)
    .bind(&pack.input.board_id)
    .bind(pack.status.as_str())
    .bind(to_json(&pack.input)?)
    .bind(&pack.created_by)
    .bind(&pack.created_at)
    .bind(&pack.reviewed_by)
    .bind(&pack.reviewed_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Changes an unsigned pack's content, which takes it back to draft;
/// false if it was signed meanwhile.
#[tracing::instrument(skip_all)]
pub async fn redraft(tx: &mut Tx, id: &str, input: &PackInput) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE packs SET input = $1, status = 'draft', reviewed_by = NULL, reviewed_at = NULL \
         WHERE id = $2 AND status <> 'signed'",
    )
    .bind(to_json(input)?)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Marks a draft reviewed by `user_id`; false if it is no longer a draft.
#[tracing::instrument(skip_all)]
pub async fn mark_reviewed(pool: &AnyPool, id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE packs SET status = 'reviewed', reviewed_by = $1, reviewed_at = $2 \
         WHERE id = $3 AND status = 'draft'",
    )
    .bind(user_id)
    .bind(now_text())
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Signs a reviewed pack by `user_id`, freezing its snapshot and hash;
/// false if it is no longer reviewed.
#[tracing::instrument(skip_all)]
pub async fn mark_signed(
    pool: &AnyPool,
    id: &str,
    user_id: &str,
    snapshot: &str,
    hash: &str,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE packs SET status = 'signed', signed_by = $1, signed_at = $2, snapshot = $3, \
         snapshot_sha256 = $4 WHERE id = $5 AND status = 'reviewed'",
    )
    .bind(user_id)
    .bind(now_text())
    .bind(snapshot)
    .bind(hash)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// A pack's frozen snapshot: none until it is signed.
#[tracing::instrument(skip_all)]
pub async fn snapshot(pool: &AnyPool, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT snapshot FROM packs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?
        .try_get("snapshot")
}

/// Records that `user_id` viewed or downloaded a pack.
#[tracing::instrument(skip_all)]
pub async fn record_access(
    pool: &AnyPool,
    pack_id: &str,
    user_id: &str,
    action: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pack_access (id, pack_id, user_id, action, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(pack_id)
    .bind(user_id)
    .bind(action)
    .bind(now_text())
    .execute(pool)
    .await?;
    Ok(())
}

/// Who viewed or downloaded a pack, in order.
#[tracing::instrument(skip_all)]
pub async fn access_log(pool: &AnyPool, pack_id: &str) -> Result<Vec<PackAccess>, sqlx::Error> {
    sqlx::query(
        "SELECT pack_id, user_id, action, at FROM pack_access WHERE pack_id = $1 ORDER BY at, id",
    )
    .bind(pack_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(PackAccess {
            pack_id: r.try_get("pack_id")?,
            user_id: r.try_get("user_id")?,
            action: r.try_get("action")?,
            at: r.try_get("at")?,
        })
    })
    .collect()
}
