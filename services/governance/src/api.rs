//! The governance HTTP API: aggregates only, never a person.

use crate::{AppState, dashboard_api, framework_api, packs, pilot_api, read_model, suppression};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::ApiError;
use eip_platform::http::AssertionSecurity;
use eip_platform::identity::Authenticated;
use eip_types::governance::{
    Annotation, Approvers, AreaCount, Assurance, Board, Cell, CsvExport, Dashboard, DidEstimate,
    Direction, EventKindInfo, FactRef, Formula, Framework, GroupSeries, Indicator, Measure,
    MeasureEvaluation, MeasureReport, MeasureStatus, MeasureTable, MissingMeasure, NewRebase,
    OutcomeDef, Pack, PackAccess, PackInput, PackStatus, PackView, Pilot, PilotEvaluation,
    PilotInput, Published, Rebase, ReportValidation, Scope, Signal, SpcChart, SpcPoint, SpcRule,
    SpcSegment, SubmittedPerArea, TableRow, Target, Unit, Variation,
};
use eip_types::place::LOCAL_AUTHORITIES;
use eip_types::{FieldError, Problem, Role};
use utoipa::OpenApi;

/// Who may read governance reports.
pub const READERS: [Role; 4] = [Role::Board, Role::Coordinator, Role::Analyst, Role::Admin];

#[derive(OpenApi)]
#[openapi(
    info(title = "Governance service", description = "Indicator reports with small-number suppression"),
    paths(submitted_per_area, framework_api::show_framework, framework_api::event_kinds,
        framework_api::save_measure, framework_api::validate_report, framework_api::rebuild_read_models, dashboard_api::dashboard,
        dashboard_api::record_rebase, packs::list_boards, packs::set_approvers, packs::set_approvers_by_post, packs::list_packs,
        packs::create_pack, packs::show_pack, packs::edit_pack, packs::review_pack, packs::sign_pack,
        packs::table_csv, packs::table_export, packs::pack_pdf, packs::access_log, pilot_api::list_pilots, pilot_api::create_pilot,
        pilot_api::evaluate_pilot),
    components(schemas(SubmittedPerArea, AreaCount, Cell, Problem, FieldError, Framework, OutcomeDef,
        Indicator, Measure, Unit, Direction, Scope, MeasureStatus, FactRef, Formula, Target,
        EventKindInfo, ReportValidation, MissingMeasure, Dashboard, MeasureReport, MeasureTable,
        TableRow, Published, SpcChart, SpcPoint, SpcSegment, SpcRule, Signal, Variation, Assurance,
        Rebase, NewRebase, Board, Approvers, Pack, PackStatus, PackInput, Annotation, PackView,
        PackAccess, CsvExport, framework_api::Rebuilt, Pilot, PilotInput, PilotEvaluation, MeasureEvaluation, GroupSeries,
        DidEstimate)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity)
)]
pub struct ApiDoc;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/reports/referrals-submitted-per-area",
            get(submitted_per_area),
        )
        .merge(framework_api::router())
        .merge(dashboard_api::router())
        .merge(packs::router())
        .merge(pilot_api::router())
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}

/// Referrals submitted per local authority area, small counts suppressed.
#[utoipa::path(get, path = "/reports/referrals-submitted-per-area",
    responses((status = 200, body = SubmittedPerArea), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn submitted_per_area(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<SubmittedPerArea>, ApiError> {
    user.require_any(&READERS)?;
    let counted = read_model::submitted_per_area(state.db.pool()).await?;
    let counts: Vec<u64> = LOCAL_AUTHORITIES
        .iter()
        .map(|(id, _)| counted.iter().find(|(a, _)| a == id).map_or(0, |(_, n)| *n))
        .collect();
    let (cells, total) = suppression::suppress(&counts, state.suppress_up_to);
    let rows = LOCAL_AUTHORITIES
        .iter()
        .zip(cells)
        .map(|((id, name), count)| AreaCount {
            area_id: (*id).to_owned(),
            area_name: (*name).to_owned(),
            count,
        })
        .collect();
    Ok(Json(SubmittedPerArea {
        rows,
        total,
        suppress_up_to: state.suppress_up_to,
    }))
}
