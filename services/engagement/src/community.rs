//! The engagement log, the community priorities agreed from it (at most
//! three per place and period), and the "you said, we did" responses.

use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{
    CommunityPriority, Engagement, EngagementKind, NewEngagement, NewPriority, PriorityStatus,
    WeDid, valid_period,
};
use eip_types::events::EngagementEvent;
use eip_types::place::PlaceKind;
use eip_types::{FieldError, Problem, Role};
use serde::Deserialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Who logs engagement and agrees priorities.
pub const WORKERS: [Role; 2] = [Role::Frontline, Role::Coordinator];
/// Who reads the log and the priority board.
pub const READERS: [Role; 3] = [Role::Frontline, Role::Coordinator, Role::Analyst];
/// Priorities agreed per place and period.
pub const MAX_PRIORITIES: i64 = 3;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/engagements", get(list_engagements).post(log_engagement))
        .route("/priorities", get(list_priorities).post(agree_priority))
        .route("/priorities/{id}/responses", post(add_response))
        .route("/priorities/{id}/resolve", post(resolve_priority))
        .with_state(state)
}

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The local authority a place belongs to (itself for an authority).
async fn area_of(state: &AppState, place_id: &str) -> Result<Option<String>, sqlx::Error> {
    Ok(store::get(state.db.pool(), place_id)
        .await?
        .map(|p| match p.kind {
            PlaceKind::LocalAuthority => p.id,
            PlaceKind::Ward => p.parent_id.unwrap_or_default(),
        }))
}

fn engagement(row: &AnyRow) -> Result<Engagement, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Engagement {
        id: row.try_get("id")?,
        kind: EngagementKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("engagement kind `{kind}`").into()))?,
        place_id: row.try_get("place_id")?,
        area_id: row.try_get("area_id")?,
        held_on: row.try_get("held_on")?,
        attendance: row.try_get("attendance")?,
        groups_reached: json(row, "groups_reached")?,
        seldom_heard: row.try_get::<i64, _>("seldom_heard")? != 0,
        issues_raised: json(row, "issues_raised")?,
        created_at: row.try_get("created_at")?,
    })
}

fn list_problems(errors: &mut Vec<FieldError>, field: &str, items: &[String]) {
    if items.len() > 20 {
        errors.push(FieldError::new(field, "At most 20 entries."));
    }
    if items.iter().any(|i| i.trim().is_empty() || i.len() > 500) {
        errors.push(FieldError::new(
            field,
            "Each entry needs 1 to 500 characters.",
        ));
    }
}

/// Logs an engagement held with a community.
#[utoipa::path(post, path = "/engagements", tag = "engagements", request_body = NewEngagement,
    responses((status = 201, body = Engagement), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn log_engagement(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(new): ApiJson<NewEngagement>,
) -> Result<(StatusCode, Json<Engagement>), ApiError> {
    let p = user.require_any(&WORKERS)?;
    let mut errors = Vec::new();
    let area = area_of(&state, &new.place_id).await?;
    if area.is_none() {
        errors.push(FieldError::new("place_id", "Choose a known place."));
    }
    let held_on = NaiveDate::parse_from_str(&new.held_on, "%Y-%m-%d").ok();
    match held_on {
        None => errors.push(FieldError::new("held_on", "Give a date as YYYY-MM-DD.")),
        Some(d) if d > chrono::Utc::now().date_naive() => {
            errors.push(FieldError::new(
                "held_on",
                "The date cannot be in the future.",
            ));
        }
        Some(_) => {}
    }
    if !(0..=100_000).contains(&new.attendance) {
        errors.push(FieldError::new(
            "attendance",
            "Give the number who took part (0 to 100,000).",
        ));
    }
    list_problems(&mut errors, "groups_reached", &new.groups_reached);
    list_problems(&mut errors, "issues_raised", &new.issues_raised);
    let (Some(area), Some(held_on), true) = (area, held_on, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    if !p.works_in(&area) {
        return Err(ApiError::Forbidden(
            "This place is not in your areas.".into(),
        ));
    }
    let trim = |v: &[String]| v.iter().map(|s| s.trim().to_owned()).collect::<Vec<_>>();
    let record = Engagement {
        id: uuid::Uuid::new_v4().to_string(),
        kind: new.kind,
        place_id: new.place_id.clone(),
        area_id: area,
        held_on: new.held_on.clone(),
        attendance: new.attendance,
        groups_reached: trim(&new.groups_reached),
        seldom_heard: new.seldom_heard,
        issues_raised: trim(&new.issues_raised),
        created_at: now_text(),
    };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO engagements (id, kind, place_id, area_id, held_on, attendance, groups_reached, \
         seldom_heard, issues_raised, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&record.id)
    .bind(record.kind.as_str())
    .bind(&record.place_id)
    .bind(&record.area_id)
    .bind(&record.held_on)
    .bind(record.attendance)
    .bind(to_json(&record.groups_reached)?)
    .bind(i64::from(record.seldom_heard))
    .bind(to_json(&record.issues_raised)?)
    .bind(&p.user_id)
    .bind(&record.created_at)
    .execute(&mut *tx)
    .await?;
    let event = EngagementEvent::EngagementHeld {
        engagement_id: record.id.clone(),
        place_id: record.place_id.clone(),
        area_id: record.area_id.clone(),
        engagement_kind: record.kind,
        held_on,
        attendance: record.attendance,
        seldom_heard: record.seldom_heard,
    };
    state
        .outbox
        .record(&mut tx, event.kind(), &event.payload())
        .await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, Json(record)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PlaceQuery {
    /// One local authority area of yours; all of them when absent.
    area: Option<String>,
    /// One place (a ward or an authority).
    place: Option<String>,
    /// For priorities: one period, such as `2026-Q4`.
    period: Option<String>,
}

fn areas_for(p: &eip_types::Principal, area: Option<&str>) -> Result<Vec<String>, ApiError> {
    match area {
        Some(a) if p.works_in(a) => Ok(vec![a.to_owned()]),
        Some(_) => Err(ApiError::Forbidden("This area is not one of yours.".into())),
        None => Ok(p.areas.clone()),
    }
}

/// The engagement log for the reader's areas, newest first.
#[utoipa::path(get, path = "/engagements", tag = "engagements", params(PlaceQuery),
    responses((status = 200, body = [Engagement]), (status = 403, body = Problem)))]
async fn list_engagements(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<PlaceQuery>,
) -> Result<Json<Vec<Engagement>>, ApiError> {
    let p = user.require_any(&READERS)?;
    let areas = areas_for(p, q.area.as_deref())?;
    let rows = sqlx::query(
        "SELECT id, kind, place_id, area_id, held_on, attendance, groups_reached, seldom_heard, \
         issues_raised, created_at FROM engagements WHERE ($1 IS NULL OR place_id = $1) \
         ORDER BY held_on DESC, created_at DESC LIMIT 500",
    )
    .bind(q.place.as_deref())
    .fetch_all(state.db.pool())
    .await?;
    let list = rows
        .iter()
        .map(engagement)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|e| areas.contains(&e.area_id))
        .collect();
    Ok(Json(list))
}

fn priority(row: &AnyRow) -> Result<CommunityPriority, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(CommunityPriority {
        id: row.try_get("id")?,
        place_id: row.try_get("place_id")?,
        area_id: row.try_get("area_id")?,
        period: row.try_get("period")?,
        title: row.try_get("title")?,
        you_said: row.try_get("you_said")?,
        engagement_ids: json(row, "engagement_ids")?,
        status: if status == "resolved" {
            PriorityStatus::Resolved
        } else {
            PriorityStatus::Agreed
        },
        responses: json(row, "responses")?,
        agreed_at: row.try_get("agreed_at")?,
        resolved_at: row.try_get("resolved_at")?,
    })
}

const PRIORITY_COLUMNS: &str = "id, place_id, area_id, period, title, you_said, engagement_ids, \
                                status, responses, agreed_at, resolved_at";

async fn find_priority(
    state: &AppState,
    id: &str,
) -> Result<Option<CommunityPriority>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PRIORITY_COLUMNS} FROM priorities WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    .as_ref()
    .map(priority)
    .transpose()
}

/// Agrees a community priority for a place and period: at most three each.
#[utoipa::path(post, path = "/priorities", tag = "priorities", request_body = NewPriority,
    responses((status = 201, body = CommunityPriority), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn agree_priority(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(new): ApiJson<NewPriority>,
) -> Result<(StatusCode, Json<CommunityPriority>), ApiError> {
    let p = user.require_any(&WORKERS)?;
    let mut errors = Vec::new();
    let area = area_of(&state, &new.place_id).await?;
    if area.is_none() {
        errors.push(FieldError::new("place_id", "Choose a known place."));
    }
    if !valid_period(&new.period) {
        errors.push(FieldError::new("period", "Give a period such as 2026-Q4."));
    }
    if new.title.trim().is_empty() || new.title.len() > 200 {
        errors.push(FieldError::new(
            "title",
            "Name the priority (up to 200 characters).",
        ));
    }
    if new.you_said.trim().is_empty() || new.you_said.len() > 2_000 {
        errors.push(FieldError::new(
            "you_said",
            "Say what people raised (up to 2,000 characters).",
        ));
    }
    for id in &new.engagement_ids {
        let found = sqlx::query("SELECT id FROM engagements WHERE id = $1")
            .bind(id)
            .fetch_optional(state.db.pool())
            .await?;
        if found.is_none() {
            errors.push(FieldError::new(
                "engagement_ids",
                format!("No engagement `{id}`."),
            ));
        }
    }
    let (Some(area), true) = (area, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    if !p.works_in(&area) {
        return Err(ApiError::Forbidden(
            "This place is not in your areas.".into(),
        ));
    }
    let now = chrono::Utc::now();
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = state.db.begin().await?;
    let count: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM priorities WHERE place_id = $1 AND period = $2")
            .bind(&new.place_id)
            .bind(&new.period)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    if count >= MAX_PRIORITIES {
        return Err(ApiError::Validation(vec![FieldError::new(
            "period",
            format!(
                "Three priorities are already agreed for this place in {}: at most three per period.",
                new.period
            ),
        )]));
    }
    sqlx::query(
        "INSERT INTO priorities (id, place_id, area_id, period, title, you_said, engagement_ids, \
         status, responses, created_by, agreed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'agreed', '[]', $8, $9)",
    )
    .bind(&id)
    .bind(&new.place_id)
    .bind(&area)
    .bind(&new.period)
    .bind(new.title.trim())
    .bind(new.you_said.trim())
    .bind(to_json(&new.engagement_ids)?)
    .bind(&p.user_id)
    .bind(eip_platform::db::to_text(now))
    .execute(&mut *tx)
    .await?;
    let event = EngagementEvent::PriorityAgreed {
        priority_id: id.clone(),
        place_id: new.place_id.clone(),
        area_id: area,
        period: new.period.clone(),
        at: now,
    };
    state
        .outbox
        .record(&mut tx, event.kind(), &event.payload())
        .await?;
    tx.commit().await?;
    state.outbox.wake();
    let created = find_priority(&state, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The priority board: priorities with their "you said, we did" responses.
#[utoipa::path(get, path = "/priorities", tag = "priorities", params(PlaceQuery),
    responses((status = 200, body = [CommunityPriority]), (status = 403, body = Problem)))]
async fn list_priorities(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<PlaceQuery>,
) -> Result<Json<Vec<CommunityPriority>>, ApiError> {
    let p = user.require_any(&READERS)?;
    let areas = areas_for(p, q.area.as_deref())?;
    let rows = sqlx::query(&format!(
        "SELECT {PRIORITY_COLUMNS} FROM priorities WHERE ($1 IS NULL OR place_id = $1) \
         AND ($2 IS NULL OR period = $2) ORDER BY period DESC, agreed_at"
    ))
    .bind(q.place.as_deref())
    .bind(q.period.as_deref())
    .fetch_all(state.db.pool())
    .await?;
    let list = rows
        .iter()
        .map(priority)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|x| areas.contains(&x.area_id))
        .collect();
    Ok(Json(list))
}

async fn workable(
    state: &AppState,
    user: &Authenticated,
    id: &str,
) -> Result<CommunityPriority, ApiError> {
    let p = user.require_any(&WORKERS)?;
    let found = find_priority(state, id).await?;
    let Some(priority) = found.filter(|x| p.works_in(&x.area_id)) else {
        return Err(ApiError::NotFound);
    };
    if priority.status == PriorityStatus::Resolved {
        return Err(ApiError::Conflict("The priority is resolved.".into()));
    }
    Ok(priority)
}

/// Adds a "we did" response to a priority.
#[utoipa::path(post, path = "/priorities/{id}/responses", tag = "priorities", params(("id" = String, Path)), request_body = WeDid,
    responses((status = 200, body = CommunityPriority), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn add_response(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(mut response): ApiJson<WeDid>,
) -> Result<Json<CommunityPriority>, ApiError> {
    workable(&state, &user, &id).await?;
    if response.we_did.trim().is_empty() || response.we_did.len() > 2_000 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "we_did",
            "Say what was done (up to 2,000 characters).",
        )]));
    }
    response.we_did = response.we_did.trim().into();
    response.at = Some(now_text());
    let before: String = sqlx::query_scalar("SELECT responses FROM priorities WHERE id = $1")
        .bind(&id)
        .fetch_one(state.db.pool())
        .await?;
    let mut responses: Vec<WeDid> =
        serde_json::from_str(&before).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    responses.push(response);
    // Written only over the list read, so a response someone else added
    // meanwhile is never lost, nor one added to a priority just resolved.
    let written = sqlx::query(
        "UPDATE priorities SET responses = $2 WHERE id = $1 AND responses = $3 AND status = 'agreed'",
    )
    .bind(&id)
    .bind(to_json(&responses)?)
    .bind(before)
    .execute(state.db.pool())
    .await?;
    if written.rows_affected() == 0 {
        return Err(ApiError::Conflict(
            "The priority changed while you were writing; reload it and try again.".into(),
        ));
    }
    Ok(Json(
        find_priority(&state, &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Marks a priority resolved.
#[utoipa::path(post, path = "/priorities/{id}/resolve", tag = "priorities", params(("id" = String, Path)),
    responses((status = 200, body = CommunityPriority), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
async fn resolve_priority(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<CommunityPriority>, ApiError> {
    let priority = workable(&state, &user, &id).await?;
    let now = chrono::Utc::now();
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE priorities SET status = 'resolved', resolved_at = $2 WHERE id = $1")
        .bind(&id)
        .bind(eip_platform::db::to_text(now))
        .execute(&mut *tx)
        .await?;
    let event = EngagementEvent::PriorityResolved {
        priority_id: id.clone(),
        place_id: priority.place_id,
        area_id: priority.area_id,
        period: priority.period,
        at: now,
    };
    state
        .outbox
        .record(&mut tx, event.kind(), &event.payload())
        .await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(Json(
        find_priority(&state, &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}
