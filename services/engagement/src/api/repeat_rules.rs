//! Repeat-demand rules: "at least N contacts in M days" by caller, address
//! or ward, each change a new version; and running one, which raises a
//! flag for each subject that meets it (see `crate::repeat`).

use crate::analysis::READERS;
use crate::repeat::{evaluate, window};
use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{RepeatFlag, RepeatRule, RuleInput, RunRule};
use eip_types::{FieldError, Principal, Problem, Role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/repeat-rules", get(list_rules).post(create_rule))
        .route("/repeat-rules/{id}", get(show_rule).put(revise_rule))
        .route("/repeat-rules/{id}/run", post(run_rule))
}

/// Repeat demand is read, and rules run, by those who read demand.
pub(super) fn require_reader(user: &Authenticated) -> Result<&Principal, ApiError> {
    user.require_any(&READERS)
}

/// The rules, each at its latest version.
#[utoipa::path(get, path = "/repeat-rules", tag = "repeat_rules",
    responses((status = 200, body = [RepeatRule]), (status = 403, body = Problem)))]
async fn list_rules(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<RepeatRule>>, ApiError> {
    require_reader(&user)?;
    Ok(Json(store::repeat::latest_rules(state.db.pool()).await?))
}

#[utoipa::path(get, path = "/repeat-rules/{id}", tag = "repeat_rules", params(("id" = String, Path)),
    responses((status = 200, body = RepeatRule), (status = 404, body = Problem)))]
async fn show_rule(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<RepeatRule>, ApiError> {
    require_reader(&user)?;
    store::repeat::latest_rule(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Checks and records version `version` of rule `id`.
async fn insert_rule(
    state: &AppState,
    id: &str,
    version: i64,
    input: &RuleInput,
    by: &str,
) -> Result<RepeatRule, ApiError> {
    let problems = input.problems();
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let pool = state.db.pool();
    store::repeat::insert_rule(pool, id, version, input, by).await?;
    store::repeat::latest_rule(pool, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A new rule (analysts), at version 1.
#[utoipa::path(post, path = "/repeat-rules", tag = "repeat_rules", request_body = RuleInput,
    responses((status = 201, body = RepeatRule), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_rule(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<(StatusCode, Json<RepeatRule>), ApiError> {
    let p = user.require_any(&[Role::Analyst])?;
    let id = uuid::Uuid::new_v4().to_string();
    let rule = insert_rule(&state, &id, 1, &input, &p.user_id).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// A rule's next version (analysts); flags already raised keep the version
/// that raised them.
#[utoipa::path(put, path = "/repeat-rules/{id}", tag = "repeat_rules", params(("id" = String, Path)), request_body = RuleInput,
    responses((status = 200, body = RepeatRule), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn revise_rule(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<Json<RepeatRule>, ApiError> {
    let p = user.require_any(&[Role::Analyst])?;
    let current = store::repeat::latest_rule(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        insert_rule(&state, &id, current.version + 1, &input, &p.user_id).await?,
    ))
}

/// Runs a rule's latest version over the runner's areas and records a flag
/// for each subject that meets it (updating the open flag of a subject
/// already flagged and not yet on a support path).
#[utoipa::path(post, path = "/repeat-rules/{id}/run", tag = "repeat_rules", params(("id" = String, Path)), request_body = RunRule,
    responses((status = 200, body = [RepeatFlag]), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn run_rule(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(run): ApiJson<RunRule>,
) -> Result<Json<Vec<RepeatFlag>>, ApiError> {
    let p = require_reader(&user)?;
    let areas = super::areas_for(p, run.area.as_deref())?;
    let as_of = match run.as_of.as_deref() {
        None => chrono::Utc::now().date_naive(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            ApiError::Validation(vec![FieldError::new("as_of", "Give a date as YYYY-MM-DD.")])
        })?,
    };
    let pool = state.db.pool();
    let rule = store::repeat::latest_rule(pool, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let days = window(as_of, rule.window_days);
    let contacts = store::incidents::contacts_in(pool, &rule, &areas, days, None).await?;
    let hits = evaluate(&contacts, as_of, rule.min_contacts, rule.window_days);
    let mut tx = state.db.begin().await?;
    let mut ids = Vec::new();
    for hit in &hits {
        ids.push(store::repeat::record_flag(&mut tx, &rule, hit, as_of, &p.user_id).await?);
    }
    crate::jobs::repeat_levels::due_after_run(&mut tx, &rule).await?;
    tx.commit().await?;
    state.outbox.wake();
    state.levels_due.notify_one();
    let mut flags = Vec::new();
    for id in ids {
        if let Some(f) = store::repeat::find_flag(pool, &id).await? {
            flags.push(f);
        }
    }
    Ok(Json(flags))
}
