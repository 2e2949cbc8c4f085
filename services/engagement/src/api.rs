//! The engagement HTTP API.

use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::http::AssertionSecurity;
use eip_platform::identity::Authenticated;
use eip_types::Problem;
use eip_types::engagement::{
    ActionStatus, Assessment, AssessmentInput, AssessmentResult, CaseResponse, CaseStatus,
    CommunityPriority, Concentration, CrimeShare, Demand, DirectoryEntry, DirectorySettings,
    Engagement, EngagementKind, HiddenDemand, Hotspot, Hub, HubInput, ImportJob, ImportKind,
    ImportStatus, LorenzPoint, NewCase, NewEngagement, NewImport, NewPriority, OpenHiddenSupport,
    OpenSupport, PriorityStatus, ProblemCase, RepeatFlag, RepeatRule, RepeatSubject, RowError,
    RuleInput, RunRule, Scanning, Sector, SupportPath, TopShare, TopVersusBottom, TriangleAnalysis,
    WeDid,
};
use eip_types::events::EventPage;
use eip_types::place::{Place, PlaceKind};
use serde::Deserialize;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Engagement service", description = "Places and wards, calls-for-service imports and demand analysis"),
    paths(list_places, show_place, eip_platform::outbox::event_feed,
        crate::imports::create_import, crate::imports::list_imports, crate::imports::show_import,
        crate::imports::import_errors, crate::imports::upload,
        crate::analysis::crime_share, crate::analysis::concentration, crate::analysis::hotspots,
        crate::repeat::list_rules, crate::repeat::create_rule, crate::repeat::show_rule,
        crate::repeat::revise_rule, crate::repeat::run_rule, crate::repeat::list_flags,
        crate::repeat::open_support, crate::repeat::hidden_demand, crate::repeat::open_hidden_support,
        crate::cases::create_case, crate::cases::list_cases, crate::cases::show_case,
        crate::cases::put_scanning, crate::cases::put_analysis, crate::cases::put_responses,
        crate::cases::put_assessment, crate::cases::close_case, crate::cases::summary,
        crate::community::log_engagement, crate::community::list_engagements,
        crate::community::agree_priority, crate::community::list_priorities,
        crate::community::add_response, crate::community::resolve_priority,
        crate::directory::import, crate::directory::list_services, crate::directory::show_service,
        crate::directory::review_service, crate::directory::export, crate::directory::show_settings,
        crate::directory::put_settings, crate::directory::list_hubs, crate::directory::create_hub,
        crate::directory::update_hub,
        eip_skills::list_requirements, eip_skills::set_requirement, eip_skills::clear_requirement),
    components(schemas(Place, PlaceKind, EventPage, Problem, ImportJob, ImportKind, ImportStatus,
        NewImport, RowError, CrimeShare, Concentration, Demand, TopShare, LorenzPoint,
        TopVersusBottom, Hotspot, RepeatRule, RepeatSubject, RuleInput, RepeatFlag, RunRule,
        OpenSupport, OpenHiddenSupport, SupportPath, HiddenDemand, ProblemCase, CaseStatus, NewCase, Scanning,
        TriangleAnalysis, CaseResponse, AssessmentInput, Assessment, AssessmentResult,
        EngagementKind, NewEngagement, Engagement, CommunityPriority, NewPriority, PriorityStatus,
        WeDid, ActionStatus, DirectoryEntry, DirectorySettings, Sector, Hub, HubInput,
        eip_types::training::GatedAction, eip_types::training::SkillRequirement,
        eip_types::training::SkillRequirementChange)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity)
)]
pub struct ApiDoc;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/places", get(list_places))
        .route("/places/{id}", get(show_place))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state.clone())
        .merge(crate::imports::router(state.clone()))
        .merge(crate::analysis::router(state.clone()))
        .merge(crate::repeat::router(state.clone()))
        .merge(crate::cases::router(state.clone()))
        .merge(crate::community::router(state.clone()))
        .merge(crate::directory::router(state))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PlacesQuery {
    /// Only places of this kind.
    kind: Option<PlaceKind>,
    /// Only the wards of this local authority.
    authority: Option<String>,
    /// Only priority areas (`true`) or only the others (`false`).
    priority: Option<bool>,
}

/// The places: the authorities first, then the priority wards, then the
/// other wards in the order they were imported.
#[utoipa::path(get, path = "/places", tag = "places", params(PlacesQuery),
    responses(
        (status = 200, body = [Place]),
        (status = 400, description = "Unknown kind", body = Problem),
        (status = 401, body = Problem)))]
async fn list_places(
    State(state): State<AppState>,
    _user: Authenticated,
    ApiQuery(q): ApiQuery<PlacesQuery>,
) -> Result<Json<Vec<Place>>, ApiError> {
    let filter = store::PlaceFilter {
        kind: q.kind,
        parent_id: q.authority,
        priority: q.priority,
    };
    Ok(Json(store::list(state.db.pool(), &filter).await?))
}

/// One place by its id, such as `hull` or `west-marsh`.
#[utoipa::path(get, path = "/places/{id}", tag = "places",
    params(("id" = String, Path, description = "The place's slug")),
    responses((status = 200, body = Place), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn show_place(
    State(state): State<AppState>,
    _user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Place>, ApiError> {
    store::get(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}
