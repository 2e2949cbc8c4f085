//! The administrators' API for a service's gated actions.

use crate::SkillGate;
use axum::Json;
use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson};
use eip_platform::identity::{Authenticated, IdentityKeys};
use eip_types::training::{GatedAction, SkillRequirement, SkillRequirementChange};
use eip_types::{FieldError, Problem, Role};

impl FromRef<SkillGate> for IdentityKeys {
    fn from_ref(gate: &SkillGate) -> Self {
        gate.keys.clone()
    }
}

/// The paths and schemas the gate adds to a service's OpenAPI document:
/// name it among the document's `modifiers`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_requirements, set_requirement, clear_requirement),
    components(schemas(GatedAction, SkillRequirement, SkillRequirementChange))
)]
pub struct SkillsDoc;

impl utoipa::Modify for SkillsDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(<SkillsDoc as utoipa::OpenApi>::openapi());
    }
}

impl SkillGate {
    /// `GET /skill-requirements`, `PUT` and `DELETE /skill-requirements/{action}`.
    pub fn router<S>(self) -> Router<S> {
        Router::new()
            .route("/skill-requirements", get(list_requirements))
            .route(
                "/skill-requirements/{action}",
                put(set_requirement).delete(clear_requirement),
            )
            .with_state(self)
    }
}

fn require_admin(user: &Authenticated) -> Result<&str, ApiError> {
    if user.0.has_role(Role::Admin) {
        Ok(&user.0.user_id)
    } else {
        Err(ApiError::Forbidden(
            "Only administrators set what an action requires.".into(),
        ))
    }
}

/// The actions this service can gate on a current competency, with what
/// each needs now (any signed-in user may see them).
#[utoipa::path(get, tag = "skill_requirements", path = "/skill-requirements",
    responses((status = 200, body = [GatedAction]), (status = 401, body = Problem)))]
pub async fn list_requirements(
    State(gate): State<SkillGate>,
    _user: Authenticated,
) -> Result<Json<Vec<GatedAction>>, ApiError> {
    let mut conn = gate.db.pool().acquire().await?;
    Ok(Json(gate.list(&mut conn).await?))
}

/// Sets the competency an action needs (administrators). From then on the
/// action is refused to anyone whose competency is not current, with the
/// reason and who can help.
#[utoipa::path(put, tag = "skill_requirements", path = "/skill-requirements/{action}", request_body = SkillRequirementChange,
    params(("action" = String, Path)),
    responses((status = 200, body = GatedAction), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_requirement(
    State(gate): State<SkillGate>,
    user: Authenticated,
    Path(action): Path<String>,
    ApiJson(body): ApiJson<SkillRequirementChange>,
) -> Result<Json<GatedAction>, ApiError> {
    let admin = require_admin(&user)?;
    let action = gate.action(&action).ok_or(ApiError::NotFound)?;
    let mut errors = Vec::new();
    let competency_id = body.competency_id.trim();
    let valid_id = !competency_id.is_empty()
        && competency_id.len() <= 64
        && competency_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_id {
        errors.push(FieldError::new(
            "competency_id",
            "Choose a competency from the framework.",
        ));
    }
    let name = body.competency_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "competency_name",
            "Give the competency's name (at most 200 characters).",
        ));
    }
    let help = body.help.trim();
    if help.chars().count() > 500 {
        errors.push(FieldError::new("help", "At most 500 characters."));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = gate.db.begin().await?;
    sqlx::query(
        "INSERT INTO skill_requirements (action, competency_id, competency_name, help, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (action) DO UPDATE SET competency_id = excluded.competency_id, \
         competency_name = excluded.competency_name, help = excluded.help, \
         set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(action.id)
    .bind(competency_id)
    .bind(name)
    .bind(help)
    .bind(admin)
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    let requirement = crate::requirement(&mut tx, action.id).await?;
    tx.commit().await?;
    tracing::info!(action = action.id, "skill requirement set");
    Ok(Json(GatedAction {
        action: action.id.into(),
        label: action.label.into(),
        requirement,
    }))
}

/// Removes an action's requirement (administrators): anyone allowed may do
/// it again.
#[utoipa::path(delete, tag = "skill_requirements", path = "/skill-requirements/{action}",
    params(("action" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn clear_requirement(
    State(gate): State<SkillGate>,
    user: Authenticated,
    Path(action): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let action = gate.action(&action).ok_or(ApiError::NotFound)?;
    sqlx::query("DELETE FROM skill_requirements WHERE action = $1")
        .bind(action.id)
        .execute(gate.db.pool())
        .await?;
    tracing::info!(action = action.id, "skill requirement cleared");
    Ok(StatusCode::NO_CONTENT)
}
