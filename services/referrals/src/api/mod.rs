//! The referrals HTTP API.

use crate::access::{self, Denied};
use crate::audit::{self, AccessEntry, Verification};
use crate::{AppState, lifecycle, sharing, store, timeliness};
use eip_types::audit::AccessReport;
use eip_types::person::{
    Gender, LinkedPerson, MatchQuery, MergeRecord, MergeRequest, NewLink, Person, PersonDetail,
    PersonFound, PersonMatch, PersonSearch, Relationship, UndoMerge,
};

mod admin;
mod people_api;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::http::AssertionSecurity;
use eip_platform::identity::Authenticated;
use eip_types::events::EventPage;
use eip_types::referral::{
    Agency, AgencyChange, AgreementChange, ConsentStatus, FollowUpResult, HistoryEntry,
    LawfulBasis, NewReferral, Outcome, Pathway, Priority, Referral, ReferralDetail, ReferralStatus,
    ReferralSummary, RetentionChoice, RetentionDecision, RetentionDue, RetentionPeriods,
    ShareRecord, SharedField, SharingAgreement, TimelinessTargets, Transition, TransitionRequest,
};
use eip_types::{FieldError, Problem};
use serde::Deserialize;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Referrals service", description = "Early-help referrals, area-limited"),
    paths(create_referral, list_referrals, show_referral, transition_referral, referral_history,
        referral_access_log, access_report, verify_access_log, retention_due, decide_retention, people_api::matches, people_api::search, people_api::show_person, people_api::add_link,
        people_api::merge, people_api::undo_merge, list_agencies, admin::create_agency, admin::update_agency,
        admin::list_agreements, admin::create_agreement, admin::update_agreement,
        admin::show_targets, admin::set_targets, admin::show_periods, admin::set_periods, eip_platform::outbox::event_feed,
        eip_skills::list_requirements, eip_skills::set_requirement, eip_skills::clear_requirement),
    components(schemas(NewReferral, Referral, ReferralDetail, ReferralSummary, ReferralStatus, Priority, Pathway, Outcome,
        Transition, TransitionRequest, HistoryEntry, Agency, AgencyChange, SharingAgreement, AgreementChange, TimelinessTargets, RetentionPeriods,
        ShareRecord, SharedField, Person, PersonMatch, MatchQuery, PersonSearch, PersonFound, PersonDetail, LinkedPerson, NewLink,
        MergeRequest, MergeRecord, UndoMerge, Gender, Relationship, LawfulBasis, ConsentStatus, FollowUpResult, AccessEntry, AccessReport, Verification, RetentionDecision, RetentionChoice, RetentionDue,
        EventPage, Problem, FieldError,
        eip_types::training::GatedAction, eip_types::training::SkillRequirement,
        eip_types::training::SkillRequirementChange)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity)
)]
pub struct ApiDoc;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/referrals", post(create_referral).get(list_referrals))
        .route("/referrals/{id}", get(show_referral))
        .route("/referrals/{id}/transitions", post(transition_referral))
        .route("/referrals/{id}/history", get(referral_history))
        .route("/referrals/{id}/access-log", get(referral_access_log))
        .route("/referrals/{id}/access-report", get(access_report))
        .route("/audit/verify", get(verify_access_log))
        .route("/retention/due", get(retention_due))
        .route("/referrals/{id}/retention", post(decide_retention))
        .route("/people/matches", post(people_api::matches))
        .route("/people/search", post(people_api::search))
        .route("/people/{id}", get(people_api::show_person))
        .route("/people/{id}/links", post(people_api::add_link))
        .route("/people/{id}/merge", post(people_api::merge))
        .route("/merges/{id}/undo", post(people_api::undo_merge))
        .route(
            "/timeliness-targets",
            get(admin::show_targets).put(admin::set_targets),
        )
        .route(
            "/retention-periods",
            get(admin::show_periods).put(admin::set_periods),
        )
        .route("/agencies", get(list_agencies).post(admin::create_agency))
        .route("/agencies/{id}", axum::routing::put(admin::update_agency))
        .route(
            "/agreements",
            get(admin::list_agreements).post(admin::create_agreement),
        )
        .route(
            "/agreements/{id}",
            axum::routing::put(admin::update_agreement),
        )
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}

fn denied(d: Denied) -> ApiError {
    match d {
        Denied::State(why) => ApiError::Conflict(why.into()),
        other => ApiError::Forbidden(other.message()),
    }
}

/// Raise a referral, as a draft or submitted at once.
#[utoipa::path(post, path = "/referrals", request_body = NewReferral,
    responses(
        (status = 201, body = Referral),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "Fields need correcting", body = Problem)))]
async fn create_referral(
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
    let (person_id, valid) = people_api::person_for(&mut tx, &user.0, valid).await?;
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
struct ListQuery {
    /// At most this many (1–200, default 50), newest first.
    limit: Option<i64>,
    /// `all` (default), or `worklist`: open work only, overdue first.
    view: Option<String>,
}

/// Referrals the user may see: their areas' and their own (partners: those
/// shared with their agency), each with its timeliness clock.
#[utoipa::path(get, path = "/referrals", params(ListQuery),
    responses((status = 200, body = [ReferralSummary]), (status = 403, body = Problem)))]
async fn list_referrals(
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
    let mut items = store::referrals::list(state.db.pool(), &scope, statuses, limit).await?;
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ViewQuery {
    /// Why the user needs the record; required unless they raised the
    /// referral or coordinate its area.
    reason: Option<String>,
}

/// Loads a referral the user may see and records the view, with its
/// justification, in the access log, in one transaction.
async fn view(
    state: &AppState,
    user: &Authenticated,
    id: &str,
    action: &str,
    reason: Option<&str>,
) -> Result<Referral, ApiError> {
    access::list_scope(&user.0).map_err(denied)?;
    let mut tx = state.db.begin().await?;
    let referral = store::referrals::get(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    access::may_view(&user.0, &referral).map_err(denied)?;
    let why = access::justification(&user.0, &referral, reason)
        .map_err(|m| ApiError::ReasonRequired(m.into()))?;
    store::audit::record(
        &mut tx,
        &audit::Access {
            actor: &user.0.user_id,
            action,
            referral_id: id,
            detail: None,
            reason: &why,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(referral)
}

/// One referral, if the user may see it, with the steps they may take now.
/// The view is recorded in the access log with its reason.
#[utoipa::path(get, path = "/referrals/{id}", params(ViewQuery),
    responses((status = 200, body = ReferralDetail), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 428, description = "A reason for viewing is needed", body = Problem)))]
async fn show_referral(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ViewQuery>,
) -> Result<Json<ReferralDetail>, ApiError> {
    let referral = view(&state, &user, &id, "view", q.reason.as_deref()).await?;
    tracing::info!(referral.id = %referral.id, "referral viewed");
    let allowed_actions = lifecycle::allowed_actions(&user.0, &referral);
    let share = store::sharing::latest_share(state.db.pool(), &id).await?;
    let (referral, share, withheld) = sharing::view_for(&user.0, referral, share);
    Ok(Json(ReferralDetail {
        allowed_actions,
        referral,
        share,
        withheld,
    }))
}

/// Move a referral one step along its lifecycle. The version the user saw
/// must still be current; the step must suit the user's role, their relation
/// to the referral and its state.
#[utoipa::path(post, path = "/referrals/{id}/transitions", request_body = TransitionRequest,
    responses((status = 200, body = Referral), (status = 403, description = "Not allowed; or the step needs a competency the user does not hold current (the detail says why and who can help)", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "Not allowed in this state, or changed meanwhile", body = Problem),
        (status = 422, body = Problem)))]
async fn transition_referral(
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
    access::may_view(&user.0, &current).map_err(denied)?;
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
        let why = format!(
            "Shared for early help: {}; {}; agreement {}",
            lawful_basis.map_or("", |b| b.label()),
            consent.map_or("", |c| c.label()).to_lowercase(),
            agreement_id.trim()
        );
        store::audit::record(
            &mut tx,
            &audit::Access {
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
    Ok(Json(updated))
}

/// A share needs an active recipient and an agreement in force with it today.
async fn sharing_allowed(
    tx: &mut eip_platform::db::Tx,
    agency_id: &str,
    agreement_id: &str,
) -> Result<(), ApiError> {
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

fn stale() -> ApiError {
    ApiError::Conflict("Someone else changed this referral; reload it and try again.".into())
}

/// The referral's timeline, oldest step first (a view, recorded as such).
#[utoipa::path(get, path = "/referrals/{id}/history", params(ViewQuery),
    responses((status = 200, body = [HistoryEntry]), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 428, description = "A reason for viewing is needed", body = Problem)))]
async fn referral_history(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ViewQuery>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    view(&state, &user, &id, "view_timeline", q.reason.as_deref()).await?;
    Ok(Json(store::referrals::history(state.db.pool(), &id).await?))
}

/// Who has seen or been sent this referral, when and why (administrators and
/// the data protection officer).
#[utoipa::path(get, path = "/referrals/{id}/access-log",
    responses((status = 200, body = [AccessEntry]), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn referral_access_log(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<AccessEntry>>, ApiError> {
    user.require_any(&AUDITORS)?;
    let mut conn = state.db.pool().acquire().await?;
    store::referrals::get(&mut conn, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        store::audit::for_referral(&mut conn, &id, None).await?,
    ))
}

/// Who answers for the access log: administrators and the data protection
/// officer.
pub(super) const AUDITORS: [eip_types::Role; 2] = [eip_types::Role::Admin, eip_types::Role::Dpo];

/// The data protection officer's one-page report: who has seen this child's
/// record, when and why, with the chain checked. Making it is itself
/// recorded.
#[utoipa::path(get, path = "/referrals/{id}/access-report",
    responses((status = 200, body = AccessReport), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn access_report(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AccessReport>, ApiError> {
    user.require_any(&AUDITORS)?;
    let mut tx = state.db.begin().await?;
    let r = store::referrals::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    store::audit::record(
        &mut tx,
        &audit::Access {
            actor: &user.0.user_id,
            action: "access_report",
            referral_id: &id,
            detail: None,
            reason: "Data protection access report",
        },
    )
    .await?;
    let entries = store::audit::for_referral(&mut tx, &id, r.person_id.as_deref()).await?;
    tx.commit().await?;
    let chain = store::audit::verify(state.db.pool()).await?;
    tracing::info!(referral.id = %id, "access report made");
    Ok(Json(AccessReport {
        referral_id: r.id,
        child_name: r.child_name,
        date_of_birth: r.date_of_birth,
        area_id: r.area_id,
        status: r.status,
        created_by: r.created_by,
        created_at: r.created_at,
        entries,
        chain,
    }))
}

/// Recomputes the access log's hash chain and says whether it is unbroken.
#[utoipa::path(get, path = "/audit/verify",
    responses((status = 200, body = Verification), (status = 403, body = Problem)))]
async fn verify_access_log(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Verification>, ApiError> {
    user.require_any(&AUDITORS)?;
    Ok(Json(store::audit::verify(state.db.pool()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct DueQuery {
    /// `YYYY-MM-DD`; today when absent.
    on: Option<String>,
}

fn parse_day(field: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::Validation(vec![FieldError::new(
            field,
            "Enter a real date as YYYY-MM-DD.",
        )])
    })
}

/// Referrals due for a retention review (administrators).
#[utoipa::path(get, path = "/retention/due", params(DueQuery),
    responses((status = 200, body = [RetentionDue]), (status = 403, body = Problem)))]
async fn retention_due(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> Result<Json<Vec<RetentionDue>>, ApiError> {
    user.require_any(&[eip_types::Role::Admin])?;
    let on = match q.on {
        Some(text) => parse_day("on", &text)?,
        None => chrono::Utc::now().date_naive(),
    };
    Ok(Json(store::retention::due(state.db.pool(), on, 500).await?))
}

/// Records a retention review's decision: retain until a later review, or
/// dispose of the personal data (administrators; the review must be due).
#[utoipa::path(post, path = "/referrals/{id}/retention", request_body = RetentionDecision,
    responses((status = 200, body = Referral), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not due, or already disposed of", body = Problem), (status = 422, body = Problem)))]
async fn decide_retention(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RetentionDecision>,
) -> Result<Json<Referral>, ApiError> {
    user.require_any(&[eip_types::Role::Admin])?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > eip_types::referral::MAX_NOTE_CHARS {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            "Record why, in at most 1000 characters.",
        )]));
    }
    let today = chrono::Utc::now().date_naive();
    let next = match (body.decision, body.next_review_on.as_deref()) {
        (RetentionChoice::Retain, Some(text)) => {
            let next = parse_day("next_review_on", text)?;
            if next <= today || next > today + chrono::Months::new(120) {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "next_review_on",
                    "Choose a date after today and within ten years.",
                )]));
            }
            Some(next)
        }
        (RetentionChoice::Retain, None) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "next_review_on",
                "Choose when to review it next.",
            )]));
        }
        (RetentionChoice::Dispose, _) => None,
    };
    let mut tx = state.db.begin().await?;
    let current = store::referrals::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if current.disposed_at.is_some() {
        return Err(ApiError::Conflict(
            "This record was already disposed of.".into(),
        ));
    }
    if current.review_on.is_none_or(|due| due > today) {
        return Err(ApiError::Conflict(
            "This record is not yet due for review.".into(),
        ));
    }
    match next {
        Some(next) => store::retention::set_review_on(&mut tx, &id, next).await?,
        None => store::retention::dispose(&mut tx, &current).await?,
    }
    store::retention::record_decision(&mut tx, &id, body.decision, reason, next, &user.0.user_id)
        .await?;
    let after = store::referrals::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    tracing::info!(referral.id = %id, decision = body.decision.as_str(), "retention decided");
    Ok(Json(after))
}

/// Agencies and programmes referrals can be shared with (administrators
/// also see inactive ones).
#[utoipa::path(get, path = "/agencies", responses((status = 200, body = [Agency]), (status = 401, body = Problem)))]
async fn list_agencies(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Agency>>, ApiError> {
    let all = user.0.has_role(eip_types::Role::Admin);
    Ok(Json(store::sharing::agencies(state.db.pool(), all).await?))
}
