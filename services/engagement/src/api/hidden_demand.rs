//! The hidden-demand worklist: repeated domestic, missing-person or
//! mental-health incidents at one address or by one caller that nobody has
//! picked up yet, for a person to review; and opening a support path from
//! one.

use super::repeat_flags::open_path;
use super::repeat_rules::require_reader;
use crate::repeat::{HIDDEN_RULES, evaluate, sort_hidden_demand, window};
use crate::{AppState, store};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{HiddenDemand, OpenHiddenSupport, RepeatFlag};
use eip_types::{FieldError, Problem};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hidden-demand", get(hidden_demand))
        .route("/hidden-demand/support", post(open_hidden_support))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct HiddenQuery {
    area: Option<String>,
}

/// The hidden-demand worklist: addresses and callers that meet one of the
/// worklist rules today and have no support path open from any flag. For
/// a person to review; nothing is decided here.
#[utoipa::path(get, path = "/hidden-demand", tag = "hidden_demand", params(HiddenQuery),
    responses((status = 200, body = [HiddenDemand]), (status = 403, body = Problem)))]
async fn hidden_demand(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<HiddenQuery>,
) -> Result<Json<Vec<HiddenDemand>>, ApiError> {
    let p = require_reader(&user)?;
    let areas = super::areas_for(p, q.area.as_deref())?;
    let today = chrono::Utc::now().date_naive();
    let pool = state.db.pool();
    let mut out = Vec::new();
    let rules = store::repeat::latest_rules(pool).await?;
    for rule in rules
        .iter()
        .filter(|r| HIDDEN_RULES.contains(&r.id.as_str()))
    {
        let days = window(today, rule.window_days);
        out.extend(store::incidents::hidden_demand(pool, rule, &areas, days).await?);
    }
    sort_hidden_demand(&mut out);
    Ok(Json(out))
}

/// Opens a support path from a hidden-demand row: checks the reference
/// still meets the row's rule in the reader's areas today, records a flag
/// of that rule (its version and lawful basis with it) and opens the path
/// from the flag, in one transaction.
#[utoipa::path(post, path = "/hidden-demand/support", tag = "hidden_demand", request_body = OpenHiddenSupport,
    responses((status = 200, body = RepeatFlag), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn open_hidden_support(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(open): ApiJson<OpenHiddenSupport>,
) -> Result<Json<RepeatFlag>, ApiError> {
    let p = require_reader(&user)?;
    let pool = state.db.pool();
    let rule = match HIDDEN_RULES.contains(&open.rule_id.as_str()) {
        true => store::repeat::latest_rule(pool, &open.rule_id).await?,
        false => None,
    };
    let Some(rule) = rule else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "rule_id",
            "Name one of the hidden-demand worklist's rules.",
        )]));
    };
    let subject_ref = open.subject_ref.trim();
    if subject_ref.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "subject_ref",
            "Name the reference from the worklist.",
        )]));
    }
    let today = chrono::Utc::now().date_naive();
    let days = window(today, rule.window_days);
    let contacts =
        store::incidents::contacts_in(pool, &rule, &p.areas, days, Some(subject_ref)).await?;
    let Some(hit) = evaluate(&contacts, today, rule.min_contacts, rule.window_days)
        .into_iter()
        .next()
    else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "subject_ref",
            "This reference no longer meets the worklist rule in your areas.",
        )]));
    };
    let mut tx = state.db.begin().await?;
    if store::repeat::support_open_for(&mut tx, subject_ref).await? {
        return Err(ApiError::Conflict(
            "A support path is already open for this reference.".into(),
        ));
    }
    let id = store::repeat::record_flag(&mut tx, &rule, &hit, today, &p.user_id).await?;
    let f = store::repeat::find_flag(&mut *tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    open_path(&state, &mut tx, p, &f, open.path).await?;
    tx.commit().await?;
    state.outbox.wake();
    store::repeat::find_flag(pool, &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}
