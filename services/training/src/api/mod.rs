//! The training HTTP API: one module per resource, each with its routes,
//! its part of the OpenAPI document and its handlers.

mod completions;
mod courses;
mod evidence;
mod framework;
mod jobs;
mod matrix;
mod reminders;
mod sessions;
mod staff;

use crate::access::{self, TRAINERS, View};
use crate::{AppState, store};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::error::ApiError;
use eip_platform::http::AssertionSecurity;
use eip_platform::identity::{Authenticated, is_service};
use eip_types::events::EventPage;
use eip_types::training::Staff;
use eip_types::{FieldError, Principal, Problem, Role};
use serde::Deserialize;
use sqlx::AnyConnection;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Training service", description = "Workforce competencies, evidence, currency, the skills matrix and coverage"),
    paths(eip_platform::outbox::event_feed),
    components(schemas(EventPage, Problem, FieldError)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity)
)]
struct BaseDoc;

/// The service's OpenAPI document: every resource's routes and the event
/// feed.
pub struct ApiDoc;

impl OpenApi for ApiDoc {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut doc = BaseDoc::openapi();
        for part in [
            framework::Doc::openapi(),
            completions::Doc::openapi(),
            staff::Doc::openapi(),
            evidence::Doc::openapi(),
            courses::Doc::openapi(),
            sessions::Doc::openapi(),
            matrix::Doc::openapi(),
            reminders::Doc::openapi(),
            jobs::Doc::openapi(),
        ] {
            doc.merge(part);
        }
        doc
    }
}

/// Every resource's routes and `/openapi.json`. The staff import has a
/// body limit of its own: see [`uploads`].
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(framework::router())
        .merge(completions::router())
        .merge(staff::router())
        .merge(evidence::router())
        .merge(courses::router())
        .merge(sessions::router())
        .merge(matrix::router())
        .merge(reminders::router())
        .merge(jobs::router())
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}

/// `POST /staff/import`, which takes files of up to
/// [`crate::jobs::import::MAX_IMPORT_BYTES`];
/// the caller adds the platform's other layers.
pub fn uploads(state: AppState) -> Router {
    staff::import_router().with_state(state)
}

/// A refusal of one field.
fn invalid(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError::new(name, message)])
}

fn require_admin(user: &Authenticated) -> Result<&Principal, ApiError> {
    user.require_any(&[Role::Admin])
}

async fn conn(state: &AppState) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, ApiError> {
    Ok(state.db.pool().acquire().await?)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct AsOfQuery {
    /// Work out standings for this day (`YYYY-MM-DD`; trainers and
    /// administrators only). Today by default.
    as_of: Option<String>,
}

/// The day a read or the job is worked out for: today by the service's
/// clock, or `as_of` for trainers and administrators (to look ahead or
/// back) and for platform services.
fn as_of(state: &AppState, who: &Principal, raw: Option<&str>) -> Result<NaiveDate, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(state.clock.today()),
        Some(_) if !(who.has_any_role(&TRAINERS) || is_service(who)) => Err(ApiError::Forbidden(
            "Only trainers and administrators may look at another day.".into(),
        )),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| invalid("as_of", "Enter a real date as YYYY-MM-DD.")),
    }
}

/// Everyone on record and the part of them the signed-in user may see.
async fn viewer(c: &mut AnyConnection, who: &Principal) -> Result<(Vec<Staff>, View), ApiError> {
    let all = store::staff::all(c).await?;
    let me = all
        .iter()
        .find(|s| s.user_id.as_deref() == Some(&who.user_id));
    let view = access::view(who, me, &all);
    Ok((all, view))
}

/// A CSV file to download.
fn csv_response(
    name: &str,
    bytes: Result<Vec<u8>, crate::export::CsvError>,
) -> Result<Response, ApiError> {
    let bytes = bytes.map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
