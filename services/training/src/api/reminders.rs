//! Reminders the daily job left for the signed-in user.

use super::conn;
use crate::{AppState, store};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::ApiError;
use eip_platform::identity::Authenticated;
use eip_types::training::Reminder;

#[derive(utoipa::OpenApi)]
#[openapi(paths(my_reminders), components(schemas(Reminder)))]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/reminders", get(my_reminders))
}

/// Reminders for the signed-in user: their own lapses coming up, and
/// their reports'.
#[utoipa::path(get, path = "/reminders", tag = "reminders",
    responses((status = 200, body = [Reminder]), (status = 401, body = eip_types::Problem)))]
async fn my_reminders(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Reminder>>, ApiError> {
    let mut c = conn(&state).await?;
    let Some(me) = store::staff::by_user(&mut c, &user.0.user_id).await? else {
        return Ok(Json(Vec::new()));
    };
    Ok(Json(store::reminders::for_recipient(&mut c, &me.id).await?))
}
