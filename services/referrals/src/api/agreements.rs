//! The data-sharing agreements shares rely on: coordinators and the data
//! protection officer read them; administrators record and correct them.

use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use eip_platform::db::Tx;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::referral::{AgreementChange, SharingAgreement};
use eip_types::{FieldError, Problem, Role};

/// Who reads the agreements: those who share under them and those who
/// answer for them.
const AGREEMENT_READERS: [Role; 3] = [Role::Coordinator, Role::Admin, Role::Dpo];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agreements", get(list_agreements).post(create_agreement))
        .route("/agreements/{id}", put(update_agreement))
}

/// The data-sharing agreements, newest first per agency.
#[utoipa::path(get, path = "/agreements", tag = "agreements",
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
    tx: &mut Tx,
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
#[utoipa::path(post, path = "/agreements", tag = "agreements", request_body = AgreementChange,
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
#[utoipa::path(put, path = "/agreements/{id}", tag = "agreements", request_body = AgreementChange,
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
