//! Training form posts: a session's register and a trainer's assessment;
//! and the skills matrix as a CSV download.

use super::{Reply, SignedIn, attachment, done, download, see_other};
use crate::PortalState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use eip_portal_app::kit::fields::{assessment as field, matrix as filter, register};
use eip_portal_app::kit::ids::RecordId;
use eip_portal_app::kit::{Fields, FormOutcome, Service, Then, keys, routes};
use eip_types::training::{Assessed, Attendance, NewAssessment, RegisterLine, Session as Course};

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::REGISTER.template(), post(save_register))
        .route(routes::ASSESS.template(), post(assess))
        .route(routes::MATRIX_CSV.template(), get(matrix_csv))
}

/// Form `form` of the training page at `back`, as `typed`.
fn reply(form: &str, typed: Fields, back: String) -> Reply<Fields> {
    Reply::new(
        keys::TRAINING,
        FormOutcome::of(form, typed),
        back,
        Service::Training.outage(Then::NothingSavedBriefly),
    )
}

/// A session's register: each person's radio group is `attended`,
/// `no_show` or empty (not marked).
async fn save_register(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = RecordId::parse(&id) else {
        return see_other(routes::SESSIONS.path());
    };
    let entries: Vec<RegisterLine> = form
        .iter()
        .filter_map(|(k, v)| {
            let staff_id = k.strip_prefix(register::PERSON_PREFIX)?;
            let attended = match v {
                register::ATTENDED => true,
                register::NO_SHOW => false,
                _ => return None,
            };
            Some(RegisterLine {
                staff_id: staff_id.to_owned(),
                attended,
            })
        })
        .collect();
    let back = routes::SESSION.at([id.as_str()]);
    reply(register::FORM, Fields::default(), back.clone())
        .post(
            &me,
            &state.ctx.training,
            &format!("/sessions/{id}/attendance"),
            &Attendance { entries },
            |_: Course| done("Register saved.", back),
        )
        .await
}

/// A trainer's assessment of observed practice.
async fn assess(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = RecordId::parse(&id) else {
        return see_other(routes::TRAINING.path());
    };
    let level = form.value(field::LEVEL);
    let body = NewAssessment {
        competency_id: form.value(field::COMPETENCY_ID),
        assessed_on: form.value(field::ASSESSED_ON),
        outcome: form.value(field::OUTCOME),
        level: (!level.trim().is_empty()).then_some(level),
        standards_met: form.all(field::STANDARDS_MET),
        notes: form.value(field::NOTES),
    };
    let back = routes::STAFF_RECORD.at([id.as_str()]);
    reply(field::FORM, form.only(&field::KEPT), back.clone())
        .post(
            &me,
            &state.ctx.training,
            &format!("/staff/{id}/assessments"),
            &body,
            |_: Assessed| done("Assessment recorded.", back),
        )
        .await
}

/// The skills matrix as the training service writes it (statuses and
/// coverage agree with the page), with the page's filters.
async fn matrix_csv(
    State(state): State<PortalState>,
    me: SignedIn,
    Query(query): Query<Fields>,
) -> Response {
    let filters: Vec<(&str, &str)> = query
        .iter()
        .filter(|(k, v)| filter::ALL.contains(k) && !v.trim().is_empty() && v.len() <= 64)
        .map(|(k, v)| (k, v.trim()))
        .collect();
    let answer = state
        .ctx
        .training
        .get_text("/matrix.csv", &filters, &me.principal())
        .await
        .map(|csv| (csv.into_bytes(), attachment("skills-matrix.csv")));
    download(answer, "text/csv; charset=utf-8", Service::Training)
}
