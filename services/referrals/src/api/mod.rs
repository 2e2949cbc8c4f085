//! The referrals HTTP API: one module per resource, each with its routes.

mod agencies;
mod agreements;
mod audit;
mod people;
mod referrals;
mod retention;
mod timeliness;
mod view_reason;

use crate::AppState;
use crate::audit::{AccessEntry, Verification};
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::http::AssertionSecurity;
use eip_skills::SkillsDoc;
use eip_types::audit::AccessReport;
use eip_types::events::EventPage;
use eip_types::person::{
    Gender, LinkedPerson, MatchQuery, MergeRecord, MergeRequest, NewLink, Person, PersonDetail,
    PersonFound, PersonMatch, PersonSearch, Relationship, UndoMerge,
};
use eip_types::referral::{
    Agency, AgencyChange, AgreementChange, ConsentStatus, FollowUpResult, HistoryEntry,
    LawfulBasis, NewReferral, Outcome, Pathway, Priority, Referral, ReferralDetail, ReferralStatus,
    ReferralSummary, RetentionChoice, RetentionDecision, RetentionDue, RetentionPeriods, ShareEnd,
    ShareRecord, ShareWithdrawn, SharedField, SharingAgreement, TimelinessTargets, Transition,
    TransitionRequest, WithdrawShare,
};
use eip_types::{FieldError, Problem};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Referrals service", description = "Early-help referrals, area-limited"),
    paths(referrals::create_referral, referrals::list_referrals, referrals::show_referral,
        referrals::transition_referral, referrals::referral_history, referrals::withdraw_share,
        audit::referral_access_log, audit::access_report, audit::verify_access_log,
        retention::retention_due, retention::decide_retention,
        people::matches, people::search, people::show_person, people::add_link,
        people::merge, people::undo_merge,
        agencies::list_agencies, agencies::create_agency, agencies::update_agency,
        agreements::list_agreements, agreements::create_agreement, agreements::update_agreement,
        timeliness::show_targets, timeliness::set_targets,
        retention::show_periods, retention::set_periods,
        eip_platform::outbox::event_feed),
    components(schemas(NewReferral, Referral, ReferralDetail, ReferralSummary, ReferralStatus, Priority, Pathway, Outcome,
        Transition, TransitionRequest, HistoryEntry, Agency, AgencyChange, SharingAgreement, AgreementChange, TimelinessTargets, RetentionPeriods,
        ShareRecord, SharedField, ShareEnd, ShareWithdrawn, WithdrawShare, Person, PersonMatch, MatchQuery, PersonSearch, PersonFound, PersonDetail, LinkedPerson, NewLink,
        MergeRequest, MergeRecord, UndoMerge, Gender, Relationship, LawfulBasis, ConsentStatus, FollowUpResult, AccessEntry, AccessReport, Verification, RetentionDecision, RetentionChoice, RetentionDue,
        EventPage, Problem, FieldError)),
    security(("assertion" = [])),
    modifiers(&AssertionSecurity, &SkillsDoc)
)]
pub struct ApiDoc;

/// Every resource's routes, and the OpenAPI document.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(referrals::router())
        .merge(people::router())
        .merge(audit::router())
        .merge(retention::router())
        .merge(agencies::router())
        .merge(agreements::router())
        .merge(timeliness::router())
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(state)
}
