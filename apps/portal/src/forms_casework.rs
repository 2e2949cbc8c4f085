//! Form posts of the engagement work pages: a CSV file sent for import, a
//! community priority agreed, answered ("we did") and resolved, a
//! problem-solving case opened, worked through its stages and closed (and
//! its one-page summary downloaded), and a directory entry marked reviewed.
//! Each answers with a redirect; what was typed and what was wrong stay in
//! the session for the page to show.

use crate::PortalState;
use crate::forms::{attachment, download, signed_in, trimmed as field};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use eip_platform::client::ClientError;
use eip_portal_app::data::{CASE_FORM, IMPORT_FORM, KeptForm, PRIORITY_FORM, keys};
use eip_types::FieldError;
use eip_types::engagement::{
    ActionStatus, AssessmentInput, CaseResponse, CommunityPriority, DirectoryEntry, ImportJob,
    ImportKind, NewCase, NewImport, NewPriority, OpenHiddenSupport, OpenSupport, ProblemCase,
    RepeatFlag, RunRule, Scanning, SupportPath, TriangleAnalysis, WeDid,
};
use std::time::Duration;
use tower_sessions::Session;

/// The largest file the portal takes in; larger ones go through the API.
pub const MAX_PORTAL_UPLOAD: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(
            "/imports",
            post(upload).layer(DefaultBodyLimit::max(MAX_PORTAL_UPLOAD + 64 * 1024)),
        )
        .route("/priorities", post(agree_priority))
        .route("/priorities/{id}/responses", post(we_did))
        .route("/priorities/{id}/resolve", post(resolve_priority))
        .route("/cases", post(open_case))
        .route("/cases/{id}/summary.md", get(case_summary))
        .route("/cases/{id}/{stage}", post(case_stage))
        .route("/directory/{id}/review", post(review_entry))
        .route("/demand/run", post(run_rule))
        .route("/demand/flags/{id}/support", post(support_from_flag))
        .route("/demand/hidden/support", post(support_from_hidden))
}

/// An id from a path, kept to the characters the engagement service makes
/// ids of.
fn clean_id(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(80)
        .collect()
}

type Fields = Vec<(String, String)>;

/// Keeps a refused form and sends the user back to it.
async fn refused(session: &Session, key: &str, kept: KeptForm, to: &str) -> Response {
    let _ = session.insert(key, kept).await;
    Redirect::to(to).into_response()
}

/// Puts a service's refusal on the kept form: field errors on their
/// fields, anything else as the form's message.
fn explain(kept: &mut KeptForm, e: ClientError) {
    match e {
        ClientError::Problem(p) if p.status == 422 && !p.errors.is_empty() => {
            kept.errors = p.errors
        }
        ClientError::Problem(p) => kept.message = Some(p.detail.unwrap_or(p.title)),
        ClientError::Unavailable(why) => {
            tracing::warn!(error = %why, "engagement service unavailable");
            kept.message = Some(
                "The engagement service is not answering. Nothing was saved; please try again in a moment."
                    .into(),
            );
        }
    }
}

/// Posts `body` to the engagement service at `path` for `user`. Done, it
/// shows the message `done` gives and goes to the page it names; refused,
/// it keeps the form (`key`) with what was wrong and goes back to `back`.
#[expect(
    clippy::too_many_arguments,
    reason = "one call shape for every form post here"
)]
async fn post_form<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    state: &PortalState,
    session: &Session,
    user: &eip_portal_app::data::SessionUser,
    path: &str,
    body: &B,
    mut kept: KeptForm,
    (key, back): (&str, &str),
    done: impl FnOnce(T) -> (String, String),
) -> Response {
    match state
        .ctx
        .engagement
        .post::<_, T>(path, &user.principal(), body)
        .await
    {
        Ok(answer) => {
            let (flash, to) = done(answer);
            let _ = session.insert(keys::FLASH, flash).await;
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            explain(&mut kept, e);
            refused(session, key, kept, back).await
        }
    }
}

/// Takes a CSV file from the imports page, starts a job for it and hands
/// the file to the engagement service in the background, then shows the
/// job's page, which follows its progress.
async fn upload(
    State(state): State<PortalState>,
    session: Session,
    mut form: Multipart,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let mut kept = KeptForm {
        form: "import".into(),
        ..KeptForm::default()
    };
    let mut file: Option<Vec<u8>> = None;
    loop {
        match form.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_owned();
                if name == "file" {
                    match f.bytes().await {
                        Ok(b) => file = Some(b.to_vec()),
                        Err(_) => {
                            kept.errors.push(FieldError::new(
                                "file",
                                "The file could not be received whole (files up to 64 MB are taken here).",
                            ));
                        }
                    }
                } else if let Ok(text) = f.text().await {
                    kept.fields.push((name, text.trim().to_owned()));
                }
            }
            Ok(None) => break,
            Err(_) => {
                kept.errors.push(FieldError::new(
                    "file",
                    "The file could not be received whole (files up to 64 MB are taken here).",
                ));
                break;
            }
        }
    }
    let kind = ImportKind::parse(&kept.value("kind"));
    if kind.is_none() {
        kept.errors
            .push(FieldError::new("kind", "Choose the kind of file."));
    }
    let file = file.filter(|f| !f.is_empty());
    if file.is_none() && kept.error("file").is_none() {
        kept.errors.push(FieldError::new(
            "file",
            "Choose a CSV file with a header row.",
        ));
    }
    let (Some(kind), Some(file), true) = (kind, file, kept.errors.is_empty()) else {
        return refused(&session, IMPORT_FORM, kept, "/imports").await;
    };
    let version = kept.value("lookup_version");
    let me = user.principal();
    let new = NewImport {
        kind,
        lookup_version: (!version.is_empty()).then_some(version),
    };
    let job = match state
        .ctx
        .engagement
        .post::<_, ImportJob>("/imports", &me, &new)
        .await
    {
        Ok(job) => job,
        Err(e) => {
            explain(&mut kept, e);
            return refused(&session, IMPORT_FORM, kept, "/imports").await;
        }
    };
    let client = state.ctx.engagement.clone();
    let path = format!("/imports/{}/data", job.id);
    tokio::spawn(async move {
        let sent = client
            .put_file::<ImportJob>(&path, &me, "text/csv", file, Duration::from_secs(3_600))
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "an import file could not be handed over");
        }
    });
    Redirect::to(&format!("/imports?job={}", job.id)).into_response()
}

async fn agree_priority(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Form<Fields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let kept = KeptForm {
        form: "priority".into(),
        fields: form.clone(),
        ..KeptForm::default()
    };
    let body = NewPriority {
        place_id: field(&form, "place_id"),
        period: field(&form, "period").to_ascii_uppercase(),
        title: field(&form, "title"),
        you_said: field(&form, "you_said"),
        engagement_ids: Vec::new(),
    };
    let to = (PRIORITY_FORM, "/priorities");
    post_form(
        &state,
        &session,
        &user,
        "/priorities",
        &body,
        kept,
        to,
        |_: CommunityPriority| ("Priority agreed.".into(), "/priorities".into()),
    )
    .await
}

async fn open_case(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Form<Fields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let kept = KeptForm {
        form: "new".into(),
        fields: form.clone(),
        ..KeptForm::default()
    };
    let body = NewCase {
        title: field(&form, "title"),
        place_ids: form
            .iter()
            .filter(|(k, v)| k == "place_ids" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect(),
        objective: field(&form, "objective"),
    };
    let to = (CASE_FORM, "/cases");
    post_form(
        &state,
        &session,
        &user,
        "/cases",
        &body,
        kept,
        to,
        |case: ProblemCase| {
            (
                "Case opened. Work through its stages below.".into(),
                format!("/cases/{}", case.id),
            )
        },
    )
    .await
}

/// Saves one stage of a case, or closes it.
async fn case_stage(
    State(state): State<PortalState>,
    session: Session,
    Path((id, stage)): Path<(String, String)>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let id = clean_id(&id);
    let back = format!("/cases/{id}");
    let mut kept = KeptForm {
        form: stage.clone(),
        case_id: id.clone(),
        fields: form.clone(),
        ..KeptForm::default()
    };
    let me = user.principal();
    let svc = &state.ctx.engagement;
    let path = format!("/cases/{id}/{stage}");
    let result = match stage.as_str() {
        "scanning" => {
            let current = match svc.get::<ProblemCase>(&back, &me).await {
                Ok(c) => c,
                Err(e) => {
                    explain(&mut kept, e);
                    return refused(&session, CASE_FORM, kept, &back).await;
                }
            };
            let body = Scanning {
                community_view: field(&form, "community_view"),
                data_view: field(&form, "data_view"),
                ..current.scanning
            };
            svc.put::<_, ProblemCase>(&path, &me, &body).await
        }
        "analysis" => {
            let body = TriangleAnalysis {
                victim_guardian: field(&form, "victim_guardian"),
                offender_handler: field(&form, "offender_handler"),
                place_manager: field(&form, "place_manager"),
            };
            svc.put::<_, ProblemCase>(&path, &me, &body).await
        }
        "responses" => {
            let current = match svc.get::<ProblemCase>(&back, &me).await {
                Ok(c) => c,
                Err(e) => {
                    explain(&mut kept, e);
                    return refused(&session, CASE_FORM, kept, &back).await;
                }
            };
            let index = current.responses.len();
            let mut responses = current.responses;
            responses.push(CaseResponse {
                action: field(&form, "action"),
                owner: field(&form, "owner"),
                partner_agencies: field(&form, "partner_agencies")
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                due_on: field(&form, "due_on"),
                done_on: None,
                restorative_outcome: Some(field(&form, "restorative_outcome"))
                    .filter(|o| !o.trim().is_empty()),
            });
            svc.put::<_, ProblemCase>(&path, &me, &responses)
                .await
                .map_err(|e| match e {
                    // The new action's errors, on the form's own fields.
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
        "assessment" => {
            let body = AssessmentInput {
                before_from: field(&form, "before_from"),
                before_to: field(&form, "before_to"),
                after_from: field(&form, "after_from"),
                after_to: field(&form, "after_to"),
                delivered_as_planned: field(&form, "delivered_as_planned") == "yes",
                process_notes: field(&form, "process_notes"),
                learning: field(&form, "learning"),
            };
            svc.put::<_, ProblemCase>(&path, &me, &body).await
        }
        "close" => svc.post::<_, ProblemCase>(&path, &me, &()).await,
        _ => return Redirect::to(&back).into_response(),
    };
    match result {
        Ok(_) => {
            let done = if stage == "close" {
                "Case closed."
            } else {
                "Saved."
            };
            let _ = session.insert(keys::FLASH, done).await;
            Redirect::to(&back).into_response()
        }
        Err(e) => {
            explain(&mut kept, e);
            refused(&session, CASE_FORM, kept, &back).await
        }
    }
}

/// "You said, we did": records what was done about a priority.
async fn we_did(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let id = clean_id(&id);
    let mut kept = KeptForm {
        form: "wedid".into(),
        case_id: id.clone(),
        fields: form.clone(),
        ..KeptForm::default()
    };
    let status = match field(&form, "status").as_str() {
        "planned" => Some(ActionStatus::Planned),
        "in_progress" => Some(ActionStatus::InProgress),
        "done" => Some(ActionStatus::Done),
        _ => None,
    };
    let Some(status) = status else {
        kept.errors.push(FieldError::new(
            "status",
            "Choose planned, in progress or done.",
        ));
        return refused(&session, PRIORITY_FORM, kept, "/priorities").await;
    };
    let body = WeDid {
        we_did: field(&form, "we_did"),
        status,
        at: None,
    };
    let path = format!("/priorities/{id}/responses");
    let to = (PRIORITY_FORM, "/priorities");
    post_form(
        &state,
        &session,
        &user,
        &path,
        &body,
        kept,
        to,
        |p: CommunityPriority| {
            (
                format!("Recorded against \u{201c}{}\u{201d}.", p.title),
                "/priorities".into(),
            )
        },
    )
    .await
}

async fn resolve_priority(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let id = clean_id(&id);
    let path = format!("/priorities/{id}/resolve");
    let kept = KeptForm {
        form: "wedid".into(),
        case_id: id,
        ..KeptForm::default()
    };
    let to = (PRIORITY_FORM, "/priorities");
    post_form(
        &state,
        &session,
        &user,
        &path,
        &(),
        kept,
        to,
        |p: CommunityPriority| {
            (
                format!("\u{201c}{}\u{201d} is resolved.", p.title),
                "/priorities".into(),
            )
        },
    )
    .await
}

/// Marks a directory entry reviewed (coordinators and administrators).
async fn review_entry(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let path = format!("/directory/services/{}/review", clean_id(&id));
    let flash = match state
        .ctx
        .engagement
        .post::<_, DirectoryEntry>(&path, &user.principal(), &())
        .await
    {
        Ok(e) => format!("{} marked reviewed today.", e.name),
        Err(e) => failure(e),
    };
    let _ = session.insert(keys::FLASH, flash).await;
    Redirect::to("/directory").into_response()
}

/// The case's one-page summary, as a Markdown file to share good practice.
async fn case_summary(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let id = clean_id(&id);
    let answer = state
        .ctx
        .engagement
        .get_text(&format!("/cases/{id}/summary"), &[], &user.principal())
        .await
        .map(|text| {
            (
                text.into_bytes(),
                attachment(&format!("case-{id}-summary.md")),
            )
        });
    download(answer, "text/markdown; charset=utf-8", "engagement")
}

/// Why a call to the engagement service failed, for a flash message.
fn failure(e: ClientError) -> String {
    let mut kept = KeptForm::default();
    explain(&mut kept, e);
    let said = kept.message.unwrap_or_else(|| {
        kept.errors
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join(" ")
    });
    if said.trim().is_empty() {
        "Nothing was changed.".into()
    } else {
        said
    }
}

/// Runs a repeat-demand rule over the user's areas, today.
async fn run_rule(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Form<Fields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let path = format!("/repeat-rules/{}/run", clean_id(&field(&form, "rule_id")));
    let body = RunRule {
        as_of: None,
        area: None,
    };
    let flash = match state
        .ctx
        .engagement
        .post::<_, Vec<RepeatFlag>>(&path, &user.principal(), &body)
        .await
    {
        Ok(flags) if flags.is_empty() => "The rule raised no flags today.".to_owned(),
        Ok(flags) => format!(
            "The rule flagged {} reference{} for review.",
            flags.len(),
            if flags.len() == 1 { "" } else { "s" }
        ),
        Err(e) => failure(e),
    };
    let _ = session.insert(keys::FLASH, flash).await;
    Redirect::to("/demand").into_response()
}

/// The support path a demand form's pressed button asks for.
fn chosen_path(form: &[(String, String)]) -> Option<SupportPath> {
    SupportPath::parse(&field(form, "path"))
}

/// Where a support path opened from a flag leads: the new case, or back to
/// the lists with a note of the referral suggestion.
async fn opened(session: &Session, result: Result<RepeatFlag, ClientError>) -> Response {
    let (flash, to) = match result {
        Ok(RepeatFlag {
            case_id: Some(case),
            ..
        }) => (
            "Case opened, with the demand that led to it in the scanning stage.".to_owned(),
            format!("/cases/{case}"),
        ),
        Ok(f) => (
            format!(
                "Referral suggestion recorded for {} in {}: a practitioner follows it up.",
                f.subject_ref, f.place_id
            ),
            "/demand".to_owned(),
        ),
        Err(e) => (failure(e), "/demand".to_owned()),
    };
    let _ = session.insert(keys::FLASH, flash).await;
    Redirect::to(&to).into_response()
}

/// Opens a support path from a repeat-demand flag: a problem-solving case
/// or a referral suggestion, never a marker.
async fn support_from_flag(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let Some(path) = chosen_path(&form) else {
        return Redirect::to("/demand").into_response();
    };
    let result = state
        .ctx
        .engagement
        .post::<_, RepeatFlag>(
            &format!("/repeat-flags/{}/support", clean_id(&id)),
            &user.principal(),
            &OpenSupport { path },
        )
        .await;
    opened(&session, result).await
}

/// Opens a support path from a row of the hidden-demand worklist.
async fn support_from_hidden(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Form<Fields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let Some(path) = chosen_path(&form) else {
        return Redirect::to("/demand").into_response();
    };
    let body = OpenHiddenSupport {
        rule_id: field(&form, "rule_id"),
        subject_ref: field(&form, "subject_ref"),
        path,
    };
    let result = state
        .ctx
        .engagement
        .post::<_, RepeatFlag>("/hidden-demand/support", &user.principal(), &body)
        .await;
    opened(&session, result).await
}
