//! Boards and the members who may sign their packs.

use super::ANALYSTS;
use crate::{AppState, packs, store};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::Role;
use eip_types::governance::{Approvers, Board};

pub fn router() -> Router<AppState> {
    Router::new().route("/boards", get(list_boards)).route(
        "/boards/{id}/approvers",
        axum::routing::put(set_approvers).post(set_approvers_by_post),
    )
}

/// The boards and who may sign for each.
#[utoipa::path(get, path = "/boards", tag = "boards",
    responses((status = 200, body = Vec<Board>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn list_boards(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Board>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(store::packs::boards(state.db.pool()).await?))
}

/// Names the board members who may sign a board's packs (administrators).
#[utoipa::path(put, path = "/boards/{id}/approvers", tag = "boards", request_body = Approvers,
    params(("id" = String, Path, description = "The board's id")),
    responses((status = 200, body = Board), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
pub async fn set_approvers(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Approvers>,
) -> Result<Json<Board>, ApiError> {
    user.require_any(&[Role::Admin])?;
    if !store::packs::boards(state.db.pool())
        .await?
        .iter()
        .any(|b| b.id == id)
    {
        return Err(ApiError::NotFound);
    }
    let errors = packs::validate_approvers(&body.approvers);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    store::packs::replace_approvers(&mut tx, &id, &packs::unique_approvers(&body.approvers))
        .await?;
    tx.commit().await?;
    let board = store::packs::boards(state.db.pool())
        .await?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(board))
}

/// The same as `PUT`, for clients that only post (the portal's forms).
#[utoipa::path(post, path = "/boards/{id}/approvers", tag = "boards", request_body = Approvers,
    params(("id" = String, Path, description = "The board's id")),
    responses((status = 200, body = Board), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
pub async fn set_approvers_by_post(
    state: State<AppState>,
    user: Authenticated,
    id: Path<String>,
    body: ApiJson<Approvers>,
) -> Result<Json<Board>, ApiError> {
    set_approvers(state, user, id, body).await
}
