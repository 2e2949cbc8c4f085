//! Report packs: a board's measures for a period with commentary and
//! annotations, taken from draft through review to signature by a named
//! approver. A signed pack is frozen: its figures are a stored snapshot
//! with a SHA-256 hash, so it re-renders identically after source data is
//! corrected; changing it makes a new version. Every view and download is
//! recorded.

use crate::dashboard_api::{self, MAX_MONTHS};
use crate::framework_api::ANALYSTS;
use crate::{AppState, compute, framework, svg};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use eip_platform::db::{Tx, now_text};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::governance::{
    Approvers, Board, CsvExport, Dashboard, Framework, MeasureStatus, Pack, PackAccess, PackInput,
    PackStatus, PackView,
};
use eip_types::{FieldError, Principal, Role};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// Who writes and reviews packs.
pub const AUTHORS: [Role; 2] = [Role::Analyst, Role::Admin];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/boards", get(list_boards))
        .route(
            "/boards/{id}/approvers",
            put(set_approvers).post(set_approvers_by_post),
        )
        .route("/packs", get(list_packs).post(create_pack))
        .route("/packs/{id}", get(show_pack).put(edit_pack))
        .route("/packs/{id}/review", post(review_pack))
        .route("/packs/{id}/sign", post(sign_pack))
        .route("/packs/{id}/tables/{measure_id}", get(table_csv))
        .route("/packs/{id}/exports/{measure_id}", get(table_export))
        .route("/packs/{id}/pdf", get(pack_pdf))
        .route("/packs/{id}/access", get(access_log))
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

/// The months a pack covers, or every problem with its content.
pub fn validate(
    input: &PackInput,
    boards: &[Board],
    framework: &Framework,
) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !boards.iter().any(|b| b.id == input.board_id) {
        errors.push(FieldError::new("board_id", "Choose a board."));
    }
    let mut months = None;
    if input.from.trim().is_empty() {
        errors.push(FieldError::new(
            "from",
            "A pack needs a period: give its first month.",
        ));
    }
    if input.to.trim().is_empty() {
        errors.push(FieldError::new(
            "to",
            "A pack needs a period: give its last month.",
        ));
    }
    if !input.from.trim().is_empty() && !input.to.trim().is_empty() {
        match dashboard_api::parse_range(Some(&input.from), Some(&input.to)) {
            Ok(m) => months = Some(m),
            Err(ApiError::Validation(mut e)) => errors.append(&mut e),
            Err(_) => errors.push(FieldError::new("from", "The period could not be read.")),
        }
    }
    for (i, id) in input.measure_ids.iter().enumerate() {
        match framework.measures.iter().find(|m| m.id == *id) {
            None => errors.push(FieldError::new(
                format!("measure_ids[{i}]"),
                format!("There is no measure '{id}'."),
            )),
            Some(m) if m.status != MeasureStatus::Active => errors.push(FieldError::new(
                format!("measure_ids[{i}]"),
                format!("'{}' is not measured yet.", m.name),
            )),
            Some(_) => {}
        }
    }
    if input.commentary.chars().count() > 20_000 {
        errors.push(FieldError::new(
            "commentary",
            "Keep the commentary under 20,000 characters.",
        ));
    }
    if input.annotations.len() > 50 {
        errors.push(FieldError::new("annotations", "At most 50 annotations."));
    }
    for (i, a) in input.annotations.iter().enumerate() {
        if chrono::NaiveDate::parse_from_str(&a.date, "%Y-%m-%d").is_err() {
            errors.push(FieldError::new(
                format!("annotations[{i}].date"),
                "Give the date as YYYY-MM-DD.",
            ));
        }
        let len = a.text.trim().chars().count();
        if len == 0 || len > 200 {
            errors.push(FieldError::new(
                format!("annotations[{i}].text"),
                "Describe the event in 1 to 200 characters.",
            ));
        }
    }
    match months {
        Some(m) if errors.is_empty() && m.len() <= MAX_MONTHS => Ok(m),
        _ => Err(errors),
    }
}

/// The canonical bytes of a snapshot and their SHA-256, hex.
pub fn seal(content: &Dashboard) -> Result<(String, String), serde_json::Error> {
    let text = serde_json::to_string(content)?;
    let hash = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((text, hash))
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------

async fn boards(pool: &AnyPool) -> Result<Vec<Board>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name FROM boards ORDER BY position, id")
        .fetch_all(pool)
        .await?;
    let approvers = sqlx::query(
        "SELECT board_id, approver_user FROM board_approvers ORDER BY board_id, approver_user",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let mine = approvers
                .iter()
                .filter(|a| a.try_get::<String, _>("board_id").is_ok_and(|b| b == id))
                .map(|a| a.try_get("approver_user"))
                .collect::<Result<Vec<String>, _>>()?;
            Ok(Board {
                id,
                name: r.try_get("name")?,
                approvers: mine,
            })
        })
        .collect()
}

const PACK_COLUMNS: &str = "id, series_id, version, status, input, created_by, created_at, \
    reviewed_by, reviewed_at, signed_by, signed_at, snapshot_sha256";

fn pack_of(r: &AnyRow) -> Result<Pack, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let input: String = r.try_get("input")?;
    Ok(Pack {
        id: r.try_get("id")?,
        series_id: r.try_get("series_id")?,
        version: r.try_get("version")?,
        status: PackStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown pack status {status}").into()))?,
        input: serde_json::from_str(&input).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        reviewed_by: r.try_get("reviewed_by")?,
        reviewed_at: r.try_get("reviewed_at")?,
        signed_by: r.try_get("signed_by")?,
        signed_at: r.try_get("signed_at")?,
        snapshot_sha256: r.try_get("snapshot_sha256")?,
    })
}

async fn load_pack(pool: &AnyPool, id: &str) -> Result<Option<Pack>, sqlx::Error> {
    sqlx::query(&format!("SELECT {PACK_COLUMNS} FROM packs WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(pack_of)
        .transpose()
}

async fn history(pool: &AnyPool, series_id: &str) -> Result<Vec<Pack>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PACK_COLUMNS} FROM packs WHERE series_id = $1 ORDER BY version"
    ))
    .bind(series_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(pack_of)
    .collect()
}

async fn insert_pack(tx: &mut Tx, pack: &Pack) -> Result<(), ApiError> {
    let input = serde_json::to_string(&pack.input).map_err(|e| ApiError::Internal(e.into()))?;
    sqlx::query(
        "INSERT INTO packs (id, series_id, version, board_id, status, input, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&pack.id)
    .bind(&pack.series_id)
    .bind(pack.version)
    .bind(&pack.input.board_id)
    .bind(pack.status.as_str())
    .bind(input)
    .bind(&pack.created_by)
    .bind(&pack.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn record_access(
    pool: &AnyPool,
    pack_id: &str,
    user: &Principal,
    action: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pack_access (id, pack_id, user_id, action, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(pack_id)
    .bind(&user.user_id)
    .bind(action)
    .bind(now_text())
    .execute(pool)
    .await?;
    Ok(())
}

/// The pack's figures: the frozen snapshot once signed, live before.
async fn content(state: &AppState, pack: &Pack) -> Result<(Dashboard, Option<bool>), ApiError> {
    if pack.status == PackStatus::Signed {
        let row = sqlx::query("SELECT snapshot FROM packs WHERE id = $1")
            .bind(&pack.id)
            .fetch_one(state.db.pool())
            .await?;
        let text: Option<String> = row.try_get("snapshot")?;
        let text = text
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("signed pack without snapshot")))?;
        let verified = pack.snapshot_sha256.as_deref() == Some(sha256_hex(&text).as_str());
        let dashboard: Dashboard =
            serde_json::from_str(&text).map_err(|e| ApiError::Internal(e.into()))?;
        return Ok((dashboard, Some(verified)));
    }
    Ok((live(state, &pack.input).await?, None))
}

pub(crate) async fn live(state: &AppState, input: &PackInput) -> Result<Dashboard, ApiError> {
    let months = compute::months(&input.from, &input.to)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored pack with a bad period")))?;
    let mut d = dashboard_api::build(state, &months).await?;
    if !input.measure_ids.is_empty() {
        // A pack is validated for the measures it reports, not the others.
        d.validation
            .missing
            .retain(|m| input.measure_ids.contains(&m.measure_id));
        d.validation.valid = d.validation.missing.is_empty();
        d.measures
            .retain(|m| input.measure_ids.contains(&m.measure.id));
        d.measures
            .sort_by_key(|m| input.measure_ids.iter().position(|id| *id == m.measure.id));
    }
    Ok(d)
}

fn is_approver(user: &Principal, board: Option<&Board>) -> bool {
    user.has_role(Role::Board) && board.is_some_and(|b| b.approvers.contains(&user.user_id))
}

async fn view(state: &AppState, user: &Principal, pack: Pack) -> Result<PackView, ApiError> {
    let all = boards(state.db.pool()).await?;
    let board = all.iter().find(|b| b.id == pack.input.board_id);
    let (content, snapshot_verified) = content(state, &pack).await?;
    let charts = content
        .measures
        .iter()
        .enumerate()
        .map(|(i, m)| svg::chart(m, &pack.input.annotations, &format!("chart-{i}")))
        .collect();
    Ok(PackView {
        may_sign: pack.status == PackStatus::Reviewed && is_approver(user, board),
        board_name: board.map(|b| b.name.clone()).unwrap_or_default(),
        history: history(state.db.pool(), &pack.series_id).await?,
        pack,
        content,
        charts,
        snapshot_verified,
    })
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

/// The boards and who may sign for each.
#[utoipa::path(get, path = "/boards",
    responses((status = 200, body = Vec<Board>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn list_boards(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Board>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    Ok(Json(boards(state.db.pool()).await?))
}

/// Names the board members who may sign a board's packs (administrators).
#[utoipa::path(put, path = "/boards/{id}/approvers", request_body = Approvers,
    params(("id" = String, Path, description = "The board's id")),
    responses((status = 200, body = Board), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
pub async fn set_approvers(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Approvers>,
) -> Result<Json<Board>, ApiError> {
    user.require_any(&[Role::Admin])?;
    if !boards(state.db.pool()).await?.iter().any(|b| b.id == id) {
        return Err(ApiError::NotFound);
    }
    let errors: Vec<FieldError> = body
        .approvers
        .iter()
        .enumerate()
        .filter(|(_, a)| a.trim().is_empty() || a.len() > 100)
        .map(|(i, _)| FieldError::new(format!("approvers[{i}]"), "Give the user's id."))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM board_approvers WHERE board_id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    let mut unique = body.approvers.clone();
    unique.sort();
    unique.dedup();
    for a in &unique {
        sqlx::query("INSERT INTO board_approvers (board_id, approver_user) VALUES ($1, $2)")
            .bind(&id)
            .bind(a.trim())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let board = boards(state.db.pool())
        .await?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(board))
}

/// The same as `PUT`, for clients that only post (the portal's forms).
#[utoipa::path(post, path = "/boards/{id}/approvers", request_body = Approvers,
    params(("id" = String, Path, description = "The board's id")),
    responses((status = 200, body = Board), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
pub async fn set_approvers_by_post(
    state: State<AppState>,
    user: Authenticated,
    id: Path<String>,
    body: ApiJson<Approvers>,
) -> Result<Json<Board>, ApiError> {
    set_approvers(state, user, id, body).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PackQuery {
    /// Only this board's packs.
    pub board_id: Option<String>,
}

/// Every version of every pack, newest first.
#[utoipa::path(get, path = "/packs", params(PackQuery),
    responses((status = 200, body = Vec<Pack>), (status = 401, body = eip_types::Problem), (status = 403, body = eip_types::Problem)))]
pub async fn list_packs(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<PackQuery>,
) -> Result<Json<Vec<Pack>>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let rows = sqlx::query(&format!(
        "SELECT {PACK_COLUMNS} FROM packs WHERE ($1 = '' OR board_id = $1) \
         ORDER BY created_at DESC, version DESC"
    ))
    .bind(q.board_id.unwrap_or_default())
    .fetch_all(state.db.pool())
    .await?;
    Ok(Json(rows.iter().map(pack_of).collect::<Result<_, _>>()?))
}

/// Starts a draft pack.
#[utoipa::path(post, path = "/packs", request_body = PackInput,
    responses((status = 201, body = Pack), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn create_pack(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<PackInput>,
) -> Result<(StatusCode, Json<Pack>), ApiError> {
    let who = user.require_any(&AUTHORS)?;
    let fw = framework::load(state.db.pool()).await?;
    validate(&input, &boards(state.db.pool()).await?, &fw).map_err(ApiError::Validation)?;
    let id = uuid::Uuid::new_v4().to_string();
    let pack = Pack {
        series_id: id.clone(),
        id,
        version: 1,
        status: PackStatus::Draft,
        input,
        created_by: who.user_id.clone(),
        created_at: now_text(),
        reviewed_by: None,
        reviewed_at: None,
        signed_by: None,
        signed_at: None,
        snapshot_sha256: None,
    };
    let mut tx = state.db.begin().await?;
    insert_pack(&mut tx, &pack).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(pack)))
}

/// A pack with its figures, charts and history. Recorded as a view.
#[utoipa::path(get, path = "/packs/{id}", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = PackView), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn show_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<PackView>, ApiError> {
    let who = user.require_any(&ANALYSTS)?;
    let pack = load_pack(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    record_access(state.db.pool(), &pack.id, who, "view").await?;
    Ok(Json(view(&state, who, pack).await?))
}

/// Changes a pack. A draft or reviewed pack is changed in place and goes
/// back to draft; a signed pack stays as signed and the change becomes a
/// new draft version (201).
#[utoipa::path(put, path = "/packs/{id}", request_body = PackInput,
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
    let pack = load_pack(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let fw = framework::load(state.db.pool()).await?;
    validate(&input, &boards(state.db.pool()).await?, &fw).map_err(ApiError::Validation)?;
    if input.board_id != pack.input.board_id {
        return Err(ApiError::Validation(vec![FieldError::new(
            "board_id",
            "A pack stays with its board; start a new pack for another board.",
        )]));
    }
    let versions = history(state.db.pool(), &pack.series_id).await?;
    if versions.last().is_some_and(|v| v.id != pack.id) {
        return Err(ApiError::Conflict(
            "A newer version of this pack exists; edit that one.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    if pack.status == PackStatus::Signed {
        let next = Pack {
            id: uuid::Uuid::new_v4().to_string(),
            series_id: pack.series_id.clone(),
            version: pack.version + 1,
            status: PackStatus::Draft,
            input,
            created_by: who.user_id.clone(),
            created_at: now_text(),
            reviewed_by: None,
            reviewed_at: None,
            signed_by: None,
            signed_at: None,
            snapshot_sha256: None,
        };
        insert_pack(&mut tx, &next).await.map_err(|e| match e {
            ApiError::Internal(_) => e,
            // Someone else made the next version first.
            _ => ApiError::Conflict("A newer version of this pack exists.".into()),
        })?;
        tx.commit().await?;
        return Ok((StatusCode::CREATED, Json(next)));
    }
    let text = serde_json::to_string(&input).map_err(|e| ApiError::Internal(e.into()))?;
    let changed = sqlx::query(
        "UPDATE packs SET input = $1, status = 'draft', reviewed_by = NULL, reviewed_at = NULL \
         WHERE id = $2 AND status <> 'signed'",
    )
    .bind(text)
    .bind(&pack.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(ApiError::Conflict("The pack was signed meanwhile.".into()));
    }
    tx.commit().await?;
    let pack = load_pack(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::OK, Json(pack)))
}

/// Marks a draft reviewed: by an analyst or admin other than its author.
#[utoipa::path(post, path = "/packs/{id}/review", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = Pack), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 409, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn review_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Pack>, ApiError> {
    let who = user.require_any(&AUTHORS)?;
    let pack = load_pack(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
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
        return Err(ApiError::Validation(
            live.validation
                .missing
                .iter()
                .map(|m| {
                    FieldError::new(
                        "measures",
                        format!(
                            "{} has no data for {}: {}.",
                            m.measure_id, m.area_id, m.reason
                        ),
                    )
                })
                .collect(),
        ));
    }
    let changed = sqlx::query(
        "UPDATE packs SET status = 'reviewed', reviewed_by = $1, reviewed_at = $2 \
         WHERE id = $3 AND status = 'draft'",
    )
    .bind(&who.user_id)
    .bind(now_text())
    .bind(&id)
    .execute(state.db.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(ApiError::Conflict("The pack changed meanwhile.".into()));
    }
    Ok(Json(
        load_pack(state.db.pool(), &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Signs a reviewed pack: only a named approver of its board. Freezes the
/// figures as a snapshot with its SHA-256.
#[utoipa::path(post, path = "/packs/{id}/sign", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = Pack), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 409, body = eip_types::Problem)))]
pub async fn sign_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Pack>, ApiError> {
    let who = user.require_any(&[Role::Board])?;
    let pack = load_pack(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let all = boards(state.db.pool()).await?;
    let board = all.iter().find(|b| b.id == pack.input.board_id);
    if !is_approver(who, board) {
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
    let (snapshot, hash) = seal(&content).map_err(|e| ApiError::Internal(e.into()))?;
    let changed = sqlx::query(
        "UPDATE packs SET status = 'signed', signed_by = $1, signed_at = $2, snapshot = $3, \
         snapshot_sha256 = $4 WHERE id = $5 AND status = 'reviewed'",
    )
    .bind(&who.user_id)
    .bind(now_text())
    .bind(snapshot)
    .bind(hash)
    .bind(&id)
    .execute(state.db.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(ApiError::Conflict("The pack changed meanwhile.".into()));
    }
    Ok(Json(
        load_pack(state.db.pool(), &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// One measure's table as CSV, symbols and footnotes included. Recorded as
/// a download.
#[utoipa::path(get, path = "/packs/{id}/tables/{measure_id}",
    params(("id" = String, Path, description = "The pack version's id"), ("measure_id" = String, Path, description = "The measure")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn table_csv(
    State(state): State<AppState>,
    user: Authenticated,
    Path((id, measure_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let export = export(&state, &user, &id, &measure_id).await?;
    let mut res = export.content.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.filename)) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The same CSV wrapped in JSON with its file name, for the portal.
/// Recorded as a download.
#[utoipa::path(get, path = "/packs/{id}/exports/{measure_id}",
    params(("id" = String, Path, description = "The pack version's id"), ("measure_id" = String, Path, description = "The measure")),
    responses((status = 200, body = CsvExport), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn table_export(
    State(state): State<AppState>,
    user: Authenticated,
    Path((id, measure_id)): Path<(String, String)>,
) -> Result<Json<CsvExport>, ApiError> {
    Ok(Json(export(&state, &user, &id, &measure_id).await?))
}

async fn export(
    state: &AppState,
    user: &Authenticated,
    id: &str,
    measure_id: &str,
) -> Result<CsvExport, ApiError> {
    let who = user.require_any(&ANALYSTS)?;
    let pack = load_pack(state.db.pool(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (content, _) = content(state, &pack).await?;
    let report = content
        .measures
        .iter()
        .find(|m| m.measure.id == measure_id)
        .ok_or(ApiError::NotFound)?;
    let body =
        crate::export::csv(report, &pack, &content).map_err(|e| ApiError::Internal(e.into()))?;
    record_access(state.db.pool(), &pack.id, who, &format!("csv:{measure_id}")).await?;
    Ok(CsvExport {
        filename: format!("{}-{}-v{}.csv", measure_id, pack.input.to, pack.version),
        content: body,
    })
}

/// A PDF file, as OpenAPI describes binary content.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(pub Vec<u8>);

/// The whole pack as a tagged PDF: period, areas and measures printed,
/// charts as vector graphics, long tables paginated. A signed pack renders
/// from its frozen snapshot. Recorded as a download.
#[utoipa::path(get, path = "/packs/{id}/pdf", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, content_type = "application/pdf", body = PdfFile), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn pack_pdf(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = user.require_any(&ANALYSTS)?;
    let pack = load_pack(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let all = boards(state.db.pool()).await?;
    let board_name = all
        .iter()
        .find(|b| b.id == pack.input.board_id)
        .map_or(pack.input.board_id.clone(), |b| b.name.clone());
    let (content, _) = content(&state, &pack).await?;
    let bytes = tokio::task::spawn_blocking(move || {
        crate::pdf::render(&pack, &board_name, &content).map(|b| (b, pack))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(|e| ApiError::Internal(e.into()))?;
    let (bytes, pack) = bytes;
    record_access(state.db.pool(), &pack.id, who, "pdf").await?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-{}-v{}.pdf\"",
        pack.input.board_id, pack.input.to, pack.version
    )) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// Who viewed or downloaded a pack (administrators and the data protection
/// officer).
#[utoipa::path(get, path = "/packs/{id}/access", params(("id" = String, Path, description = "The pack version's id")),
    responses((status = 200, body = Vec<PackAccess>), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem)))]
pub async fn access_log(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<PackAccess>>, ApiError> {
    user.require_any(&[Role::Admin, Role::Dpo])?;
    load_pack(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let rows = sqlx::query(
        "SELECT pack_id, user_id, action, at FROM pack_access WHERE pack_id = $1 ORDER BY at, id",
    )
    .bind(&id)
    .fetch_all(state.db.pool())
    .await?;
    Ok(Json(
        rows.iter()
            .map(|r| {
                Ok(PackAccess {
                    pack_id: r.try_get("pack_id")?,
                    user_id: r.try_get("user_id")?,
                    action: r.try_get("action")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
    ))
}
