//! Governance form posts: start a pack, review it, sign it; and the CSV
//! download of a pack's table. Each post answers with a redirect, carrying
//! what happened (or what was wrong) in the session.

use crate::PortalState;
use crate::forms::{attachment, download, signed_in, trimmed as field};
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use eip_platform::client::ClientError;
use eip_portal_app::data::{PACK_OUTCOME, PackOutcome};
use eip_types::governance::{Approvers, Board, CsvExport, Pack, PackInput};
use tower_sessions::Session;

type Fields = Form<Vec<(String, String)>>;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route("/governance/packs/create", post(create_pack))
        .route("/governance/approvers", post(save_approvers))
        .route("/governance/packs/{id}/review", post(review_pack))
        .route("/governance/packs/{id}/sign", post(sign_pack))
        .route("/governance/packs/{id}/csv/{measure_id}", get(download_csv))
        .route("/governance/packs/{id}/pdf", get(download_pdf))
}

fn refused(outcome: &mut PackOutcome, err: ClientError) {
    match err {
        ClientError::Problem(p) => {
            outcome.error = Some(p.detail.clone().unwrap_or_else(|| p.title.clone()));
            outcome.errors = p.errors;
        }
        ClientError::Unavailable(why) => {
            tracing::warn!(error = %why, "governance service unavailable");
            outcome.error = Some(
                "The governance service is not answering; please try again in a moment.".into(),
            );
        }
    }
}

async fn create_pack(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let input = PackInput {
        board_id: field(&form, "board_id"),
        from: field(&form, "from"),
        to: field(&form, "to"),
        measure_ids: Vec::new(),
        commentary: field(&form, "commentary"),
        annotations: Vec::new(),
    };
    let result = state
        .ctx
        .governance
        .post::<_, Pack>("/packs", &user.principal(), &input)
        .await;
    let mut outcome = PackOutcome::default();
    let to = match result {
        Ok(pack) => {
            outcome.done = Some("Draft pack created.".into());
            format!("/governance/packs/{}", pack.id)
        }
        Err(e) => {
            refused(&mut outcome, e);
            outcome.board_id = input.board_id;
            outcome.from = input.from;
            outcome.to = input.to;
            outcome.commentary = input.commentary;
            "/governance/packs".to_owned()
        }
    };
    let _ = session.insert(PACK_OUTCOME, outcome).await;
    Redirect::to(&to).into_response()
}

/// Names a board's approvers (administrators).
async fn save_approvers(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let board_id = field(&form, "board_id");
    let body = Approvers {
        approvers: form
            .iter()
            .filter(|(k, _)| k == "approver")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let ok = !board_id.is_empty()
        && board_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let mut outcome = PackOutcome::default();
    if ok {
        match state
            .ctx
            .governance
            .post::<_, Board>(
                &format!("/boards/{board_id}/approvers"),
                &user.principal(),
                &body,
            )
            .await
        {
            Ok(b) => outcome.done = Some(format!("Approvers saved for the {}.", b.name)),
            Err(e) => refused(&mut outcome, e),
        }
    } else {
        outcome.error = Some("Choose a board.".into());
    }
    let _ = session.insert(PACK_OUTCOME, outcome).await;
    Redirect::to("/governance/packs").into_response()
}

async fn step(
    state: PortalState,
    session: Session,
    id: String,
    action: &str,
    done: &str,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    // Ids are service-made uuids: anything else is not a pack.
    if uuid::Uuid::parse_str(&id).is_err() {
        return Redirect::to("/governance/packs").into_response();
    }
    let result = state
        .ctx
        .governance
        .post::<_, Pack>(
            &format!("/packs/{id}/{action}"),
            &user.principal(),
            &serde_json::json!({}),
        )
        .await;
    let mut outcome = PackOutcome::default();
    match result {
        Ok(_) => outcome.done = Some(done.to_owned()),
        Err(e) => refused(&mut outcome, e),
    }
    let _ = session.insert(PACK_OUTCOME, outcome).await;
    Redirect::to(&format!("/governance/packs/{id}")).into_response()
}

async fn review_pack(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    step(state, session, id, "review", "Marked as reviewed.").await
}

async fn sign_pack(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    step(
        state,
        session,
        id,
        "sign",
        "Signed. The figures are now frozen.",
    )
    .await
}

/// Streams the whole pack as PDF; the governance service renders it (from
/// the frozen snapshot once signed) and records the download.
async fn download_pdf(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    if uuid::Uuid::parse_str(&id).is_err() {
        return (axum::http::StatusCode::NOT_FOUND, "Not found").into_response();
    }
    let answer = state
        .ctx
        .governance
        .get_file(&format!("/packs/{id}/pdf"), &user.principal())
        .await
        .map(|file| (file.bytes, file.disposition));
    download(answer, "application/pdf", "governance")
}

/// Streams a pack table's CSV; the governance service records the download.
async fn download_csv(
    State(state): State<PortalState>,
    session: Session,
    Path((id, measure_id)): Path<(String, String)>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return Redirect::to("/sign-in").into_response();
    };
    let ok = uuid::Uuid::parse_str(&id).is_ok()
        && !measure_id.is_empty()
        && measure_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        return (axum::http::StatusCode::NOT_FOUND, "Not found").into_response();
    }
    let answer = state
        .ctx
        .governance
        .get::<CsvExport>(
            &format!("/packs/{id}/exports/{measure_id}"),
            &user.principal(),
        )
        .await
        .map(|export| (export.content.into_bytes(), attachment(&export.filename)));
    download(answer, "text/csv; charset=utf-8", "governance")
}
