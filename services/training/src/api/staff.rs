//! Staff: their import, job roles and training records, and a
//! practitioner's renewal pack.

use super::{AsOfQuery, as_of, conn, csv_response, invalid, require_admin, viewer};
use crate::{AppState, evidence, export, jobs, store, validation};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::Principal;
use eip_types::training::{
    ImportError, ImportReport, Level, Pause, PracticeChecks, RoleChange, Staff, StaffRecord,
    Standing, Status,
};
use serde::Deserialize;
use sqlx::AnyConnection;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(import_staff, change_role, staff_record, my_record),
    components(schemas(
        RoleChange,
        ImportReport,
        ImportError,
        StaffRecord,
        Staff,
        Standing,
        Status,
        Level,
        PracticeChecks,
        Pause
    ))
)]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/{id}/role", put(change_role))
        .route("/staff/{id}/record", get(staff_record))
        .route("/staff/{id}/renewal-pack.csv", get(renewal_pack))
        .route("/me", get(my_record))
}

/// `POST /staff/import`, served with a body limit of its own.
pub(super) fn import_router() -> Router<AppState> {
    Router::new().route("/staff/import", post(import_staff))
}

/// Imports staff from CSV (administrators). Good rows are imported in one
/// transaction; each bad row is reported with its line number.
#[utoipa::path(post, path = "/staff/import", tag = "staff", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = eip_types::Problem),
        (status = 415, body = eip_types::Problem)))]
async fn import_staff(
    State(state): State<AppState>,
    user: Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    require_admin(&user)?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !media.starts_with("text/csv") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("The file is not UTF-8 text.".into()))?;
    Ok(Json(jobs::import::run(&state, text).await?))
}

/// Moves a person to another job role (administrators); what they must
/// hold changes at once.
#[utoipa::path(put, path = "/staff/{id}/role", tag = "staff", request_body = RoleChange,
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn change_role(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleChange>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let mut c = conn(&state).await?;
    if !store::framework::role_exists(&mut c, body.role_id.trim()).await? {
        return Err(invalid("role_id", "Choose one of the listed job roles."));
    }
    if !store::staff::set_role(&mut c, &id, body.role_id.trim()).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The person `id` if `who` may see their record.
async fn visible(c: &mut AnyConnection, who: &Principal, id: &str) -> Result<Staff, ApiError> {
    let (all, view) = viewer(c, who).await?;
    let Some(staff) = all.into_iter().find(|s| s.id == id) else {
        return Err(ApiError::NotFound);
    };
    if !view.includes(&staff.id) {
        return Err(ApiError::Forbidden(
            "This record is not yours to see.".into(),
        ));
    }
    Ok(staff)
}

async fn record_of(
    c: &mut AnyConnection,
    today: NaiveDate,
    staff: Staff,
) -> Result<StaffRecord, ApiError> {
    let facts = store::evidence::load_facts(c, today, Some(&staff.id)).await?;
    let standings = facts.standings(today, &staff);
    let log = store::evidence::of_staff(c, &staff.id).await?;
    let practice = evidence::practice_checks(today, &facts.rules, &standings, &log);
    let pauses = store::staff::pause_log(c, &staff.id).await?;
    Ok(StaffRecord {
        as_of: today,
        staff,
        standings,
        practice,
        pauses,
        evidence: log,
    })
}

/// One person's training record: standings, practice checks, pauses and
/// the evidence log. Their own, their reports', or anyone's for trainers
/// and administrators.
#[utoipa::path(get, path = "/staff/{id}/record", tag = "staff", params(("id" = String, Path), AsOfQuery),
    responses((status = 200, body = StaffRecord), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem)))]
async fn staff_record(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<StaffRecord>, ApiError> {
    let today = as_of(&state, &user.0, q.as_of.as_deref())?;
    let mut c = conn(&state).await?;
    let staff = visible(&mut c, &user.0, &id).await?;
    Ok(Json(record_of(&mut c, today, staff).await?))
}

/// The signed-in user's own training record.
#[utoipa::path(get, path = "/me", tag = "staff", params(AsOfQuery),
    responses((status = 200, body = StaffRecord), (status = 404, body = eip_types::Problem)))]
async fn my_record(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<StaffRecord>, ApiError> {
    let today = as_of(&state, &user.0, q.as_of.as_deref())?;
    let mut c = conn(&state).await?;
    let Some(me) = store::staff::by_user(&mut c, &user.0.user_id).await? else {
        return Err(ApiError::NotFound);
    };
    Ok(Json(record_of(&mut c, today, me).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct WindowQuery {
    /// The first day of the 12-month window (`YYYY-MM-DD`).
    from: String,
}

/// The renewal pack of one practitioner for a 12-month window: CPD hours
/// (approved and other), processes delivered, supervision and observed
/// practice dates, each line and the totals (same access as the record).
#[utoipa::path(get, path = "/staff/{id}/renewal-pack.csv", tag = "staff", params(("id" = String, Path), WindowQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn renewal_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Response, ApiError> {
    let (from, until) = validation::renewal_window(&q.from).map_err(ApiError::Validation)?;
    let mut c = conn(&state).await?;
    let staff = visible(&mut c, &user.0, &id).await?;
    let log = store::evidence::of_staff(&mut c, &staff.id).await?;
    csv_response(
        "renewal-pack.csv",
        export::renewal_pack_csv(&log, from, until),
    )
}
