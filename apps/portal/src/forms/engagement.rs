//! Engagement form posts: logging an engagement, a CSV file sent for
//! import, a repeat-demand rule run, and a support path opened from a
//! repeat-demand flag or a hidden-demand row.

use super::{Done, Reply, SignedIn, done, see_other};
use crate::PortalState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use eip_portal_app::data::EngagementValues;
use eip_portal_app::kit::fields::{demand as demand_field, engagement as field, import};
use eip_portal_app::kit::ids::RecordId;
use eip_portal_app::kit::{Fields, FormOutcome, Outage, Service, Then, keys, routes};
use eip_types::FieldError;
use eip_types::engagement::{
    Engagement, EngagementKind, ImportJob, ImportKind, NewEngagement, NewImport, OpenHiddenSupport,
    OpenSupport, RepeatFlag, RunRule, SupportPath,
};
use std::time::Duration;

/// The largest file the portal takes in; larger ones go through the API.
const MAX_PORTAL_UPLOAD: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::LOG_ENGAGEMENT.template(), post(log_engagement))
        .route(
            routes::IMPORTS.template(),
            post(upload).layer(DefaultBodyLimit::max(MAX_PORTAL_UPLOAD + 64 * 1024)),
        )
        .route(routes::RUN_RULE.template(), post(run_rule))
        .route(routes::FLAG_SUPPORT.template(), post(support_from_flag))
        .route(routes::HIDDEN_SUPPORT.template(), post(support_from_hidden))
}

/// What to say when the engagement service does not answer a form.
const NOTHING_SAVED: Outage = Outage {
    service: Some(Service::Engagement),
    then: Then::NothingSaved,
};

/// Non-empty lines of a textarea, trimmed.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Logs an engagement from the form on its page.
async fn log_engagement(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let typed = EngagementValues {
        kind: form.value(field::KIND),
        place_id: form.value(field::PLACE_ID),
        held_on: form.value(field::HELD_ON),
        attendance: form.value(field::ATTENDANCE),
        groups_reached: form.value(field::GROUPS_REACHED),
        seldom_heard: form.value(field::SELDOM_HEARD) == field::YES,
        issues_raised: form.value(field::ISSUES_RAISED),
    };
    let kind = EngagementKind::parse(&typed.kind);
    let attendance = typed.attendance.trim().parse::<i64>().ok();
    let mut errors = Vec::new();
    if kind.is_none() {
        errors.push(FieldError::new(
            field::KIND,
            "Choose the kind of engagement.",
        ));
    }
    if attendance.is_none() {
        errors.push(FieldError::new(
            field::ATTENDANCE,
            "Give the number who took part, as a whole number.",
        ));
    }
    let body = match (kind, attendance) {
        (Some(kind), Some(attendance)) => Some(NewEngagement {
            kind,
            place_id: typed.place_id.clone(),
            held_on: typed.held_on.trim().to_owned(),
            attendance,
            groups_reached: lines(&typed.groups_reached),
            seldom_heard: typed.seldom_heard,
            issues_raised: lines(&typed.issues_raised),
        }),
        _ => None,
    };
    let reply = Reply::new(
        keys::ENGAGEMENT_FORM,
        FormOutcome::new(typed),
        routes::LOG_ENGAGEMENT.path(),
        Service::Engagement.outage(Then::KeptBelow),
    );
    let Some(body) = body else {
        return reply.refuse_with(&me.session, errors).await;
    };
    reply
        .post(
            &me,
            &state.ctx.engagement,
            "/engagements",
            &body,
            |logged: Engagement| {
                done(
                    "Engagement logged. Thank you.",
                    routes::PLACE.at([&logged.place_id]),
                )
            },
        )
        .await
}

/// Takes a CSV file from the imports page, starts a job for it and hands
/// the file to the engagement service in the background, then shows the
/// job's page, which follows its progress.
async fn upload(State(state): State<PortalState>, me: SignedIn, mut form: Multipart) -> Response {
    let mut typed = Fields::default();
    let mut errors = Vec::new();
    let not_whole = || {
        FieldError::new(
            import::FILE,
            "The file could not be received whole (files up to 64 MB are taken here).",
        )
    };
    let mut file: Option<Vec<u8>> = None;
    loop {
        match form.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_owned();
                if name == import::FILE {
                    match f.bytes().await {
                        Ok(b) => file = Some(b.to_vec()),
                        Err(_) => errors.push(not_whole()),
                    }
                } else if let Ok(text) = f.text().await {
                    typed.push(name, text.trim());
                }
            }
            Ok(None) => break,
            Err(_) => {
                errors.push(not_whole());
                break;
            }
        }
    }
    let kind = ImportKind::parse(&typed.value(import::KIND));
    if kind.is_none() {
        errors.push(FieldError::new(import::KIND, "Choose the kind of file."));
    }
    let file = file.filter(|f| !f.is_empty());
    if file.is_none() && !errors.iter().any(|e| e.field == import::FILE) {
        errors.push(FieldError::new(
            import::FILE,
            "Choose a CSV file with a header row.",
        ));
    }
    let version = typed.value(import::LOOKUP_VERSION);
    let reply = Reply::new(
        keys::IMPORT_FORM,
        FormOutcome::of(import::FORM, typed),
        routes::IMPORTS.path(),
        NOTHING_SAVED,
    );
    let (Some(kind), Some(file), true) = (kind, file, errors.is_empty()) else {
        return reply.refuse_with(&me.session, errors).await;
    };
    let new = NewImport {
        kind,
        lookup_version: (!version.is_empty()).then_some(version),
    };
    let me_there = me.principal();
    let job = match state
        .ctx
        .engagement
        .post::<_, ImportJob>("/imports", &me_there, &new)
        .await
    {
        Ok(job) => job,
        Err(e) => return reply.refused_by(&me.session, e).await,
    };
    let client = state.ctx.engagement.clone();
    let path = format!("/imports/{}/data", job.id);
    tokio::spawn(async move {
        let sent = client
            .put_file::<ImportJob>(
                &path,
                &me_there,
                "text/csv",
                file,
                Duration::from_secs(3_600),
            )
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "an import file could not be handed over");
        }
    });
    see_other(&routes::IMPORTS.with_query([], &[(import::JOB, &job.id)]))
}

/// Runs a repeat-demand rule over the user's areas, today.
async fn run_rule(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let back = routes::DEMAND.path();
    let Some(rule) = RecordId::parse(&form.trimmed(demand_field::RULE_ID)) else {
        return see_other(back);
    };
    let body = RunRule {
        as_of: None,
        area: None,
    };
    Reply::flash_only(back, NOTHING_SAVED)
        .post(
            &me,
            &state.ctx.engagement,
            &format!("/repeat-rules/{rule}/run"),
            &body,
            |flags: Vec<RepeatFlag>| {
                let said = match flags.len() {
                    0 => "The rule raised no flags today.".to_owned(),
                    1 => "The rule flagged 1 reference for review.".to_owned(),
                    n => format!("The rule flagged {n} references for review."),
                };
                done(said, back)
            },
        )
        .await
}

/// Where a support path opened from a flag leads: the new case, or back to
/// the lists with a note of the referral suggestion.
fn opened(flag: RepeatFlag) -> Done {
    match flag.case_id {
        Some(case) => done(
            "Case opened, with the demand that led to it in the scanning stage.",
            routes::CASE.at([&case]),
        ),
        None => done(
            format!(
                "Referral suggestion recorded for {} in {}: a practitioner follows it up.",
                flag.subject_ref, flag.place_id
            ),
            routes::DEMAND.path(),
        ),
    }
}

/// The support path a demand form's pressed button asks for.
fn chosen_path(form: &Fields) -> Option<SupportPath> {
    SupportPath::parse(&form.trimmed(demand_field::PATH))
}

/// Opens a support path from a repeat-demand flag: a problem-solving case
/// or a referral suggestion, never a marker.
async fn support_from_flag(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let back = routes::DEMAND.path();
    let (Some(id), Some(path)) = (RecordId::parse(&id), chosen_path(&form)) else {
        return see_other(back);
    };
    Reply::flash_only(back, NOTHING_SAVED)
        .post(
            &me,
            &state.ctx.engagement,
            &format!("/repeat-flags/{id}/support"),
            &OpenSupport { path },
            opened,
        )
        .await
}

/// Opens a support path from a row of the hidden-demand worklist.
async fn support_from_hidden(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let back = routes::DEMAND.path();
    let Some(path) = chosen_path(&form) else {
        return see_other(back);
    };
    let body = OpenHiddenSupport {
        rule_id: form.trimmed(demand_field::RULE_ID),
        subject_ref: form.trimmed(demand_field::SUBJECT_REF),
        path,
    };
    Reply::flash_only(back, NOTHING_SAVED)
        .post(
            &me,
            &state.ctx.engagement,
            "/hidden-demand/support",
            &body,
            opened,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textareas_become_trimmed_lists() {
        assert_eq!(
            lines("  young people \n\n care leavers\r\n"),
            ["young people", "care leavers"]
        );
        assert!(lines("   ").is_empty());
    }
}
