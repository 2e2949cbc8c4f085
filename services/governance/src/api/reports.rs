//! Aggregate reports: referrals submitted per area, and whether a month's
//! report can be published.

use super::{ANALYSTS, READERS, invalid};
use crate::period::parse_period;
use crate::{AppState, compute, release, store, suppression};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::Problem;
use eip_types::governance::{ReportValidation, SubmittedPerArea};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/reports/referrals-submitted-per-area",
            get(submitted_per_area),
        )
        .route("/reports/validation", get(validate_report))
}

/// Referrals submitted per local authority area over all time: each area's
/// months as every dashboard releases them, an area shown only when all are.
#[utoipa::path(get, path = "/reports/referrals-submitted-per-area", tag = "reports",
    responses((status = 200, body = SubmittedPerArea), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn submitted_per_area(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<SubmittedPerArea>, ApiError> {
    user.require_any(&READERS)?;
    let pool = state.db.pool();
    let framework = store::framework::load(pool).await?;
    let counted = release::published_counts(&framework);
    let mut kinds: Vec<String> = counted
        .iter()
        .flat_map(|c| c.refs.iter().map(|r| r.kind.clone()))
        .collect();
    kinds.sort();
    kinds.dedup();
    // Every month, so each is released as it is on every dashboard.
    let facts = store::facts::facts(pool, &kinds, "0000-01", "9999-12").await?;
    let months = release::months_of(&facts);
    let released = release::release(&counted, &facts, &months, state.suppress_up_to);
    Ok(Json(suppression::per_area(
        &released,
        &months,
        state.suppress_up_to,
    )))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// The month, `YYYY-MM`.
    pub period: Option<String>,
}

/// Checks a period's report can be published: every active core measure
/// must have data for every area.
#[utoipa::path(get, path = "/reports/validation", tag = "reports", params(PeriodQuery),
    responses((status = 200, body = ReportValidation), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn validate_report(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<ReportValidation>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let period = parse_period("period", q.period.as_deref()).map_err(invalid)?;
    let framework = store::framework::load(state.db.pool()).await?;
    let facts = store::facts::reported(state.db.pool(), &period).await?;
    let missing = compute::missing_core(&framework, &facts);
    Ok(Json(ReportValidation {
        period,
        valid: missing.is_empty(),
        missing,
    }))
}
