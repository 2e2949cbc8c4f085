//! Report packs: drafted and reviewed by analysts, signed by a board's
//! named approver, read and downloaded with every view recorded. The rules
//! are in `crate::packs`, the storage in `store::packs`.

use super::{ANALYSTS, AUTHORS, dashboard};
use crate::{AppState, compute, export, packs, pdf, store, svg};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::governance::{
    CsvExport, Dashboard, Pack, PackAccess, PackInput, PackStatus, PackView,
};
use eip_types::{FieldError, Principal, Role};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/packs", get(list_packs).post(create_pack))
        .route("/packs/{id}", get(show_pack).put(edit_pack))
        .route("/packs/{id}/review", post(review_pack))
        .route("/packs/{id}/sign", post(sign_pack))
        .route("/packs/{id}/tables/{measure_id}", get(table_csv))
        .route("/packs/{id}/exports/{measure_id}", get(table_export))
        .route("/packs/{id}/pdf", get(pack_pdf))
        .route("/packs/{id}/access", get(access_log))
}

/// A pack version, or 404.
async fn find(state: &AppState, id: &str) -> Result<Pack, ApiError> {
    store::packs::find(state.db.pool(), id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The pack's figures: the frozen snapshot once signed, live before.
async fn content(state: &AppState, pack: &Pack) -> Result<(Dashboard, Option<bool>), ApiError> {
    if pack.status == PackStatus::Signed {
        let text = store::packs::snapshot(state.db.pool(), &pack.id)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("signed pack without snapshot")))?;
        let verified = packs::verified(pack, &text);
        let dashboard: Dashboard =
            serde_json::from_str(&text).map_err(|e| ApiError::Internal(e.into()))?;
        return Ok((dashboard, Some(verified)));
    }
    Ok((live(state, &pack.input).await?, None))
}

/// The pack's figures as they stand now.
async fn live(state: &AppState, input: &PackInput) -> Result<Dashboard, ApiError> {
    let months = compute::months(&input.from, &input.to)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored pack with a bad period")))?;
    let d = dashboard::build(state, &months).await?;
    Ok(packs::narrow(d, input))
}

/// The snapshot signing a pack freezes (its figures, as canonical JSON) and
/// its SHA-256. For the benchmark, which measures signing and the PDF.
pub async fn seal_pack(state: &AppState, input: &PackInput) -> anyhow::Result<(String, String)> {
    let content = live(state, input)
        .await
        .map_err(|e| anyhow::anyhow!("pack content: {e:?}"))?;
    Ok(packs::seal(&content)?)
}

/// A signed pack's PDF as `/packs/{id}/pdf` renders it: the frozen snapshot
/// read back and typeset. For the benchmark.
pub fn render_signed_pdf(pack: &Pack, board_name: &str, snapshot: &str) -> anyhow::Result<Vec<u8>> {
    let content: Dashboard = serde_json::from_str(snapshot)?;
    Ok(pdf::render(pack, board_name, &content)?)
}

async fn view(state: &AppState, user: &Principal, pack: Pack) -> Result<PackView, ApiError> {
    let all = store::packs::boards(state.db.pool()).await?;
    let board = all.iter().find(|b| b.id == pack.input.board_id);
    let (content, snapshot_verified) = content(state, &pack).await?;
    let charts = svg::charts(&content.measures, &pack.input.annotations);
    Ok(PackView {
        may_sign: pack.status == PackStatus::Reviewed && packs::is_approver(user, board),
        board_name: board.map(|b| b.name.clone()).unwrap_or_default(),
        history: store::packs::history(state.db.pool(), &pack.series_id).await?,
        pack,
        content,
        charts,
        snapshot_verified,
    })
}

/// The months of `input`, or every problem with it.
async fn validate(state: &AppState, input: &PackInput) -> Result<Vec<String>, ApiError> {
    let fw = store::framework::load(state.db.pool()).await?;
    let boards = store::packs::boards(state.db.pool()).await?;
    packs::validate(input, &boards, &fw).map_err(ApiError::Validation)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PackQuery {
    /// Only this board's packs.
    pub board_id: Option<String>,
}

/// Every version of every pack, newest first.
#[utoipa::path(get, path = "/packs", tag = "packs", params(PackQuery),
    responses((status = 200, body = Vec<Pack>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn list_packs(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<PackQuery>,
) -> Result<Json<Vec<Pack>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(
        store::packs::list(state.db.pool(), q.board_id.as_deref()).await?,
    ))
}

/// Starts a draft pack.
#[utoipa::path(post, path = "/packs", tag = "packs", request_body = PackInput,
    responses((status = 201, body = Pack), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn create_pack(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<PackInput>,
) -> Result<(StatusCode, Json<Pack>), ApiError> {
    let who = user.require_any(&AUTHORS)?;
    validate(&state, &input).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let pack = packs::draft(id.clone(), id, 1, input, &who.user_id, now_text());
    let mut tx = state.db.begin().await?;
    store::packs::insert(&mut tx, &pack).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(pack)))
}

/// A pack with its figures, charts and history. Recorded as a view.
#[utoipa::path(get, path = "/packs/{id}", tag = "packs", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = PackView), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn show_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<PackView>, ApiError> {
    let who = user.require_any(&ANALYSTS)?;
    let pack = find(&state, &id).await?;
    store::packs::record_access(state.db.pool(), &pack.id, &who.user_id, "view").await?;
    Ok(Json(view(&state, who, pack).await?))
}

/// Changes a pack. A draft or reviewed pack is changed in place and goes
/// back to draft; a signed pack stays as signed and the change becomes a
/// new draft version (201).
#[utoipa::path(put, path = "/packs/{id}", tag = "packs", request_body = PackInput,
    params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = Pack), (status = 201, body = Pack), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 409, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn edit_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PackInput>,
) -> Result<(StatusCode, Json<Pack>), ApiError> {
    let who = user.require_any(&AUTHORS)?;
    let pack = find(&state, &id).await?;
    validate(&state, &input).await?;
    if input.board_id != pack.input.board_id {
        return Err(ApiError::Validation(vec![FieldError::new(
            "board_id",
            "A pack stays with its board; start a new pack for another board.",
        )]));
    }
    let versions = store::packs::history(state.db.pool(), &pack.series_id).await?;
    if versions.last().is_some_and(|v| v.id != pack.id) {
        return Err(ApiError::Conflict(
            "A newer version of this pack exists; edit that one.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    if pack.status == PackStatus::Signed {
        let next = packs::draft(
            uuid::Uuid::new_v4().to_string(),
            pack.series_id.clone(),
            pack.version + 1,
            input,
            &who.user_id,
            now_text(),
        );
        store::packs::insert(&mut tx, &next)
            .await
            .map_err(|e| match ApiError::from(e) {
                e @ ApiError::Internal(_) => e,
                // Someone else made the next version first.
                _ => ApiError::Conflict("A newer version of this pack exists.".into()),
            })?;
        tx.commit().await?;
        return Ok((StatusCode::CREATED, Json(next)));
    }
    if !store::packs::redraft(&mut tx, &pack.id, &input).await? {
        return Err(ApiError::Conflict("The pack was signed meanwhile.".into()));
    }
    tx.commit().await?;
    Ok((StatusCode::OK, Json(find(&state, &id).await?)))
}

/// Marks a draft reviewed: by an analyst or admin other than its author.
#[utoipa::path(post, path = "/packs/{id}/review", tag = "packs", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = Pack), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 409, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn review_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Pack>, ApiError> {
    let who = user.require_any(&AUTHORS)?;
    let pack = find(&state, &id).await?;
    if pack.status != PackStatus::Draft {
        return Err(ApiError::Conflict(format!(
            "Only a draft can be reviewed; this pack is {}.",
            pack.status.as_str()
        )));
    }
    if pack.created_by == who.user_id {
        return Err(ApiError::Forbidden(
            "Someone other than the pack's author must review it.".into(),
        ));
    }
    // A pack whose core measures lack data for an area is not a report.
    let live = live(&state, &pack.input).await?;
    if !live.validation.valid {
        return Err(ApiError::Validation(packs::missing_figures(
            &live.validation,
        )));
    }
    if !store::packs::mark_reviewed(state.db.pool(), &id, &who.user_id).await? {
        return Err(ApiError::Conflict("The pack changed meanwhile.".into()));
    }
    Ok(Json(find(&state, &id).await?))
}

/// Signs a reviewed pack: only a named approver of its board. Freezes the
/// figures as a snapshot with its SHA-256.
#[utoipa::path(post, path = "/packs/{id}/sign", tag = "packs", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = Pack), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 409, body = eip_types::Problem)))]
pub async fn sign_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Pack>, ApiError> {
    let who = user.require_any(&[Role::Board])?;
    let pack = find(&state, &id).await?;
    let all = store::packs::boards(state.db.pool()).await?;
    let board = all.iter().find(|b| b.id == pack.input.board_id);
    if !packs::is_approver(who, board) {
        return Err(ApiError::Forbidden(format!(
            "You are not a named approver for the {}.",
            board.map_or("board", |b| b.name.as_str())
        )));
    }
    if pack.status != PackStatus::Reviewed {
        return Err(ApiError::Conflict(format!(
            "Only a reviewed pack can be signed; this pack is {}.",
            pack.status.as_str()
        )));
    }
    let content = live(&state, &pack.input).await?;
    let (snapshot, hash) = packs::seal(&content).map_err(|e| ApiError::Internal(e.into()))?;
    if !store::packs::mark_signed(state.db.pool(), &id, &who.user_id, &snapshot, &hash).await? {
        return Err(ApiError::Conflict("The pack changed meanwhile.".into()));
    }
    Ok(Json(find(&state, &id).await?))
}

/// Adds a file name to a download, as an attachment.
fn attachment(res: &mut Response, content_type: &'static str, filename: &str) {
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
}

/// One measure's table as CSV, symbols and footnotes included. Recorded as
/// a download.
#[utoipa::path(get, path = "/packs/{id}/tables/{measure_id}", tag = "packs",
    params(("id" = String, Path, description = "The pack version's id"), ("measure_id" = String, Path, description = "The measure")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn table_csv(
    State(state): State<AppState>,
    user: Authenticated,
    Path((id, measure_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let export = csv_export(&state, &user, &id, &measure_id).await?;
    let mut res = export.content.into_response();
    attachment(&mut res, "text/csv; charset=utf-8", &export.filename);
    Ok(res)
}

/// The same CSV wrapped in JSON with its file name, for the portal.
/// Recorded as a download.
#[utoipa::path(get, path = "/packs/{id}/exports/{measure_id}", tag = "packs",
    params(("id" = String, Path, description = "The pack version's id"), ("measure_id" = String, Path, description = "The measure")),
    responses((status = 200, body = CsvExport), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn table_export(
    State(state): State<AppState>,
    user: Authenticated,
    Path((id, measure_id)): Path<(String, String)>,
) -> Result<Json<CsvExport>, ApiError> {
    Ok(Json(csv_export(&state, &user, &id, &measure_id).await?))
}

async fn csv_export(
    state: &AppState,
    user: &Authenticated,
    id: &str,
    measure_id: &str,
) -> Result<CsvExport, ApiError> {
    let who = user.require_any(&ANALYSTS)?;
    let pack = find(state, id).await?;
    let (content, _) = content(state, &pack).await?;
    let report = content
        .measures
        .iter()
        .find(|m| m.measure.id == measure_id)
        .ok_or(ApiError::NotFound)?;
    let body = export::csv(report, &pack, &content).map_err(|e| ApiError::Internal(e.into()))?;
    store::packs::record_access(
        state.db.pool(),
        &pack.id,
        &who.user_id,
        &format!("csv:{measure_id}"),
    )
    .await?;
    Ok(CsvExport {
        filename: format!("{}-{}-v{}.csv", measure_id, pack.input.to, pack.version),
        content: body,
    })
}

/// A PDF file, as OpenAPI describes binary content.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only its schema is used: the handler answers the bytes.
pub struct PdfFile(pub Vec<u8>);

/// The whole pack as a tagged PDF: period, areas and measures printed,
/// charts as vector graphics, long tables paginated. A signed pack renders
/// from its frozen snapshot. Recorded as a download.
#[utoipa::path(get, path = "/packs/{id}/pdf", tag = "packs", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, content_type = "application/pdf", body = PdfFile), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn pack_pdf(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = user.require_any(&ANALYSTS)?;
    let pack = find(&state, &id).await?;
    let all = store::packs::boards(state.db.pool()).await?;
    let board_name = all
        .iter()
        .find(|b| b.id == pack.input.board_id)
        .map_or(pack.input.board_id.clone(), |b| b.name.clone());
    let (content, _) = content(&state, &pack).await?;
    let (bytes, pack) = tokio::task::spawn_blocking(move || {
        pdf::render(&pack, &board_name, &content).map(|b| (b, pack))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(|e| ApiError::Internal(e.into()))?;
    store::packs::record_access(state.db.pool(), &pack.id, &who.user_id, "pdf").await?;
    let mut res = bytes.into_response();
    attachment(
        &mut res,
        "application/pdf",
        &format!(
            "{}-{}-v{}.pdf",
            pack.input.board_id, pack.input.to, pack.version
        ),
    );
    Ok(res)
}

/// Who viewed or downloaded a pack (administrators and the data protection
/// officer).
#[utoipa::path(get, path = "/packs/{id}/access", tag = "packs", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = Vec<PackAccess>), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn access_log(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<PackAccess>>, ApiError> {
    user.require_any(&[Role::Admin, Role::Dpo])?;
    find(&state, &id).await?;
    Ok(Json(store::packs::access_log(state.db.pool(), &id).await?))
}
