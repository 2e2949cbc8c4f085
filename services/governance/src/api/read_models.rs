//! The read models, rebuilt from the sources' event feeds.

use crate::AppState;
use crate::jobs::read_model;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use eip_platform::error::ApiError;
use eip_platform::identity::Authenticated;
use eip_types::Role;

pub fn router() -> Router<AppState> {
    Router::new().route("/read-models/rebuild", post(rebuild_read_models))
}

/// How many events a rebuild replayed from each source.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Rebuilt {
    pub replayed: std::collections::BTreeMap<String, usize>,
}

/// Wipes the read models and replays every source's event feed
/// (administrators), as after a fix to how events are counted.
#[utoipa::path(post, path = "/read-models/rebuild", tag = "read_models",
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
