//! Community priorities agreed for a place and period (at most three
//! each), and the "you said, we did" responses to them (see
//! `crate::community`).

use super::engagements::{PlaceQuery, area_of};
use crate::community::{self, MAX_PRIORITIES, READERS, WORKERS};
use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{CommunityPriority, NewPriority, PriorityStatus, WeDid};
use eip_types::events::EngagementEvent;
use eip_types::{FieldError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/priorities", get(list_priorities).post(agree_priority))
        .route("/priorities/{id}/responses", post(add_response))
        .route("/priorities/{id}/resolve", post(resolve_priority))
}

async fn found(state: &AppState, id: &str) -> Result<CommunityPriority, ApiError> {
    store::priorities::find(state.db.pool(), id)
        .await?
        .ok_or(ApiError::NotFound)
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
    errors.extend(community::priority_problems(&new));
    for id in &new.engagement_ids {
        if !store::engagements::exists(state.db.pool(), id).await? {
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
    if store::priorities::count(&mut tx, &new.place_id, &new.period).await? >= MAX_PRIORITIES {
        return Err(ApiError::Validation(vec![FieldError::new(
            "period",
            format!(
                "Three priorities are already agreed for this place in {}: at most three per period.",
                new.period
            ),
        )]));
    }
    let agreed_at = eip_platform::db::to_text(now);
    store::priorities::insert(&mut tx, &id, &new, &area, &p.user_id, &agreed_at).await?;
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
    Ok((StatusCode::CREATED, Json(found(&state, &id).await?)))
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
    let areas = super::areas_for(p, q.area.as_deref())?;
    let list = store::priorities::list(state.db.pool(), q.place.as_deref(), q.period.as_deref())
        .await?
        .into_iter()
        .filter(|x| areas.contains(&x.area_id))
        .collect();
    Ok(Json(list))
}

/// A priority the user may still work on: 404 outside their areas.
async fn workable(
    state: &AppState,
    user: &Authenticated,
    id: &str,
) -> Result<CommunityPriority, ApiError> {
    let p = user.require_any(&WORKERS)?;
    let found = store::priorities::find(state.db.pool(), id).await?;
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
    if let Some(problem) = community::we_did_problem(&response.we_did) {
        return Err(ApiError::Validation(vec![problem]));
    }
    response.we_did = response.we_did.trim().into();
    response.at = Some(now_text());
    let pool = state.db.pool();
    let (mut responses, before) = store::priorities::responses(pool, &id).await?;
    responses.push(response);
    if !store::priorities::replace_responses(pool, &id, &responses, &before).await? {
        return Err(ApiError::Conflict(
            "The priority changed while you were writing; reload it and try again.".into(),
        ));
    }
    Ok(Json(found(&state, &id).await?))
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
    store::priorities::resolve(&mut tx, &id, &eip_platform::db::to_text(now)).await?;
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
    Ok(Json(found(&state, &id).await?))
}
