//! Form posts of the training pages: a session's register and a trainer's
//! assessment. Each answers with a redirect back to its page, carrying
//! what happened (or what to correct, with what was typed) in the session.

use crate::PortalState;
use crate::forms::{attachment, download, field, signed_in};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use eip_platform::client::ClientError;
use eip_portal_app::data::{TRAINING_OUTCOME, TrainingOutcome};
use eip_types::training::{Assessed, Attendance, NewAssessment, RegisterLine, Session as Course};
use tower_sessions::Session;

type FormFields = Vec<(String, String)>;

/// A path segment as the services name records: no slashes or dots.
fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Records what the service said, as the page will show it.
fn outcome_of<T>(form: &str, result: Result<T, ClientError>, done: &str) -> TrainingOutcome {
    let mut o = TrainingOutcome {
        form: form.into(),
        ..TrainingOutcome::default()
    };
    match result {
        Ok(_) => o.done = Some(done.into()),
        Err(ClientError::Problem(p)) if !p.errors.is_empty() => o.errors = p.errors,
        Err(ClientError::Problem(p)) => o.error = Some(p.detail.unwrap_or(p.title)),
        Err(ClientError::Unavailable(_)) => {
            o.error = Some("The training service is not answering; nothing was saved.".into());
        }
    }
    o
}

/// `POST /training/sessions/{id}/register`: radio `att-<staff id>` is
/// `attended`, `no_show` or empty (not marked).
pub async fn register(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<FormFields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    if !safe_id(&id) {
        return Redirect::to("/training/sessions").into_response();
    }
    let entries: Vec<RegisterLine> = form
        .iter()
        .filter_map(|(k, v)| {
            let staff_id = k.strip_prefix("att-")?;
            let attended = match v.as_str() {
                "attended" => true,
                "no_show" => false,
                _ => return None,
            };
            Some(RegisterLine {
                staff_id: staff_id.to_owned(),
                attended,
            })
        })
        .collect();
    let result = state
        .ctx
        .training
        .post::<_, Course>(
            &format!("/sessions/{id}/attendance"),
            &user.principal(),
            &Attendance { entries },
        )
        .await;
    let outcome = outcome_of("register", result, "Register saved.");
    let _ = session.insert(TRAINING_OUTCOME, outcome).await;
    Redirect::to(&format!("/training/sessions/{id}")).into_response()
}

/// `POST /training/staff/{id}/assess`: a trainer's assessment.
pub async fn assess(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<FormFields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    if !safe_id(&id) {
        return Redirect::to("/training").into_response();
    }
    let level = field(&form, "level");
    let body = NewAssessment {
        competency_id: field(&form, "competency_id"),
        assessed_on: field(&form, "assessed_on"),
        outcome: field(&form, "outcome"),
        level: (!level.trim().is_empty()).then_some(level),
        standards_met: form
            .iter()
            .filter(|(k, _)| k == "standards_met")
            .map(|(_, v)| v.clone())
            .collect(),
        notes: field(&form, "notes"),
    };
    let result = state
        .ctx
        .training
        .post::<_, Assessed>(
            &format!("/staff/{id}/assessments"),
            &user.principal(),
            &body,
        )
        .await;
    let mut outcome = outcome_of("assess", result, "Assessment recorded.");
    if outcome.done.is_none() {
        outcome.kept = ["competency_id", "assessed_on", "outcome", "level", "notes"]
            .into_iter()
            .map(|k| (k.to_owned(), field(&form, k)))
            .collect();
    }
    let _ = session.insert(TRAINING_OUTCOME, outcome).await;
    Redirect::to(&format!("/training/staff/{id}")).into_response()
}

/// `GET /training/matrix.csv`: the skills matrix as the training service
/// writes it (statuses and coverage agree with the page), with the page's
/// filters.
pub async fn matrix_csv(
    State(state): State<PortalState>,
    session: Session,
    Query(query): Query<FormFields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let filters: Vec<(&str, &str)> = query
        .iter()
        .filter(|(k, v)| {
            ["team", "area", "role", "agency", "manager", "as_of"].contains(&k.as_str())
                && !v.trim().is_empty()
                && v.len() <= 64
        })
        .map(|(k, v)| (k.as_str(), v.trim()))
        .collect();
    let answer = state
        .ctx
        .training
        .get_text("/matrix.csv", &filters, &user.principal())
        .await
        .map(|csv| (csv.into_bytes(), attachment("skills-matrix.csv")));
    download(answer, "text/csv; charset=utf-8", "training")
}
