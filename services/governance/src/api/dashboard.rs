//! The board dashboard: every active measure per area and month, with its
//! chart.

use super::{ANALYSTS, invalid};
use crate::period::parse_range;
use crate::{AppState, report, sources, store, svg};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::governance::Dashboard;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/dashboard", get(dashboard))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    /// First month, `YYYY-MM`.
    pub from: Option<String>,
    /// Last month, `YYYY-MM`.
    pub to: Option<String>,
}

/// Builds the dashboard for `months` from the read models, without charts.
pub(super) async fn build(state: &AppState, months: &[String]) -> Result<Dashboard, sqlx::Error> {
    let pool = state.db.pool();
    let framework = store::framework::load(pool).await?;
    let (from, to) = (
        months.first().cloned().unwrap_or_default(),
        months.last().cloned().unwrap_or_default(),
    );
    let facts = store::facts::facts(pool, &sources::kind_names(), &from, &to).await?;
    let reported = store::facts::reported(pool, &to).await?;
    let rebases = store::rebases::all(pool).await?;
    Ok(report::dashboard(
        framework,
        &facts,
        &reported,
        &rebases,
        months,
        state.suppress_up_to,
    ))
}

/// The dashboard for `months` as its endpoint serves it, charts drawn.
async fn charted(state: &AppState, months: &[String]) -> Result<Dashboard, sqlx::Error> {
    let mut d = build(state, months).await?;
    d.charts = svg::charts(&d.measures, &[]);
    Ok(d)
}

/// The dashboard as its endpoint serves it: figures, charts, JSON. For the
/// benchmark, which measures it at different history sizes.
pub async fn render_dashboard(state: &AppState, months: &[String]) -> anyhow::Result<String> {
    let d = charted(state, months).await?;
    Ok(serde_json::to_string(&d)?)
}

/// Every active measure per area and month, with its chart and icons;
/// small numbers hidden.
#[utoipa::path(get, path = "/reports/dashboard", tag = "dashboard", params(RangeQuery),
    responses((status = 200, body = Dashboard), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn dashboard(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Json<Dashboard>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let months = parse_range(q.from.as_deref(), q.to.as_deref()).map_err(invalid)?;
    Ok(Json(charted(&state, &months).await?))
}
