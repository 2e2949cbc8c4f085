//! The governance HTTP API: aggregates only, never a person.

mod boards;
pub(crate) mod dashboard;
mod framework;
pub(crate) mod packs;
mod pilots;
mod read_models;
mod reports;

use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::http::AssertionSecurity;
use eip_types::governance::{
    Annotation, Approvers, AreaCount, Assurance, Board, Cell, CsvExport, Dashboard, DidEstimate,
    Direction, EventKindInfo, FactRef, Formula, Framework, GroupSeries, Indicator, Measure,
    MeasureEvaluation, MeasureReport, MeasureStatus, MeasureTable, MissingMeasure, NewRebase,
    OutcomeDef, Pack, PackAccess, PackInput, PackStatus, PackView, Pilot, PilotEvaluation,
    PilotInput, Published, Rebase, ReportValidation, Scope, Signal, SpcChart, SpcPoint, SpcRule,
    SpcSegment, SubmittedPerArea, TableRow, Target, Unit, Variation,
};
use eip_types::{FieldError, Problem, Role};
use utoipa::OpenApi;

/// Who may read the referrals counted per area.
const READERS: [Role; 4] = [Role::Board, Role::Coordinator, Role::Analyst, Role::Admin];

/// Who may read the framework, the dashboard, packs and pilots.
const ANALYSTS: [Role; 3] = [Role::Board, Role::Analyst, Role::Admin];

/// Who writes and reviews packs, and records pilots.
const AUTHORS: [Role; 2] = [Role::Analyst, Role::Admin];

#[derive(OpenApi)]
#[openapi(
    info(title = "Governance service", description = "Indicator reports with small-number suppression"),
    paths(reports::submitted_per_area, framework::show_framework, framework::event_kinds,
        framework::save_measure, reports::validate_report, read_models::rebuild_read_models, dashboard::dashboard,
        framework::record_rebase, boards::list_boards, boards::set_approvers, boards::set_approvers_by_post, packs::list_packs,
        packs::create_pack, packs::show_pack, packs::edit_pack, packs::review_pack, packs::sign_pack,
        packs::table_csv, packs::table_export, packs::pack_pdf, packs::access_log, pilots::list_pilots, pilots::create_pilot,
        pilots::evaluate_pilot),
    components(schemas(SubmittedPerArea, AreaCount, Cell, Problem, FieldError, Framework, OutcomeDef,
        Indicator, Measure, Unit, Direction, Scope, MeasureStatus, FactRef, Formula, Target,
        EventKindInfo, ReportValidation, MissingMeasure, Dashboard, MeasureReport, MeasureTable,
        TableRow, Published, SpcChart, SpcPoint, SpcSegment, SpcRule, Signal, Variation, Assurance,
        Rebase, NewRebase, Board, Approvers, Pack, PackStatus, PackInput, Annotation, PackView,
        PackAccess, CsvExport, read_models::Rebuilt, Pilot, PilotInput, PilotEvaluation, MeasureEvaluation, GroupSeries,
        DidEstimate)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity)
)]
pub struct ApiDoc;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(reports::router())
        .merge(framework::router())
        .merge(read_models::router())
        .merge(dashboard::router())
        .merge(boards::router())
        .merge(packs::router())
        .merge(pilots::router())
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}

/// One field's problem as the 422 it answers.
fn invalid(error: FieldError) -> eip_platform::error::ApiError {
    eip_platform::error::ApiError::Validation(vec![error])
}
