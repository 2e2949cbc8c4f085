//! Retention review: the periods records are kept for, the records due for
//! review, and the review's decision (administrators).

use crate::{AppState, retention, store};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::referral::{Referral, RetentionDecision, RetentionDue, RetentionPeriods};
use eip_types::{Problem, Role};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/retention/due", get(retention_due))
        .route("/referrals/{id}/retention", post(decide_retention))
        .route("/retention-periods", get(show_periods).put(set_periods))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct DueQuery {
    /// `YYYY-MM-DD`; today when absent.
    on: Option<String>,
}

/// Referrals due for a retention review (administrators).
#[utoipa::path(get, path = "/retention/due", tag = "retention", params(DueQuery),
    responses((status = 200, body = [RetentionDue]), (status = 403, body = Problem)))]
pub(super) async fn retention_due(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> Result<Json<Vec<RetentionDue>>, ApiError> {
    user.require_any(&[Role::Admin])?;
    let on = match q.on {
        Some(text) => {
            retention::parse_day("on", &text).map_err(|e| ApiError::Validation(vec![e]))?
        }
        None => chrono::Utc::now().date_naive(),
    };
    Ok(Json(store::retention::due(state.db.pool(), on, 500).await?))
}

/// Records a retention review's decision: retain until a later review, or
/// dispose of the personal data (administrators; the review must be due).
#[utoipa::path(post, path = "/referrals/{id}/retention", tag = "retention", request_body = RetentionDecision,
    responses((status = 200, body = Referral), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not due, or already disposed of", body = Problem), (status = 422, body = Problem)))]
pub(super) async fn decide_retention(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RetentionDecision>,
) -> Result<Json<Referral>, ApiError> {
    user.require_any(&[Role::Admin])?;
    let today = chrono::Utc::now().date_naive();
    let (reason, next) =
        retention::check_decision(&body, today).map_err(|e| ApiError::Validation(vec![e]))?;
    let mut tx = state.db.begin().await?;
    let current = store::referrals::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    retention::may_decide(&current, today).map_err(|why| ApiError::Conflict(why.into()))?;
    match next {
        Some(next) => store::retention::set_review_on(&mut tx, &id, next).await?,
        None => store::retention::dispose(&mut tx, &current).await?,
    }
    store::retention::record_decision(&mut tx, &id, body.decision, reason, next, &user.0.user_id)
        .await?;
    let after = store::referrals::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    tracing::info!(referral.id = %id, decision = body.decision.as_str(), "retention decided");
    Ok(Json(after))
}

/// How long referrals are kept before review, by where they ended.
#[utoipa::path(get, path = "/retention-periods", tag = "retention",
    responses((status = 200, body = RetentionPeriods), (status = 403, body = Problem)))]
pub(super) async fn show_periods(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<RetentionPeriods>, ApiError> {
    user.require_any(&[Role::Admin, Role::Dpo])?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(Json(store::retention::periods(&mut conn).await?))
}

/// Set the retention periods (administrators). Review dates set from now
/// on use them; dates already set stay until the record's next step or
/// review.
#[utoipa::path(put, path = "/retention-periods", tag = "retention", request_body = RetentionPeriods,
    responses((status = 200, body = RetentionPeriods), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_periods(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<RetentionPeriods>,
) -> Result<Json<RetentionPeriods>, ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    store::retention::set_periods(state.db.pool(), &body).await?;
    tracing::info!("retention periods changed");
    Ok(Json(body))
}
