//! Completions: that a staff member completed a competency, as trainers
//! record it. A completion for someone on record is evidence in their log.

use super::evidence::append;
use crate::access::TRAINERS;
use crate::store::evidence::NewEvidenceRow;
use crate::{AppState, rules, store};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::Problem;
use eip_types::events::TrainingEvent;
use eip_types::training::{Completion, Level, NewCompletion};
use serde::Deserialize;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(record_completion, list_completions),
    components(schemas(NewCompletion, Completion))
)]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/completions",
        get(list_completions).post(record_completion),
    )
}

/// Record that a staff member completed a competency (trainers and
/// administrators).
#[utoipa::path(post, path = "/completions", tag = "completions", request_body = NewCompletion,
    responses(
        (status = 201, body = Completion),
        (status = 400, description = "Unreadable body or unknown field", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "Fields need correcting", body = Problem)))]
async fn record_completion(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewCompletion>,
) -> Result<(StatusCode, Json<Completion>), ApiError> {
    let recorder = user.require_any(&TRAINERS)?;
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let competency_id = body.competency_id.trim();
    let known = !competency_id.is_empty()
        && store::framework::competency_exists(&mut tx, competency_id).await?;
    let valid = rules::check(&body, today, known).map_err(ApiError::Validation)?;

    let id = uuid::Uuid::new_v4().to_string();
    let completion = store::completions::insert(&mut tx, &id, &valid, &recorder.user_id).await?;
    // A completion for someone on record is evidence in their log too.
    if let Some(staff) = store::staff::by_number(&mut tx, &completion.staff_ref).await? {
        let levelled = store::framework::rules(&mut tx)
            .await?
            .iter()
            .any(|r| r.id == completion.competency_id && r.levelled);
        let row = NewEvidenceRow::training(
            &staff.id,
            &completion.competency_id,
            levelled.then_some(Level::Foundation),
            "external",
            completion.completed_on,
            &recorder.user_id,
        );
        append(&state, &mut tx, today, &row).await?;
    }
    let event = TrainingEvent::CompletionRecorded {
        completion_id: completion.id.clone(),
        competency_id: completion.competency_id.clone(),
        completed_on: completion.completed_on,
    };
    state
        .outbox
        .record(&mut tx, event.kind(), &event.payload())
        .await?;
    tx.commit().await?;
    state.outbox.wake();
    tracing::info!(completion.id = %completion.id, competency.id = %completion.competency_id, "completion recorded");
    Ok((StatusCode::CREATED, Json(completion)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct CompletionsQuery {
    /// Only this staff member's completions (any case).
    staff_ref: Option<String>,
    /// At most this many (1–200, default 50).
    limit: Option<i64>,
}

/// Recorded completions, the most recently completed first (trainers and
/// administrators).
#[utoipa::path(get, path = "/completions", tag = "completions", params(CompletionsQuery),
    responses(
        (status = 200, body = [Completion]),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "Limit out of range", body = Problem)))]
async fn list_completions(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<CompletionsQuery>,
) -> Result<Json<Vec<Completion>>, ApiError> {
    user.require_any(&TRAINERS)?;
    let limit = rules::list_limit(q.limit).map_err(|e| ApiError::Validation(vec![e]))?;
    let staff_ref = rules::staff_ref_filter(q.staff_ref.as_deref());
    Ok(Json(
        store::completions::list(state.db.pool(), staff_ref.as_deref(), limit).await?,
    ))
}
