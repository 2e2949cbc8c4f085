//! The portal's URLs that pages and form handlers share: where forms post,
//! and the pages handlers send people back to. Grouped by area, as the
//! pages, loaders and handlers are.

use super::Route;

// Home and signing in.
pub const HOME: Route<0> = Route::new("/");
pub const SIGN_IN: Route<0> = Route::new("/sign-in");
pub const SIGN_OUT: Route<0> = Route::new("/sign-out");

// Referrals.
pub const REFERRALS: Route<0> = Route::new("/referrals");
pub const WORKLIST: Route<0> = Route::new("/worklist");
pub const NEW_REFERRAL: Route<0> = Route::new("/referrals/new");
pub const REFERRAL: Route<1> = Route::new("/referrals/{id}");
/// One lifecycle step on a referral's page.
pub const REFERRAL_STEP: Route<1> = Route::new("/referrals/{id}/action");
/// Where a reason for viewing a referral is posted; it stays in the
/// session, never in a URL.
pub const REFERRAL_REASON: Route<1> = Route::new("/referrals/{id}/reason");
/// A coordinator withdraws the referral's standing share.
pub const SHARE_WITHDRAWAL: Route<1> = Route::new("/referrals/{id}/share/withdrawal");
pub const RETENTION: Route<0> = Route::new("/retention");
pub const RETENTION_DECISION: Route<1> = Route::new("/retention/{id}");

// People.
pub const PERSON: Route<1> = Route::new("/people/{id}");
pub const MERGE: Route<1> = Route::new("/people/{id}/merge");
/// Where a reason for viewing a person's page is posted.
pub const PERSON_REASON: Route<1> = Route::new("/people/{id}/reason");
/// An administrator undoes a merge by its reference (from the sharing and
/// retention page: administrators open no person pages).
pub const UNDO_MERGE: Route<0> = Route::new("/admin/merges/undo");

// The access report.
/// Takes a referral reference as `?referral=`.
pub const ACCESS_REPORT: Route<0> = Route::new("/access-report");
pub const PERSON_SEARCH: Route<0> = Route::new("/access-report/search");

// Administration.
pub const SHARING_ADMIN: Route<0> = Route::new("/admin/sharing");
pub const AGENCIES: Route<0> = Route::new("/admin/agencies");
pub const AGENCY: Route<1> = Route::new("/admin/agencies/{id}");
pub const AGREEMENTS: Route<0> = Route::new("/admin/agreements");
pub const AGREEMENT: Route<1> = Route::new("/admin/agreements/{id}");
pub const TIMELINESS: Route<0> = Route::new("/admin/timeliness");
pub const RETENTION_PERIODS: Route<0> = Route::new("/admin/retention-periods");
pub const SKILLS_ADMIN: Route<0> = Route::new("/admin/skills");
/// A gated action, by its service and its id.
pub const SKILL: Route<2> = Route::new("/admin/skills/{service}/{action}");
pub const CLEAR_SKILL: Route<2> = Route::new("/admin/skills/{service}/{action}/clear");

// Training.
/// The skills matrix; takes its filters as a query.
pub const TRAINING: Route<0> = Route::new("/training");
pub const RENEWALS: Route<0> = Route::new("/training/renewals");
pub const MATRIX_CSV: Route<0> = Route::new("/training/matrix.csv");
pub const MY_TRAINING: Route<0> = Route::new("/training/staff/me");
pub const STAFF_RECORD: Route<1> = Route::new("/training/staff/{id}");
pub const ASSESS: Route<1> = Route::new("/training/staff/{id}/assess");
pub const SESSIONS: Route<0> = Route::new("/training/sessions");
pub const SESSION: Route<1> = Route::new("/training/sessions/{id}");
pub const REGISTER: Route<1> = Route::new("/training/sessions/{id}/register");

// Governance.
pub const REPORTS: Route<0> = Route::new("/reports");
pub const DASHBOARD: Route<0> = Route::new("/governance");
pub const PACKS: Route<0> = Route::new("/governance/packs");
pub const CREATE_PACK: Route<0> = Route::new("/governance/packs/create");
pub const APPROVERS: Route<0> = Route::new("/governance/approvers");
pub const PACK: Route<1> = Route::new("/governance/packs/{id}");
pub const REVIEW_PACK: Route<1> = Route::new("/governance/packs/{id}/review");
pub const SIGN_PACK: Route<1> = Route::new("/governance/packs/{id}/sign");
pub const PACK_PDF: Route<1> = Route::new("/governance/packs/{id}/pdf");
pub const PACK_CSV: Route<2> = Route::new("/governance/packs/{id}/csv/{measure_id}");

// Engagement: places, the engagement log, demand and imports.
pub const PLACES: Route<0> = Route::new("/places");
pub const PLACE: Route<1> = Route::new("/places/{id}");
pub const LOG_ENGAGEMENT: Route<0> = Route::new("/engagement/new");
pub const DEMAND: Route<0> = Route::new("/demand");
pub const RUN_RULE: Route<0> = Route::new("/demand/run");
pub const FLAG_SUPPORT: Route<1> = Route::new("/demand/flags/{id}/support");
pub const HIDDEN_SUPPORT: Route<0> = Route::new("/demand/hidden/support");
/// Takes the job to follow as `?job=`.
pub const IMPORTS: Route<0> = Route::new("/imports");

// Casework: the priority board, problem-solving cases, the directory.
pub const PRIORITIES: Route<0> = Route::new("/priorities");
pub const WE_DID: Route<1> = Route::new("/priorities/{id}/responses");
pub const RESOLVE_PRIORITY: Route<1> = Route::new("/priorities/{id}/resolve");
pub const CASES: Route<0> = Route::new("/cases");
pub const CASE: Route<1> = Route::new("/cases/{id}");
pub const CASE_STAGE: Route<2> = Route::new("/cases/{id}/{stage}");
pub const CASE_SUMMARY: Route<1> = Route::new("/cases/{id}/summary.md");
pub const DIRECTORY: Route<0> = Route::new("/directory");
pub const REVIEW_ENTRY: Route<1> = Route::new("/directory/{id}/review");
