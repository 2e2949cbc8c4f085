//! Running the service's daily job on demand.

use super::{AsOfQuery, as_of};
use crate::{AppState, jobs};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::identity::{Authenticated, is_service};
use eip_types::Role;
use eip_types::training::JobReport;

#[derive(utoipa::OpenApi)]
#[openapi(paths(run_daily), components(schemas(JobReport)))]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/jobs/daily", post(run_daily))
}

/// Runs the daily job for `as_of` (default today): reminders to staff at
/// 90, 60, 30 and 7 days before a lapse and to line managers at 30 days
/// and on the lapse; a lapse event per lapse; coverage per team and area
/// once a month. Running it twice on a day creates nothing twice
/// (administrators and platform services).
#[utoipa::path(post, path = "/jobs/daily", tag = "jobs", params(AsOfQuery),
    responses((status = 200, body = JobReport), (status = 403, body = eip_types::Problem)))]
async fn run_daily(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<JobReport>, ApiError> {
    if !(user.0.has_role(Role::Admin) || is_service(&user.0)) {
        return Err(ApiError::Forbidden(
            "Only administrators and platform services run the daily job.".into(),
        ));
    }
    let today = as_of(&state, &user.0, q.as_of.as_deref())?;
    Ok(Json(jobs::daily::run(&state, today).await?))
}
