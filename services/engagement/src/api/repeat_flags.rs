//! Repeat-demand flags: the subjects a rule found, each naming the rule
//! version and lawful basis that raised it. A flag can only open a support
//! path, once.

use super::repeat_rules::require_reader;
use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::db::Tx;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{OpenSupport, RepeatFlag, SupportPath};
use eip_types::{Principal, Problem};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/repeat-flags", get(list_flags))
        .route("/repeat-flags/{id}/support", post(open_support))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct FlagsQuery {
    area: Option<String>,
    rule: Option<String>,
    /// `true` for flags not yet on a support path (the default), `false`
    /// for those that are.
    open: Option<bool>,
    /// The top N by contacts (default 20).
    limit: Option<i64>,
}

/// The top flags by contacts in the reader's areas.
#[utoipa::path(get, path = "/repeat-flags", tag = "repeat_flags", params(FlagsQuery),
    responses((status = 200, body = [RepeatFlag]), (status = 403, body = Problem)))]
async fn list_flags(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<FlagsQuery>,
) -> Result<Json<Vec<RepeatFlag>>, ApiError> {
    let p = require_reader(&user)?;
    let areas = super::areas_for(p, q.area.as_deref())?;
    let filter = store::repeat::FlagFilter {
        rule_id: q.rule.as_deref(),
        open: q.open.unwrap_or(true),
        areas: &areas,
        limit: q.limit.unwrap_or(20).clamp(1, 500),
    };
    Ok(Json(store::repeat::flags(state.db.pool(), &filter).await?))
}

/// Opens a support path from a flag: a problem-solving case (opened at
/// once, scanning the flag's ward) or a referral suggestion for a
/// practitioner to follow up. A flag opens one path only.
#[utoipa::path(post, path = "/repeat-flags/{id}/support", tag = "repeat_flags", params(("id" = String, Path)),
    request_body = OpenSupport,
    responses((status = 200, body = RepeatFlag), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn open_support(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(open): ApiJson<OpenSupport>,
) -> Result<Json<RepeatFlag>, ApiError> {
    let p = require_reader(&user)?;
    let f = store::repeat::find_flag(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !p.works_in(&f.area_id) {
        return Err(ApiError::NotFound);
    }
    if f.support_path.is_some() {
        return Err(already_open());
    }
    let mut tx = state.db.begin().await?;
    open_path(&state, &mut tx, p, &f, open.path).await?;
    tx.commit().await?;
    state.outbox.wake();
    store::repeat::find_flag(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

fn already_open() -> ApiError {
    ApiError::Conflict("A support path is already open from this flag.".into())
}

/// Opens `path` from flag `f` in `tx`: the case, if that is the path, and
/// the flag's note of it. Refused if a path was opened meanwhile.
pub(super) async fn open_path(
    state: &AppState,
    tx: &mut Tx,
    p: &Principal,
    f: &RepeatFlag,
    path: SupportPath,
) -> Result<(), ApiError> {
    let case_id = match path {
        SupportPath::ProblemSolvingCase => {
            Some(super::cases::open_from_flag(state, tx, p, f).await?)
        }
        SupportPath::ReferralSuggestion => None,
    };
    if !store::repeat::set_support_path(tx, &f.id, path, case_id.as_deref()).await? {
        // Someone opened one meanwhile: the case made here is rolled back
        // with the transaction.
        return Err(already_open());
    }
    Ok(())
}
