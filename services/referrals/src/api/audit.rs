//! The access log for those who answer for it (administrators and the data
//! protection officer): one referral's entries, the one-page access report,
//! and the check of the whole hash chain.

use crate::access::AUDITORS;
use crate::audit::{Access, AccessEntry, Verification};
use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::ApiError;
use eip_platform::identity::Authenticated;
use eip_types::audit::AccessReport;
use eip_types::{Problem, Role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/referrals/{id}/access-log", get(referral_access_log))
        .route("/referrals/{id}/access-report", get(access_report))
        .route("/audit/verify", get(verify_access_log))
}

/// Who has seen or been sent this referral, when and why (administrators and
/// the data protection officer).
#[utoipa::path(get, path = "/referrals/{id}/access-log", tag = "audit",
    responses((status = 200, body = [AccessEntry]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(super) async fn referral_access_log(
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

/// The data protection officer's one-page report: who has seen this child's
/// record, when and why, with the chain checked. Making it is itself
/// recorded.
#[utoipa::path(get, path = "/referrals/{id}/access-report", tag = "audit",
    responses((status = 200, body = AccessReport), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(super) async fn access_report(
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
        &Access {
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
    // Administrators answer for the log, not for casework: they are told
    // who saw the record, not whose record it is.
    let identifies = user.0.has_role(Role::Dpo);
    Ok(Json(AccessReport {
        referral_id: r.id,
        child_name: if identifies {
            r.child_name
        } else {
            String::new()
        },
        date_of_birth: r.date_of_birth.filter(|_| identifies),
        area_id: r.area_id,
        status: r.status,
        created_by: r.created_by,
        created_at: r.created_at,
        entries,
        chain,
    }))
}

/// Recomputes the access log's hash chain and says whether it is unbroken.
#[utoipa::path(get, path = "/audit/verify", tag = "audit",
    responses((status = 200, body = Verification), (status = 403, body = Problem)))]
pub(super) async fn verify_access_log(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Verification>, ApiError> {
    user.require_any(&AUDITORS)?;
    Ok(Json(store::audit::verify(state.db.pool()).await?))
}
