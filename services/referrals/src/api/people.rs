//! Person records over HTTP: duplicate candidates while raising a referral,
//! a person's page with their household and referrals, and merges of
//! duplicates (by a coordinator; undone by an administrator). Every look at
//! a person is recorded in the access log.

use super::view_reason::ViewReason;
use crate::matching::{NameKey, Traits};
use crate::{AppState, access, people, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::db::Tx;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::person::{
    MatchQuery, MergeRecord, MergeRequest, NewLink, Person, PersonDetail, PersonFound, PersonMatch,
    PersonSearch, UndoMerge, check_reason,
};
use eip_types::referral::ValidReferral;
use eip_types::{FieldError, Principal, Problem, Role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/matches", post(matches))
        .route("/people/search", post(search))
        .route("/people/{id}", get(show_person))
        .route("/people/{id}/links", post(add_link))
        .route("/people/{id}/merge", post(merge))
        .route("/merges/{id}/undo", post(undo_merge))
}

/// Candidates shown at most.
const MAX_CANDIDATES: usize = 5;

/// The person a new referral is about: the existing record the officer
/// chose (whose name and date of birth the referral then carries), or a
/// new one made from what they typed.
pub(super) async fn person_for(
    tx: &mut Tx,
    user: &Principal,
    mut valid: ValidReferral,
) -> Result<(String, ValidReferral), ApiError> {
    let not_offered = || {
        ApiError::Validation(vec![FieldError::new(
            "person_id",
            "Choose one of the records shown, or a new record.",
        )])
    };
    if let Some(id) = valid.person_id.clone() {
        let (person, created_by) = store::people::get(tx, &id).await?.ok_or_else(not_offered)?;
        if person.merged_into.is_some() || !people::may_view(user, &person, &created_by) {
            return Err(not_offered());
        }
        valid.child_name = person.full_name();
        valid.date_of_birth = person.date_of_birth;
        return Ok((id, valid));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let new = people::NewPerson {
        name: &valid.child_name,
        date_of_birth: valid.date_of_birth,
        gender: valid.gender,
        area_id: &valid.area_id,
        school: valid.school.as_deref(),
    };
    store::people::insert(tx, &id, &new, &user.user_id).await?;
    Ok((id, valid))
}

/// Records the officer may already know as this child, best first (at most
/// five, from their own areas). Showing them is recorded.
#[utoipa::path(post, path = "/people/matches", tag = "people", request_body = MatchQuery,
    responses((status = 200, body = [PersonMatch]), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn matches(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<MatchQuery>,
) -> Result<Json<Vec<PersonMatch>>, ApiError> {
    user.require_any(&access::RAISERS)?;
    let dob = body
        .validate(chrono::Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let probe = Traits {
        name: NameKey::of(&body.name),
        date_of_birth: dob,
        area_id: body.area_id.trim().to_owned(),
    };
    let found =
        store::people::candidates(state.db.pool(), &probe, &user.0.areas, MAX_CANDIDATES).await?;
    let ids: Vec<&str> = found.iter().map(|m| m.person.id.as_str()).collect();
    let mut tx = state.db.begin().await?;
    store::audit::record_many(
        &mut tx,
        &user.0.user_id,
        "match",
        &ids,
        "Duplicate check while raising a referral",
    )
    .await?;
    tx.commit().await?;
    Ok(Json(found))
}

/// People found at most by one search.
const MAX_FOUND: usize = 25;

/// Find a child by name, in every area, to answer "who has seen this
/// child's record" (the data protection officer only: administrators do no
/// casework). The search and the people it showed are recorded in the
/// access log.
#[utoipa::path(post, path = "/people/search", tag = "people", request_body = PersonSearch,
    responses((status = 200, body = [PersonFound]), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn search(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<PersonSearch>,
) -> Result<Json<Vec<PersonFound>>, ApiError> {
    if !user.0.has_role(Role::Dpo) {
        return Err(ApiError::Forbidden(
            "Finding a child by name is for the data protection officer; administrators and \
             others do not search for children."
                .into(),
        ));
    }
    let dob = body
        .validate(chrono::Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let found = store::people::search(state.db.pool(), body.name.trim(), dob, MAX_FOUND).await?;
    let ids: Vec<&str> = found.iter().map(|f| f.person.id.as_str()).collect();
    let mut tx = state.db.begin().await?;
    store::audit::record_many(
        &mut tx,
        &user.0.user_id,
        "search",
        &ids,
        "Data protection search by name",
    )
    .await?;
    tx.commit().await?;
    tracing::info!(found = found.len(), "people searched by name");
    Ok(Json(found))
}

async fn visible_person(tx: &mut Tx, user: &Principal, id: &str) -> Result<Person, ApiError> {
    // The role first, so that someone who may see no one learns nothing,
    // not even whether the record exists.
    if user.has_role(Role::Admin) && !user.has_any_role(&access::RAISERS) {
        return Err(ApiError::Forbidden(
            "Administrators do no casework: person records are for the officers and \
             coordinators working with the child."
                .into(),
        ));
    }
    if !user.has_any_role(&access::RAISERS) {
        return Err(ApiError::Forbidden("Your role does not allow this.".into()));
    }
    let (person, created_by) = store::people::get(tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !people::may_view(user, &person, &created_by) {
        return Err(ApiError::Forbidden(
            "This person's record is outside your areas.".into(),
        ));
    }
    Ok(person)
}

/// A person with their household, the referrals about them the user may
/// see, and merges. Anyone but an officer who raised a referral about
/// them and the coordinators of their area gives a reason (in the
/// `eip-view-reason` header; a `reason` in the query string is refused).
/// The view is recorded in the access log for the person and for each
/// household member shown.
#[utoipa::path(get, path = "/people/{id}", tag = "people",
    params(("eip-view-reason" = Option<String>, Header, description = "Why the user needs the record (percent-encoded UTF-8)")),
    responses((status = 200, body = PersonDetail), (status = 400, description = "A reason was put in the URL", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 428, description = "A reason for viewing is needed", body = Problem)))]
pub(super) async fn show_person(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    reason: ViewReason,
) -> Result<Json<PersonDetail>, ApiError> {
    let mut tx = state.db.begin().await?;
    let person = visible_person(&mut tx, &user.0, &id).await?;
    let raised = store::referrals::raised_for(&mut tx, &id, &user.0.user_id).await?;
    let why = access::person_justification(&user.0, &person.area_id, raised, reason.as_deref())
        .map_err(|m| ApiError::ReasonRequired(m.into()))?;
    store::audit::record_many(&mut tx, &user.0.user_id, "view_person", &[&id], &why).await?;
    let household = store::people::household(&mut tx, &id).await?;
    let shown: Vec<&str> = household.iter().map(|l| l.person.id.as_str()).collect();
    store::audit::record_many(&mut tx, &user.0.user_id, "view_household", &shown, &why).await?;
    let merges = store::people::merges_of(&mut tx, &id).await?;
    let referrals =
        store::referrals::for_person(&mut tx, &id, &user.0.areas, &user.0.user_id).await?;
    tx.commit().await?;
    Ok(Json(PersonDetail {
        person,
        household,
        referrals,
        merges,
    }))
}

/// Links a household member (both ways) to a person.
#[utoipa::path(post, path = "/people/{id}/links", tag = "people", request_body = NewLink,
    responses((status = 201, description = "Linked"), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn add_link(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewLink>,
) -> Result<StatusCode, ApiError> {
    user.require_any(&access::RAISERS)?;
    let Some(relationship) = body.relationship else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "relationship",
            "Choose how they are related.",
        )]));
    };
    if body.related_id == id {
        return Err(ApiError::Validation(vec![FieldError::new(
            "related_id",
            "A person cannot be linked to themselves.",
        )]));
    }
    let mut tx = state.db.begin().await?;
    visible_person(&mut tx, &user.0, &id).await?;
    let related = store::people::get(&mut tx, &body.related_id).await?;
    match related {
        Some((p, by)) if people::may_view(&user.0, &p, &by) => {}
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "related_id",
                "Choose a person record in your areas.",
            )]));
        }
    }
    let back = people::reciprocal(relationship);
    if !store::people::link(
        &mut tx,
        &id,
        &body.related_id,
        relationship,
        &user.0.user_id,
    )
    .await?
    {
        return Err(ApiError::Conflict("They are already linked.".into()));
    }
    store::people::link(&mut tx, &body.related_id, &id, back, &user.0.user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// Folds a duplicate record into this one: its referrals move here, and it
/// points here from now on. A coordinator of both records' areas; audited
/// and reversible by an administrator.
#[utoipa::path(post, path = "/people/{id}/merge", tag = "people", request_body = MergeRequest,
    responses((status = 200, body = MergeRecord), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn merge(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MergeRequest>,
) -> Result<Json<MergeRecord>, ApiError> {
    user.require_any(&[Role::Coordinator])?;
    let reason = check_reason(&body.reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let duplicate_id = body.duplicate_id.trim();
    if duplicate_id == id {
        return Err(ApiError::Validation(vec![FieldError::new(
            "duplicate_id",
            "Choose a different record to merge into this one.",
        )]));
    }
    let mut tx = state.db.begin().await?;
    let (kept, _) = store::people::get(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let Some((duplicate, _)) = store::people::get(&mut tx, duplicate_id).await? else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "duplicate_id",
            "No person record has that reference.",
        )]));
    };
    if !people::may_merge(&user.0, &kept, &duplicate) {
        return Err(ApiError::Forbidden(
            "Only a coordinator of both records' areas can merge them.".into(),
        ));
    }
    if kept.merged_into.is_some() || duplicate.merged_into.is_some() {
        return Err(ApiError::Conflict(
            "One of these records was already merged into another.".into(),
        ));
    }
    let record =
        store::people::merge_into(&mut tx, &id, duplicate_id, reason, &user.0.user_id).await?;
    store::audit::record_many(
        &mut tx,
        &user.0.user_id,
        "merge",
        &[&id, duplicate_id],
        reason,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(merge.id = %record.id, "person records merged");
    Ok(Json(record))
}

/// Undoes a merge (administrators): the referrals it moved go back.
#[utoipa::path(post, path = "/merges/{id}/undo", tag = "people", request_body = UndoMerge,
    responses((status = 200, body = MergeRecord), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn undo_merge(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UndoMerge>,
) -> Result<Json<MergeRecord>, ApiError> {
    user.require_any(&[Role::Admin])?;
    let reason = check_reason(&body.reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let mut tx = state.db.begin().await?;
    let m = store::people::find_merge(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if m.undone_at.is_some() {
        return Err(ApiError::Conflict("This merge was already undone.".into()));
    }
    store::people::undo_merge(&mut tx, &m, reason, &user.0.user_id).await?;
    store::audit::record_many(
        &mut tx,
        &user.0.user_id,
        "unmerge",
        &[&m.kept_id, &m.merged_id],
        reason,
    )
    .await?;
    let after = store::people::find_merge(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    tracing::info!(merge.id = %id, "merge undone");
    Ok(Json(after))
}
