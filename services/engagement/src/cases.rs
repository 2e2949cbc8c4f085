//! Problem-solving cases: objective, scanning, analysis by the problem
//! analysis triangle, responses, and an assessment whose before/after
//! measure is computed from the demand data. A case cannot close without its
//! assessment.

use crate::rows::SOURCE_INCIDENTS;
use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::db::Tx;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{
    Assessment, AssessmentInput, AssessmentResult, CaseResponse, CaseStatus, NewCase, ProblemCase,
    RepeatFlag, Scanning, TriangleAnalysis,
};
use eip_types::events::EngagementEvent;
use eip_types::place::PlaceKind;
use eip_types::{FieldError, Principal, Problem, Role};
use serde::Deserialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::fmt::Write as _;

/// Who works problem-solving cases, in their own areas.
pub const WORKERS: [Role; 3] = [Role::Frontline, Role::Coordinator, Role::Analyst];

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/cases", get(list_cases).post(create_case))
        .route("/cases/{id}", get(show_case))
        .route("/cases/{id}/scanning", put(put_scanning))
        .route("/cases/{id}/analysis", put(put_analysis))
        .route("/cases/{id}/responses", put(put_responses))
        .route("/cases/{id}/assessment", put(put_assessment))
        .route("/cases/{id}/close", post(close_case))
        .route("/cases/{id}/summary", get(summary))
        .with_state(state)
}

fn decode<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

async fn load(state: &AppState, id: &str) -> Result<Option<ProblemCase>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT id, title, area_id, status, objective, scanning, analysis, responses, assessment, \
         opened_at, closed_at FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    else {
        return Ok(None);
    };
    let places =
        sqlx::query("SELECT place_id FROM case_places WHERE case_id = $1 ORDER BY place_id")
            .bind(id)
            .fetch_all(state.db.pool())
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("place_id"))
            .collect::<Result<Vec<_>, _>>()?;
    let status: String = row.try_get("status")?;
    let assessment: Option<String> = row.try_get("assessment")?;
    Ok(Some(ProblemCase {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        area_id: row.try_get("area_id")?,
        place_ids: places,
        status: if status == "closed" {
            CaseStatus::Closed
        } else {
            CaseStatus::Open
        },
        objective: row.try_get("objective")?,
        scanning: decode(&row, "scanning")?,
        analysis: decode(&row, "analysis")?,
        responses: decode(&row, "responses")?,
        assessment: assessment
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        opened_at: row.try_get("opened_at")?,
        closed_at: row.try_get("closed_at")?,
    }))
}

/// A case the user may work: 404 outside their areas.
async fn visible(
    state: &AppState,
    user: &Authenticated,
    id: &str,
) -> Result<ProblemCase, ApiError> {
    let p = user.require_any(&WORKERS)?;
    match load(state, id).await? {
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

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "This cannot be empty."));
    } else if value.len() > max {
        errors.push(FieldError::new(
            field,
            format!("Keep this to {max} characters."),
        ));
    }
}

async fn insert_case(
    state: &AppState,
    tx: &mut Tx,
    p: &Principal,
    new: &NewCase,
    scanning: &Scanning,
) -> Result<ProblemCase, ApiError> {
    let mut errors = Vec::new();
    text(&mut errors, "title", &new.title, 200, true);
    text(&mut errors, "objective", &new.objective, 2_000, true);
    let mut area: Option<String> = None;
    if new.place_ids.is_empty() {
        errors.push(FieldError::new("place_ids", "Name at least one ward."));
    }
    for id in &new.place_ids {
        match store::get(&mut **tx, id).await? {
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
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let area = area.unwrap_or_default();
    if !p.works_in(&area) {
        return Err(ApiError::Forbidden(
            "These wards are not in your areas.".into(),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now();
    sqlx::query(
        "INSERT INTO cases (id, title, area_id, status, objective, scanning, analysis, responses, \
         created_by, opened_at) VALUES ($1, $2, $3, 'open', $4, $5, $6, '[]', $7, $8)",
    )
    .bind(&id)
    .bind(new.title.trim())
    .bind(&area)
    .bind(new.objective.trim())
    .bind(encode(scanning)?)
    .bind(encode(&TriangleAnalysis::default())?)
    .bind(&p.user_id)
    .bind(eip_platform::db::to_text(now))
    .execute(&mut **tx)
    .await?;
    let mut places = new.place_ids.clone();
    places.sort();
    places.dedup();
    for place in &places {
        sqlx::query("INSERT INTO case_places (case_id, place_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(place)
            .execute(&mut **tx)
            .await?;
    }
    let event = EngagementEvent::CaseOpened {
        case_id: id.clone(),
        area_id: area.clone(),
        place_ids: places.clone(),
        from_flag: !scanning.flag_ids.is_empty(),
        at: now,
    };
    state
        .outbox
        .record(tx, event.kind(), &event.payload())
        .await?;
    Ok(ProblemCase {
        id,
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
    })
}

/// Opens a case from a repeat-demand flag, in the caller's transaction.
pub async fn open_from_flag(
    state: &AppState,
    tx: &mut Tx,
    p: &Principal,
    flag: &RepeatFlag,
) -> Result<String, ApiError> {
    let new = NewCase {
        title: format!("Repeat demand in {}", flag.place_id),
        place_ids: vec![flag.place_id.clone()],
        objective: "Reduce the repeat demand the flag shows by meeting the need behind it.".into(),
    };
    let scanning = Scanning {
        community_view: String::new(),
        data_view: format!(
            "{} contacts between {} and {} met rule {} (version {}).",
            flag.contacts, flag.first_contact, flag.last_contact, flag.rule_id, flag.rule_version
        ),
        flag_ids: vec![flag.id.clone()],
        priority_ids: vec![],
    };
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
    let rows = sqlx::query(
        "SELECT DISTINCT c.id, c.opened_at FROM cases c JOIN case_places cp ON cp.case_id = c.id \
         WHERE ($1 IS NULL OR c.area_id = $1) AND ($2 IS NULL OR cp.place_id = $2) \
           AND ($3 IS NULL OR c.status = $3) ORDER BY c.opened_at DESC",
    )
    .bind(q.area.as_deref())
    .bind(q.place.as_deref())
    .bind(q.status.map(|s| {
        if s == CaseStatus::Open {
            "open"
        } else {
            "closed"
        }
    }))
    .fetch_all(state.db.pool())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get("id")?;
        if let Some(c) = load(&state, &id).await?
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

async fn set_column(
    state: &AppState,
    id: &str,
    column: &str,
    value: String,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE cases SET {column} = $2 WHERE id = $1 AND status = 'open'"
    ))
    .bind(id)
    .bind(value)
    .execute(state.db.pool())
    .await?;
    Ok(())
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
    let mut errors = Vec::new();
    text(
        &mut errors,
        "community_view",
        &scanning.community_view,
        4_000,
        false,
    );
    text(&mut errors, "data_view", &scanning.data_view, 4_000, false);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    set_column(&state, &id, "scanning", encode(&scanning)?).await?;
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
    let mut errors = Vec::new();
    text(
        &mut errors,
        "victim_guardian",
        &analysis.victim_guardian,
        4_000,
        false,
    );
    text(
        &mut errors,
        "offender_handler",
        &analysis.offender_handler,
        4_000,
        false,
    );
    text(
        &mut errors,
        "place_manager",
        &analysis.place_manager,
        4_000,
        false,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    set_column(&state, &id, "analysis", encode(&analysis)?).await?;
    Ok(Json(visible(&state, &user, &id).await?))
}

fn date(errors: &mut Vec<FieldError>, field: &str, value: &str) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push(FieldError::new(field, "Give a date as YYYY-MM-DD."));
    }
    d
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
    let mut errors = Vec::new();
    for (i, r) in responses.iter().enumerate() {
        if let Some(outcome) = &r.restorative_outcome {
            text(
                &mut errors,
                &format!("responses[{i}].restorative_outcome"),
                outcome,
                1_000,
                false,
            );
        }
        text(
            &mut errors,
            &format!("responses[{i}].action"),
            &r.action,
            1_000,
            true,
        );
        text(
            &mut errors,
            &format!("responses[{i}].owner"),
            &r.owner,
            200,
            true,
        );
        date(&mut errors, &format!("responses[{i}].due_on"), &r.due_on);
        if let Some(done) = &r.done_on {
            date(&mut errors, &format!("responses[{i}].done_on"), done);
        }
    }
    if responses.len() > 50 {
        errors.push(FieldError::new("responses", "At most 50 responses."));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if crate::skills::records_restorative_outcome(&case.responses, &responses) {
        let mut conn = state.db.pool().acquire().await?;
        let today = chrono::Utc::now().date_naive();
        (state.skills)
            .require(
                &mut conn,
                crate::skills::RESTORATIVE_OUTCOME,
                &user.0,
                today,
            )
            .await?;
    }
    set_column(&state, &id, "responses", encode(&responses)?).await?;
    Ok(Json(visible(&state, &user, &id).await?))
}

/// Calls for service in the case's wards between two days, both included.
async fn calls_between(
    state: &AppState,
    places: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, sqlx::Error> {
    if places.is_empty() {
        return Ok(0);
    }
    // Days, not months, so counted from the incidents in one pass.
    let list: Vec<String> = (0..places.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT COUNT(*) AS n FROM incidents WHERE source = $1 \
         AND opened_on >= $2 AND opened_on <= $3 AND place_id IN ({})",
        list.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(SOURCE_INCIDENTS)
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string());
    for place in places {
        q = q.bind(place);
    }
    let total: i64 = q.fetch_one(state.db.pool()).await?.try_get("n")?;
    Ok(total)
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
    let mut errors = Vec::new();
    let bf = date(&mut errors, "before_from", &input.before_from);
    let bt = date(&mut errors, "before_to", &input.before_to);
    let af = date(&mut errors, "after_from", &input.after_from);
    let at = date(&mut errors, "after_to", &input.after_to);
    text(&mut errors, "learning", &input.learning, 4_000, true);
    text(
        &mut errors,
        "process_notes",
        &input.process_notes,
        4_000,
        false,
    );
    let (Some(bf), Some(bt), Some(af), Some(at)) = (bf, bt, af, at) else {
        return Err(ApiError::Validation(errors));
    };
    if bt < bf {
        errors.push(FieldError::new(
            "before_to",
            "The period ends before it starts.",
        ));
    }
    if at < af {
        errors.push(FieldError::new(
            "after_to",
            "The period ends before it starts.",
        ));
    }
    if af <= bt {
        errors.push(FieldError::new(
            "after_from",
            "The after period must start after the before period ends.",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let before_calls = calls_between(&state, &case.place_ids, bf, bt).await?;
    let after_calls = calls_between(&state, &case.place_ids, af, at).await?;
    let days = |a: NaiveDate, b: NaiveDate| ((b - a).num_days() + 1) as f64;
    let before_rate = before_calls as f64 / days(bf, bt);
    let after_rate = after_calls as f64 / days(af, at);
    let assessment = Assessment {
        before_from: input.before_from,
        before_to: input.before_to,
        after_from: input.after_from,
        after_to: input.after_to,
        before_calls,
        after_calls,
        before_rate,
        after_rate,
        result: AssessmentResult::from_rates(before_rate, after_rate),
        delivered_as_planned: input.delivered_as_planned,
        process_notes: input.process_notes.trim().into(),
        learning: input.learning.trim().into(),
    };
    set_column(&state, &id, "assessment", encode(&assessment)?).await?;
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
    let done = sqlx::query(
        "UPDATE cases SET status = 'closed', closed_at = $2 WHERE id = $1 AND status = 'open' \
         AND assessment IS NOT NULL",
    )
    .bind(&id)
    .bind(eip_platform::db::to_text(now))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
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

/// The one-page summary of a case, as Markdown, for sharing good practice.
pub fn summary_text(c: &ProblemCase) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", c.title);
    let _ = writeln!(
        s,
        "Area: {} — wards: {} — opened {}{}\n",
        c.area_id,
        c.place_ids.join(", "),
        c.opened_at.get(..10).unwrap_or(&c.opened_at),
        c.closed_at
            .as_deref()
            .map(|t| format!(", closed {}", t.get(..10).unwrap_or(t)))
            .unwrap_or_default()
    );
    let _ = writeln!(s, "## Objective\n\n{}\n", c.objective);
    let _ = writeln!(
        s,
        "## Scanning\n\nCommunity: {}\n\nData: {}\n",
        c.scanning.community_view, c.scanning.data_view
    );
    let _ = writeln!(
        s,
        "## Analysis\n\n- Victim / guardian: {}\n- Offender / handler: {}\n- Place / manager: {}\n",
        c.analysis.victim_guardian, c.analysis.offender_handler, c.analysis.place_manager
    );
    let _ = writeln!(s, "## Response\n");
    for r in &c.responses {
        let _ = writeln!(
            s,
            "- {} — {}{}; due {}{}",
            r.action,
            r.owner,
            if r.partner_agencies.is_empty() {
                String::new()
            } else {
                format!(" with {}", r.partner_agencies.join(", "))
            },
            r.due_on,
            r.done_on
                .as_deref()
                .map(|d| format!(", done {d}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s, "\n## Assessment\n");
    match &c.assessment {
        Some(a) => {
            let _ = writeln!(
                s,
                "Calls for service: {} from {} to {} ({:.2} a day); {} from {} to {} ({:.2} a day). Result: {}.\n\n\
                 Delivered as planned: {}. {}\n\nLearning: {}",
                a.before_calls,
                a.before_from,
                a.before_to,
                a.before_rate,
                a.after_calls,
                a.after_from,
                a.after_to,
                a.after_rate,
                match a.result {
                    AssessmentResult::Reduced => "demand reduced",
                    AssessmentResult::NoChange => "no clear change",
                    AssessmentResult::Increased => "demand increased",
                },
                if a.delivered_as_planned { "yes" } else { "no" },
                a.process_notes,
                a.learning
            );
        }
        None => {
            let _ = writeln!(s, "Not yet assessed.");
        }
    }
    s
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
        summary_text(&c),
    ))
}
