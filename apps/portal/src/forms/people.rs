//! Person form posts: the reason for viewing a person's page; a
//! coordinator merges a duplicate record into the one on the page.

use super::{Reply, SignedIn, done, see_other};
use crate::PortalState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use eip_portal_app::kit::fields::merge as field;
use eip_portal_app::kit::ids::Reference;
use eip_portal_app::kit::{Fields, FormOutcome, Service, Then, keys, routes};
use eip_types::person::{MergeRecord, MergeRequest};

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::MERGE.template(), post(merge_person))
        .route(routes::PERSON_REASON.template(), post(person_reason))
}

/// Keeps the reason for viewing a person's page, posted from it, and opens
/// the page again (without the reason in its URL).
async fn person_reason(me: SignedIn, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    let Some(id) = Reference::parse(&id) else {
        return see_other(routes::REFERRALS.path());
    };
    let back = routes::PERSON.at([id.as_str()]);
    super::keep_view_reason(&me, keys::RecordKind::Person, id.as_str(), &form, &back).await
}

/// What a merge leaves for the person's page at `back`.
fn reply(back: String) -> Reply<()> {
    Reply::new(
        keys::PERSON,
        FormOutcome::new(()),
        back,
        Service::Referrals.outage(Then::TryAgain),
    )
}

async fn merge_person(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = Reference::parse(&id) else {
        return see_other(routes::REFERRALS.path());
    };
    let back = routes::PERSON.at([id.as_str()]);
    let body = MergeRequest {
        duplicate_id: form.trimmed(field::DUPLICATE_ID),
        reason: form.value(field::REASON),
    };
    reply(back.clone())
        .post(
            &me,
            &state.ctx.referrals,
            &format!("/people/{id}/merge"),
            &body,
            |_: MergeRecord| done("Merged: the duplicate's referrals are now here.", back),
        )
        .await
}
