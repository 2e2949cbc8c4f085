//! Person form posts: a coordinator merges a duplicate record into the one
//! on the page; an administrator undoes a merge.

use super::{Reply, SignedIn, done, see_other};
use crate::PortalState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use eip_portal_app::kit::fields::merge as field;
use eip_portal_app::kit::ids::Reference;
use eip_portal_app::kit::{Fields, FormOutcome, Service, Then, keys, routes};
use eip_types::person::{MergeRecord, MergeRequest, UndoMerge};

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::MERGE.template(), post(merge_person))
        .route(routes::UNDO_MERGE.template(), post(undo_merge))
}

/// What a merge or an undo leaves for the person's page at `back`.
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

/// Undoes merge `id`, going back to the person's page the query names.
async fn undo_merge(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<Fields>,
    Form(form): Form<Fields>,
) -> Response {
    let (Some(id), Some(person)) = (
        Reference::parse(&id),
        Reference::parse(&query.value(field::PERSON)),
    ) else {
        return see_other(routes::REFERRALS.path());
    };
    let back = routes::PERSON.at([person.as_str()]);
    let body = UndoMerge {
        reason: form.value(field::REASON),
    };
    reply(back.clone())
        .post(
            &me,
            &state.ctx.referrals,
            &format!("/merges/{id}/undo"),
            &body,
            |_: MergeRecord| {
                done(
                    "Merge undone: the referrals are back on their own record.",
                    back,
                )
            },
        )
        .await
}
