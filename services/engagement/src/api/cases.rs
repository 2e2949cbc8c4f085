//! Problem-solving cases: opened on wards of one authority (or from a
//! repeat-demand flag), worked through scanning, analysis, responses and an
//! assessment, closed once assessed (see `crate::cases`).

use crate::cases::{self, WORKERS};
use crate::{AppState, skills, store};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use eip_platform::db::Tx;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{
    AssessmentInput, CaseResponse, CaseStatus, NewCase, ProblemCase, RepeatFlag, Scanning,
    TriangleAnalysis,
};
use eip_types::events::EngagementEvent;
use eip_types::place::PlaceKind;
use eip_types::{FieldError, Principal, Problem};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_cases).post(create_case))
        .route("/cases/{id}", get(show_case))
        .route("/cases/{id}/scanning", put(put_scanning))
        .route("/cases/{id}/analysis", put(put_analysis))
        .route("/cases/{id}/responses", put(put_responses))
        .route("/cases/{id}/assessment", put(put_assessment))
        .route("/cases/{id}/close", post(close_case))
        .route("/cases/{id}/summary", get(summary))
}

/// A case the user may work: 404 outside their areas.
async fn visible(
    state: &AppState,
    user: &Authenticated,
    id: &str,
) -> Result<ProblemCase, ApiError> {
    let p = user.require_any(&WORKERS)?;
    match store::cases::find(state.db.pool(), id).await? {
        Some(c) if p.works_in(&c.area_id) => Ok(c),
        _ => Err(ApiError::NotFound),
    }
}

/// A case that may still change.
async fn open_case(
    state: &AppState,
    user: &Authenticated,
    id: &str,
) -> Result<ProblemCase, ApiError> {
    let c = visible(state, user, id).await?;
    if c.status == CaseStatus::Closed {
        return Err(ApiError::Conflict("The case is closed.".into()));
    }
    Ok(c)
}

fn invalid(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Checks and opens a case in `tx`, on wards of one authority the user
/// works in, and records that it opened.
async fn insert_case(
    state: &AppState,
    tx: &mut Tx,
    p: &Principal,
    new: &NewCase,
    scanning: &Scanning,
) -> Result<ProblemCase, ApiError> {
    let mut errors = cases::new_case_problems(new);
    let mut area: Option<String> = None;
    for id in &new.place_ids {
        match store::places::get(&mut **tx, id).await? {
            Some(w) if w.kind == PlaceKind::Ward => {
                let parent = w.parent_id.unwrap_or_default();
                if area.as_ref().is_some_and(|a| *a != parent) {
                    errors.push(FieldError::new(
                        "place_ids",
                        "The wards must lie in one local authority area.",
                    ));
                }
                area.get_or_insert(parent);
            }
            _ => errors.push(FieldError::new(
                "place_ids",
                format!("`{id}` is not a ward."),
            )),
        }
    }
    invalid(errors)?;
    let area = area.unwrap_or_default();
    if !p.works_in(&area) {
        return Err(ApiError::Forbidden(
            "These wards are not in your areas.".into(),
        ));
    }
    let now = chrono::Utc::now();
    let mut places = new.place_ids.clone();
    places.sort();
    places.dedup();
    let case = ProblemCase {
        id: uuid::Uuid::new_v4().to_string(),
        title: new.title.trim().into(),
        area_id: area,
        place_ids: places,
        status: CaseStatus::Open,
        objective: new.objective.trim().into(),
        scanning: scanning.clone(),
        analysis: TriangleAnalysis::default(),
        responses: vec![],
        assessment: None,
        opened_at: eip_platform::db::to_text(now),
        closed_at: None,
    };
    store::cases::insert(tx, &case, &p.user_id).await?;
    let event = EngagementEvent::CaseOpened {
        case_id: case.id.clone(),
        area_id: case.area_id.clone(),
        place_ids: case.place_ids.clone(),
        from_flag: !scanning.flag_ids.is_empty(),
        at: now,
    };
    state
        .outbox
        .record(tx, event.kind(), &event.payload())
        .await?;
    Ok(case)
}

/// Opens a case from a repeat-demand flag, in the caller's transaction.
pub(super) async fn open_from_flag(
    state: &AppState,
    tx: &mut Tx,
    p: &Principal,
    flag: &RepeatFlag,
) -> Result<String, ApiError> {
    let (new, scanning) = cases::from_flag(flag);
    Ok(insert_case(state, tx, p, &new, &scanning).await?.id)
}

/// Opens a case on one or more wards of one authority.
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = ProblemCase), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_case(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(new): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<ProblemCase>), ApiError> {
    let p = user.require_any(&WORKERS)?;
    let mut tx = state.db.begin().await?;
    let case = insert_case(&state, &mut tx, p, &new, &Scanning::default()).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, Json(case)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct CasesQuery {
    area: Option<String>,
    place: Option<String>,
    status: Option<CaseStatus>,
}

/// Cases in the user's areas, newest first.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CasesQuery),
    responses((status = 200, body = [ProblemCase]), (status = 403, body = Problem)))]
async fn list_cases(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> Result<Json<Vec<ProblemCase>>, ApiError> {
    let p = user.require_any(&WORKERS)?;
    let pool = state.db.pool();
    let ids = store::cases::ids(pool, q.area.as_deref(), q.place.as_deref(), q.status).await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(c) = store::cases::find(pool, &id).await?
            && p.works_in(&c.area_id)
        {
            out.push(c);
        }
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = ProblemCase), (status = 404, body = Problem)))]
async fn show_case(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<ProblemCase>, ApiError> {
    Ok(Json(visible(&state, &user, &id).await?))
}

/// Scanning: the problem in the community's and the data's words.
#[utoipa::path(put, path = "/cases/{id}/scanning", tag = "cases", params(("id" = String, Path)), request_body = Scanning,
    responses((status = 200, body = ProblemCase), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_scanning(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(scanning): ApiJson<Scanning>,
) -> Result<Json<ProblemCase>, ApiError> {
    open_case(&state, &user, &id).await?;
    invalid(cases::scanning_problems(&scanning))?;
    store::cases::set_scanning(state.db.pool(), &id, &scanning).await?;
    Ok(Json(visible(&state, &user, &id).await?))
}

/// Analysis by the problem analysis triangle.
#[utoipa::path(put, path = "/cases/{id}/analysis", tag = "cases", params(("id" = String, Path)), request_body = TriangleAnalysis,
    responses((status = 200, body = ProblemCase), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_analysis(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(analysis): ApiJson<TriangleAnalysis>,
) -> Result<Json<ProblemCase>, ApiError> {
    open_case(&state, &user, &id).await?;
    invalid(cases::analysis_problems(&analysis))?;
    store::cases::set_analysis(state.db.pool(), &id, &analysis).await?;
    Ok(Json(visible(&state, &user, &id).await?))
}

/// The responses: actions, owners, partner agencies and dates, and the
/// outcome of a restorative process once held. Recording a restorative
/// outcome may need a current competency: without it the user is told why
/// and who can help (403).
#[utoipa::path(put, path = "/cases/{id}/responses", tag = "cases", params(("id" = String, Path)), request_body = Vec<CaseResponse>,
    responses((status = 200, body = ProblemCase), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_responses(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(responses): ApiJson<Vec<CaseResponse>>,
) -> Result<Json<ProblemCase>, ApiError> {
    let case = open_case(&state, &user, &id).await?;
    invalid(cases::responses_problems(&responses))?;
    if skills::records_restorative_outcome(&case.responses, &responses) {
        let mut conn = state.db.pool().acquire().await?;
        let today = chrono::Utc::now().date_naive();
        (state.skills)
            .require(&mut conn, skills::RESTORATIVE_OUTCOME, &user.0, today)
            .await?;
    }
    store::cases::set_responses(state.db.pool(), &id, &responses).await?;
    Ok(Json(visible(&state, &user, &id).await?))
}

/// The assessment: the before/after measure is computed from the demand
/// data for the case's wards; the process evaluation and learning are given.
#[utoipa::path(put, path = "/cases/{id}/assessment", tag = "cases", params(("id" = String, Path)), request_body = AssessmentInput,
    responses((status = 200, body = ProblemCase), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_assessment(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AssessmentInput>,
) -> Result<Json<ProblemCase>, ApiError> {
    let case = open_case(&state, &user, &id).await?;
    let periods = cases::periods(&input).map_err(ApiError::Validation)?;
    let pool = state.db.pool();
    let (bf, bt) = periods.before;
    let (af, at) = periods.after;
    let before_calls = store::incidents::calls_between(pool, &case.place_ids, bf, bt).await?;
    let after_calls = store::incidents::calls_between(pool, &case.place_ids, af, at).await?;
    let assessment = cases::assess(input, periods, before_calls, after_calls);
    store::cases::set_assessment(pool, &id, &assessment).await?;
    Ok(Json(visible(&state, &user, &id).await?))
}

/// Closes a case: refused until its assessment is done.
#[utoipa::path(post, path = "/cases/{id}/close", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = ProblemCase), (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, description = "No assessment yet", body = Problem)))]
async fn close_case(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<ProblemCase>, ApiError> {
    let case = open_case(&state, &user, &id).await?;
    let Some(assessment) = &case.assessment else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "assessment",
            "A case cannot close without its assessment: record the before and after periods, \
             whether the response was delivered as planned, and the learning.",
        )]));
    };
    let now = chrono::Utc::now();
    let mut tx = state.db.begin().await?;
    if !store::cases::close(&mut tx, &id, &eip_platform::db::to_text(now)).await? {
        return Err(ApiError::Conflict(
            "The case changed meanwhile; try again.".into(),
        ));
    }
    let event = EngagementEvent::CaseClosed {
        case_id: id.clone(),
        area_id: case.area_id.clone(),
        place_ids: case.place_ids.clone(),
        result: assessment.result,
        delivered_as_planned: assessment.delivered_as_planned,
        before_calls: assessment.before_calls,
        after_calls: assessment.after_calls,
        at: now,
    };
    state
        .outbox
        .record(&mut tx, event.kind(), &event.payload())
        .await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(Json(visible(&state, &user, &id).await?))
}

#[utoipa::path(get, path = "/cases/{id}/summary", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/markdown", body = String), (status = 404, body = Problem)))]
async fn summary(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let c = visible(&state, &user, &id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        cases::summary_text(&c),
    ))
}
