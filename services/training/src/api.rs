//! The training HTTP API.

use crate::{AppState, records, rules, store};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::http::AssertionSecurity;
use eip_platform::identity::Authenticated;
use eip_types::events::{EventPage, TrainingEvent};
use eip_types::training::{Competency, Completion, NewCompletion};
use eip_types::{FieldError, Problem};
use serde::Deserialize;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Training service", description = "Workforce competencies, evidence, currency, the skills matrix and coverage"),
    paths(list_competencies, record_completion, list_completions, eip_platform::outbox::event_feed),
    components(schemas(Competency, NewCompletion, Completion, EventPage, Problem, FieldError)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity)
)]
struct BaseDoc;

/// The service's OpenAPI document: completions and the event feed, and
/// the workforce routes.
pub struct ApiDoc;

impl OpenApi for ApiDoc {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut doc = BaseDoc::openapi();
        doc.merge(crate::workforce::WorkforceDoc::openapi());
        doc
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/competencies", get(list_competencies))
        .route(
            "/completions",
            get(list_completions).post(record_completion),
        )
        .merge(crate::workforce::router())
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}

/// The competencies staff are trained in.
#[utoipa::path(get, path = "/competencies",
    responses((status = 200, body = [Competency]), (status = 401, body = Problem)))]
async fn list_competencies(
    State(state): State<AppState>,
    _user: Authenticated,
) -> Result<Json<Vec<Competency>>, ApiError> {
    Ok(Json(store::competencies(state.db.pool()).await?))
}

/// Record that a staff member completed a competency (trainers and
/// administrators).
#[utoipa::path(post, path = "/completions", request_body = NewCompletion,
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
    let recorder = user.require_any(&rules::RECORDERS)?;
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let competency_id = body.competency_id.trim();
    let known =
        !competency_id.is_empty() && store::competency_exists(&mut tx, competency_id).await?;
    let valid = rules::check(&body, today, known).map_err(ApiError::Validation)?;

    let id = uuid::Uuid::new_v4().to_string();
    let completion = store::insert_completion(&mut tx, &id, &valid, &recorder.user_id).await?;
    // A completion for someone on record is evidence in their log too.
    if let Some(staff) = records::staff_by_number(&mut tx, &completion.staff_ref).await? {
        let levelled = records::rules(&mut tx)
            .await?
            .iter()
            .any(|r| r.id == completion.competency_id && r.levelled);
        let row = records::NewEvidenceRow {
            staff_id: &staff.id,
            competency_id: &completion.competency_id,
            kind: "completed",
            activity: "training",
            level: levelled.then_some(eip_types::training::Level::Foundation),
            source: "external",
            occurred_on: completion.completed_on,
            hours: None,
            approved: false,
            note: None,
            corrects: None,
            actor: &recorder.user_id,
            session_id: None,
        };
        crate::workforce::append_evidence(&state, &mut tx, today, &row).await?;
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
#[utoipa::path(get, path = "/completions", params(CompletionsQuery),
    responses(
        (status = 200, body = [Completion]),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "Limit out of range", body = Problem)))]
async fn list_completions(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<CompletionsQuery>,
) -> Result<Json<Vec<Completion>>, ApiError> {
    user.require_any(&rules::RECORDERS)?;
    let limit = rules::list_limit(q.limit).map_err(|e| ApiError::Validation(vec![e]))?;
    let staff_ref = rules::staff_ref_filter(q.staff_ref.as_deref());
    Ok(Json(
        store::completions(state.db.pool(), staff_ref.as_deref(), limit).await?,
    ))
}
