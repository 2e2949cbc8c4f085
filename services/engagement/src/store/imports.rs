//! Import jobs: their progress and counts, and the rows they refused.

use eip_platform::db::{Tx, now_text};
use eip_types::engagement::{ImportJob, ImportKind, ImportStatus, RowError};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// Keeps a refused row: the import's job, line, field and message.
pub const INSERT_ERROR: &str =
    "INSERT INTO import_errors (import_id, line, field, message) VALUES ($1, $2, $3, $4)";
/// Adds a batch's rows read, imported and refused to its job's counts.
pub const ADD_COUNTS: &str = "UPDATE imports SET rows_read = rows_read + $1, \
     rows_imported = rows_imported + $2, rows_rejected = rows_rejected + $3 WHERE id = $4";

const JOB_COLUMNS: &str = "id, kind, status, lookup_version, rows_read, rows_imported, \
                           rows_rejected, failure, created_at, finished_at";

fn job(row: &AnyRow) -> Result<ImportJob, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    Ok(ImportJob {
        id: row.try_get("id")?,
        kind: ImportKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("import kind `{kind}`").into()))?,
        status: ImportStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("import status `{status}`").into()))?,
        lookup_version: row.try_get("lookup_version")?,
        rows_read: row.try_get("rows_read")?,
        rows_imported: row.try_get("rows_imported")?,
        rows_rejected: row.try_get("rows_rejected")?,
        failure: row.try_get("failure")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

#[tracing::instrument(skip_all)]
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<ImportJob>, sqlx::Error> {
    sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM imports WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(job)
        .transpose()
}

/// The last 200 jobs of every kind, newest first.
#[tracing::instrument(skip_all)]
pub async fn recent(pool: &AnyPool) -> Result<Vec<ImportJob>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {JOB_COLUMNS} FROM imports ORDER BY created_at DESC LIMIT 200"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(job).collect()
}

/// Records a job awaiting its file.
#[tracing::instrument(skip_all)]
pub async fn insert(
    pool: &AnyPool,
    created_by: &str,
    kind: ImportKind,
    lookup_version: Option<&str>,
) -> Result<ImportJob, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO imports (id, kind, status, lookup_version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(kind.as_str())
    .bind(ImportStatus::AwaitingData.as_str())
    .bind(lookup_version)
    .bind(created_by)
    .bind(now_text())
    .execute(pool)
    .await?;
    find(pool, &id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Marks an awaiting job running; false when it was not awaiting its file.
#[tracing::instrument(skip_all)]
pub async fn start(pool: &AnyPool, id: &str) -> Result<bool, sqlx::Error> {
    let started = sqlx::query("UPDATE imports SET status = $1 WHERE id = $2 AND status = $3")
        .bind(ImportStatus::Running.as_str())
        .bind(id)
        .bind(ImportStatus::AwaitingData.as_str())
        .execute(pool)
        .await?;
    Ok(started.rows_affected() == 1)
}

/// Marks a job finished, with why it failed if it did.
#[tracing::instrument(skip_all)]
pub async fn finish(
    pool: &AnyPool,
    id: &str,
    status: ImportStatus,
    failure: Option<String>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE imports SET status = $1, failure = $2, finished_at = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(failure)
        .bind(now_text())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Keeps one refused row. Called for each row a batch refused, so not
/// instrumented.
pub async fn insert_error(tx: &mut Tx, job_id: &str, e: &RowError) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_ERROR)
        .bind(job_id)
        .bind(i64::try_from(e.line).unwrap_or(i64::MAX))
        .bind(e.field.as_deref())
        .bind(&e.message)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Adds a batch to its job's counts.
#[tracing::instrument(skip_all)]
pub async fn add_counts(
    tx: &mut Tx,
    job_id: &str,
    read: i64,
    imported: i64,
    rejected: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(ADD_COUNTS)
        .bind(read)
        .bind(imported)
        .bind(rejected)
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A job's refused rows on lines after `after_line`, by line.
#[tracing::instrument(skip_all)]
pub async fn errors(
    pool: &AnyPool,
    job_id: &str,
    after_line: i64,
    limit: i64,
) -> Result<Vec<RowError>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT line, field, message FROM import_errors WHERE import_id = $1 AND line > $2 \
         ORDER BY line LIMIT $3",
    )
    .bind(job_id)
    .bind(after_line)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RowError {
                line: u64::try_from(r.try_get::<i64, _>("line")?).unwrap_or_default(),
                field: r.try_get("field")?,
                message: r.try_get("message")?,
            })
        })
        .collect()
}
