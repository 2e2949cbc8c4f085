//! The framework resource: read by boards, analysts and admins; edited by
//! admins, with every rule a measure must meet checked first.

use crate::{AppState, compute, framework, read_model, sources};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::governance::{EventKindInfo, Framework, Measure, ReportValidation};
use eip_types::{FieldError, Role};
use serde::Deserialize;

/// Who may read the framework and aggregate reports.
pub const ANALYSTS: [Role; 3] = [Role::Board, Role::Analyst, Role::Admin];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/framework", get(show_framework))
        .route("/framework/event-kinds", get(event_kinds))
        .route("/framework/measures/{id}", put(save_measure))
        .route("/reports/validation", get(validate_report))
        .route(
            "/read-models/rebuild",
            axum::routing::post(rebuild_read_models),
        )
}

/// The performance framework: outcomes, indicators and measures.
#[utoipa::path(get, path = "/framework",
    responses((status = 200, body = Framework), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn show_framework(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Framework>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(framework::load(state.db.pool()).await?))
}

/// The event kinds a measure may be computed from.
#[utoipa::path(get, path = "/framework/event-kinds",
    responses((status = 200, body = Vec<EventKindInfo>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn event_kinds(user: Authenticated) -> Result<Json<Vec<EventKindInfo>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(sources::known_kinds()))
}

/// Creates or replaces a measure (administrators only).
#[utoipa::path(put, path = "/framework/measures/{id}", request_body = Measure,
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
    match framework::save_measure(&state.db, &measure).await? {
        Ok(created) => Ok((
            if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            Json(measure),
        )),
        Err(errors) => Err(ApiError::Validation(errors)),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// The month, `YYYY-MM`.
    pub period: Option<String>,
}

/// Checks a period's report can be published: every active core measure
/// must have data for every area.
#[utoipa::path(get, path = "/reports/validation", params(PeriodQuery),
    responses((status = 200, body = ReportValidation), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn validate_report(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<ReportValidation>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let period = parse_period("period", q.period.as_deref())?;
    let framework = framework::load(state.db.pool()).await?;
    let facts = read_model::reported(state.db.pool(), &period).await?;
    let missing = compute::missing_core(&framework, &facts);
    Ok(Json(ReportValidation {
        period,
        valid: missing.is_empty(),
        missing,
    }))
}

/// A month from a query, or a field error naming `field`.
pub fn parse_period(field: &str, value: Option<&str>) -> Result<String, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Err(ApiError::Validation(vec![FieldError::new(
            field,
            "Choose a period (a month, such as 2026-11).",
        )])),
        Some(p) if compute::months(p, p).is_some() => Ok(p.to_owned()),
        Some(_) => Err(ApiError::Validation(vec![FieldError::new(
            field,
            "A period is a month written as YYYY-MM, such as 2026-11.",
        )])),
    }
}

/// How many events a rebuild replayed from each source.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Rebuilt {
    pub replayed: std::collections::BTreeMap<String, usize>,
}

/// Wipes the read models and replays every source's event feed
/// (administrators), as after a fix to how events are counted.
#[utoipa::path(post, path = "/read-models/rebuild",
    responses((status = 200, body = Rebuilt), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 503, body = eip_types::Problem)))]
pub async fn rebuild_read_models(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Rebuilt>, ApiError> {
    user.require_any(&[Role::Admin])?;
    let mut replayed = std::collections::BTreeMap::new();
    for consumer in state.consumers.iter() {
        let n = read_model::rebuild(&state.db, consumer)
            .await
            .map_err(|e| ApiError::Unavailable(format!("{} feed: {e}", consumer.source)))?;
        replayed.insert(consumer.source.to_owned(), n);
    }
    Ok(Json(Rebuilt { replayed }))
}
