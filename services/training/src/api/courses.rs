//! The course catalogue sessions are scheduled from.

use super::conn;
use crate::access::TRAINERS;
use crate::store::sessions::CourseRow;
use crate::{AppState, store, validation};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::Authenticated;
use eip_types::training::{Course, NewCourse};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_courses, create_course),
    components(schemas(Course, NewCourse))
)]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/courses", get(list_courses).post(create_course))
}

/// A course as the API shows it.
pub(super) fn course(c: CourseRow) -> Course {
    Course {
        id: c.id,
        title: c.title,
        competency_id: c.competency_id,
        level: c.level,
    }
}

/// The course catalogue (trainers and administrators).
#[utoipa::path(get, path = "/courses", tag = "courses",
    responses((status = 200, body = [Course]), (status = 403, body = eip_types::Problem)))]
async fn list_courses(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Course>>, ApiError> {
    user.require_any(&TRAINERS)?;
    let list = store::sessions::courses(&mut *conn(&state).await?).await?;
    Ok(Json(list.into_iter().map(course).collect()))
}

/// Adds a course to the catalogue (trainers and administrators).
#[utoipa::path(post, path = "/courses", tag = "courses", request_body = NewCourse,
    responses((status = 201, body = Course), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn create_course(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewCourse>,
) -> Result<(StatusCode, Json<Course>), ApiError> {
    user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let rules = store::framework::rules(&mut c).await?;
    let (title, rule, level) = validation::course(&body, &rules).map_err(ApiError::Validation)?;
    let row = CourseRow {
        id: uuid::Uuid::new_v4().to_string(),
        title: title.into(),
        competency_id: rule.id.clone(),
        level,
    };
    store::sessions::insert_course(&mut c, &row).await?;
    Ok((StatusCode::CREATED, Json(course(row))))
}
