//! The skills matrix (people × competencies) with coverage per team and
//! area, as JSON and as CSV.

use super::{as_of, conn, csv_response, viewer};
use crate::standing::Counted;
use crate::{AppState, access, export, store};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::Principal;
use eip_types::training::{Competency, Coverage, Matrix, MatrixRow, Staff, Standing, Status};
use serde::Deserialize;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(matrix, matrix_csv, coverage_csv),
    components(schemas(Matrix, MatrixRow, Coverage))
)]
pub(super) struct Doc;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/matrix", get(matrix))
        .route("/matrix.csv", get(matrix_csv))
        .route("/coverage.csv", get(coverage_csv))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct MatrixQuery {
    team: Option<String>,
    area: Option<String>,
    /// A job role id.
    role: Option<String>,
    /// A staff id: that person's reports, direct and indirect.
    manager: Option<String>,
    /// A partner agency id.
    agency: Option<String>,
    /// `YYYY-MM-DD` (trainers and administrators only); today by default.
    as_of: Option<String>,
}

fn filter(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The matrix for the filters and what `who` may see.
async fn build_matrix(
    state: &AppState,
    who: &Principal,
    q: &MatrixQuery,
) -> Result<Matrix, ApiError> {
    let today = as_of(state, who, q.as_of.as_deref())?;
    let mut c = conn(state).await?;
    let (all, view) = viewer(&mut c, who).await?;
    if !access::sees_matrix(who, &view) {
        return Err(ApiError::Forbidden(
            "The skills matrix is for trainers, administrators and line managers.".into(),
        ));
    }
    let managed = filter(&q.manager).map(|m| access::reports_of(&all, m));
    let facts = store::evidence::load_facts(&mut c, today, None).await?;
    let people: Vec<(&Staff, Vec<Standing>)> = all
        .iter()
        .filter(|s| view.includes(&s.id))
        .filter(|s| filter(&q.team).is_none_or(|t| s.team == t))
        .filter(|s| filter(&q.area).is_none_or(|a| s.area == a))
        .filter(|s| filter(&q.role).is_none_or(|r| s.role_id == r))
        .filter(|s| filter(&q.agency).is_none_or(|a| s.agency.as_deref() == Some(a)))
        .filter(|s| managed.as_ref().is_none_or(|m| m.contains(&s.id)))
        .map(|s| (s, facts.standings(today, s)))
        .collect();
    let counted: Vec<Counted> = people.iter().map(|(s, st)| Counted::of(s, st)).collect();
    let coverage = facts.coverage(&counted);
    let rows = people
        .into_iter()
        .map(|(s, cells)| MatrixRow {
            staff_id: s.id.clone(),
            name: s.name.clone(),
            team: s.team.clone(),
            area: s.area.clone(),
            role_id: s.role_id.clone(),
            agency: s.agency.clone(),
            paused: cells.iter().any(|c| c.status == Status::Paused),
            cells,
        })
        .collect();
    let competencies = facts
        .rules
        .iter()
        .map(|r| Competency {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
        })
        .collect();
    Ok(Matrix {
        as_of: today,
        competencies,
        rows,
        coverage,
    })
}

/// The skills matrix: people × competencies with their statuses, and
/// coverage per team and area (trainers, administrators, and line managers
/// for their reports).
#[utoipa::path(get, path = "/matrix", tag = "matrix", params(MatrixQuery),
    responses((status = 200, body = Matrix), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn matrix(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<MatrixQuery>,
) -> Result<Json<Matrix>, ApiError> {
    Ok(Json(build_matrix(&state, &user.0, &q).await?))
}

/// The skills matrix as CSV (same filters and access as `/matrix`).
#[utoipa::path(get, path = "/matrix.csv", tag = "matrix", params(MatrixQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = eip_types::Problem)))]
async fn matrix_csv(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<MatrixQuery>,
) -> Result<Response, ApiError> {
    let m = build_matrix(&state, &user.0, &q).await?;
    csv_response("skills-matrix.csv", export::matrix_csv(&m))
}

/// Coverage per team and area as CSV (same filters and access as `/matrix`).
#[utoipa::path(get, path = "/coverage.csv", tag = "matrix", params(MatrixQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = eip_types::Problem)))]
async fn coverage_csv(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<MatrixQuery>,
) -> Result<Response, ApiError> {
    let m = build_matrix(&state, &user.0, &q).await?;
    csv_response("coverage.csv", export::coverage_csv(&m.coverage))
}
