//! Form posts of the engagement pages. Like the others they work without
//! JavaScript: each answers with a redirect, keeping what was typed and
//! what was wrong in the session.

use crate::PortalState;
use crate::forms::{field, signed_in};
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use eip_platform::client::ClientError;
use eip_portal_app::data::{ENGAGEMENT_FORM, EngagementForm, keys};
use eip_types::FieldError;
use eip_types::engagement::{Engagement, EngagementKind, NewEngagement};
use tower_sessions::Session;

type FormFields = Vec<(String, String)>;

/// Non-empty lines of a textarea, trimmed.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Logs an engagement from the form on `/engagement/new`.
pub async fn log_engagement(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Form<FormFields>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let mut kept = EngagementForm {
        kind: field(&form, "kind"),
        place_id: field(&form, "place_id"),
        held_on: field(&form, "held_on"),
        attendance: field(&form, "attendance"),
        groups_reached: field(&form, "groups_reached"),
        seldom_heard: field(&form, "seldom_heard") == "yes",
        issues_raised: field(&form, "issues_raised"),
        errors: Vec::new(),
        message: None,
    };
    let kind = EngagementKind::parse(&kept.kind);
    let attendance = kept.attendance.trim().parse::<i64>().ok();
    if kind.is_none() {
        kept.errors
            .push(FieldError::new("kind", "Choose the kind of engagement."));
    }
    if attendance.is_none() {
        kept.errors.push(FieldError::new(
            "attendance",
            "Give the number who took part, as a whole number.",
        ));
    }
    let (Some(kind), Some(attendance)) = (kind, attendance) else {
        let _ = session.insert(ENGAGEMENT_FORM, kept).await;
        return Redirect::to("/engagement/new").into_response();
    };
    let body = NewEngagement {
        kind,
        place_id: kept.place_id.clone(),
        held_on: kept.held_on.trim().to_owned(),
        attendance,
        groups_reached: lines(&kept.groups_reached),
        seldom_heard: kept.seldom_heard,
        issues_raised: lines(&kept.issues_raised),
    };
    let result = state
        .ctx
        .engagement
        .post::<_, Engagement>("/engagements", &user.principal(), &body)
        .await;
    match result {
        Ok(logged) => {
            let _ = session
                .insert(keys::FLASH, "Engagement logged. Thank you.")
                .await;
            Redirect::to(&format!("/places/{}", logged.place_id)).into_response()
        }
        Err(ClientError::Problem(p)) if p.status == 422 => {
            kept.errors = p.errors;
            let _ = session.insert(ENGAGEMENT_FORM, kept).await;
            Redirect::to("/engagement/new").into_response()
        }
        Err(ClientError::Problem(p)) => {
            kept.message = Some(p.detail.unwrap_or(p.title));
            let _ = session.insert(ENGAGEMENT_FORM, kept).await;
            Redirect::to("/engagement/new").into_response()
        }
        Err(ClientError::Unavailable(why)) => {
            tracing::warn!(error = %why, "engagement service unavailable");
            kept.message = Some(
                "The engagement service is not answering. What you typed is kept below; please try again in a moment."
                    .into(),
            );
            let _ = session.insert(ENGAGEMENT_FORM, kept).await;
            Redirect::to("/engagement/new").into_response()
        }
    }
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
