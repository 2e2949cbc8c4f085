//! The competency framework: competencies, their currency rules and
//! standards, and what each job role requires.

use super::{conn, invalid, require_admin};
use crate::{AppState, store, validation};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::Problem;
use eip_types::training::{Competency, CompetencyRuleUpdate, Framework, NewCompetency};
use serde::Deserialize;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_competencies, framework, update_competency, set_requirements),
    components(schemas(Competency, Framework, RequirementInput, CompetencyRuleUpdate))
)]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/competencies",
            get(list_competencies).post(create_competency),
        )
        .route("/competencies/{id}", put(update_competency))
        .route("/framework", get(framework))
        .route("/job-roles/{id}/requirements", put(set_requirements))
}

/// The competencies staff are trained in.
#[utoipa::path(get, path = "/competencies", tag = "framework",
    responses((status = 200, body = [Competency]), (status = 401, body = Problem)))]
async fn list_competencies(
    State(state): State<AppState>,
    _user: Authenticated,
) -> Result<Json<Vec<Competency>>, ApiError> {
    Ok(Json(store::framework::competencies(state.db.pool()).await?))
}

/// The competency framework: competencies with their standards and
/// currency rules, and what each job role requires (anyone signed in).
#[utoipa::path(get, path = "/framework", tag = "framework",
    responses((status = 200, body = Framework), (status = 401, body = eip_types::Problem)))]
async fn framework(
    State(state): State<AppState>,
    _user: Authenticated,
) -> Result<Json<Framework>, ApiError> {
    Ok(Json(
        store::framework::framework(&mut *conn(&state).await?).await?,
    ))
}

/// Adds a competency to the framework (administrators).
#[utoipa::path(post, path = "/competencies", tag = "framework", request_body = NewCompetency,
    responses((status = 201), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn create_competency(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewCompetency>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let clean = validation::new_competency(body).map_err(ApiError::Validation)?;
    let mut tx = state.db.begin().await?;
    if !store::framework::insert_competency(&mut tx, &clean).await? {
        return Err(invalid("id", "A competency with this id exists."));
    }
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// Changes a competency's validity and warning window (administrators).
#[utoipa::path(put, path = "/competencies/{id}", tag = "framework", request_body = CompetencyRuleUpdate,
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn update_competency(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CompetencyRuleUpdate>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let errors = validation::rule_window(body.validity_months, body.warning_days);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut c = conn(&state).await?;
    if !store::framework::update_rule(&mut c, &id, body.validity_months, body.warning_days).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementInput {
    pub competency_id: String,
    /// `foundation`, `intermediate` or `advanced`, for a levelled competency.
    #[serde(default)]
    pub level: Option<String>,
}

/// Replaces what a job role requires (administrators). Takes effect at
/// once for everyone in the role.
#[utoipa::path(put, path = "/job-roles/{id}/requirements", tag = "framework", request_body = [RequirementInput],
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn set_requirements(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Vec<RequirementInput>>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let mut tx = state.db.begin().await?;
    if !store::framework::role_exists(&mut tx, &id).await? {
        return Err(ApiError::NotFound);
    }
    let rules = store::framework::rules(&mut tx).await?;
    let pairs: Vec<(&str, Option<&str>)> = body
        .iter()
        .map(|r| (r.competency_id.as_str(), r.level.as_deref()))
        .collect();
    let reqs = validation::requirements(&pairs, &rules).map_err(ApiError::Validation)?;
    store::framework::set_requirements(&mut tx, &id, &reqs).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
