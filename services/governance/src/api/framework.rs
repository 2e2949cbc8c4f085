//! The framework resource: read by boards, analysts and admins; measures
//! edited by admins, with every rule a measure must meet checked first;
//! rebases recorded by analysts.

use super::ANALYSTS;
use crate::period::parse_period;
use crate::{AppState, sources, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::governance::{EventKindInfo, Framework, Measure, NewRebase, Rebase};
use eip_types::{FieldError, Role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/framework", get(show_framework))
        .route("/framework/event-kinds", get(event_kinds))
        .route("/framework/measures/{id}", put(save_measure))
        .route("/framework/measures/{id}/rebases", post(record_rebase))
}

/// The performance framework: outcomes, indicators and measures.
#[utoipa::path(get, path = "/framework", tag = "framework",
    responses((status = 200, body = Framework), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn show_framework(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Framework>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(store::framework::load(state.db.pool()).await?))
}

/// The event kinds a measure may be computed from.
#[utoipa::path(get, path = "/framework/event-kinds", tag = "framework",
    responses((status = 200, body = Vec<EventKindInfo>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn event_kinds(user: Authenticated) -> Result<Json<Vec<EventKindInfo>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(sources::known_kinds()))
}

/// Creates or replaces a measure (administrators only).
#[utoipa::path(put, path = "/framework/measures/{id}", tag = "framework", request_body = Measure,
    params(("id" = String, Path, description = "The measure's id")),
    responses((status = 200, body = Measure), (status = 201, body = Measure),
        (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
pub async fn save_measure(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(measure): ApiJson<Measure>,
) -> Result<(StatusCode, Json<Measure>), ApiError> {
    user.require_any(&[Role::Admin])?;
    if measure.id != id {
        return Err(ApiError::Validation(vec![FieldError::new(
            "id",
            "The id in the body must match the address.",
        )]));
    }
    // Read before the transaction: SQLite gives a writer one connection.
    let framework = store::framework::load(state.db.pool()).await?;
    let errors = crate::framework::validate_measure(&measure, &framework);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (position, created) = crate::framework::place_of(&framework, &measure.id);
    let mut tx = state.db.begin().await?;
    store::framework::put_measure(&mut tx, &measure, position).await?;
    tx.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(measure)))
}

/// Records that a measure's process changed: its limits are recalculated
/// from `period` on, and the chart breaks its lines there.
#[utoipa::path(post, path = "/framework/measures/{id}/rebases", tag = "framework", request_body = NewRebase,
    params(("id" = String, Path, description = "The measure's id")),
    responses((status = 201, body = Rebase), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 409, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn record_rebase(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewRebase>,
) -> Result<(StatusCode, Json<Rebase>), ApiError> {
    let who = user.require_any(&[Role::Analyst, Role::Admin])?;
    let mut errors = crate::framework::validate_rebase_reason(&body.reason);
    let period = match parse_period("period", Some(&body.period)) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let fw = store::framework::load(state.db.pool()).await?;
    if !fw.measures.iter().any(|m| m.id == id) {
        return Err(ApiError::NotFound);
    }
    let Some(period) = period.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let rebase = Rebase {
        period,
        reason: body.reason.trim().to_owned(),
        recorded_by: who.user_id.clone(),
        recorded_at: now_text(),
    };
    if !store::rebases::insert(state.db.pool(), &id, &rebase).await? {
        return Err(ApiError::Conflict(
            "This measure is already rebased from that month.".into(),
        ));
    }
    Ok((StatusCode::CREATED, Json(rebase)))
}
