//! Places: the local authority areas and their wards.

use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::Problem;
use eip_types::place::{Place, PlaceKind};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/places", get(list_places))
        .route("/places/{id}", get(show_place))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PlacesQuery {
    /// Only places of this kind.
    kind: Option<PlaceKind>,
    /// Only the wards of this local authority.
    authority: Option<String>,
    /// Only priority areas (`true`) or only the others (`false`).
    priority: Option<bool>,
}

/// The places: the authorities first, then the priority wards, then the
/// other wards in the order they were imported.
#[utoipa::path(get, path = "/places", tag = "places", params(PlacesQuery),
    responses(
        (status = 200, body = [Place]),
        (status = 400, description = "Unknown kind", body = Problem),
        (status = 401, body = Problem)))]
async fn list_places(
    State(state): State<AppState>,
    _user: Authenticated,
    ApiQuery(q): ApiQuery<PlacesQuery>,
) -> Result<Json<Vec<Place>>, ApiError> {
    let filter = store::places::PlaceFilter {
        kind: q.kind,
        parent_id: q.authority,
        priority: q.priority,
    };
    Ok(Json(store::places::list(state.db.pool(), &filter).await?))
}

/// One place by its id, such as `hull` or `west-marsh`.
#[utoipa::path(get, path = "/places/{id}", tag = "places",
    params(("id" = String, Path, description = "The place's slug")),
    responses((status = 200, body = Place), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn show_place(
    State(state): State<AppState>,
    _user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Place>, ApiError> {
    store::places::get(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}
