//! Pilots and their evaluation.

use crate::framework_api::ANALYSTS;
use crate::packs::AUTHORS;
use crate::{AppState, framework, pilot, read_model, sources};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::governance::{Pilot, PilotEvaluation, PilotInput};
use sqlx::Row;
use sqlx::any::AnyRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pilots", get(list_pilots).post(create_pilot))
        .route("/pilots/{id}/evaluation", get(evaluate_pilot))
}

fn pilot_of(r: &AnyRow) -> Result<Pilot, sqlx::Error> {
    let input: String = r.try_get("input")?;
    Ok(Pilot {
        id: r.try_get("id")?,
        input: serde_json::from_str(&input).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Every recorded pilot.
#[utoipa::path(get, path = "/pilots",
    responses((status = 200, body = Vec<Pilot>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn list_pilots(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Pilot>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let rows =
        sqlx::query("SELECT id, input, created_by, created_at FROM pilots ORDER BY created_at, id")
            .fetch_all(state.db.pool())
            .await?;
    Ok(Json(rows.iter().map(pilot_of).collect::<Result<_, _>>()?))
}

/// Records a pilot: its measures, areas, periods and what was delivered.
#[utoipa::path(post, path = "/pilots", request_body = PilotInput,
    responses((status = 201, body = Pilot), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn create_pilot(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<PilotInput>,
) -> Result<(StatusCode, Json<Pilot>), ApiError> {
    let who = user.require_any(&AUTHORS)?;
    let fw = framework::load(state.db.pool()).await?;
    pilot::validate(&input, &fw).map_err(ApiError::Validation)?;
    let pilot = Pilot {
        id: uuid::Uuid::new_v4().to_string(),
        input,
        created_by: who.user_id.clone(),
        created_at: now_text(),
    };
    let body = serde_json::to_string(&pilot.input).map_err(|e| ApiError::Internal(e.into()))?;
    sqlx::query("INSERT INTO pilots (id, input, created_by, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&pilot.id)
        .bind(body)
        .bind(&pilot.created_by)
        .bind(&pilot.created_at)
        .execute(state.db.pool())
        .await?;
    Ok((StatusCode::CREATED, Json(pilot)))
}

/// The pilot's pre-trends side by side and a difference-in-differences
/// estimate per measure with its 95% interval. Refused (422) with only one
/// month on either side.
#[utoipa::path(get, path = "/pilots/{id}/evaluation", params(("id" = String, Path, description = "The pilot's id")),
    responses((status = 200, body = PilotEvaluation), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
pub async fn evaluate_pilot(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<PilotEvaluation>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let row = sqlx::query("SELECT id, input, created_by, created_at FROM pilots WHERE id = $1")
        .bind(&id)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(ApiError::NotFound)?;
    let p = pilot_of(&row)?;
    let fw = framework::load(state.db.pool()).await?;
    let (pre, post) = pilot::validate(&p.input, &fw).map_err(ApiError::Validation)?;
    pilot::check_points(&pre, &post).map_err(ApiError::Validation)?;
    let kinds: Vec<String> = sources::known_kinds().into_iter().map(|k| k.kind).collect();
    let (from, to) = (
        pre.first().cloned().unwrap_or_default(),
        post.last().cloned().unwrap_or_default(),
    );
    let facts = read_model::facts(state.db.pool(), &kinds, &from, &to).await?;
    let measures = p
        .input
        .measure_ids
        .iter()
        .filter_map(|mid| fw.measures.iter().find(|m| m.id == *mid))
        .filter_map(|m| pilot::evaluate(m, &p.input, &facts, &pre, &post, state.suppress_up_to))
        .collect();
    Ok(Json(PilotEvaluation {
        pilot: p,
        evidence_strength: pilot::EVIDENCE.to_owned(),
        measures,
    }))
}
