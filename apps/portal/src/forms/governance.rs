//! Governance form posts: start a pack, name a board's approvers, review a
//! pack, sign it; and the downloads of a pack's table (CSV) and the whole
//! pack (PDF).

use super::{Reply, SignedIn, attachment, done, download, not_found, see_other};
use crate::PortalState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use eip_portal_app::data::PackValues;
use eip_portal_app::kit::fields::{approvers as approver_field, pack as field};
use eip_portal_app::kit::ids::{Slug, Uuid};
use eip_portal_app::kit::{Fields, FormOutcome, Service, Then, keys, routes};
use eip_types::governance::{Approvers, Board, CsvExport, Pack, PackInput};

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::CREATE_PACK.template(), post(create_pack))
        .route(routes::APPROVERS.template(), post(save_approvers))
        .route(routes::REVIEW_PACK.template(), post(review_pack))
        .route(routes::SIGN_PACK.template(), post(sign_pack))
        .route(routes::PACK_CSV.template(), get(download_csv))
        .route(routes::PACK_PDF.template(), get(download_pdf))
}

/// A pack form, as `typed`, going back to `back` when refused.
fn reply(typed: PackValues, back: impl Into<String>) -> Reply<PackValues> {
    Reply::new(
        keys::PACK,
        FormOutcome::new(typed),
        back,
        Service::Governance.outage(Then::TryAgain),
    )
}

async fn create_pack(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let typed = PackValues {
        board_id: form.trimmed(field::BOARD_ID),
        from: form.trimmed(field::FROM),
        to: form.trimmed(field::TO),
        commentary: form.trimmed(field::COMMENTARY),
    };
    let input = PackInput {
        board_id: typed.board_id.clone(),
        from: typed.from.clone(),
        to: typed.to.clone(),
        measure_ids: Vec::new(),
        commentary: typed.commentary.clone(),
        annotations: Vec::new(),
    };
    reply(typed, routes::PACKS.path())
        .post(
            &me,
            &state.ctx.governance,
            "/packs",
            &input,
            |pack: Pack| done("Draft pack created.", routes::PACK.at([&pack.id])),
        )
        .await
}

/// Names a board's approvers (administrators).
async fn save_approvers(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let back = routes::PACKS.path();
    let reply = reply(PackValues::default(), back);
    let Some(board) = Slug::parse(&form.trimmed(approver_field::BOARD_ID)) else {
        return reply.refuse_because(&me.session, "Choose a board.").await;
    };
    let body = Approvers {
        approvers: form.all(approver_field::APPROVER),
    };
    reply
        .post(
            &me,
            &state.ctx.governance,
            &format!("/boards/{board}/approvers"),
            &body,
            |b: Board| done(format!("Approvers saved for the {}.", b.name), back),
        )
        .await
}

/// Takes pack `id` one step (`review` or `sign`) and says `said`.
async fn step(state: PortalState, me: SignedIn, id: String, action: &str, said: &str) -> Response {
    // Ids are service-made uuids: anything else is not a pack.
    let Some(id) = Uuid::parse(&id) else {
        return see_other(routes::PACKS.path());
    };
    let back = routes::PACK.at([id.as_str()]);
    reply(PackValues::default(), back.clone())
        .post(
            &me,
            &state.ctx.governance,
            &format!("/packs/{id}/{action}"),
            &serde_json::json!({}),
            |_: Pack| done(said, back),
        )
        .await
}

async fn review_pack(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    step(state, me, id, "review", "Marked as reviewed.").await
}

async fn sign_pack(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    step(state, me, id, "sign", "Signed. The figures are now frozen.").await
}

/// Streams the whole pack as PDF; the governance service renders it (from
/// the frozen snapshot once signed) and records the download.
async fn download_pdf(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = Uuid::parse(&id) else {
        return not_found();
    };
    let answer = state
        .ctx
        .governance
        .get_file(&format!("/packs/{id}/pdf"), &me.principal())
        .await
        .map(|file| (file.bytes, file.disposition));
    download(answer, "application/pdf", Service::Governance)
}

/// Streams a pack table's CSV; the governance service records the download.
async fn download_csv(
    State(state): State<PortalState>,
    me: SignedIn,
    Path((id, measure_id)): Path<(String, String)>,
) -> Response {
    let (Some(id), Some(measure)) = (Uuid::parse(&id), Slug::parse(&measure_id)) else {
        return not_found();
    };
    let answer = state
        .ctx
        .governance
        .get::<CsvExport>(&format!("/packs/{id}/exports/{measure}"), &me.principal())
        .await
        .map(|export| (export.content.into_bytes(), attachment(&export.filename)));
    download(answer, "text/csv; charset=utf-8", Service::Governance)
}
