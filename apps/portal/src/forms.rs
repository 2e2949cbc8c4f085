//! The portal's form posts. They work without JavaScript: each answers with a
//! redirect, carrying what the user typed and what was wrong in the session.

use crate::{PortalState, users};
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use eip_platform::client::ClientError;
use eip_portal_app::data::{ActionOutcome, ReferralForm, SessionUser, SignInForm, keys};
use eip_types::person::{MatchQuery, MergeRecord, MergeRequest, PersonMatch, UndoMerge};
use eip_types::referral::{
    ConsentStatus, FollowUpResult, LawfulBasis, NewReferral, Outcome, Pathway, Priority, Referral,
    RetentionChoice, RetentionDecision, SharedField, Transition, TransitionRequest, is_reference,
};
use tower_sessions::Session;

/// A form's fields in order; a checkbox group repeats its name.
pub(crate) type FormFields = Vec<(String, String)>;
pub(crate) type Fields = Form<FormFields>;

/// The first value of field `name`, or empty when absent.
pub(crate) fn field(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The first value of field `name` without surrounding spaces, or empty.
pub(crate) fn trimmed(form: &[(String, String)], name: &str) -> String {
    field(form, name).trim().to_owned()
}

/// The signed-in user, if any.
pub(crate) async fn signed_in(session: &Session) -> Option<SessionUser> {
    session.get::<SessionUser>(keys::USER).await.ok().flatten()
}

/// Every value of field `name`, such as the ticked boxes of a group.
fn values(form: &FormFields, name: &str) -> Vec<String> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A file a service answered with, passed on as a download of
/// `content_type` with its `Content-Disposition` (when there is one); a
/// refusal keeps its status and reason, an outage says which `service`
/// is not answering.
pub(crate) fn download(
    answer: Result<(Vec<u8>, Option<String>), ClientError>,
    content_type: &'static str,
    service: &str,
) -> Response {
    use axum::http::{HeaderValue, StatusCode, header};
    match answer {
        Ok((bytes, disposition)) => {
            let mut res = bytes.into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            if let Some(v) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(ClientError::Problem(p)) => (
            StatusCode::from_u16(p.status).unwrap_or(StatusCode::FORBIDDEN),
            p.detail.unwrap_or(p.title),
        )
            .into_response(),
        Err(ClientError::Unavailable(why)) => {
            tracing::warn!(error = %why, service, "service unavailable for a download");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("The {service} service is not answering; please try again in a moment."),
            )
                .into_response()
        }
    }
}

/// `attachment; filename="…"` for a download saved as `name`.
pub(crate) fn attachment(name: &str) -> Option<String> {
    Some(format!("attachment; filename=\"{name}\""))
}

pub async fn sign_in(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let username = field(&form, "username");
    let password = field(&form, "password");
    let user = if username.trim().is_empty() || password.is_empty() || username.len() > 100 {
        Ok(None)
    } else {
        users::authenticate(&state.db, &username, &password).await
    };
    match user {
        Ok(Some(user)) => {
            // A new session id at sign-in: nothing from before carries over.
            let _ = session.flush().await;
            let _ = session.cycle_id().await;
            let stored = session.insert(keys::USER, &user).await.is_ok()
                && session
                    .insert(keys::SIGNED_IN_AT, chrono::Utc::now().timestamp())
                    .await
                    .is_ok();
            if !stored {
                return unavailable();
            }
            tracing::info!(user.id = %user.user_id, "signed in");
            see_other("/")
        }
        Ok(None) => {
            let _ = session
                .insert(
                    keys::SIGN_IN_FORM,
                    SignInForm {
                        username: username.trim().to_owned(),
                        error: Some("The username or password is not right.".into()),
                    },
                )
                .await;
            see_other("/sign-in")
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            unavailable()
        }
    }
}

pub async fn sign_out(session: Session) -> Response {
    let _ = session.flush().await;
    see_other("/sign-in")
}

fn unavailable() -> Response {
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        axum::response::Html(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Service unavailable</title></head>\
             <body><h1 id=\"unavailable\">Service unavailable</h1><p>Please try again in a moment.</p>\
             <p><a href=\"/\">Home</a></p></body></html>",
        ),
    )
        .into_response()
}

pub async fn create_referral(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    let submit = field(&form, "action") == "submit";
    let choice = field(&form, "person_choice");
    let body = NewReferral {
        child_name: field(&form, "child_name"),
        date_of_birth: field(&form, "date_of_birth"),
        area_id: field(&form, "area_id"),
        reason: field(&form, "reason"),
        risk_factors: values(&form, "risk_factors"),
        submit,
        person_id: (!choice.is_empty() && choice != "new").then(|| choice.clone()),
        gender: field(&form, "gender"),
        school: field(&form, "school"),
    };
    let mut kept = ReferralForm {
        child_name: body.child_name.clone(),
        date_of_birth: body.date_of_birth.clone(),
        area_id: body.area_id.clone(),
        reason: body.reason.clone(),
        risk_factors: body.risk_factors.clone(),
        gender: body.gender.clone(),
        school: body.school.clone(),
        person_choice: choice.clone(),
        ..Default::default()
    };
    // Before a new record is made, the officer sees any record that may be
    // the same child and chooses.
    if choice.is_empty() {
        let query = MatchQuery {
            name: body.child_name.clone(),
            date_of_birth: body.date_of_birth.clone(),
            area_id: body.area_id.clone(),
        };
        let found = state
            .ctx
            .referrals
            .post::<_, Vec<PersonMatch>>("/people/matches", &user.principal(), &query)
            .await;
        if let Ok(candidates) = found
            && !candidates.is_empty()
        {
            kept.candidates = candidates;
            kept.message = Some(
                "We may already know this child. Choose their record, or say none of these is them."
                    .into(),
            );
            let _ = session.insert(keys::REFERRAL_FORM, kept).await;
            return see_other("/referrals/new");
        }
    }
    let result = state
        .ctx
        .referrals
        .post::<_, Referral>("/referrals", &user.principal(), &body)
        .await;
    match result {
        Ok(_) => {
            let message = if submit {
                "Referral submitted. The hub will triage it."
            } else {
                "Draft saved. Submit it when it is ready."
            };
            let _ = session.insert(keys::FLASH, message).await;
            see_other("/referrals")
        }
        Err(ClientError::Problem(p)) if p.status == 422 => {
            kept.errors = p.errors;
            let _ = session.insert(keys::REFERRAL_FORM, kept).await;
            see_other("/referrals/new")
        }
        Err(ClientError::Problem(p)) => {
            kept.message = Some(p.detail.unwrap_or(p.title));
            let _ = session.insert(keys::REFERRAL_FORM, kept).await;
            see_other("/referrals/new")
        }
        Err(ClientError::Unavailable(why)) => {
            tracing::warn!(error = %why, "referrals service unavailable");
            kept.message = Some(
                "The referrals service is not answering. What you typed is kept below; please try again in a moment."
                    .into(),
            );
            let _ = session.insert(keys::REFERRAL_FORM, kept).await;
            see_other("/referrals/new")
        }
    }
}

/// The lifecycle form on a referral's page: one step, named by `action`.
pub async fn referral_action(
    State(state): State<PortalState>,
    session: Session,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    if !is_reference(&id) {
        return see_other("/referrals");
    }
    let back = format!("/referrals/{id}");
    let action = field(&form, "action");
    // The text typed, kept for the form when the step is refused.
    let reason = field(
        &form,
        if action == "share" {
            "consent_note"
        } else {
            "reason"
        },
    );
    let mut outcome = ActionOutcome {
        action: action.clone(),
        reason: reason.clone(),
        ..Default::default()
    };
    let request = transition_from_form(&form).and_then(|transition| {
        let version = field(&form, "version")
            .parse::<i64>()
            .map_err(|_| "The page was out of date; reload it and try again.".to_owned())?;
        Ok(TransitionRequest {
            version,
            transition,
        })
    });
    match request {
        Err(message) => outcome.error = Some(message),
        Ok(request) => {
            let result = state
                .ctx
                .referrals
                .post::<_, Referral>(
                    &format!("/referrals/{id}/transitions"),
                    &user.principal(),
                    &request,
                )
                .await;
            match result {
                Ok(after) => {
                    outcome.done = Some(format!(
                        "Done: the referral is now {}.",
                        after.status.label().to_lowercase()
                    ));
                    outcome.reason.clear();
                }
                Err(ClientError::Problem(p)) => {
                    outcome.error = Some(p.detail.clone().unwrap_or_else(|| p.title.clone()));
                    outcome.errors = p.errors;
                }
                Err(ClientError::Unavailable(why)) => {
                    tracing::warn!(error = %why, "referrals service unavailable");
                    outcome.error = Some(
                        "The referrals service is not answering; please try again in a moment."
                            .into(),
                    );
                }
            }
        }
    }
    let _ = session.insert(keys::REFERRAL_ACTION, outcome).await;
    see_other(&back)
}

/// Reads one lifecycle step from the form's fields.
fn transition_from_form(form: &FormFields) -> Result<Transition, String> {
    let choose = |name: &str, what: &str| {
        let value = field(form, name);
        if value.is_empty() {
            Err(format!("Choose {what}."))
        } else {
            Ok(value)
        }
    };
    Ok(match field(form, "action").as_str() {
        "submit" => Transition::Submit {},
        "triage" => Transition::Triage {
            priority: Priority::parse(&choose("priority", "a priority")?)
                .ok_or("Choose one of the listed priorities.")?,
            pathway: Pathway::parse(&choose("pathway", "a pathway")?)
                .ok_or("Choose one of the listed pathways.")?,
        },
        // Every share field goes to the service as typed, so that all that
        // is wrong comes back at once, field by field.
        "share" => Transition::Share {
            agency_id: field(form, "agency_id"),
            lawful_basis: LawfulBasis::parse(&field(form, "lawful_basis")),
            consent: ConsentStatus::parse(&field(form, "consent")),
            consent_note: field(form, "consent_note"),
            agreement_id: field(form, "agreement_id"),
            fields: values(form, "fields")
                .iter()
                .filter_map(|f| SharedField::parse(f))
                .collect(),
        },
        "follow_up" => Transition::FollowUp {
            result: FollowUpResult::parse(&choose("result", "what the check found")?)
                .ok_or("Choose one of the listed results.")?,
        },
        "accept" => Transition::Accept {},
        "decline" => Transition::Decline {
            reason: field(form, "reason"),
        },
        "start" => Transition::Start {},
        "close" => Transition::Close {
            outcome: Outcome::parse(&choose("outcome", "an outcome")?)
                .ok_or("Choose one of the listed outcomes.")?,
        },
        "withdraw" => Transition::Withdraw {
            reason: field(form, "reason"),
        },
        _ => return Err("That step is not known.".into()),
    })
}

/// A retention review's decision on one record (administrators).
pub async fn retention_decision(
    State(state): State<PortalState>,
    session: Session,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    let outcome = match RetentionChoice::parse(&field(&form, "decision")) {
        None => (false, "Choose to retain or to dispose.".to_owned()),
        Some(decision) => {
            let next = field(&form, "next_review_on");
            let body = RetentionDecision {
                decision,
                reason: field(&form, "reason"),
                next_review_on: (!next.trim().is_empty()).then_some(next),
            };
            let result = state
                .ctx
                .referrals
                .post::<_, Referral>(
                    &format!("/referrals/{id}/retention"),
                    &user.principal(),
                    &body,
                )
                .await;
            match result {
                Ok(_) => (
                    true,
                    format!("Recorded: {}.", decision.label().to_lowercase()),
                ),
                Err(ClientError::Problem(p)) => (
                    false,
                    p.errors
                        .first()
                        .map(|e| e.message.clone())
                        .or(p.detail)
                        .unwrap_or(p.title),
                ),
                Err(ClientError::Unavailable(_)) => (
                    false,
                    "The referrals service is not answering; please try again in a moment.".into(),
                ),
            }
        }
    };
    let _ = session.insert(keys::RETENTION_OUTCOME, outcome).await;
    see_other("/retention")
}

/// What a merge or an undo came to, for the person's page.
fn person_outcome<T>(result: Result<T, ClientError>, done: &str) -> (bool, String) {
    match result {
        Ok(_) => (true, done.to_owned()),
        Err(ClientError::Problem(p)) => (
            false,
            p.errors
                .first()
                .map(|e| e.message.clone())
                .or(p.detail)
                .unwrap_or(p.title),
        ),
        Err(ClientError::Unavailable(_)) => (
            false,
            "The referrals service is not answering; please try again in a moment.".into(),
        ),
    }
}

/// A coordinator merges a duplicate record into the one on the page.
pub async fn merge_person(
    State(state): State<PortalState>,
    session: Session,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    if !is_reference(&id) {
        return see_other("/referrals");
    }
    let body = MergeRequest {
        duplicate_id: field(&form, "duplicate_id").trim().to_owned(),
        reason: field(&form, "reason"),
    };
    let result = state
        .ctx
        .referrals
        .post::<_, MergeRecord>(&format!("/people/{id}/merge"), &user.principal(), &body)
        .await;
    let outcome = person_outcome(result, "Merged: the duplicate's referrals are now here.");
    let _ = session.insert(keys::PERSON_OUTCOME, outcome).await;
    see_other(&format!("/people/{id}"))
}

#[derive(Debug, serde::Deserialize)]
pub struct BackTo {
    person: String,
}

/// An administrator undoes a merge.
pub async fn undo_merge(
    State(state): State<PortalState>,
    session: Session,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(back): axum::extract::Query<BackTo>,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    if !is_reference(&id) || !is_reference(&back.person) {
        return see_other("/referrals");
    }
    let body = UndoMerge {
        reason: field(&form, "reason"),
    };
    let result = state
        .ctx
        .referrals
        .post::<_, MergeRecord>(&format!("/merges/{id}/undo"), &user.principal(), &body)
        .await;
    let outcome = person_outcome(
        result,
        "Merge undone: the referrals are back on their own record.",
    );
    let _ = session.insert(keys::PERSON_OUTCOME, outcome).await;
    see_other(&format!("/people/{}", back.person))
}
