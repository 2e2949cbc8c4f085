//! A person's evidence log, the pauses of their record for long leave, and
//! trainers' assessments of observed practice, which add to the log.

use crate::access::TRAINERS;
use crate::store::evidence::{AssessmentRow, NewEvidenceRow};
use crate::validation::{self, Refused};
use crate::{AppState, notices, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::db::Tx;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::Role;
use eip_types::training::{Assessed, Evidence, NewAssessment, NewEvidence, NewPause, Pause};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(add_evidence, add_pause, assess),
    components(schemas(Evidence, NewEvidence, NewPause, NewAssessment, Assessed))
)]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/{id}/evidence", post(add_evidence))
        .route("/staff/{id}/pauses", post(add_pause))
        .route("/staff/{id}/assessments", post(assess))
}

/// Appends evidence and publishes what it changed: achieved (first held,
/// or a higher level) or renewed (a later lapse date).
pub(super) async fn append(
    state: &AppState,
    tx: &mut Tx,
    today: NaiveDate,
    row: &NewEvidenceRow<'_>,
) -> Result<Evidence, ApiError> {
    let before = store::evidence::load_facts(tx, today, Some(row.staff_id))
        .await?
        .held(today, row.staff_id, row.competency_id);
    let evidence = store::evidence::insert(tx, row).await?;
    let after = store::evidence::load_facts(tx, today, Some(row.staff_id))
        .await?
        .held(today, row.staff_id, row.competency_id);
    if let Some(event) = notices::on_evidence(
        row.staff_id,
        row.competency_id,
        row.occurred_on,
        before.as_ref(),
        after.as_ref(),
    ) {
        state
            .outbox
            .record(tx, event.kind(), &event.payload())
            .await?;
    }
    Ok(evidence)
}

/// Adds an entry to a person's evidence log. Trainers and administrators
/// record any kind; staff log their own delivered processes, supervision
/// and CPD. The log is append-only: a correction is a new entry.
#[utoipa::path(post, path = "/staff/{id}/evidence", tag = "evidence", request_body = NewEvidence,
    params(("id" = String, Path)),
    responses((status = 201, body = Evidence), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn add_evidence(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewEvidence>,
) -> Result<(StatusCode, Json<Evidence>), ApiError> {
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let Some(staff) = store::staff::by_id(&mut tx, &id).await? else {
        return Err(ApiError::NotFound);
    };
    let trainer = user.0.has_any_role(&TRAINERS);
    let own = staff.user_id.as_deref() == Some(&user.0.user_id);
    if !trainer && !own {
        return Err(ApiError::Forbidden(
            "Only trainers record evidence for others.".into(),
        ));
    }
    let rules = store::framework::rules(&mut tx).await?;
    let rule = validation::rule_named(&rules, &body.competency_id);
    let correctable = match (validation::trimmed(body.corrects.as_deref()), rule) {
        (Some(c), Some(r)) => store::evidence::correctable(&mut tx, c, &staff.id, &r.id).await?,
        _ => true,
    };
    let valid =
        validation::evidence(&body, rule, trainer, today, correctable).map_err(|r| match r {
            Refused::Forbidden(why) => ApiError::Forbidden(why.into()),
            Refused::Invalid(errors) => ApiError::Validation(errors),
        })?;
    let row = NewEvidenceRow {
        staff_id: &staff.id,
        competency_id: &valid.rule.id,
        kind: valid.kind,
        activity: valid.activity,
        level: valid.level,
        source: valid.source,
        occurred_on: valid.occurred_on,
        hours: valid.hours,
        approved: valid.approved,
        note: valid.note,
        corrects: valid.corrects,
        actor: &user.0.user_id,
        session_id: None,
    };
    let evidence = append(&state, &mut tx, today, &row).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, Json(evidence)))
}

/// Pauses a record for long leave (trainers and administrators): it does
/// not lapse meanwhile and is left out of coverage. Kept as an audit trail.
#[utoipa::path(post, path = "/staff/{id}/pauses", tag = "evidence", request_body = NewPause,
    params(("id" = String, Path)),
    responses((status = 201, body = Pause), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn add_pause(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewPause>,
) -> Result<(StatusCode, Json<Pause>), ApiError> {
    let who = user.require_any(&TRAINERS)?;
    let (starts_on, ends_on, reason) = validation::pause(&body).map_err(ApiError::Validation)?;
    let mut tx = state.db.begin().await?;
    if store::staff::by_id(&mut tx, &id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let today = state.clock.today();
    let before = store::evidence::load_facts(&mut tx, today, Some(&id)).await?;
    let pause = Pause {
        starts_on,
        ends_on,
        reason: reason.into(),
        actor: who.user_id.clone(),
    };
    store::staff::insert_pause(&mut tx, &id, &pause).await?;
    // Services that gate work on a competency learn the later lapse date,
    // so a paused record is not refused on the date it no longer lapses.
    let after = store::evidence::load_facts(&mut tx, today, Some(&id)).await?;
    for event in notices::on_pause(today, &id, &before, &after) {
        state
            .outbox
            .record(&mut tx, event.kind(), &event.payload())
            .await?;
    }
    tx.commit().await?;
    state.outbox.wake();
    tracing::info!(staff.id = %id, "record paused");
    Ok((StatusCode::CREATED, Json(pause)))
}

/// Records a trainer's assessment of observed practice against the
/// competency's standards (trainers only). A competent outcome holds the
/// competency at the proficiency observed.
#[utoipa::path(post, path = "/staff/{id}/assessments", tag = "evidence", request_body = NewAssessment,
    params(("id" = String, Path)),
    responses((status = 201, body = Assessed), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn assess(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewAssessment>,
) -> Result<(StatusCode, Json<Assessed>), ApiError> {
    let assessor = user.require_any(&[Role::Trainer])?;
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    if store::staff::by_id(&mut tx, &id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let rules = store::framework::rules(&mut tx).await?;
    let rule = validation::rule_named(&rules, &body.competency_id);
    let codes = match rule {
        Some(r) => store::framework::standard_codes(&mut tx, &r.id).await?,
        None => Vec::new(),
    };
    let valid = validation::assessment(&body, rule, &codes, today).map_err(ApiError::Validation)?;
    let assessment_id = uuid::Uuid::new_v4().to_string();
    store::evidence::insert_assessment(
        &mut tx,
        &AssessmentRow {
            id: &assessment_id,
            staff_id: &id,
            competency_id: &valid.rule.id,
            assessor: &assessor.user_id,
            assessed_on: valid.assessed_on,
            outcome: valid.outcome,
            level: valid.level,
            standards_met: &body.standards_met,
            notes: valid.notes,
        },
    )
    .await?;
    let row = NewEvidenceRow {
        kind: if valid.outcome == "competent" {
            "completed"
        } else {
            "logged"
        },
        activity: "observation",
        ..NewEvidenceRow::training(
            &id,
            &valid.rule.id,
            valid.level,
            "assessment",
            valid.assessed_on,
            &assessor.user_id,
        )
    };
    let evidence = append(&state, &mut tx, today, &row).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok((
        StatusCode::CREATED,
        Json(Assessed {
            id: assessment_id,
            evidence_id: evidence.id,
        }),
    ))
}
