//! The engagement log: meetings, surveys and the like held with a
//! community, recorded by those who work with it (see `crate::community`).

use crate::community::{self, READERS, WORKERS};
use crate::{AppState, store};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{Engagement, NewEngagement};
use eip_types::events::EngagementEvent;
use eip_types::place::PlaceKind;
use eip_types::{FieldError, Problem};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/engagements", get(list_engagements).post(log_engagement))
}

/// The local authority a place belongs to (itself for an authority).
pub(super) async fn area_of(
    state: &AppState,
    place_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    Ok(store::places::get(state.db.pool(), place_id)
        .await?
        .map(|p| match p.kind {
            PlaceKind::LocalAuthority => p.id,
            PlaceKind::Ward => p.parent_id.unwrap_or_default(),
        }))
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
    let (held_on, problems) = community::engagement_problems(&new, chrono::Utc::now().date_naive());
    errors.extend(problems);
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
    store::engagements::insert(&mut tx, &record, &p.user_id).await?;
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
pub(super) struct PlaceQuery {
    /// One local authority area of yours; all of them when absent.
    pub(super) area: Option<String>,
    /// One place (a ward or an authority).
    pub(super) place: Option<String>,
    /// For priorities: one period, such as `2026-Q4`.
    pub(super) period: Option<String>,
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
    let areas = super::areas_for(p, q.area.as_deref())?;
    let list = store::engagements::list(state.db.pool(), q.place.as_deref())
        .await?
        .into_iter()
        .filter(|e| areas.contains(&e.area_id))
        .collect();
    Ok(Json(list))
}
