//! The timeliness targets worklists are judged by.

use crate::{AppState, store};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::referral::TimelinessTargets;
use eip_types::{Problem, Role};

pub fn router() -> Router<AppState> {
    Router::new().route("/timeliness-targets", get(show_targets).put(set_targets))
}

/// The timeliness targets worklists are judged by.
#[utoipa::path(get, path = "/timeliness-targets", tag = "timeliness",
    responses((status = 200, body = TimelinessTargets), (status = 403, body = Problem)))]
pub(super) async fn show_targets(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<TimelinessTargets>, ApiError> {
    user.require_any(&[Role::Coordinator, Role::Admin])?;
    Ok(Json(store::timeliness::targets(state.db.pool()).await?))
}

/// Set the timeliness targets (administrators); worklists use them at once.
#[utoipa::path(put, path = "/timeliness-targets", tag = "timeliness", request_body = TimelinessTargets,
    responses((status = 200, body = TimelinessTargets), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_targets(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<TimelinessTargets>,
) -> Result<Json<TimelinessTargets>, ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    store::timeliness::set_targets(state.db.pool(), &body).await?;
    tracing::info!("timeliness targets changed");
    Ok(Json(body))
}
