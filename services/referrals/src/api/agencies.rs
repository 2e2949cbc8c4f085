//! Agencies and programmes referrals can be shared with: everyone lists
//! them; administrators add, rename and retire them.

use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::referral::{Agency, AgencyChange};
use eip_types::{FieldError, Problem, Role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(list_agencies).post(create_agency))
        .route("/agencies/{id}", put(update_agency))
}

/// Agencies and programmes referrals can be shared with (administrators
/// also see inactive ones).
#[utoipa::path(get, path = "/agencies", tag = "agencies",
    responses((status = 200, body = [Agency]), (status = 401, body = Problem)))]
pub(super) async fn list_agencies(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Agency>>, ApiError> {
    let all = user.0.has_role(Role::Admin);
    Ok(Json(store::sharing::agencies(state.db.pool(), all).await?))
}

/// The agency as it reads once `body` is stored under `id`.
fn agency(id: String, body: AgencyChange) -> Agency {
    Agency {
        id,
        name: body.name.trim().to_owned(),
        kind: body.kind,
        active: body.active,
    }
}

/// Add an agency or programme (administrators). Its id is made from the name.
#[utoipa::path(post, path = "/agencies", tag = "agencies", request_body = AgencyChange,
    responses((status = 201, body = Agency), (status = 403, body = Problem),
        (status = 409, description = "One with that name exists", body = Problem),
        (status = 422, body = Problem)))]
pub(super) async fn create_agency(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<AgencyChange>,
) -> Result<(StatusCode, Json<Agency>), ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    let id = body.slug();
    if id.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "name",
            "Use at least one letter or digit in the name.",
        )]));
    }
    let mut tx = state.db.begin().await?;
    if store::sharing::agency_exists(&mut tx, &id).await? {
        return Err(ApiError::Conflict(
            "An agency or programme with that name already exists.".into(),
        ));
    }
    store::sharing::insert_agency(&mut tx, &id, &body).await?;
    tx.commit().await?;
    tracing::info!(agency.id = %id, "agency added");
    Ok((StatusCode::CREATED, Json(agency(id, body))))
}

/// Rename an agency or programme, or stop new shares to it (administrators).
/// Its id, and every referral shared with it, stay as they are.
#[utoipa::path(put, path = "/agencies/{id}", tag = "agencies", request_body = AgencyChange,
    responses((status = 200, body = Agency), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub(super) async fn update_agency(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AgencyChange>,
) -> Result<Json<Agency>, ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    let mut tx = state.db.begin().await?;
    if !store::sharing::update_agency(&mut tx, &id, &body).await? {
        return Err(ApiError::NotFound);
    }
    tx.commit().await?;
    tracing::info!(agency.id = %id, active = body.active, "agency changed");
    Ok(Json(agency(id, body)))
}
