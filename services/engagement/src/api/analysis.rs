//! Demand analysis: crime share, concentration and hotspots over the
//! local authority areas the reader works in (see `crate::analysis`).

use crate::analysis::{self, READERS, Scope};
use crate::{AppState, store};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{Category, Concentration, CrimeShare, Demand, Hotspot};
use eip_types::place::PlaceKind;
use eip_types::{FieldError, Principal, Problem};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/analysis/crime-share", get(crime_share))
        .route("/analysis/concentration", get(concentration))
        .route("/analysis/hotspots", get(hotspots))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DemandQuery {
    /// One local authority area you work in; all of yours when absent.
    pub area: Option<String>,
    /// First month, `YYYY-MM`.
    pub from: Option<String>,
    /// Last month, `YYYY-MM`.
    pub to: Option<String>,
    /// `command_and_control` (the default) or `street_crime`.
    pub source: Option<String>,
    /// For concentration: `ward` (the default) or `category`.
    pub by: Option<String>,
    /// For concentration: N in "the top N wards" (default 3).
    pub top: Option<usize>,
    /// For hotspots: how many (default 10).
    pub limit: Option<usize>,
}

/// Checks the reader's role and areas and the query's values.
fn scope(p: &Principal, q: &DemandQuery) -> Result<Scope, ApiError> {
    if !p.has_any_role(&READERS) {
        return Err(ApiError::Forbidden(
            "Demand analysis is for analysts and coordinators.".into(),
        ));
    }
    let areas = super::areas_for(p, q.area.as_deref())?;
    analysis::scope(
        areas,
        q.from.as_deref(),
        q.to.as_deref(),
        q.source.as_deref(),
    )
    .map_err(ApiError::Validation)
}

/// Calls and the crime share for each ward and month in scope.
#[utoipa::path(get, path = "/analysis/crime-share", tag = "analysis", params(DemandQuery),
    responses(
        (status = 200, body = [CrimeShare]),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn crime_share(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DemandQuery>,
) -> Result<Json<Vec<CrimeShare>>, ApiError> {
    let scope = scope(&user.0, &q)?;
    let mut out = store::incidents::crime_share(state.db.pool(), &scope).await?;
    out.sort_by(|a, b| a.place_id.cmp(&b.place_id).then(a.month.cmp(&b.month)));
    Ok(Json(out))
}

/// Wards in scope with their calls, including wards with none.
async fn ward_demand(state: &AppState, scope: &Scope) -> Result<Vec<Demand>, sqlx::Error> {
    let mut wards = Vec::new();
    for a in &scope.areas {
        let filter = store::places::PlaceFilter {
            kind: Some(PlaceKind::Ward),
            parent_id: Some(a.clone()),
            priority: None,
        };
        wards.extend(
            store::places::list(state.db.pool(), &filter)
                .await?
                .into_iter()
                .map(|w| w.id),
        );
    }
    let calls = store::incidents::calls_by_ward(state.db.pool(), scope).await?;
    Ok(analysis::with_calls(wards, calls))
}

/// How concentrated demand is across the wards (or categories) in scope.
#[utoipa::path(get, path = "/analysis/concentration", tag = "analysis", params(DemandQuery),
    responses(
        (status = 200, body = Concentration),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn concentration(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DemandQuery>,
) -> Result<Json<Concentration>, ApiError> {
    let scope = scope(&user.0, &q)?;
    let by = q.by.as_deref().unwrap_or("ward");
    let units = match by {
        "ward" => ward_demand(&state, &scope).await?,
        "category" => analysis::with_calls(
            Category::ALL.iter().map(|c| c.as_str().to_owned()),
            store::incidents::calls_by_category(state.db.pool(), &scope).await?,
        ),
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "by",
                "Choose ward or category.",
            )]));
        }
    };
    Ok(Json(analysis::concentration_of(
        by,
        units,
        q.top.unwrap_or(3),
    )))
}

/// Wards ranked by calls, or by distinct callers with `by=callers`.
#[utoipa::path(get, path = "/analysis/hotspots", tag = "analysis", params(DemandQuery),
    responses(
        (status = 200, body = [Hotspot]),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn hotspots(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DemandQuery>,
) -> Result<Json<Vec<Hotspot>>, ApiError> {
    let scope = scope(&user.0, &q)?;
    let by_callers = match q.by.as_deref() {
        None | Some("calls") => false,
        Some("callers") => true,
        Some(_) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "by",
                "Choose calls or callers.",
            )]));
        }
    };
    let spots = store::incidents::hotspots(state.db.pool(), &scope).await?;
    let limit = q.limit.unwrap_or(10).clamp(1, 500);
    Ok(Json(analysis::rank_hotspots(spots, by_callers, limit)))
}
