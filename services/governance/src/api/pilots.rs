//! Pilots and their evaluation.

use super::{ANALYSTS, AUTHORS};
use crate::{AppState, pilot, release, sources, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::governance::{Pilot, PilotEvaluation, PilotInput};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pilots", get(list_pilots).post(create_pilot))
        .route("/pilots/{id}/evaluation", get(evaluate_pilot))
}

/// Every recorded pilot.
#[utoipa::path(get, path = "/pilots", tag = "pilots",
    responses((status = 200, body = Vec<Pilot>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn list_pilots(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Pilot>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(store::pilots::list(state.db.pool()).await?))
}

/// Records a pilot: its measures, areas, periods and what was delivered.
#[utoipa::path(post, path = "/pilots", tag = "pilots", request_body = PilotInput,
    responses((status = 201, body = Pilot), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn create_pilot(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<PilotInput>,
) -> Result<(StatusCode, Json<Pilot>), ApiError> {
    let who = user.require_any(&AUTHORS)?;
    let fw = store::framework::load(state.db.pool()).await?;
    pilot::validate(&input, &fw).map_err(ApiError::Validation)?;
    let pilot = Pilot {
        id: uuid::Uuid::new_v4().to_string(),
        input,
        created_by: who.user_id.clone(),
        created_at: now_text(),
    };
    store::pilots::insert(state.db.pool(), &pilot).await?;
    Ok((StatusCode::CREATED, Json(pilot)))
}

/// The pilot's pre-trends side by side and a difference-in-differences
/// estimate per measure with its 95% interval. Refused (422) with only one
/// month on either side.
#[utoipa::path(get, path = "/pilots/{id}/evaluation", tag = "pilots", params(("id" = String, Path, description = "The pilot's id")),
    responses((status = 200, body = PilotEvaluation), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
pub async fn evaluate_pilot(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<PilotEvaluation>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let p = store::pilots::find(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let fw = store::framework::load(state.db.pool()).await?;
    let (pre, post) = pilot::validate(&p.input, &fw).map_err(ApiError::Validation)?;
    pilot::check_points(&pre, &post).map_err(ApiError::Validation)?;
    let (from, to) = (
        pre.first().cloned().unwrap_or_default(),
        post.last().cloned().unwrap_or_default(),
    );
    let facts = store::facts::facts(state.db.pool(), &sources::kind_names(), &from, &to).await?;
    let months: Vec<String> = pre.iter().chain(&post).cloned().collect();
    let released = release::release(
        &release::published_counts(&fw),
        &facts,
        &months,
        state.suppress_up_to,
    );
    let measures = p
        .input
        .measure_ids
        .iter()
        .filter_map(|mid| fw.measures.iter().find(|m| m.id == *mid))
        .filter_map(|m| {
            pilot::evaluate(
                m,
                &p.input,
                &facts,
                &released,
                &pre,
                &post,
                state.suppress_up_to,
            )
        })
        .collect();
    Ok(Json(PilotEvaluation {
        pilot: p,
        evidence_strength: pilot::EVIDENCE.to_owned(),
        measures,
    }))
}
