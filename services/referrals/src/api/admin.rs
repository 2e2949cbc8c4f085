//! Reference data administrators keep: agencies and programmes, and the
//! data-sharing agreements shares rely on.

use crate::{AppState, store};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::referral::{
    Agency, AgencyChange, AgreementChange, RetentionPeriods, SharingAgreement, TimelinessTargets,
};
use eip_types::{FieldError, Problem, Role};

/// Who reads the agreements: those who share under them and those who
/// answer for them.
const AGREEMENT_READERS: [Role; 3] = [Role::Coordinator, Role::Admin, Role::Dpo];

/// Add an agency or programme (administrators). Its id is made from the name.
#[utoipa::path(post, path = "/agencies", request_body = AgencyChange,
    responses((status = 201, body = Agency), (status = 403, body = Problem),
        (status = 409, description = "One with that name exists", body = Problem),
        (status = 422, body = Problem)))]
pub(super) async fn create_agency(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<AgencyChange>,
) -> Result<(StatusCode, Json<Agency>), ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    let id = body.slug();
    if id.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "name",
            "Use at least one letter or digit in the name.",
        )]));
    }
    let mut tx = state.db.begin().await?;
    if store::sharing::agency_exists(&mut tx, &id).await? {
        return Err(ApiError::Conflict(
            "An agency or programme with that name already exists.".into(),
        ));
    }
    store::sharing::insert_agency(&mut tx, &id, &body).await?;
    tx.commit().await?;
    tracing::info!(agency.id = %id, "agency added");
    Ok((
        StatusCode::CREATED,
        Json(Agency {
            id,
            name: body.name.trim().to_owned(),
            kind: body.kind,
            active: body.active,
        }),
    ))
}

/// Rename an agency or programme, or stop new shares to it (administrators).
/// Its id, and every referral shared with it, stay as they are.
#[utoipa::path(put, path = "/agencies/{id}", request_body = AgencyChange,
    responses((status = 200, body = Agency), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub(super) async fn update_agency(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AgencyChange>,
) -> Result<Json<Agency>, ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    let mut tx = state.db.begin().await?;
    if !store::sharing::update_agency(&mut tx, &id, &body).await? {
        return Err(ApiError::NotFound);
    }
    tx.commit().await?;
    tracing::info!(agency.id = %id, active = body.active, "agency changed");
    Ok(Json(Agency {
        id,
        name: body.name.trim().to_owned(),
        kind: body.kind,
        active: body.active,
    }))
}

/// The data-sharing agreements, newest first per agency.
#[utoipa::path(get, path = "/agreements",
    responses((status = 200, body = [SharingAgreement]), (status = 403, body = Problem)))]
pub(super) async fn list_agreements(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<SharingAgreement>>, ApiError> {
    user.require_any(&AGREEMENT_READERS)?;
    Ok(Json(store::sharing::agreements(state.db.pool()).await?))
}

/// Checks an agreement's fields, including that its agency exists.
async fn valid_agreement(
    tx: &mut eip_platform::db::Tx,
    id: String,
    body: &AgreementChange,
) -> Result<SharingAgreement, ApiError> {
    let dates = body.validate();
    let mut errors = dates.clone().err().unwrap_or_default();
    if !body.agency_id.trim().is_empty()
        && !store::sharing::agency_exists(tx, body.agency_id.trim()).await?
    {
        errors.push(FieldError::new(
            "agency_id",
            "Choose one of the listed agencies or programmes.",
        ));
    }
    match dates {
        Ok((starts_on, ends_on)) if errors.is_empty() => Ok(SharingAgreement {
            id,
            name: body.name.trim().to_owned(),
            agency_id: body.agency_id.trim().to_owned(),
            starts_on,
            ends_on,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Record a data-sharing agreement (administrators).
#[utoipa::path(post, path = "/agreements", request_body = AgreementChange,
    responses((status = 201, body = SharingAgreement), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub(super) async fn create_agreement(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<AgreementChange>,
) -> Result<(StatusCode, Json<SharingAgreement>), ApiError> {
    user.require_any(&[Role::Admin])?;
    let mut tx = state.db.begin().await?;
    let id = format!("isa-{}", uuid::Uuid::new_v4().simple());
    let agreement = valid_agreement(&mut tx, id, &body).await?;
    store::sharing::insert_agreement(&mut tx, &agreement, &user.0.user_id).await?;
    tx.commit().await?;
    tracing::info!(agreement.id = %agreement.id, "sharing agreement recorded");
    Ok((StatusCode::CREATED, Json(agreement)))
}

/// Correct or extend an agreement (administrators). Shares already made
/// keep the agreement they relied on.
#[utoipa::path(put, path = "/agreements/{id}", request_body = AgreementChange,
    responses((status = 200, body = SharingAgreement), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn update_agreement(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AgreementChange>,
) -> Result<Json<SharingAgreement>, ApiError> {
    user.require_any(&[Role::Admin])?;
    let mut tx = state.db.begin().await?;
    if store::sharing::find_agreement(&mut tx, &id)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    let agreement = valid_agreement(&mut tx, id, &body).await?;
    store::sharing::update_agreement(&mut tx, &agreement).await?;
    tx.commit().await?;
    tracing::info!(agreement.id = %agreement.id, "sharing agreement changed");
    Ok(Json(agreement))
}

/// The timeliness targets worklists are judged by.
#[utoipa::path(get, path = "/timeliness-targets",
    responses((status = 200, body = TimelinessTargets), (status = 403, body = Problem)))]
pub(super) async fn show_targets(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<TimelinessTargets>, ApiError> {
    user.require_any(&[Role::Coordinator, Role::Admin])?;
    Ok(Json(store::timeliness::targets(state.db.pool()).await?))
}

/// Set the timeliness targets (administrators); worklists use them at once.
#[utoipa::path(put, path = "/timeliness-targets", request_body = TimelinessTargets,
    responses((status = 200, body = TimelinessTargets), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_targets(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<TimelinessTargets>,
) -> Result<Json<TimelinessTargets>, ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    store::timeliness::set_targets(state.db.pool(), &body).await?;
    tracing::info!("timeliness targets changed");
    Ok(Json(body))
}

/// How long referrals are kept before review, by where they ended.
#[utoipa::path(get, path = "/retention-periods",
    responses((status = 200, body = RetentionPeriods), (status = 403, body = Problem)))]
pub(super) async fn show_periods(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<RetentionPeriods>, ApiError> {
    user.require_any(&[Role::Admin, Role::Dpo])?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(Json(store::retention::periods(&mut conn).await?))
}

/// Set the retention periods (administrators). Review dates set from now
/// on use them; dates already set stay until the record's next step or
/// review.
#[utoipa::path(put, path = "/retention-periods", request_body = RetentionPeriods,
    responses((status = 200, body = RetentionPeriods), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_periods(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<RetentionPeriods>,
) -> Result<Json<RetentionPeriods>, ApiError> {
    user.require_any(&[Role::Admin])?;
    body.validate().map_err(ApiError::Validation)?;
    store::retention::set_periods(state.db.pool(), &body).await?;
    tracing::info!("retention periods changed");
    Ok(Json(body))
}
