//! Referrals: raising them, the lists and worklists, one referral with the
//! steps the user may take, the steps themselves, and the timeline. Every
//! look at a referral is recorded in the access log.

use super::view_reason::ViewReason;
use crate::access::Denied;
use crate::audit::Access;
use crate::sharing::Disclosure;
use crate::{AppState, access, lifecycle, sharing, store, timeliness};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::db::Tx;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::referral::{
    HistoryEntry, NewReferral, Referral, ReferralDetail, ReferralSummary, ShareRecord, Transition,
    TransitionRequest, WithdrawShare,
};
use eip_types::{FieldError, Principal, Problem};
use serde::Deserialize;
use sqlx::AnyConnection;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/referrals", post(create_referral).get(list_referrals))
        .route("/referrals/{id}", get(show_referral))
        .route("/referrals/{id}/transitions", post(transition_referral))
        .route("/referrals/{id}/history", get(referral_history))
        .route("/referrals/{id}/share/withdrawal", post(withdraw_share))
}

/// Raise a referral, as a draft or submitted at once.
#[utoipa::path(post, path = "/referrals", tag = "referrals", request_body = NewReferral,
    responses(
        (status = 201, body = Referral),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "Fields need correcting", body = Problem)))]
pub(super) async fn create_referral(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewReferral>,
) -> Result<(StatusCode, Json<Referral>), ApiError> {
    // The role is checked before the body, so nothing is learnt by probing.
    user.require_any(&access::RAISERS)?;
    let valid = body
        .validate(chrono::Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    access::may_create(&user.0, &valid.area_id).map_err(denied)?;

    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = state.db.begin().await?;
    let (person_id, valid) = super::people::person_for(&mut tx, &user.0, valid).await?;
    let referral =
        store::referrals::insert(&mut tx, &id, &person_id, &valid, &user.0.user_id).await?;
    if valid.submit {
        store::referrals::record_event(
            &mut tx,
            &state.outbox,
            &referral,
            &Transition::Submit {},
            referral.created_at,
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox.wake();
    tracing::info!(referral.id = %referral.id, status = referral.status.as_str(), "referral raised");
    Ok((StatusCode::CREATED, Json(referral)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// At most this many (1–200, default 50), newest first.
    limit: Option<i64>,
    /// `all` (default), or `worklist`: open work only, overdue first.
    view: Option<String>,
}

/// Referrals the user may see: their areas' and their own (partners: those
/// their agency holds a live share of, showing only what was shared), each
/// with its timeliness clock.
#[utoipa::path(get, path = "/referrals", tag = "referrals", params(ListQuery),
    responses((status = 200, body = [ReferralSummary]), (status = 403, body = Problem)))]
pub(super) async fn list_referrals(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ReferralSummary>>, ApiError> {
    let scope = access::list_scope(&user.0).map_err(denied)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "limit",
            "Use a limit from 1 to 200.",
        )]));
    }
    let worklist = match q.view.as_deref() {
        None | Some("all") => false,
        Some("worklist") => true,
        Some(_) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "view",
                "Use view=all or view=worklist.",
            )]));
        }
    };
    let statuses = worklist.then_some(&timeliness::OPEN_WORK[..]);
    let today = chrono::Utc::now().date_naive();
    let mut items: Vec<ReferralSummary> =
        store::referrals::list(state.db.pool(), &scope, statuses, limit, today)
            .await?
            .into_iter()
            .map(|line| match line.shared {
                None => line.summary,
                Some(fields) => Disclosure::Shared(fields).summary(line.summary),
            })
            .collect();
    // A list shows children's names: it is an access like any other.
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let reason = match (&scope, worklist) {
        (access::Scope::Agency(_), _) => "Agency inbox",
        (_, true) => "Worklist",
        (_, false) => "Referral list",
    };
    let mut tx = state.db.begin().await?;
    store::audit::record_many(&mut tx, &user.0.user_id, "list", &ids, reason).await?;
    tx.commit().await?;
    let now = chrono::Utc::now();
    let targets = store::timeliness::targets(state.db.pool()).await?;
    for item in &mut items {
        timeliness::annotate(&targets, item, now);
    }
    if worklist {
        timeliness::worklist_order(&mut items);
    }
    Ok(Json(items))
}

/// What `user` may see of `referral` today, with its latest share: the
/// share and the agreement it relies on are read at request time, so a
/// partner's access ends the moment the share stops standing.
async fn disclosed(
    conn: &mut AnyConnection,
    user: &Principal,
    referral: &Referral,
) -> Result<(Disclosure, Option<ShareRecord>), ApiError> {
    let share = store::sharing::latest_share(conn, &referral.id).await?;
    let agreement = match &share {
        Some(s) => store::sharing::find_agreement(conn, &s.agreement_id).await?,
        None => None,
    };
    let today = chrono::Utc::now().date_naive();
    let disclosure = sharing::disclosure(user, referral, share.as_ref(), agreement.as_ref(), today)
        .map_err(denied)?;
    Ok((disclosure, share))
}

/// Loads a referral the user may see and records the view, with its
/// justification, in the access log, in one transaction. Returns the
/// whole record (for the rules) and what the user may see of it.
async fn view(
    state: &AppState,
    user: &Authenticated,
    id: &str,
    action: &str,
    reason: Option<&str>,
) -> Result<(Referral, Disclosure, Option<ShareRecord>), ApiError> {
    access::list_scope(&user.0).map_err(denied)?;
    let mut tx = state.db.begin().await?;
    let referral = store::referrals::get(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (disclosure, share) = disclosed(&mut tx, &user.0, &referral).await?;
    let why = access::justification(&user.0, &referral, reason)
        .map_err(|m| ApiError::ReasonRequired(m.into()))?;
    store::audit::record(
        &mut tx,
        &Access {
            actor: &user.0.user_id,
            action,
            referral_id: id,
            detail: None,
            reason: &why,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((referral, disclosure, share))
}

/// One referral, if the user may see it, with the steps they may take now;
/// a partner sees only what was shared with their agency, and a referral
/// their agency no longer holds is not found. The view is recorded in the
/// access log with its reason, given in the `eip-view-reason` header (a
/// `reason` in the query string is refused).
#[utoipa::path(get, path = "/referrals/{id}", tag = "referrals",
    params(("eip-view-reason" = Option<String>, Header, description = "Why the user needs the record (percent-encoded UTF-8); required unless they raised it or coordinate its area")),
    responses((status = 200, body = ReferralDetail), (status = 400, description = "A reason was put in the URL", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 428, description = "A reason for viewing is needed", body = Problem)))]
pub(super) async fn show_referral(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    reason: ViewReason,
) -> Result<Json<ReferralDetail>, ApiError> {
    let (referral, disclosure, share) = view(&state, &user, &id, "view", reason.as_deref()).await?;
    tracing::info!(referral.id = %referral.id, "referral viewed");
    let allowed_actions = lifecycle::allowed_actions(&user.0, &referral);
    Ok(Json(ReferralDetail {
        allowed_actions,
        withheld: disclosure.withheld(),
        share: share.map(|s| disclosure.share(s)),
        referral: disclosure.referral(referral),
    }))
}

/// Move a referral one step along its lifecycle. The version the user saw
/// must still be current; the step must suit the user's role, their relation
/// to the referral and its state. The answer is the referral as the user
/// may see it (for a partner, only what was shared).
#[utoipa::path(post, path = "/referrals/{id}/transitions", tag = "referrals", request_body = TransitionRequest,
    responses((status = 200, body = Referral), (status = 403, description = "Not allowed; or the step needs a competency the user does not hold current (the detail says why and who can help)", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "Not allowed in this state, or changed meanwhile", body = Problem),
        (status = 422, body = Problem)))]
pub(super) async fn transition_referral(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> Result<Json<Referral>, ApiError> {
    let t = body.transition;
    t.validate().map_err(ApiError::Validation)?;
    let mut tx = state.db.begin().await?;
    let current = store::referrals::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Someone who may not see the referral learns nothing more about it.
    let (disclosure, _) = disclosed(&mut tx, &user.0, &current).await?;
    let to = lifecycle::next_status(&user.0, &current, &t).map_err(denied)?;
    if current.version != body.version {
        return Err(stale());
    }
    if let Transition::Triage { .. } = &t {
        let today = chrono::Utc::now().date_naive();
        (state.skills)
            .require(&mut tx, crate::skills::TRIAGE, &user.0, today)
            .await?;
    }
    if let Transition::Share {
        agency_id,
        agreement_id,
        ..
    } = &t
    {
        sharing_allowed(&mut tx, agency_id.trim(), agreement_id.trim()).await?;
    }
    let now = store::now()?;
    let periods = store::retention::periods(&mut tx).await?;
    let mut updated = lifecycle::apply(&current, to, &t, now, &periods);
    let note = lifecycle::note(&t);
    if !store::referrals::save_step(
        &mut tx,
        &current,
        &mut updated,
        &t,
        &user.0.user_id,
        note.as_deref(),
    )
    .await?
    {
        return Err(stale());
    }
    if let Transition::Share {
        agency_id,
        lawful_basis,
        consent,
        agreement_id,
        ..
    } = &t
    {
        store::sharing::record_share(&mut tx, &updated.id, &t, &user.0.user_id, now).await?;
        let why = sharing::disclosure_reason(*lawful_basis, *consent, agreement_id);
        store::audit::record(
            &mut tx,
            &Access {
                actor: &user.0.user_id,
                action: "disclose",
                referral_id: &updated.id,
                detail: Some(agency_id.trim()),
                reason: &why,
            },
        )
        .await?;
    }
    store::referrals::record_event(&mut tx, &state.outbox, &updated, &t, now).await?;
    tx.commit().await?;
    state.outbox.wake();
    tracing::info!(referral.id = %updated.id, action = t.name(), status = updated.status.as_str(), "referral moved");
    // What the user could see before the step, of the referral after it:
    // an agency that just declined sees what it was sent, and no more.
    Ok(Json(disclosure.referral(updated)))
}

/// A share needs an active recipient and an agreement in force with it today.
async fn sharing_allowed(tx: &mut Tx, agency_id: &str, agreement_id: &str) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !store::sharing::agency_is_active(tx, agency_id).await? {
        errors.push(FieldError::new(
            "agency_id",
            "Choose one of the listed agencies or programmes.",
        ));
    }
    let agreement = store::sharing::find_agreement(tx, agreement_id).await?;
    if let Err(e) = sharing::check_agreement(
        agreement.as_ref(),
        agency_id,
        chrono::Utc::now().date_naive(),
    ) {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A refusal as the API answers it: a step the referral's state does not
/// allow is a conflict; a referral a partner's agency does not hold is not
/// found (as one that does not exist); anything else is forbidden.
fn denied(d: Denied) -> ApiError {
    match d {
        Denied::State(why) => ApiError::Conflict(why.into()),
        Denied::NotShared => ApiError::NotFound,
        other => ApiError::Forbidden(other.message()),
    }
}

fn stale() -> ApiError {
    ApiError::Conflict("Someone else changed this referral; reload it and try again.".into())
}

/// The referral's timeline, oldest step first (a view, recorded as such);
/// for a partner, without the notes typed on the steps.
#[utoipa::path(get, path = "/referrals/{id}/history", tag = "referrals",
    params(("eip-view-reason" = Option<String>, Header, description = "Why the user needs the record (percent-encoded UTF-8)")),
    responses((status = 200, body = [HistoryEntry]), (status = 400, description = "A reason was put in the URL", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 428, description = "A reason for viewing is needed", body = Problem)))]
pub(super) async fn referral_history(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    reason: ViewReason,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let (_, disclosure, _) = view(&state, &user, &id, "view_timeline", reason.as_deref()).await?;
    let history = store::referrals::history(state.db.pool(), &id).await?;
    Ok(Json(disclosure.history(history)))
}

/// Withdraws the referral's standing share (a coordinator of its area):
/// the family withdrew consent, or the agency no longer needs it. The
/// agency loses access at once; the withdrawal is in the access log and
/// the timeline, its note on the police side only.
#[utoipa::path(post, path = "/referrals/{id}/share/withdrawal", tag = "referrals", request_body = WithdrawShare,
    responses((status = 200, body = ShareRecord), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "No share is standing", body = Problem), (status = 422, body = Problem)))]
pub(super) async fn withdraw_share(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WithdrawShare>,
) -> Result<Json<ShareRecord>, ApiError> {
    user.require_any(&[eip_types::Role::Coordinator])?;
    let mut tx = state.db.begin().await?;
    let referral = store::referrals::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    access::may_withdraw_share(&user.0, &referral).map_err(denied)?;
    let (why, note) = body.validate().map_err(ApiError::Validation)?;
    let now = store::now()?;
    if !store::sharing::withdraw_share(&mut tx, &referral, why, note, &user.0.user_id, now).await? {
        return Err(ApiError::Conflict(
            "This referral has no share standing to withdraw.".into(),
        ));
    }
    let share = store::sharing::latest_share(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    store::audit::record(
        &mut tx,
        &Access {
            actor: &user.0.user_id,
            action: "withdraw_share",
            referral_id: &id,
            detail: Some(&share.agency_id),
            reason: why.label(),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(referral.id = %id, why = why.as_str(), "share withdrawn");
    Ok(Json(share))
}
