//! Casework form posts: a community priority agreed, answered ("we did")
//! and resolved; a problem-solving case opened, worked through its stages
//! and closed (and its one-page summary downloaded); a directory entry
//! marked reviewed.

use super::{Reply, SignedIn, attachment, done, download, not_found, see_other};
use crate::PortalState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use eip_platform::client::ClientError;
use eip_portal_app::kit::fields::case::{self as field, Stage};
use eip_portal_app::kit::fields::{priority as priority_field, we_did as we_did_field};
use eip_portal_app::kit::ids::RecordId;
use eip_portal_app::kit::{Fields, FormOutcome, Outage, Service, Then, keys, routes};
use eip_types::FieldError;
use eip_types::engagement::{
    ActionStatus, AssessmentInput, CaseResponse, CommunityPriority, DirectoryEntry, NewCase,
    NewPriority, ProblemCase, Scanning, TriangleAnalysis, WeDid,
};

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::PRIORITIES.template(), post(agree_priority))
        .route(routes::WE_DID.template(), post(we_did))
        .route(routes::RESOLVE_PRIORITY.template(), post(resolve_priority))
        .route(routes::CASES.template(), post(open_case))
        .route(routes::CASE_SUMMARY.template(), get(case_summary))
        .route(routes::CASE_STAGE.template(), post(case_stage))
        .route(routes::REVIEW_ENTRY.template(), post(review_entry))
}

/// What to say when the engagement service does not answer a form.
const NOTHING_SAVED: Outage = Outage {
    service: Some(Service::Engagement),
    then: Then::NothingSaved,
};

/// A form of the priority board, as `kept`.
fn on_board(kept: FormOutcome<Fields>) -> Reply<Fields> {
    Reply::new(
        keys::PRIORITY_FORM,
        kept,
        routes::PRIORITIES.path(),
        NOTHING_SAVED,
    )
}

async fn agree_priority(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let body = NewPriority {
        place_id: form.trimmed(priority_field::PLACE_ID),
        period: form.trimmed(priority_field::PERIOD).to_ascii_uppercase(),
        title: form.trimmed(priority_field::TITLE),
        you_said: form.trimmed(priority_field::YOU_SAID),
        engagement_ids: Vec::new(),
    };
    on_board(FormOutcome::of(priority_field::FORM, form))
        .post(
            &me,
            &state.ctx.engagement,
            "/priorities",
            &body,
            |_: CommunityPriority| done("Priority agreed.", routes::PRIORITIES.path()),
        )
        .await
}

/// "You said, we did": records what was done about a priority.
async fn we_did(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = RecordId::parse(&id) else {
        return see_other(routes::PRIORITIES.path());
    };
    let status = [
        ActionStatus::Planned,
        ActionStatus::InProgress,
        ActionStatus::Done,
    ]
    .into_iter()
    .find(|s| s.as_str() == form.trimmed(we_did_field::STATUS));
    let body = status.map(|status| WeDid {
        we_did: form.trimmed(we_did_field::WE_DID),
        status,
        at: None,
    });
    let reply = on_board(FormOutcome::of(we_did_field::FORM, form).about(id.as_str()));
    let Some(body) = body else {
        let errors = vec![FieldError::new(
            we_did_field::STATUS,
            "Choose planned, in progress or done.",
        )];
        return reply.refuse_with(&me.session, errors).await;
    };
    reply
        .post(
            &me,
            &state.ctx.engagement,
            &format!("/priorities/{id}/responses"),
            &body,
            |p: CommunityPriority| {
                done(
                    format!("Recorded against \u{201c}{}\u{201d}.", p.title),
                    routes::PRIORITIES.path(),
                )
            },
        )
        .await
}

async fn resolve_priority(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = RecordId::parse(&id) else {
        return see_other(routes::PRIORITIES.path());
    };
    on_board(FormOutcome::of(we_did_field::FORM, Fields::default()).about(id.as_str()))
        .post(
            &me,
            &state.ctx.engagement,
            &format!("/priorities/{id}/resolve"),
            &(),
            |p: CommunityPriority| {
                done(
                    format!("\u{201c}{}\u{201d} is resolved.", p.title),
                    routes::PRIORITIES.path(),
                )
            },
        )
        .await
}

async fn open_case(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let body = NewCase {
        title: form.trimmed(field::TITLE),
        place_ids: form
            .all(field::PLACE_IDS)
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect(),
        objective: form.trimmed(field::OBJECTIVE),
    };
    let kept = FormOutcome::of(field::NEW_FORM, form);
    Reply::new(keys::CASE_FORM, kept, routes::CASES.path(), NOTHING_SAVED)
        .post(
            &me,
            &state.ctx.engagement,
            "/cases",
            &body,
            |case: ProblemCase| {
                done(
                    "Case opened. Work through its stages below.",
                    routes::CASE.at([&case.id]),
                )
            },
        )
        .await
}

/// Saves one stage of a case, or closes it.
async fn case_stage(
    State(state): State<PortalState>,
    me: SignedIn,
    Path((id, stage)): Path<(String, String)>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = RecordId::parse(&id) else {
        return see_other(routes::CASES.path());
    };
    let back = routes::CASE.at([id.as_str()]);
    let Some(stage) = Stage::parse(&stage) else {
        return see_other(&back);
    };
    let me_there = me.principal();
    let svc = &state.ctx.engagement;
    let case = format!("/cases/{id}");
    let path = format!("/cases/{id}/{}", stage.as_str());
    let answer = match stage {
        Stage::Scanning => match svc.get::<ProblemCase>(&case, &me_there).await {
            Ok(current) => {
                let body = Scanning {
                    community_view: form.trimmed(field::COMMUNITY_VIEW),
                    data_view: form.trimmed(field::DATA_VIEW),
                    ..current.scanning
                };
                svc.put::<_, ProblemCase>(&path, &me_there, &body).await
            }
            Err(e) => Err(e),
        },
        Stage::Analysis => {
            let body = TriangleAnalysis {
                victim_guardian: form.trimmed(field::VICTIM_GUARDIAN),
                offender_handler: form.trimmed(field::OFFENDER_HANDLER),
                place_manager: form.trimmed(field::PLACE_MANAGER),
            };
            svc.put::<_, ProblemCase>(&path, &me_there, &body).await
        }
        Stage::Responses => match svc.get::<ProblemCase>(&case, &me_there).await {
            Ok(current) => add_response(svc, &path, &me_there, current, &form).await,
            Err(e) => Err(e),
        },
        Stage::Assessment => {
            let body = AssessmentInput {
                before_from: form.trimmed(field::BEFORE_FROM),
                before_to: form.trimmed(field::BEFORE_TO),
                after_from: form.trimmed(field::AFTER_FROM),
                after_to: form.trimmed(field::AFTER_TO),
                delivered_as_planned: form.trimmed(field::DELIVERED_AS_PLANNED) == "yes",
                process_notes: form.trimmed(field::PROCESS_NOTES),
                learning: form.trimmed(field::LEARNING),
            };
            svc.put::<_, ProblemCase>(&path, &me_there, &body).await
        }
        Stage::Close => svc.post::<_, ProblemCase>(&path, &me_there, &()).await,
    };
    let kept = FormOutcome::of(stage.as_str(), form).about(id.as_str());
    Reply::new(keys::CASE_FORM, kept, back.clone(), NOTHING_SAVED)
        .settle(&me.session, answer, |_| {
            let said = if stage == Stage::Close {
                "Case closed."
            } else {
                "Saved."
            };
            done(said, back)
        })
        .await
}

/// Adds the form's action to the case's responses. Its errors come back on
/// the form's own fields.
async fn add_response(
    svc: &eip_platform::client::ServiceClient,
    path: &str,
    me: &eip_types::Principal,
    current: ProblemCase,
    form: &Fields,
) -> Result<ProblemCase, ClientError> {
    let index = current.responses.len();
    let mut responses = current.responses;
    responses.push(CaseResponse {
        action: form.trimmed(field::ACTION),
        owner: form.trimmed(field::OWNER),
        partner_agencies: form
            .trimmed(field::PARTNER_AGENCIES)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        due_on: form.trimmed(field::DUE_ON),
        done_on: None,
        restorative_outcome: Some(form.trimmed(field::RESTORATIVE_OUTCOME))
            .filter(|o| !o.trim().is_empty()),
    });
    svc.put::<_, ProblemCase>(path, me, &responses)
        .await
        .map_err(|e| match e {
            ClientError::Problem(mut p) => {
                let prefix = format!("responses[{index}].");
                for err in &mut p.errors {
                    if let Some(f) = err.field.strip_prefix(&prefix) {
                        err.field = f.to_owned();
                    }
                }
                ClientError::Problem(p)
            }
            other => other,
        })
}

/// Marks a directory entry reviewed (coordinators and administrators).
async fn review_entry(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let back = routes::DIRECTORY.path();
    let Some(id) = RecordId::parse(&id) else {
        return see_other(back);
    };
    Reply::flash_only(back, NOTHING_SAVED)
        .post(
            &me,
            &state.ctx.engagement,
            &format!("/directory/services/{id}/review"),
            &(),
            |e: DirectoryEntry| done(format!("{} marked reviewed today.", e.name), back),
        )
        .await
}

/// The case's one-page summary, as a Markdown file to share good practice.
async fn case_summary(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = RecordId::parse(&id) else {
        return not_found();
    };
    let answer = state
        .ctx
        .engagement
        .get_text(&format!("/cases/{id}/summary"), &[], &me.principal())
        .await
        .map(|text| {
            (
                text.into_bytes(),
                attachment(&format!("case-{id}-summary.md")),
            )
        });
    download(answer, "text/markdown; charset=utf-8", Service::Engagement)
}
