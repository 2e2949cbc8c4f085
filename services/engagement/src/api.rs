//! The engagement HTTP API.

use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::http::AssertionSecurity;
use eip_platform::identity::Authenticated;
use eip_types::Problem;
use eip_types::events::EventPage;
use eip_types::place::{Place, PlaceKind};
use serde::Deserialize;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Engagement service", description = "Places: local authority and priority areas"),
    paths(list_places, show_place, event_feed),
    components(schemas(Place, PlaceKind, EventPage, Problem)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity)
)]
pub struct ApiDoc;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/places", get(list_places))
        .route("/places/{id}", get(show_place))
        .route("/events", get(event_feed))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PlacesQuery {
    /// Only places of this kind.
    kind: Option<PlaceKind>,
}

/// The places, authorities first, then priority areas with their authority.
#[utoipa::path(get, path = "/places", params(PlacesQuery),
    responses(
        (status = 200, body = [Place]),
        (status = 400, description = "Unknown kind", body = Problem),
        (status = 401, body = Problem)))]
async fn list_places(
    State(state): State<AppState>,
    _user: Authenticated,
    ApiQuery(q): ApiQuery<PlacesQuery>,
) -> Result<Json<Vec<Place>>, ApiError> {
    Ok(Json(store::list(state.db.pool(), q.kind).await?))
}

/// One place by its id, such as `hull` or `west-marsh`.
#[utoipa::path(get, path = "/places/{id}",
    params(("id" = String, Path, description = "The place's slug")),
    responses((status = 200, body = Place), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn show_place(
    State(state): State<AppState>,
    _user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Place>, ApiError> {
    store::get(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    /// Events after this sequence number.
    after: Option<i64>,
    limit: Option<i64>,
}

/// The event feed consumers catch up from (platform services only).
#[utoipa::path(get, path = "/events", params(FeedQuery),
    responses((status = 200, body = EventPage), (status = 403, body = Problem)))]
async fn event_feed(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Json<EventPage>, ApiError> {
    user.require_service()?;
    let page = state
        .outbox
        .feed(&state.db, q.after.unwrap_or(0), q.limit.unwrap_or(500))
        .await?;
    Ok(Json(page))
}
