//! The Early Intervention Hubs: read by everyone who works with partners,
//! kept by coordinators in their areas and administrators anywhere.

use crate::directory::{EDITORS, READERS, hub_problems};
use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{Hub, HubInput};
use eip_types::place::PlaceKind;
use eip_types::{FieldError, Problem, Role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hubs", get(list_hubs).post(create_hub))
        .route("/hubs/{id}", put(update_hub))
}

/// Every hub, by area and name.
#[utoipa::path(get, path = "/hubs", tag = "hubs",
    responses((status = 200, body = [Hub]), (status = 403, body = Problem)))]
async fn list_hubs(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Hub>>, ApiError> {
    user.require_any(&READERS)?;
    Ok(Json(store::hubs::list(state.db.pool()).await?))
}

/// Checks a hub and finds the local authority its place lies in.
pub(crate) async fn checked_hub(state: &AppState, input: &HubInput) -> Result<String, ApiError> {
    let mut errors = hub_problems(input);
    let area = match store::places::get(state.db.pool(), &input.place_id).await? {
        Some(p) if p.kind == PlaceKind::Ward => p.parent_id,
        Some(p) => Some(p.id),
        None => None,
    };
    if area.is_none() {
        errors.push(FieldError::new("place_id", "Choose a known place."));
    }
    match area {
        Some(a) if errors.is_empty() => Ok(a),
        _ => Err(ApiError::Validation(errors)),
    }
}

async fn found(state: &AppState, id: &str) -> Result<Hub, ApiError> {
    store::hubs::find(state.db.pool(), id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Adds a hub (coordinators in their areas, administrators anywhere).
#[utoipa::path(post, path = "/hubs", tag = "hubs", request_body = HubInput,
    responses((status = 201, body = Hub), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_hub(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<HubInput>,
) -> Result<(StatusCode, Json<Hub>), ApiError> {
    let p = user.require_any(&EDITORS)?;
    let area = checked_hub(&state, &input).await?;
    if !p.has_role(Role::Admin) && !p.works_in(&area) {
        return Err(ApiError::Forbidden(
            "This place is not in your areas.".into(),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    store::hubs::insert(state.db.pool(), &id, &area, &input).await?;
    Ok((StatusCode::CREATED, Json(found(&state, &id).await?)))
}

#[utoipa::path(put, path = "/hubs/{id}", tag = "hubs", params(("id" = String, Path)), request_body = HubInput,
    responses((status = 200, body = Hub), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_hub(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<HubInput>,
) -> Result<Json<Hub>, ApiError> {
    let p = user.require_any(&EDITORS)?;
    let current = found(&state, &id).await?;
    let area = checked_hub(&state, &input).await?;
    let in_areas = p.works_in(&area) && p.works_in(&current.area_id);
    if !(p.has_role(Role::Admin) || in_areas) {
        return Err(ApiError::Forbidden("This hub is not in your areas.".into()));
    }
    store::hubs::update(state.db.pool(), &id, &area, &input).await?;
    Ok(Json(found(&state, &id).await?))
}
