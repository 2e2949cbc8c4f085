//! Sessions of the catalogue's courses and their registers: attendance
//! becomes completed-training evidence.

use super::conn;
use super::courses::course;
use super::evidence::append;
use crate::access::TRAINERS;
use crate::store::evidence::NewEvidenceRow;
use crate::store::sessions::SessionRow;
use crate::{AppState, store, validation};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::events::TrainingEvent;
use eip_types::training::{Attendance, NewSession, RegisterLine, Session};
use sqlx::AnyConnection;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_sessions, create_session, get_session, take_attendance),
    components(schemas(Session, NewSession, Attendance, RegisterLine))
)]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list_sessions).post(create_session))
        .route("/sessions/{id}", get(get_session))
        .route("/sessions/{id}/attendance", post(take_attendance))
}

/// A session with its course and register.
async fn session_view(c: &mut AnyConnection, s: SessionRow) -> Result<Session, ApiError> {
    let Some(course_row) = store::sessions::course(c, &s.course_id).await? else {
        return Err(ApiError::NotFound);
    };
    let register = store::sessions::register(c, &s.id)
        .await?
        .into_iter()
        .map(|(staff_id, attended)| RegisterLine { staff_id, attended })
        .collect();
    Ok(Session {
        id: s.id,
        course: course(course_row),
        trainer: s.trainer,
        held_on: s.held_on,
        place: s.place,
        capacity: s.capacity,
        register,
    })
}

/// Sessions, the latest first (trainers and administrators).
#[utoipa::path(get, path = "/sessions", tag = "sessions",
    responses((status = 200, body = [Session]), (status = 403, body = eip_types::Problem)))]
async fn list_sessions(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Session>>, ApiError> {
    user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let mut out = Vec::new();
    for s in store::sessions::sessions(&mut c).await? {
        out.push(session_view(&mut c, s).await?);
    }
    Ok(Json(out))
}

/// Schedules a session of a course (trainers and administrators).
#[utoipa::path(post, path = "/sessions", tag = "sessions", request_body = NewSession,
    responses((status = 201, body = Session), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn create_session(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewSession>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let who = user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let course_known = store::sessions::course(&mut c, body.course_id.trim())
        .await?
        .is_some();
    let (held_on, place) =
        validation::session(&body, course_known).map_err(ApiError::Validation)?;
    let row = SessionRow {
        id: uuid::Uuid::new_v4().to_string(),
        course_id: body.course_id.trim().into(),
        trainer: who.user_id.clone(),
        held_on,
        place: place.into(),
        capacity: body.capacity,
    };
    store::sessions::insert_session(&mut c, &row).await?;
    Ok((StatusCode::CREATED, Json(session_view(&mut c, row).await?)))
}

/// A session with its register (trainers and administrators).
#[utoipa::path(get, path = "/sessions/{id}", tag = "sessions", params(("id" = String, Path)),
    responses((status = 200, body = Session), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem)))]
async fn get_session(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Session>, ApiError> {
    user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let Some(s) = store::sessions::session(&mut c, &id).await? else {
        return Err(ApiError::NotFound);
    };
    Ok(Json(session_view(&mut c, s).await?))
}

/// Adds lines to a session's register, all or none (trainers and
/// administrators). Attendance becomes completed-training evidence; the
/// first register taken publishes that the session was held. Someone
/// already on the register, and more people than the session holds, are
/// refused.
#[utoipa::path(post, path = "/sessions/{id}/attendance", tag = "sessions", request_body = Attendance,
    params(("id" = String, Path)),
    responses((status = 200, body = Session), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn take_attendance(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Attendance>,
) -> Result<Json<Session>, ApiError> {
    let who = user.require_any(&TRAINERS)?;
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let Some(session) = store::sessions::session(&mut tx, &id).await? else {
        return Err(ApiError::NotFound);
    };
    let Some(course_row) = store::sessions::course(&mut tx, &session.course_id).await? else {
        return Err(ApiError::NotFound);
    };
    let register = store::sessions::register(&mut tx, &id).await?;
    let mut on_record = Vec::with_capacity(body.entries.len());
    for line in &body.entries {
        on_record.push(
            store::staff::by_id(&mut tx, &line.staff_id)
                .await?
                .is_some(),
        );
    }
    validation::attendance(
        session.held_on,
        session.capacity,
        today,
        &register,
        &body.entries,
        &on_record,
    )
    .map_err(ApiError::Validation)?;
    for line in &body.entries {
        if !store::sessions::insert_attendance(
            &mut tx,
            &id,
            &line.staff_id,
            line.attended,
            &who.user_id,
        )
        .await?
        {
            return Err(ApiError::Conflict(
                "Someone was added to the register meanwhile.".into(),
            ));
        }
        if line.attended {
            let row = NewEvidenceRow {
                session_id: Some(&id),
                ..NewEvidenceRow::training(
                    &line.staff_id,
                    &course_row.competency_id,
                    course_row.level,
                    "session",
                    session.held_on,
                    &who.user_id,
                )
            };
            append(&state, &mut tx, today, &row).await?;
        }
    }
    if store::sessions::mark_held(&mut tx, &id).await? {
        let event = TrainingEvent::SessionHeld {
            session_id: id.clone(),
            competency_id: course_row.competency_id.clone(),
            held_on: session.held_on,
        };
        state
            .outbox
            .record(&mut tx, event.kind(), &event.payload())
            .await?;
    }
    tx.commit().await?;
    state.outbox.wake();
    let mut c = conn(&state).await?;
    let Some(session) = store::sessions::session(&mut c, &id).await? else {
        return Err(ApiError::NotFound);
    };
    Ok(Json(session_view(&mut c, session).await?))
}
