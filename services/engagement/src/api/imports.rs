//! Import jobs: `POST /imports` records a job; `PUT /imports/{id}/data`
//! streams the file through it (see `jobs::import`); `GET /imports/{id}`
//! shows its progress meanwhile.

use crate::imports::{lookup_version_problem, may_import};
use crate::jobs::import;
use crate::{AppState, store};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson, ApiQuery, problem_response};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{ImportJob, ImportKind, NewImport, RowError};
use eip_types::{FieldError, Principal, Problem};
use serde::Deserialize;

/// The largest file accepted.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list_imports).post(create_import))
        .route("/imports/{id}", get(show_import))
        .route("/imports/{id}/errors", get(import_errors))
}

/// The upload route, kept apart so it can take files far larger than the
/// platform's JSON body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/imports/{id}/data", put(upload))
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

/// A job the user may see: 404 for one they may not, so ids are not probed.
async fn visible_job(state: &AppState, p: &Principal, id: &str) -> Result<ImportJob, ApiError> {
    match store::imports::find(state.db.pool(), id).await? {
        Some(job) if may_import(p, job.kind) => Ok(job),
        _ => Err(ApiError::NotFound),
    }
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
    let p = &user.0;
    require_import(p, new.kind)?;
    let pool = state.db.pool();
    let version = new.lookup_version.as_deref().map(str::trim);
    if let Some(problem) = lookup_version_problem(new.kind, version) {
        return Err(ApiError::Validation(vec![problem]));
    }
    if let (ImportKind::StreetCrime, Some(v)) = (new.kind, version)
        && !store::area_lookup::version_exists(pool, v).await?
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "lookup_version",
            "No census area lookup of this version has been imported.",
        )]));
    }
    let version = version.filter(|v| !v.is_empty());
    let job = store::imports::insert(pool, &p.user_id, new.kind, version).await?;
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
    let jobs = store::imports::recent(state.db.pool())
        .await?
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
    let after_line = q.after_line.unwrap_or(0);
    let limit = q.limit.unwrap_or(200).clamp(1, 1_000);
    Ok(Json(
        store::imports::errors(state.db.pool(), &id, after_line, limit).await?,
    ))
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
        import::run(&state, job, body, false).await
    }
    .await;
    match result {
        Ok(job) => Json(job).into_response(),
        Err(e) => e.into_response(),
    }
}
