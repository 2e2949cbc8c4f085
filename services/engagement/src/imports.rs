//! Import jobs: ward reference data, the census area lookup, command-and-
//! control incidents and street-level crime, all as CSV.
//!
//! `POST /imports` records a job; `PUT /imports/{id}/data` streams the file
//! through it; `GET /imports/{id}` shows its progress meanwhile. The file is
//! never held in memory whole: a blocking task parses it as it arrives and
//! hands batches of checked rows to the database side, which writes each batch
//! (rows, rejected rows and the job's counts) in one transaction. Rows are keyed
//! (wards by code, incidents by number), so importing a file again updates
//! rather than duplicates.

use crate::bulk::{BatchCounts, BulkConn};
use crate::rows::{self, Columns, IncidentRow, LookupRow, WardIndex, WardRow};
use crate::{AppState, store};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use eip_platform::db::{Tx, now_text};
use eip_platform::error::{ApiError, ApiJson, ApiQuery, problem_response};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{Category, ImportJob, ImportKind, ImportStatus, NewImport, RowError};
use eip_types::events::EngagementEvent;
use eip_types::place::{Place, PlaceKind, slug};
use eip_types::{FieldError, Principal, Problem, Role};
use futures::TryStreamExt;
use serde::Deserialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Rows parsed before a batch is written: one transaction each. Large,
/// because every transaction rewrites the index pages it touched, and
/// incidents arrive in no order the caller and address indexes follow;
/// small enough that progress moves every few seconds.
const BATCH_ROWS: usize = 50_000;
/// What a row of a calls-for-service file takes, near enough, to judge from
/// an upload's length how many rows it brings.
const BYTES_PER_ROW: u64 = 100;
/// Rejected rows kept per job; the count goes on beyond it.
const MAX_STORED_ERRORS: i64 = 1_000;
/// The largest file accepted.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024 * 1024;

/// Who may run which kind of import: administrators manage reference data,
/// analysts load demand data.
pub fn may_import(p: &Principal, kind: ImportKind) -> bool {
    if kind.is_reference_data() {
        p.has_role(Role::Admin)
    } else {
        p.has_role(Role::Analyst)
    }
}

fn require_import(p: &Principal, kind: ImportKind) -> Result<(), ApiError> {
    if may_import(p, kind) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Your role does not allow this kind of import.".into(),
        ))
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/imports", get(list_imports).post(create_import))
        .route("/imports/{id}", get(show_import))
        .route("/imports/{id}/errors", get(import_errors))
        .with_state(state)
}

/// The upload route, kept apart so it can take files far larger than the
/// platform's JSON body limit.
pub fn upload_router(state: AppState) -> Router {
    Router::new()
        .route("/imports/{id}/data", put(upload))
        .with_state(state)
}

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

async fn find_job(state: &AppState, id: &str) -> Result<Option<ImportJob>, sqlx::Error> {
    sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM imports WHERE id = $1"))
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?
        .as_ref()
        .map(job)
        .transpose()
}

/// A job the user may see: 404 for one they may not, so ids are not probed.
async fn visible_job(state: &AppState, p: &Principal, id: &str) -> Result<ImportJob, ApiError> {
    match find_job(state, id).await? {
        Some(job) if may_import(p, job.kind) => Ok(job),
        _ => Err(ApiError::NotFound),
    }
}

/// Records a job for a kind of file the user may import.
pub async fn create_job(
    state: &AppState,
    p: &Principal,
    new: &NewImport,
) -> Result<ImportJob, ApiError> {
    require_import(p, new.kind)?;
    let version = new.lookup_version.as_deref().map(str::trim);
    match (new.kind, version) {
        (ImportKind::AreaLookup, None | Some("")) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "lookup_version",
                "Give the version these rows are recorded under, such as 2021-census.",
            )]));
        }
        (ImportKind::AreaLookup, Some(v)) if v.len() > 40 => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "lookup_version",
                "Keep the version to 40 characters.",
            )]));
        }
        (ImportKind::StreetCrime, Some(v)) if !lookup_version_exists(state, v).await? => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "lookup_version",
                "No census area lookup of this version has been imported.",
            )]));
        }
        (ImportKind::Wards | ImportKind::Incidents, Some(_)) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "lookup_version",
                "Only area lookups and street-level crime imports take a lookup version.",
            )]));
        }
        _ => {}
    }
    Ok(insert_job(
        state,
        &p.user_id,
        new.kind,
        version.filter(|v| !v.is_empty()),
    )
    .await?)
}

/// Records an awaiting job without checks: for the service's own imports.
pub async fn insert_job(
    state: &AppState,
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
    .execute(state.db.pool())
    .await?;
    find_job(state, &id).await?.ok_or(sqlx::Error::RowNotFound)
}

async fn lookup_version_exists(state: &AppState, version: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT version FROM area_lookup_versions WHERE version = $1")
            .bind(version)
            .fetch_optional(state.db.pool())
            .await?
            .is_some(),
    )
}

/// Starts an import: what kind of file, and for a lookup its version.
#[utoipa::path(post, path = "/imports", tag = "imports", request_body = NewImport,
    responses(
        (status = 201, body = ImportJob),
        (status = 400, body = Problem),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn create_import(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(new): ApiJson<NewImport>,
) -> Result<(StatusCode, Json<ImportJob>), ApiError> {
    let job = create_job(&state, &user.0, &new).await?;
    Ok((StatusCode::CREATED, Json(job)))
}

/// Recent import jobs of the kinds the user may run, newest first.
#[utoipa::path(get, path = "/imports", tag = "imports",
    responses((status = 200, body = [ImportJob]), (status = 403, body = Problem)))]
async fn list_imports(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<ImportJob>>, ApiError> {
    let kinds: Vec<&str> = ImportKind::ALL
        .into_iter()
        .filter(|k| may_import(&user.0, *k))
        .map(ImportKind::as_str)
        .collect();
    if kinds.is_empty() {
        return Err(ApiError::Forbidden(
            "Your role does not allow imports.".into(),
        ));
    }
    let rows = sqlx::query(&format!(
        "SELECT {JOB_COLUMNS} FROM imports ORDER BY created_at DESC LIMIT 200"
    ))
    .fetch_all(state.db.pool())
    .await?;
    let jobs = rows
        .iter()
        .map(job)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|j| kinds.contains(&j.kind.as_str()))
        .take(50)
        .collect();
    Ok(Json(jobs))
}

/// One job and its progress: poll this while the file uploads.
#[utoipa::path(get, path = "/imports/{id}", tag = "imports",
    params(("id" = String, Path)),
    responses((status = 200, body = ImportJob), (status = 404, body = Problem)))]
async fn show_import(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<ImportJob>, ApiError> {
    Ok(Json(visible_job(&state, &user.0, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ErrorsQuery {
    /// Errors on lines after this one.
    after_line: Option<i64>,
    limit: Option<i64>,
}

/// The rows a job refused, by line (the first thousand are kept).
#[utoipa::path(get, path = "/imports/{id}/errors", tag = "imports",
    params(("id" = String, Path), ErrorsQuery),
    responses((status = 200, body = [RowError]), (status = 404, body = Problem)))]
async fn import_errors(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ErrorsQuery>,
) -> Result<Json<Vec<RowError>>, ApiError> {
    visible_job(&state, &user.0, &id).await?;
    let rows = sqlx::query(
        "SELECT line, field, message FROM import_errors WHERE import_id = $1 AND line > $2 \
         ORDER BY line LIMIT $3",
    )
    .bind(&id)
    .bind(q.after_line.unwrap_or(0))
    .bind(q.limit.unwrap_or(200).clamp(1, 1_000))
    .fetch_all(state.db.pool())
    .await?;
    let errors = rows
        .iter()
        .map(|r| {
            Ok(RowError {
                line: u64::try_from(r.try_get::<i64, _>("line")?).unwrap_or_default(),
                field: r.try_get("field")?,
                message: r.try_get("message")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(errors))
}

/// Streams a CSV file into an awaiting job and answers with the finished job.
#[utoipa::path(put, path = "/imports/{id}/data", tag = "imports",
    params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = ImportJob),
        (status = 404, body = Problem),
        (status = 409, description = "The job already has its file", body = Problem),
        (status = 415, body = Problem)))]
async fn upload(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Response {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = media.split(';').next().unwrap_or_default().trim();
    if !["text/csv", "application/csv"].contains(&essence) {
        return problem_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Problem::new(415, "Send CSV").with_detail("Use Content-Type: text/csv."),
        );
    }
    let result = async {
        let job = visible_job(&state, &user.0, &id).await?;
        run(&state, job, body, false).await
    }
    .await;
    match result {
        Ok(job) => Json(job).into_response(),
        Err(e) => e.into_response(),
    }
}

/// One checked row, ready to write.
enum Parsed {
    Ward(WardRow),
    Lookup(LookupRow),
    Incident(Box<IncidentRow>),
}

/// What the parser hands the writer.
enum Msg {
    Batch {
        rows: Vec<(u64, Parsed)>,
        errors: Vec<RowError>,
        read: i64,
    },
    /// Incidents, made ready to write.
    Incidents {
        batch: crate::bulk::Prepared,
        errors: Vec<RowError>,
        read: i64,
    },
    /// The file cannot be read on: its header is wrong or the upload broke.
    Fatal(String),
}

/// What the parser needs to check rows.
struct Context {
    kind: ImportKind,
    wards: WardIndex,
    lookup: WardIndex,
}

/// Runs an awaiting job over `body`; `demo` marks imported wards as
/// demonstration data. The work runs in a task of its own, so a client that
/// goes away leaves a job marked failed rather than one forever running.
pub async fn run(
    state: &AppState,
    job: ImportJob,
    body: Body,
    demo: bool,
) -> Result<ImportJob, ApiError> {
    let started = sqlx::query("UPDATE imports SET status = $1 WHERE id = $2 AND status = $3")
        .bind(ImportStatus::Running.as_str())
        .bind(&job.id)
        .bind(ImportStatus::AwaitingData.as_str())
        .execute(state.db.pool())
        .await?;
    if started.rows_affected() != 1 {
        return Err(ApiError::Conflict(
            "This import already has its file; start a new import to send another.".into(),
        ));
    }
    let state = state.clone();
    let id = job.id.clone();
    let expected_rows = axum::body::HttpBody::size_hint(&body).lower() / BYTES_PER_ROW;
    let task = tokio::spawn(async move {
        let outcome = write_all(&state, &job, body, expected_rows, demo).await;
        let (status, failure) = match &outcome {
            Ok(None) => (ImportStatus::Completed, None),
            Ok(Some(why)) => (ImportStatus::Failed, Some(why.clone())),
            Err(e) => {
                tracing::error!(error = %e, import = %job.id, "import failed");
                (
                    ImportStatus::Failed,
                    Some("The database refused a batch; rows before it were kept.".to_owned()),
                )
            }
        };
        let finished = sqlx::query(
            "UPDATE imports SET status = $1, failure = $2, finished_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(failure)
        .bind(now_text())
        .bind(&job.id)
        .execute(state.db.pool())
        .await;
        // The worker publishes the repeat-demand levels the calls made due
        // and, after the last large load, builds the indexes it went without.
        if matches!(job.kind, ImportKind::Incidents | ImportKind::StreetCrime) {
            state.levels_due.notify_one();
        }
        finished?;
        find_job(&state, &job.id).await
    });
    match task.await {
        Ok(Ok(Some(job))) => Ok(job),
        Ok(Ok(None)) => Err(ApiError::NotFound),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => Err(ApiError::Internal(anyhow::anyhow!(
            "import {id} stopped: {e}"
        ))),
    }
}

/// Parses and writes the whole file (of about `expected_rows` rows, 0 when
/// unknown); `Some(reason)` when it stopped early.
async fn write_all(
    state: &AppState,
    job: &ImportJob,
    body: Body,
    expected_rows: u64,
    demo: bool,
) -> Result<Option<String>, crate::bulk::Error> {
    let opened = std::time::Instant::now();
    let places = store::list(state.db.pool(), &Default::default()).await?;
    let mut wards = WardIndex::new();
    for w in places.iter().filter(|p| p.kind == PlaceKind::Ward) {
        let entry: (Arc<str>, Arc<str>) = (
            w.id.as_str().into(),
            w.parent_id.as_deref().unwrap_or_default().into(),
        );
        wards.insert(w.id.clone(), entry.clone());
        if let Some(code) = &w.code {
            wards.insert(code.clone(), entry);
        }
    }
    let lookup = if job.kind == ImportKind::StreetCrime {
        load_lookup(state, job.lookup_version.as_deref()).await?
    } else {
        WardIndex::new()
    };
    if job.kind == ImportKind::AreaLookup {
        let version = job.lookup_version.clone().unwrap_or_default();
        let exists = sqlx::query("SELECT version FROM area_lookup_versions WHERE version = $1")
            .bind(&version)
            .fetch_optional(state.db.pool())
            .await?;
        if exists.is_none() {
            sqlx::query("INSERT INTO area_lookup_versions (version, created_at) VALUES ($1, $2)")
                .bind(&version)
                .bind(now_text())
                .execute(state.db.pool())
                .await?;
        }
    }
    let bulk_kind = matches!(job.kind, ImportKind::Incidents | ImportKind::StreetCrime);
    let postgres = state.database_url.expose().starts_with("postgres");
    let ctx = Context {
        kind: job.kind,
        wards,
        lookup,
    };

    // Three stages: a thread reads and checks rows, a second makes each
    // batch of incidents ready to write (its demand cells, and for
    // PostgreSQL its `COPY` text), and this task writes.
    let (tx, parsed) = mpsc::channel::<Msg>(2);
    let (ready, mut rx) = mpsc::channel::<Msg>(2);
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    let copy_for = (bulk_kind && postgres).then(|| job.id.clone());
    let parser = tokio::task::spawn_blocking(move || parse(reader, &ctx, &tx));
    tokio::task::spawn_blocking(move || prepare(parsed, &ready, copy_for.as_deref()));

    let mut writer = Writer {
        job_id: job.id.clone(),
        demo,
        lookup_version: job.lookup_version.clone().unwrap_or_default(),
        places: places
            .into_iter()
            .filter(|p| p.kind == PlaceKind::Ward)
            .collect(),
        stored_errors: 0,
        touched: HashSet::new(),
    };
    let mut bulk = match job.kind {
        ImportKind::Incidents | ImportKind::StreetCrime => {
            Some(BulkConn::open(&state.database_url).await?)
        }
        ImportKind::Wards | ImportKind::AreaLookup => None,
    };
    // A file at least as large as the table loads without the secondary
    // indexes, which are built once at the end (see `bulk`).
    let deferred = bulk.is_some() && outgrows_table(state, expected_rows).await?;
    let first_deferred = deferred && {
        let mut loads = state.bulk_loads.lock().await;
        *loads += 1;
        *loads == 1
    };
    let started = std::time::Instant::now();
    // Time spent waiting for parsed rows: what the file's reading costs
    // beyond what writing hides.
    let mut waited = std::time::Duration::ZERO;
    let written = async {
        if let (true, Some(conn)) = (first_deferred, bulk.as_mut()) {
            conn.drop_indexes().await?;
        }
        let mut fatal = None;
        loop {
            let waiting = std::time::Instant::now();
            let Some(msg) = rx.recv().await else { break };
            waited += waiting.elapsed();
            match (msg, bulk.as_mut()) {
                (
                    Msg::Incidents {
                        batch,
                        errors,
                        read,
                    },
                    Some(conn),
                ) => {
                    writer.write_incidents(conn, batch, errors, read).await?;
                }
                (Msg::Incidents { .. }, None) => {}
                (Msg::Batch { errors, read, .. }, Some(conn)) => {
                    // A batch of incidents with none kept: only its refused
                    // rows and counts.
                    let batch = crate::bulk::Prepared::new(Vec::new(), None);
                    writer.write_incidents(conn, batch, errors, read).await?;
                }
                (Msg::Batch { rows, errors, read }, None) => {
                    let mut dbtx = state.db.begin().await?;
                    writer.write(&mut dbtx, rows, errors, read).await?;
                    dbtx.commit().await?;
                }
                (Msg::Fatal(why), _) => fatal = Some(why),
            }
        }
        Ok::<_, crate::bulk::Error>(fatal)
    }
    .await;
    let loaded = started.elapsed();
    // Whatever became of the load, it no longer counts as running. The
    // worker, woken once the job is marked finished (see `run`), puts back
    // what large loads went without after the last of them; not sooner, as
    // on SQLite its index build would hold the write lock against the rest
    // of this job.
    if deferred {
        *state.bulk_loads.lock().await -= 1;
    }
    if let Some(conn) = bulk {
        conn.close().await;
    }
    let mut fatal = written?;
    if parser.await.is_err() {
        fatal.get_or_insert_with(|| "The file could not be read.".into());
    }
    let closed = started.elapsed();
    if !writer.touched.is_empty() || bulk_kind {
        let mut dbtx = state.db.begin().await?;
        let months = writer.touched.iter().map(|cell| cell.2.as_str());
        crate::repeat_levels::due_after_import(&mut dbtx, &job.id, months).await?;
        record_demand(state, &mut dbtx, &job.id, &writer.touched).await?;
        dbtx.commit().await?;
        state.outbox.wake();
    }
    // Counts and timings only: what an operator needs to see where a large
    // load spends its time.
    tracing::info!(
        import = %job.id,
        kind = job.kind.as_str(),
        deferred_indexes = deferred,
        load_ms = loaded.as_millis() as u64,
        waiting_for_rows_ms = waited.as_millis() as u64,
        before_ms = (opened.elapsed() - started.elapsed()).as_millis() as u64,
        close_ms = (closed - loaded).as_millis() as u64,
        aggregates_ms = (started.elapsed() - closed).as_millis() as u64,
        "import written"
    );
    Ok(fatal)
}

/// Whether a file of about `rows` rows would hold more than the incident
/// table does now (counting no further than that).
async fn outgrows_table(state: &AppState, rows: u64) -> Result<bool, sqlx::Error> {
    if rows == 0 {
        return Ok(false);
    }
    let limit = i64::try_from(rows).unwrap_or(i64::MAX);
    let held: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM incidents LIMIT $1) AS held")
            .bind(limit)
            .fetch_one(state.db.pool())
            .await?
            .try_get("n")?;
    Ok(held < limit)
}

async fn load_lookup(state: &AppState, version: Option<&str>) -> Result<WardIndex, sqlx::Error> {
    let version = match version {
        Some(v) => Some(v.to_owned()),
        None => sqlx::query(
            "SELECT version FROM area_lookup_versions ORDER BY created_at DESC, version DESC LIMIT 1",
        )
        .fetch_optional(state.db.pool())
        .await?
        .map(|r| r.try_get::<String, _>("version"))
        .transpose()?,
    };
    let Some(version) = version else {
        return Ok(WardIndex::new());
    };
    let rows = sqlx::query(
        "SELECT l.area_code, l.place_id, p.parent_id FROM area_lookup l \
         JOIN places p ON p.id = l.place_id WHERE l.version = $1",
    )
    .bind(version)
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("area_code")?,
                (
                    Arc::from(r.try_get::<String, _>("place_id")?),
                    Arc::from(
                        r.try_get::<Option<String>, _>("parent_id")?
                            .unwrap_or_default(),
                    ),
                ),
            ))
        })
        .collect()
}

/// The blocking side: reads records as the bytes arrive and sends batches.
fn parse(reader: impl std::io::Read, ctx: &Context, tx: &mpsc::Sender<Msg>) {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let required: &[&str] = match ctx.kind {
        ImportKind::Wards => &rows::WARD_COLUMNS,
        ImportKind::AreaLookup => &rows::LOOKUP_COLUMNS,
        ImportKind::Incidents => &rows::INCIDENT_COLUMNS[..],
        ImportKind::StreetCrime => &rows::STREET_CRIME_COLUMNS[..],
    };
    let cols = match rdr.headers() {
        Ok(h) if h.is_empty() || (h.len() == 1 && h.get(0) == Some("")) => {
            Err("The file is empty: it needs a header row and data rows.".to_owned())
        }
        Ok(h) => Columns::from_header(h, required),
        Err(_) => Err("The header row could not be read as CSV text.".to_owned()),
    };
    let cols = match cols {
        Ok(c) => c,
        Err(why) => {
            let _ = tx.blocking_send(Msg::Fatal(why));
            return;
        }
    };
    let mut seen = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut rows: Vec<(u64, Parsed)> = Vec::with_capacity(BATCH_ROWS);
    let mut by_number: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    let mut read = 0i64;
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                read += 1;
                let line = record.position().map_or(line, csv::Position::line);
                let parsed = match ctx.kind {
                    ImportKind::Wards => rows::ward(&cols, &record, line).map(Parsed::Ward),
                    ImportKind::AreaLookup => {
                        rows::lookup(&cols, &record, line, &ctx.wards).map(Parsed::Lookup)
                    }
                    ImportKind::Incidents => rows::incident(&cols, &record, line, &ctx.wards)
                        .map(|r| Parsed::Incident(Box::new(r))),
                    ImportKind::StreetCrime => {
                        rows::street_crime(&cols, &record, line, &ctx.lookup, &mut seen)
                            .map(|r| Parsed::Incident(Box::new(r)))
                    }
                };
                match parsed {
                    // A number seen earlier in the batch: the later row wins,
                    // as it would across batches.
                    Ok(Parsed::Incident(r)) => match by_number.get(&r.incident_number) {
                        Some(i) => rows[*i] = (line, Parsed::Incident(r)),
                        None => {
                            by_number.insert(r.incident_number.clone(), rows.len());
                            rows.push((line, Parsed::Incident(r)));
                        }
                    },
                    Ok(row) => rows.push((line, row)),
                    Err(e) => errors.push(e),
                }
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => {
                    let _ = tx.blocking_send(Msg::Fatal(
                        "The upload broke off; rows received before it were kept.".into(),
                    ));
                    return;
                }
                _ => {
                    read += 1;
                    errors.push(RowError {
                        line: e.position().map_or(line, csv::Position::line),
                        field: None,
                        message: "The row is not valid CSV text (check its encoding is UTF-8)."
                            .into(),
                    });
                }
            },
        }
        if rows.len() + errors.len() >= BATCH_ROWS {
            by_number.clear();
            let batch = Msg::Batch {
                rows: std::mem::replace(&mut rows, Vec::with_capacity(BATCH_ROWS)),
                errors: std::mem::take(&mut errors),
                read: std::mem::take(&mut read),
            };
            if tx.blocking_send(batch).is_err() {
                return;
            }
        }
    }
    let _ = tx.blocking_send(Msg::Batch { rows, errors, read });
}

/// The middle stage: makes each batch of incidents ready to write (see
/// [`crate::bulk::Prepared`]) and passes everything else on as it is.
/// `copy_for` names the job when the incidents go to PostgreSQL.
fn prepare(mut parsed: mpsc::Receiver<Msg>, ready: &mpsc::Sender<Msg>, copy_for: Option<&str>) {
    while let Some(msg) = parsed.blocking_recv() {
        let msg = match msg {
            Msg::Batch { rows, errors, read }
                if rows.iter().any(|(_, r)| matches!(r, Parsed::Incident(_))) =>
            {
                let incidents = rows
                    .into_iter()
                    .filter_map(|(_, row)| match row {
                        Parsed::Incident(r) => Some(*r),
                        Parsed::Ward(_) | Parsed::Lookup(_) => None,
                    })
                    .collect();
                Msg::Incidents {
                    batch: crate::bulk::Prepared::new(incidents, copy_for),
                    errors,
                    read,
                }
            }
            other => other,
        };
        if ready.blocking_send(msg).is_err() {
            return;
        }
    }
}

/// The database side of an import.
struct Writer {
    job_id: String,
    demo: bool,
    lookup_version: String,
    /// Wards as they stand, updated as ward rows are written.
    places: Vec<Place>,
    stored_errors: i64,
    /// `(ward, authority, month as 202610, category)` cells incidents were
    /// written to.
    touched: HashSet<Cell>,
}

type Cell = (Arc<str>, Arc<str>, String, Category);

impl Writer {
    /// The refused rows still to keep: the first thousand of a job.
    fn errors_to_keep(&mut self, errors: &mut [RowError]) -> usize {
        errors.sort_by_key(|e| e.line);
        let keep = usize::try_from(MAX_STORED_ERRORS - self.stored_errors)
            .unwrap_or(0)
            .min(errors.len());
        self.stored_errors += keep as i64;
        keep
    }

    /// Writes a batch of incidents through the import's own connection.
    async fn write_incidents(
        &mut self,
        conn: &mut BulkConn,
        batch: crate::bulk::Prepared,
        mut errors: Vec<RowError>,
        read: i64,
    ) -> Result<(), crate::bulk::Error> {
        let keep = self.errors_to_keep(&mut errors);
        let counts = BatchCounts {
            read,
            imported: batch.len() as i64,
            rejected: errors.len() as i64,
            errors: {
                errors.truncate(keep);
                errors
            },
        };
        let batch = conn.write_batch(&self.job_id, batch, counts).await?;
        self.touched.extend(batch.incident_cells());
        // Freeing a batch's rows is work too: done away from the writer.
        tokio::task::spawn_blocking(move || drop(batch));
        Ok(())
    }

    /// Writes a batch of wards or census area lookups.
    async fn write(
        &mut self,
        tx: &mut Tx,
        rows: Vec<(u64, Parsed)>,
        mut errors: Vec<RowError>,
        read: i64,
    ) -> Result<(), sqlx::Error> {
        let mut imported = 0i64;
        for (line, row) in rows {
            match row {
                Parsed::Ward(w) => match self.write_ward(tx, w).await? {
                    Ok(()) => imported += 1,
                    Err(message) => errors.push(RowError {
                        line,
                        field: Some("code".into()),
                        message,
                    }),
                },
                Parsed::Lookup(l) => {
                    sqlx::query(
                        "INSERT INTO area_lookup (version, area_code, place_id) VALUES ($1, $2, $3) \
                         ON CONFLICT (version, area_code) DO UPDATE SET place_id = excluded.place_id",
                    )
                    .bind(&self.lookup_version)
                    .bind(&l.area_code)
                    .bind(&l.place_id)
                    .execute(&mut **tx)
                    .await?;
                    imported += 1;
                }
                // Incidents go through `write_incidents`.
                Parsed::Incident(_) => {}
            }
        }
        let keep = self.errors_to_keep(&mut errors);
        let rejected = errors.len() as i64;
        for e in &errors[..keep] {
            sqlx::query(
                "INSERT INTO import_errors (import_id, line, field, message) VALUES ($1, $2, $3, $4)",
            )
            .bind(&self.job_id)
            .bind(i64::try_from(e.line).unwrap_or(i64::MAX))
            .bind(e.field.as_deref())
            .bind(&e.message)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query(
            "UPDATE imports SET rows_read = rows_read + $1, rows_imported = rows_imported + $2, \
             rows_rejected = rows_rejected + $3 WHERE id = $4",
        )
        .bind(read)
        .bind(imported)
        .bind(rejected)
        .bind(&self.job_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Adds or updates a ward: matched by code, else by name within its
    /// authority (so a priority area gains its code and keeps its id).
    async fn write_ward(
        &mut self,
        tx: &mut Tx,
        w: WardRow,
    ) -> Result<Result<(), String>, sqlx::Error> {
        let wanted = slug(&w.name);
        let by_code = self
            .places
            .iter()
            .position(|p| p.code.as_deref() == Some(w.code.as_str()));
        let by_name = || {
            self.places.iter().position(|p| {
                p.code.is_none()
                    && p.parent_id.as_deref() == Some(w.authority)
                    && slug(&p.name) == wanted
            })
        };
        if let Some(i) = by_code.or_else(by_name) {
            let place = &mut self.places[i];
            place.name = w.name;
            place.parent_id = Some(w.authority.into());
            place.code = Some(w.code);
            place.demo = self.demo && place.demo;
            store::update_ward(tx, place).await?;
            return Ok(Ok(()));
        }
        let taken = |id: &str| {
            self.places.iter().any(|p| p.id == id)
                || eip_types::place::LOCAL_AUTHORITIES
                    .iter()
                    .any(|(a, _)| *a == id)
        };
        let id = if taken(&wanted) {
            format!("{wanted}-{}", w.code.to_ascii_lowercase())
        } else {
            wanted
        };
        if taken(&id) {
            return Ok(Err(format!(
                "A ward with the id `{id}` already exists under another code."
            )));
        }
        let place = Place {
            id,
            name: w.name,
            kind: PlaceKind::Ward,
            parent_id: Some(w.authority.into()),
            code: Some(w.code),
            priority: false,
            demo: self.demo,
        };
        store::insert_ward(tx, &place).await?;
        self.places.push(place);
        Ok(Ok(()))
    }
}

/// Records the calls now on record for each ward, month and category an
/// import touched, including the cells re-imported incidents moved out of
/// (noted by a trigger in `demand_moves`): the aggregate governance reads,
/// with no reference in it.
async fn record_demand(
    state: &AppState,
    tx: &mut Tx,
    job_id: &str,
    touched: &HashSet<Cell>,
) -> Result<(), sqlx::Error> {
    let mut cells: BTreeSet<(String, String, String, Category)> = touched
        .iter()
        .map(|(place, area, month, category)| {
            (
                place.to_string(),
                area.to_string(),
                month.clone(),
                *category,
            )
        })
        .collect();
    let moved = sqlx::query(
        "SELECT place_id, area_id, month, category FROM demand_moves WHERE import_id = $1",
    )
    .bind(job_id)
    .fetch_all(&mut **tx)
    .await?;
    for r in moved {
        let category: String = r.try_get("category")?;
        let Some(category) = Category::parse(&category) else {
            continue;
        };
        cells.insert((
            r.try_get("place_id")?,
            r.try_get("area_id")?,
            r.try_get("month")?,
            category,
        ));
    }
    sqlx::query("DELETE FROM demand_moves WHERE import_id = $1")
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    // The calls now in each touched ward and month, as the demand cells
    // hold them, read a few hundred wards at a time.
    let places: Vec<&str> = cells
        .iter()
        .map(|(place, ..)| place.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let months: Vec<&str> = cells
        .iter()
        .map(|(_, _, month, _)| month.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut calls: HashMap<(String, String, String), i64> = HashMap::new();
    for chunk in places.chunks(500) {
        let list = |from: usize, n: usize| {
            (from..from + n)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "SELECT place_id, month, category, calls FROM demand_cells \
             WHERE source = $1 AND place_id IN ({}) AND month IN ({})",
            list(2, chunk.len()),
            list(2 + chunk.len(), months.len()),
        );
        let mut q = sqlx::query(&sql).bind(rows::SOURCE_INCIDENTS);
        for value in chunk.iter().chain(&months) {
            q = q.bind(*value);
        }
        for r in q.fetch_all(&mut **tx).await? {
            calls.insert(
                (
                    r.try_get("place_id")?,
                    r.try_get("month")?,
                    r.try_get("category")?,
                ),
                r.try_get("calls")?,
            );
        }
    }
    let mut events = Vec::with_capacity(cells.len());
    for (place_id, area_id, month, category) in cells {
        let calls = calls
            .get(&(
                place_id.clone(),
                month.clone(),
                category.as_str().to_owned(),
            ))
            .copied()
            .unwrap_or(0);
        let event = EngagementEvent::DemandRecorded {
            place_id,
            area_id,
            month,
            category,
            calls,
        };
        events.push((event.kind(), event.payload()));
    }
    state.outbox.record_many(tx, &events).await
}
