//! The partner directory: Open Referral UK service records imported,
//! listed, reviewed and exported unchanged (see `crate::directory`).

use crate::directory::{self, EDITORS, READERS};
use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{DirectoryEntry, DirectorySettings};
use eip_types::{Problem, Role};
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/directory/services", get(list_services))
        .route("/directory/services/{id}", get(show_service))
        .route("/directory/services/{id}/review", post(review_service))
        .route("/directory/export", get(export))
        .route("/directory/settings", get(show_settings).put(put_settings))
}

/// The import route, with the upload routes' larger body limit.
pub fn import_router() -> Router<AppState> {
    Router::new()
        .route("/directory/import", post(import))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES))
}

/// The largest directory file accepted: it is read whole, being JSON.
const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// Imports Open Referral UK service records (an array), replacing any with
/// the same id. All or nothing: one bad record refuses the lot.
#[utoipa::path(post, path = "/directory/import", tag = "directory",
    request_body(content = Vec<Object>, description = "Open Referral UK service records"),
    responses((status = 200, body = [DirectoryEntry]), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn import(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(records): ApiJson<Vec<Value>>,
) -> Result<Json<Vec<DirectoryEntry>>, ApiError> {
    let p = user.require_any(&EDITORS)?;
    Ok(Json(store_services(&state, &records, &p.user_id).await?))
}

/// Checks and stores Open Referral UK service records (all or none), with
/// the places each covers; returns their entries.
pub(crate) async fn store_services(
    state: &AppState,
    records: &[Value],
    by: &str,
) -> Result<Vec<DirectoryEntry>, ApiError> {
    let read = directory::read_services(records).map_err(ApiError::Validation)?;
    let now = now_text();
    let pool = state.db.pool();
    let places = store::places::list(pool, &Default::default()).await?;
    let mut tx = state.db.begin().await?;
    for (listing, record) in read.iter().zip(records) {
        let reviewed_at = directory::reviewed_at(record, &now);
        store::directory::upsert_service(&mut tx, listing, record, &reviewed_at, by).await?;
        let covered = directory::covered(record, &places);
        store::directory::write_coverage(&mut tx, &listing.0, &covered).await?;
    }
    tx.commit().await?;
    let all = store::directory::entries(pool, None).await?;
    let ids: Vec<&String> = read.iter().map(|r| &r.0).collect();
    Ok(all.into_iter().filter(|e| ids.contains(&&e.id)).collect())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ServicesQuery {
    /// Only services serving this place: covering it, or the local
    /// authority a ward lies in.
    place: Option<String>,
}

/// The directory, with entries overdue for review flagged.
#[utoipa::path(get, path = "/directory/services", tag = "directory", params(ServicesQuery),
    responses((status = 200, body = [DirectoryEntry]), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn list_services(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<ServicesQuery>,
) -> Result<Json<Vec<DirectoryEntry>>, ApiError> {
    user.require_any(&READERS)?;
    let pool = state.db.pool();
    let place = match q.place.as_deref() {
        Some(id) => Some(
            store::places::get(pool, id)
                .await?
                .ok_or(ApiError::NotFound)?,
        ),
        None => None,
    };
    Ok(Json(store::directory::entries(pool, place.as_ref()).await?))
}

/// One service's Open Referral UK record, as imported.
#[utoipa::path(get, path = "/directory/services/{id}", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn show_service(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    user.require_any(&READERS)?;
    store::directory::find_record(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Records that an entry was reviewed today.
#[utoipa::path(post, path = "/directory/services/{id}/review", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = DirectoryEntry), (status = 404, body = Problem)))]
async fn review_service(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<DirectoryEntry>, ApiError> {
    let p = user.require_any(&EDITORS)?;
    let pool = state.db.pool();
    store::directory::mark_reviewed(pool, &id, &p.user_id).await?;
    store::directory::entries(pool, None)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Every service's Open Referral UK record, as imported.
#[utoipa::path(get, path = "/directory/export", tag = "directory",
    responses((status = 200, body = Vec<Object>), (status = 403, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Value>>, ApiError> {
    user.require_any(&READERS)?;
    Ok(Json(store::directory::records(state.db.pool()).await?))
}

#[utoipa::path(get, path = "/directory/settings", tag = "directory",
    responses((status = 200, body = DirectorySettings), (status = 403, body = Problem)))]
async fn show_settings(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<DirectorySettings>, ApiError> {
    user.require_any(&READERS)?;
    Ok(Json(DirectorySettings {
        review_after_days: store::directory::review_days(state.db.pool()).await?,
    }))
}

/// Sets the review period (administrators).
#[utoipa::path(put, path = "/directory/settings", tag = "directory", request_body = DirectorySettings,
    responses((status = 200, body = DirectorySettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn put_settings(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(settings): ApiJson<DirectorySettings>,
) -> Result<Json<DirectorySettings>, ApiError> {
    user.require_any(&[Role::Admin])?;
    if let Some(problem) = directory::review_days_problem(settings.review_after_days) {
        return Err(ApiError::Validation(vec![problem]));
    }
    store::directory::set_review_days(state.db.pool(), settings.review_after_days).await?;
    Ok(Json(settings))
}
