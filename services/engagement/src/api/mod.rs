//! The engagement HTTP API: one module per resource, and the OpenAPI
//! document of them all.

pub mod analysis;
pub mod cases;
pub mod directory;
pub mod engagements;
pub mod hidden_demand;
pub mod hubs;
pub mod imports;
pub mod places;
pub mod priorities;
pub mod repeat_flags;
pub mod repeat_rules;

use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::ApiError;
use eip_platform::http::AssertionSecurity;
use eip_skills::SkillsDoc;
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
use eip_types::{Principal, Problem};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Engagement service", description = "Places and wards, calls-for-service imports and demand analysis"),
    paths(places::list_places, places::show_place, eip_platform::outbox::event_feed,
        imports::create_import, imports::list_imports, imports::show_import,
        imports::import_errors, imports::upload,
        analysis::crime_share, analysis::concentration, analysis::hotspots,
        repeat_rules::list_rules, repeat_rules::create_rule, repeat_rules::show_rule,
        repeat_rules::revise_rule, repeat_rules::run_rule, repeat_flags::list_flags,
        repeat_flags::open_support, hidden_demand::hidden_demand, hidden_demand::open_hidden_support,
        cases::create_case, cases::list_cases, cases::show_case,
        cases::put_scanning, cases::put_analysis, cases::put_responses,
        cases::put_assessment, cases::close_case, cases::summary,
        engagements::log_engagement, engagements::list_engagements,
        priorities::agree_priority, priorities::list_priorities,
        priorities::add_response, priorities::resolve_priority,
        directory::import, directory::list_services, directory::show_service,
        directory::review_service, directory::export, directory::show_settings,
        directory::put_settings, hubs::list_hubs, hubs::create_hub,
        hubs::update_hub),
    components(schemas(Place, PlaceKind, EventPage, Problem, ImportJob, ImportKind, ImportStatus,
        NewImport, RowError, CrimeShare, Concentration, Demand, TopShare, LorenzPoint,
        TopVersusBottom, Hotspot, RepeatRule, RepeatSubject, RuleInput, RepeatFlag, RunRule,
        OpenSupport, OpenHiddenSupport, SupportPath, HiddenDemand, ProblemCase, CaseStatus, NewCase, Scanning,
        TriangleAnalysis, CaseResponse, AssessmentInput, Assessment, AssessmentResult,
        EngagementKind, NewEngagement, Engagement, CommunityPriority, NewPriority, PriorityStatus,
        WeDid, ActionStatus, DirectoryEntry, DirectorySettings, Sector, Hub, HubInput)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity, &SkillsDoc)
)]
pub struct ApiDoc;

/// Every resource's routes and the OpenAPI document.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(places::router())
        .merge(imports::router())
        .merge(analysis::router())
        .merge(repeat_rules::router())
        .merge(repeat_flags::router())
        .merge(hidden_demand::router())
        .merge(cases::router())
        .merge(engagements::router())
        .merge(priorities::router())
        .merge(directory::router())
        .merge(hubs::router())
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}

/// The routes that take files far larger than the platform's JSON body
/// limit: an import's CSV file, and the directory's import.
pub fn upload_router(state: AppState) -> Router {
    Router::new()
        .merge(imports::upload_router())
        .merge(directory::import_router())
        .with_state(state)
}

/// The local authority areas a question covers: the one asked for, which
/// must be the user's, else all of theirs.
pub fn areas_for(p: &Principal, area: Option<&str>) -> Result<Vec<String>, ApiError> {
    match area {
        Some(a) if p.works_in(a) => Ok(vec![a.to_owned()]),
        Some(_) => Err(ApiError::Forbidden("This area is not one of yours.".into())),
        None => Ok(p.areas.clone()),
    }
}
