//! The workforce API: the framework, staff and their import, the evidence
//! log, sessions and assessments, the skills matrix with coverage, and the
//! daily reminder job.

use crate::access::{self, TRAINERS, View};
use crate::records::{self, Conn, NewEvidenceRow};
use crate::standing::{self, Counted, Rule};
use crate::{AppState, currency, import};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::{Authenticated, is_service};
use eip_types::events::TrainingEvent;
use eip_types::training::{
    Assessed, Attendance, Competency, CompetencyRuleUpdate, Course, Coverage, Evidence, Framework,
    ImportError, ImportReport, JobReport, Level, Matrix, MatrixRow, NewAssessment, NewCompetency,
    NewCourse, NewEvidence, NewPause, NewSession, Pause, PracticeChecks, RegisterLine, Reminder,
    Requirement, RoleChange, Session, Staff, StaffRecord, Standard, Standing, Status,
};
use eip_types::{FieldError, Principal, Role};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        framework,
        update_competency,
        set_requirements,
        import_staff,
        change_role,
        staff_record,
        my_record,
        add_evidence,
        add_pause,
        assess,
        list_courses,
        create_course,
        list_sessions,
        create_session,
        get_session,
        take_attendance,
        matrix,
        matrix_csv,
        coverage_csv,
        my_reminders,
        run_daily
    ),
    components(schemas(
        Framework,
        RequirementInput,
        CompetencyRuleUpdate,
        RoleChange,
        ImportReport,
        ImportError,
        StaffRecord,
        Staff,
        Standing,
        Status,
        Level,
        PracticeChecks,
        Pause,
        Evidence,
        NewEvidence,
        NewPause,
        NewAssessment,
        Assessed,
        Course,
        NewCourse,
        Session,
        NewSession,
        Attendance,
        RegisterLine,
        Matrix,
        MatrixRow,
        Coverage,
        Reminder,
        JobReport
    ))
)]
pub struct WorkforceDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/framework", get(framework))
        .route("/competencies", post(create_competency))
        .route("/competencies/{id}", put(update_competency))
        .route("/job-roles/{id}/requirements", put(set_requirements))
        .route("/staff/{id}/role", put(change_role))
        .route("/staff/{id}/record", get(staff_record))
        .route("/staff/{id}/evidence", post(add_evidence))
        .route("/staff/{id}/renewal-pack.csv", get(renewal_pack))
        .route("/staff/{id}/pauses", post(add_pause))
        .route("/staff/{id}/assessments", post(assess))
        .route("/me", get(my_record))
        .route("/courses", get(list_courses).post(create_course))
        .route("/sessions", get(list_sessions).post(create_session))
        .route("/sessions/{id}", get(get_session))
        .route("/sessions/{id}/attendance", post(take_attendance))
        .route("/matrix", get(matrix))
        .route("/matrix.csv", get(matrix_csv))
        .route("/coverage.csv", get(coverage_csv))
        .route("/reminders", get(my_reminders))
        .route("/jobs/daily", post(run_daily))
}

/// Largest staff file accepted: 8 MiB, some 100,000 rows of the usual
/// width, well above a force's workforce. Other requests keep the
/// platform's 64 KiB limit.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

/// `POST /staff/import`, with its own body limit; the caller adds the
/// platform's other layers.
pub fn import_router(state: AppState) -> Router {
    Router::new()
        .route("/staff/import", post(import_staff))
        .with_state(state)
}

fn field(name: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(name, message)
}

fn invalid(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![field(name, message)])
}

/// A `YYYY-MM-DD` date, not after `latest` when one is given.
fn date_field(
    name: &str,
    raw: &str,
    latest: Option<NaiveDate>,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Ok(d) if latest.is_some_and(|l| d > l) => {
            errors.push(field(name, "The date cannot be in the future."));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(field(name, "Enter a real date as YYYY-MM-DD."));
            None
        }
    }
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

async fn conn(state: &AppState) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, ApiError> {
    Ok(state.db.pool().acquire().await?)
}

fn require_admin(user: &Authenticated) -> Result<&Principal, ApiError> {
    user.require_any(&[Role::Admin])
}

/// Everything the standings of a set of people are worked out from.
struct Facts {
    rules: Vec<Rule>,
    requirements: records::Requirements,
    facts: HashMap<String, Vec<standing::Fact>>,
    pauses: records::Pauses,
}

impl Facts {
    async fn load(
        c: &mut Conn,
        today: NaiveDate,
        staff_id: Option<&str>,
    ) -> Result<Self, ApiError> {
        Ok(Facts {
            rules: records::rules(c).await?,
            requirements: records::requirements(c).await?,
            facts: records::facts(c, today, staff_id).await?,
            pauses: records::pauses(c, staff_id).await?,
        })
    }

    fn required(&self, role_id: &str, competency_id: &str) -> Option<Option<Level>> {
        self.requirements
            .get(role_id)?
            .iter()
            .find(|(c, _)| c == competency_id)
            .map(|(_, l)| *l)
    }

    fn standings(&self, today: NaiveDate, s: &Staff) -> Vec<Standing> {
        let facts = self.facts.get(&s.id).map(Vec::as_slice).unwrap_or_default();
        let pauses = self
            .pauses
            .get(&s.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        self.rules
            .iter()
            .map(|r| standing::standing(today, r, self.required(&s.role_id, &r.id), facts, pauses))
            .collect()
    }

    /// The standing ignoring requirements: whether and how it is held.
    fn held(&self, today: NaiveDate, staff_id: &str, competency_id: &str) -> Option<Standing> {
        let rule = self.rules.iter().find(|r| r.id == competency_id)?;
        let facts = self
            .facts
            .get(staff_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let pauses = self
            .pauses
            .get(staff_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        Some(standing::standing(today, rule, None, facts, pauses))
    }
}

fn competency_list(rules: &[Rule]) -> Vec<Competency> {
    rules
        .iter()
        .map(|r| Competency {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
        })
        .collect()
}

// ---- framework ----

/// The competency framework: competencies with their standards and
/// currency rules, and what each job role requires (anyone signed in).
#[utoipa::path(get, path = "/framework",
    responses((status = 200, body = Framework), (status = 401, body = eip_types::Problem)))]
async fn framework(
    State(state): State<AppState>,
    _user: Authenticated,
) -> Result<Json<Framework>, ApiError> {
    Ok(Json(records::framework(&mut *conn(&state).await?).await?))
}

fn slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Adds a competency to the framework (administrators).
#[utoipa::path(post, path = "/competencies", request_body = NewCompetency,
    responses((status = 201), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn create_competency(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewCompetency>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let mut errors = Vec::new();
    if !slug(body.id.trim()) {
        errors.push(field(
            "id",
            "Use lower-case letters, digits and hyphens (at most 64).",
        ));
    }
    if body.name.trim().is_empty() || body.name.chars().count() > 120 {
        errors.push(field("name", "Enter a name of at most 120 characters."));
    }
    if body.description.trim().is_empty() || body.description.chars().count() > 500 {
        errors.push(field(
            "description",
            "Describe it in at most 500 characters.",
        ));
    }
    if body
        .validity_months
        .is_some_and(|m| !(1..=120).contains(&m))
    {
        errors.push(field(
            "validity_months",
            "Use 1 to 120 months, or none for no expiry.",
        ));
    }
    if body.warning_days > 365 {
        errors.push(field("warning_days", "Use 0 to 365 days."));
    }
    let mut codes = HashSet::new();
    for (i, s) in body.standards.iter().enumerate() {
        if s.code.trim().is_empty() || s.code.len() > 16 || !codes.insert(s.code.trim()) {
            errors.push(field(
                &format!("standards[{i}].code"),
                "Give each standard its own short code.",
            ));
        }
        if s.text.trim().is_empty() || s.indicator.trim().is_empty() {
            errors.push(field(
                &format!("standards[{i}].text"),
                "Give the standard its indicator and text.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let clean = NewCompetency {
        id: body.id.trim().into(),
        name: body.name.trim().into(),
        description: body.description.trim().into(),
        standards: body
            .standards
            .iter()
            .map(|s| Standard {
                code: s.code.trim().into(),
                indicator: s.indicator.trim().into(),
                text: s.text.trim().into(),
            })
            .collect(),
        ..body
    };
    let mut tx = state.db.begin().await?;
    if !records::insert_competency(&mut tx, &clean).await? {
        return Err(invalid("id", "A competency with this id exists."));
    }
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// Changes a competency's validity and warning window (administrators).
#[utoipa::path(put, path = "/competencies/{id}", request_body = CompetencyRuleUpdate,
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn update_competency(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CompetencyRuleUpdate>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let mut errors = Vec::new();
    if body
        .validity_months
        .is_some_and(|m| !(1..=120).contains(&m))
    {
        errors.push(field(
            "validity_months",
            "Use 1 to 120 months, or none for no expiry.",
        ));
    }
    if body.warning_days > 365 {
        errors.push(field("warning_days", "Use 0 to 365 days."));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut c = conn(&state).await?;
    if !records::update_rule(&mut c, &id, body.validity_months, body.warning_days).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementInput {
    pub competency_id: String,
    /// `foundation`, `intermediate` or `advanced`, for a levelled competency.
    #[serde(default)]
    pub level: Option<String>,
}

/// Replaces what a job role requires (administrators). Takes effect at
/// once for everyone in the role.
#[utoipa::path(put, path = "/job-roles/{id}/requirements", request_body = [RequirementInput],
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn set_requirements(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Vec<RequirementInput>>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let mut tx = state.db.begin().await?;
    if !records::role_exists(&mut tx, &id).await? {
        return Err(ApiError::NotFound);
    }
    let rules = records::rules(&mut tx).await?;
    let mut errors = Vec::new();
    let mut reqs = Vec::new();
    let mut seen = HashSet::new();
    for (i, r) in body.iter().enumerate() {
        let Some(rule) = rules.iter().find(|x| x.id == r.competency_id.trim()) else {
            errors.push(field(
                &format!("[{i}].competency_id"),
                "Choose one of the listed competencies.",
            ));
            continue;
        };
        if !seen.insert(rule.id.clone()) {
            errors.push(field(&format!("[{i}].competency_id"), "Listed twice."));
            continue;
        }
        let level = match (rule.levelled, r.level.as_deref()) {
            (true, None) => Some(Level::Foundation),
            (true, Some(raw)) => match Level::parse(raw) {
                Some(l) => Some(l),
                None => {
                    errors.push(field(
                        &format!("[{i}].level"),
                        "Use foundation, intermediate or advanced.",
                    ));
                    continue;
                }
            },
            (false, None) => None,
            (false, Some(_)) => {
                errors.push(field(
                    &format!("[{i}].level"),
                    "This competency has no levels.",
                ));
                continue;
            }
        };
        reqs.push(Requirement {
            competency_id: rule.id.clone(),
            level,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    records::set_requirements(&mut tx, &id, &reqs).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- staff ----

/// Imports staff from CSV (administrators). Good rows are imported in one
/// transaction; each bad row is reported with its line number.
#[utoipa::path(post, path = "/staff/import", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = eip_types::Problem),
        (status = 415, body = eip_types::Problem)))]
async fn import_staff(
    State(state): State<AppState>,
    user: Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    require_admin(&user)?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !media.starts_with("text/csv") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("The file is not UTF-8 text.".into()))?;
    let mut tx = state.db.begin().await?;
    let roles: Vec<String> = records::framework(&mut tx)
        .await?
        .roles
        .into_iter()
        .map(|r| r.id)
        .collect();
    let (candidates, mut errors) = import::parse(text, &roles);
    let existing = records::all_staff(&mut tx).await?;
    // Who a `manager` column can name: existing staff and the file's rows.
    let mut keys: HashMap<String, String> = HashMap::new();
    for s in &existing {
        for k in [s.staff_number.clone(), s.user_id.clone()]
            .into_iter()
            .flatten()
        {
            keys.insert(k, s.id.clone());
        }
    }
    let taken_numbers: HashSet<&str> = existing
        .iter()
        .filter_map(|s| s.staff_number.as_deref())
        .collect();
    let taken_users: HashSet<&str> = existing
        .iter()
        .filter_map(|s| s.user_id.as_deref())
        .collect();
    let mut good = Vec::new();
    for c in candidates {
        if c.staff_number
            .as_deref()
            .is_some_and(|n| taken_numbers.contains(n))
        {
            errors.push(ImportError {
                line: c.line,
                field: Some("staff_number".into()),
                message: "A person with this staff number is already on record.".into(),
            });
        } else if c
            .user_id
            .as_deref()
            .is_some_and(|u| taken_users.contains(u))
        {
            errors.push(ImportError {
                line: c.line,
                field: Some("user_id".into()),
                message: "A person with this user id is already on record.".into(),
            });
        } else {
            good.push((uuid::Uuid::new_v4().to_string(), c));
        }
    }
    // Managers resolve to existing staff or good rows; a row whose manager
    // does not is refused, which may leave another's unresolved in turn.
    loop {
        let mut file_keys = keys.clone();
        for (id, c) in &good {
            for k in [c.staff_number.clone(), c.user_id.clone()]
                .into_iter()
                .flatten()
            {
                file_keys.insert(k, id.clone());
            }
        }
        let before = good.len();
        good.retain(|(id, c)| match &c.manager {
            Some(m) if file_keys.get(m).is_none_or(|mid| mid == id) => {
                errors.push(ImportError {
                    line: c.line,
                    field: Some("manager".into()),
                    message:
                        "The manager is not on record or in this file (or is the person themself)."
                            .into(),
                });
                false
            }
            _ => true,
        });
        if good.len() == before {
            keys = file_keys;
            break;
        }
    }
    let people: Vec<(Staff, Option<String>)> = good
        .iter()
        .map(|(id, c)| {
            (
                Staff {
                    id: id.clone(),
                    staff_number: c.staff_number.clone(),
                    user_id: c.user_id.clone(),
                    name: c.name.clone(),
                    team: c.team.clone(),
                    area: c.area.clone(),
                    role_id: c.role_id.clone(),
                    manager_id: None,
                    agency: c.agency.clone(),
                },
                c.email.clone(),
            )
        })
        .collect();
    records::insert_staff_batch(&mut tx, &people).await?;
    let managed: Vec<(&str, &str)> = good
        .iter()
        .filter_map(|(id, c)| {
            let manager = c.manager.as_ref().and_then(|m| keys.get(m))?;
            Some((id.as_str(), manager.as_str()))
        })
        .collect();
    records::set_managers(&mut tx, &managed).await?;
    for (id, c) in &good {
        // Services that gate work on a competency learn whose it is.
        if c.user_id.is_some() {
            let event = TrainingEvent::StaffLinked {
                staff_id: id.clone(),
                account: c.user_id.as_deref().map(eip_skills::account_key),
            };
            state
                .outbox
                .record(&mut tx, event.kind(), &event.payload())
                .await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    errors.sort_by_key(|e| e.line);
    tracing::info!(
        imported = good.len(),
        refused = errors.len(),
        "staff imported"
    );
    Ok(Json(ImportReport {
        imported: u32::try_from(good.len()).unwrap_or(u32::MAX),
        errors,
    }))
}

/// Moves a person to another job role (administrators); what they must
/// hold changes at once.
#[utoipa::path(put, path = "/staff/{id}/role", request_body = RoleChange,
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn change_role(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleChange>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let mut c = conn(&state).await?;
    if !records::role_exists(&mut c, body.role_id.trim()).await? {
        return Err(invalid("role_id", "Choose one of the listed job roles."));
    }
    if !records::set_role(&mut c, &id, body.role_id.trim()).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The staff record of the signed-in user and what they may see.
async fn viewer(
    c: &mut Conn,
    who: &Principal,
) -> Result<(Vec<Staff>, Option<Staff>, View), ApiError> {
    let all = records::all_staff(c).await?;
    let me = all
        .iter()
        .find(|s| s.user_id.as_deref() == Some(&who.user_id))
        .cloned();
    let view = access::view(who, me.as_ref(), &all);
    Ok((all, me, view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct AsOfQuery {
    /// Work out standings for this day (`YYYY-MM-DD`; trainers and
    /// administrators only). Today by default.
    as_of: Option<String>,
}

async fn record_of(c: &mut Conn, today: NaiveDate, staff: Staff) -> Result<StaffRecord, ApiError> {
    let facts = Facts::load(c, today, Some(&staff.id)).await?;
    let standings = facts.standings(today, &staff);
    let evidence = records::evidence_of(c, &staff.id).await?;
    let corrected: HashSet<&str> = evidence
        .iter()
        .filter_map(|e| e.corrects.as_deref())
        .collect();
    let visible: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| e.occurred_on <= today && !corrected.contains(e.id.as_str()))
        .collect();
    let year_from = currency::year_before(today);
    let practice = facts
        .rules
        .iter()
        .zip(&standings)
        .filter(|(r, s)| r.practice_checks && (s.required || s.held_level.is_some()))
        .map(|(r, s)| {
            let of = |activity: &'static str| {
                visible
                    .iter()
                    .filter(move |e| e.competency_id == r.id && e.activity == activity)
            };
            let last_supervision = of("supervision").map(|e| e.occurred_on).max();
            let last_observation = of("observation").map(|e| e.occurred_on).max();
            let (mut approved, mut other) = (0.0, 0.0);
            for e in of("cpd").filter(|e| e.occurred_on >= year_from) {
                let h = e.hours.unwrap_or(0.0);
                if e.approved {
                    approved += h;
                } else {
                    other += h;
                }
            }
            let level = s.held_level.or(s.required_level);
            PracticeChecks {
                competency_id: r.id.clone(),
                last_supervision,
                supervision: currency::supervision(today, last_supervision),
                last_observation,
                observation_due: currency::observation_due(today, last_observation),
                cpd_hours: approved + other,
                cpd_approved_hours: approved,
                cpd_required_hours: currency::cpd_required_hours(level),
                cpd_short: currency::cpd_short(level, approved, other),
            }
        })
        .collect();
    let pauses = records::pause_log(c, &staff.id).await?;
    Ok(StaffRecord {
        as_of: today,
        staff,
        standings,
        practice,
        pauses,
        evidence,
    })
}

/// One person's training record: standings, practice checks, pauses and
/// the evidence log. Their own, their reports', or anyone's for trainers
/// and administrators.
#[utoipa::path(get, path = "/staff/{id}/record", params(("id" = String, Path), AsOfQuery),
    responses((status = 200, body = StaffRecord), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem)))]
async fn staff_record(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<StaffRecord>, ApiError> {
    let today = as_of(&state, &user.0, q.as_of.as_deref())?;
    let mut c = conn(&state).await?;
    let (all, _, view) = viewer(&mut c, &user.0).await?;
    let Some(staff) = all.into_iter().find(|s| s.id == id) else {
        return Err(ApiError::NotFound);
    };
    if !view.includes(&staff.id) {
        return Err(ApiError::Forbidden(
            "This record is not yours to see.".into(),
        ));
    }
    Ok(Json(record_of(&mut c, today, staff).await?))
}

/// The signed-in user's own training record.
#[utoipa::path(get, path = "/me", params(AsOfQuery),
    responses((status = 200, body = StaffRecord), (status = 404, body = eip_types::Problem)))]
async fn my_record(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<StaffRecord>, ApiError> {
    let today = as_of(&state, &user.0, q.as_of.as_deref())?;
    let mut c = conn(&state).await?;
    let Some(me) = records::staff_by_user(&mut c, &user.0.user_id).await? else {
        return Err(ApiError::NotFound);
    };
    Ok(Json(record_of(&mut c, today, me).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct WindowQuery {
    /// The first day of the 12-month window (`YYYY-MM-DD`).
    from: String,
}

/// The renewal pack of one practitioner for a 12-month window: CPD hours
/// (approved and other), processes delivered, supervision and observed
/// practice dates, each line and the totals (same access as the record).
#[utoipa::path(get, path = "/staff/{id}/renewal-pack.csv", params(("id" = String, Path), WindowQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn renewal_pack(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let from = date_field("from", &q.from, None, &mut errors);
    let (Some(from), true) = (from, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let until = from
        .checked_add_months(chrono::Months::new(12))
        .ok_or_else(|| invalid("from", "Choose a window that ends before the year 9999."))?;
    let mut c = conn(&state).await?;
    let (all, _, view) = viewer(&mut c, &user.0).await?;
    let Some(staff) = all.into_iter().find(|s| s.id == id) else {
        return Err(ApiError::NotFound);
    };
    if !view.includes(&staff.id) {
        return Err(ApiError::Forbidden(
            "This record is not yours to see.".into(),
        ));
    }
    let evidence = records::evidence_of(&mut c, &staff.id).await?;
    let corrected: HashSet<&str> = evidence
        .iter()
        .filter_map(|e| e.corrects.as_deref())
        .collect();
    let mut lines: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| e.occurred_on >= from && e.occurred_on < until)
        .filter(|e| !corrected.contains(e.id.as_str()))
        .filter(|e| {
            matches!(
                e.activity.as_str(),
                "cpd" | "process" | "supervision" | "observation"
            )
        })
        .collect();
    lines.sort_by_key(|e| (e.occurred_on, e.activity.clone()));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "activity",
        "date",
        "competency_id",
        "hours",
        "approved",
        "note",
    ])
    .map_err(csv_error)?;
    let (mut approved, mut other, mut processes) = (0.0, 0.0, 0u32);
    for e in &lines {
        let hours = e.hours.unwrap_or(0.0);
        match (e.activity.as_str(), e.approved) {
            ("cpd", true) => approved += hours,
            ("cpd", false) => other += hours,
            ("process", _) => processes += 1,
            _ => {}
        }
        w.write_record([
            e.activity.clone(),
            e.occurred_on.to_string(),
            e.competency_id.clone(),
            e.hours.map(|h| format!("{h:.2}")).unwrap_or_default(),
            if e.activity == "cpd" {
                if e.approved { "yes" } else { "no" }
            } else {
                ""
            }
            .to_owned(),
            cell(e.note.as_deref().unwrap_or_default()),
        ])
        .map_err(csv_error)?;
    }
    let last_day = until.pred_opt().unwrap_or(until);
    for (label, value) in [
        ("total_cpd_approved_hours", format!("{approved:.2}")),
        ("total_cpd_other_hours", format!("{other:.2}")),
        ("total_processes_delivered", processes.to_string()),
    ] {
        w.write_record([label, &format!("{from}..{last_day}"), "", &value, "", ""])
            .map_err(csv_error)?;
    }
    let bytes = w.into_inner().map_err(csv_error)?;
    Ok(csv_response("renewal-pack.csv", bytes))
}

// ---- evidence ----

const KINDS: [&str; 3] = ["logged", "completed", "override"];
const ACTIVITIES: [&str; 5] = ["training", "process", "supervision", "observation", "cpd"];

/// Appends evidence and publishes what it changed: achieved (first held,
/// or a higher level) or renewed (a later lapse date).
pub(crate) async fn append_evidence(
    state: &AppState,
    tx: &mut eip_platform::db::Tx,
    today: NaiveDate,
    row: &NewEvidenceRow<'_>,
) -> Result<Evidence, ApiError> {
    let before = Facts::load(tx, today, Some(row.staff_id)).await?;
    let before = before.held(today, row.staff_id, row.competency_id);
    let evidence = records::insert_evidence(tx, row).await?;
    let after = Facts::load(tx, today, Some(row.staff_id)).await?;
    let after = after.held(today, row.staff_id, row.competency_id);
    if let (Some(before), Some(after)) = (before, after) {
        let was_held = before.status != Status::None;
        let now_held = after.status != Status::None;
        let event = if now_held && (!was_held || after.held_level > before.held_level) {
            Some(TrainingEvent::CompetencyAchieved {
                staff_id: row.staff_id.into(),
                competency_id: row.competency_id.into(),
                level: after.held_level,
                on: row.occurred_on,
                lapses_on: after.lapses_on,
            })
        } else if now_held && after.lapses_on > before.lapses_on {
            Some(TrainingEvent::CompetencyRenewed {
                staff_id: row.staff_id.into(),
                competency_id: row.competency_id.into(),
                lapses_on: after.lapses_on,
            })
        } else {
            None
        };
        if let Some(event) = event {
            state
                .outbox
                .record(tx, event.kind(), &event.payload())
                .await?;
        }
    }
    Ok(evidence)
}

/// Publishes what gating services and governance would have heard had
/// every record been entered through the API: each competency held (with
/// the day it was last achieved and its lapse date) and each link to a
/// sign-in account. The demo seed writes its records directly, then calls
/// this; the daily job that follows publishes the lapses.
pub(crate) async fn publish_held(
    outbox: &eip_platform::outbox::Outbox,
    tx: &mut eip_platform::db::Tx,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let all = records::all_staff(tx).await?;
    let facts = Facts::load(tx, today, None).await?;
    let mut events = Vec::new();
    for s in &all {
        if let Some(user_id) = &s.user_id {
            events.push(TrainingEvent::StaffLinked {
                staff_id: s.id.clone(),
                account: Some(eip_skills::account_key(user_id)),
            });
        }
        let mine = facts
            .facts
            .get(&s.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for rule in &facts.rules {
            let Some(held) = facts.held(today, &s.id, &rule.id) else {
                continue;
            };
            let achieved_on = mine
                .iter()
                .filter(|f| f.competency_id == rule.id && f.achieves() && f.last <= today)
                .map(|f| f.last)
                .max();
            if let (Some(on), true) = (achieved_on, held.status != Status::None) {
                events.push(TrainingEvent::CompetencyAchieved {
                    staff_id: s.id.clone(),
                    competency_id: rule.id.clone(),
                    level: held.held_level,
                    on,
                    lapses_on: held.lapses_on,
                });
            }
        }
    }
    for event in events {
        outbox.record(tx, event.kind(), &event.payload()).await?;
    }
    Ok(())
}

/// Adds an entry to a person's evidence log. Trainers and administrators
/// record any kind; staff log their own delivered processes, supervision
/// and CPD. The log is append-only: a correction is a new entry.
#[utoipa::path(post, path = "/staff/{id}/evidence", request_body = NewEvidence,
    params(("id" = String, Path)),
    responses((status = 201, body = Evidence), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn add_evidence(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewEvidence>,
) -> Result<(StatusCode, Json<Evidence>), ApiError> {
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let Some(staff) = records::staff(&mut tx, &id).await? else {
        return Err(ApiError::NotFound);
    };
    let trainer = user.0.has_any_role(&TRAINERS);
    let own = staff.user_id.as_deref() == Some(&user.0.user_id);
    if !trainer && !own {
        return Err(ApiError::Forbidden(
            "Only trainers record evidence for others.".into(),
        ));
    }
    let rules = records::rules(&mut tx).await?;
    let mut errors = Vec::new();
    let rule = rules.iter().find(|r| r.id == body.competency_id.trim());
    if rule.is_none() {
        errors.push(field(
            "competency_id",
            "Choose one of the listed competencies.",
        ));
    }
    let kind = body.kind.trim();
    if !KINDS.contains(&kind) {
        errors.push(field("kind", "Use logged, completed or override."));
    } else if !trainer && kind != "logged" {
        return Err(ApiError::Forbidden(
            "Staff log their own activity; trainers record completions and overrides.".into(),
        ));
    }
    let activity = body.activity.trim();
    if !ACTIVITIES.contains(&activity) {
        errors.push(field(
            "activity",
            "Use training, process, supervision, observation or cpd.",
        ));
    } else if !trainer && !matches!(activity, "process" | "supervision" | "cpd") {
        return Err(ApiError::Forbidden(
            "Staff log delivered processes, supervision and CPD; trainers record the rest.".into(),
        ));
    }
    let level = match body
        .level
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => match (Level::parse(raw), rule) {
            (Some(l), Some(r)) if r.levelled => Some(l),
            (Some(_), Some(_)) => {
                errors.push(field("level", "This competency has no levels."));
                None
            }
            _ => {
                errors.push(field("level", "Use foundation, intermediate or advanced."));
                None
            }
        },
    };
    let occurred_on = date_field("occurred_on", &body.occurred_on, Some(today), &mut errors);
    let hours = match (activity, body.hours) {
        ("cpd", Some(h)) if h > 0.0 && h <= 100.0 => Some(h),
        ("cpd", _) => {
            errors.push(field(
                "hours",
                "Enter the CPD hours, more than 0 and at most 100.",
            ));
            None
        }
        (_, Some(_)) => {
            errors.push(field("hours", "Hours are for CPD only."));
            None
        }
        (_, None) => None,
    };
    let source = match body.source.as_deref().map(str::trim).unwrap_or("manual") {
        s @ ("manual" | "external") => s,
        _ => {
            errors.push(field("source", "Use manual or external."));
            "manual"
        }
    };
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let corrects = body
        .corrects
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let (Some(c), Some(r)) = (corrects, rule)
        && !records::correctable(&mut tx, c, &staff.id, &r.id).await?
    {
        errors.push(field(
            "corrects",
            "Name an entry of this person's log for this competency that is not already corrected.",
        ));
    }
    if kind == "override" && note.is_none() {
        errors.push(field("note", "An override needs a note saying why."));
    } else if corrects.is_some() && note.is_none() {
        errors.push(field(
            "note",
            "A correction needs a note saying what was wrong.",
        ));
    }
    if note.is_some_and(|n| n.chars().count() > 1000) {
        errors.push(field("note", "Keep the note to 1,000 characters."));
    }
    let (Some(rule), Some(occurred_on), true) = (rule, occurred_on, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let row = NewEvidenceRow {
        staff_id: &staff.id,
        competency_id: &rule.id,
        kind,
        activity,
        level,
        source,
        occurred_on,
        hours,
        approved: body.approved && activity == "cpd",
        note,
        corrects,
        actor: &user.0.user_id,
        session_id: None,
    };
    let evidence = append_evidence(&state, &mut tx, today, &row).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, Json(evidence)))
}

/// Pauses a record for long leave (trainers and administrators): it does
/// not lapse meanwhile and is left out of coverage. Kept as an audit trail.
#[utoipa::path(post, path = "/staff/{id}/pauses", request_body = NewPause,
    params(("id" = String, Path)),
    responses((status = 201, body = Pause), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn add_pause(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewPause>,
) -> Result<(StatusCode, Json<Pause>), ApiError> {
    let who = user.require_any(&TRAINERS)?;
    let mut errors = Vec::new();
    let starts_on = date_field("starts_on", &body.starts_on, None, &mut errors);
    let ends_on = date_field("ends_on", &body.ends_on, None, &mut errors);
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        errors.push(field(
            "ends_on",
            "The end date must be on or after the start.",
        ));
    }
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        errors.push(field("reason", "Give the reason (at most 200 characters)."));
    }
    let (Some(starts_on), Some(ends_on), true) = (starts_on, ends_on, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let mut tx = state.db.begin().await?;
    if records::staff(&mut tx, &id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let today = state.clock.today();
    let before = Facts::load(&mut tx, today, Some(&id)).await?;
    let pause = Pause {
        starts_on,
        ends_on,
        reason: reason.into(),
        actor: who.user_id.clone(),
    };
    records::insert_pause(&mut tx, &id, &pause).await?;
    // Services that gate work on a competency learn the later lapse date,
    // so a paused record is not refused on the date it no longer lapses.
    let after = Facts::load(&mut tx, today, Some(&id)).await?;
    for rule in &after.rules {
        let lapse = |f: &Facts| f.held(today, &id, &rule.id).and_then(|s| s.lapses_on);
        if let (Some(old), Some(new)) = (lapse(&before), lapse(&after))
            && new > old
        {
            let event = TrainingEvent::LapseDeferred {
                staff_id: id.clone(),
                competency_id: rule.id.clone(),
                lapses_on: new,
            };
            state
                .outbox
                .record(&mut tx, event.kind(), &event.payload())
                .await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    tracing::info!(staff.id = %id, "record paused");
    Ok((StatusCode::CREATED, Json(pause)))
}

/// Records a trainer's assessment of observed practice against the
/// competency's standards (trainers only). A competent outcome holds the
/// competency at the proficiency observed.
#[utoipa::path(post, path = "/staff/{id}/assessments", request_body = NewAssessment,
    params(("id" = String, Path)),
    responses((status = 201, body = Assessed), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn assess(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewAssessment>,
) -> Result<(StatusCode, Json<Assessed>), ApiError> {
    let assessor = user.require_any(&[Role::Trainer])?;
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    if records::staff(&mut tx, &id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let rules = records::rules(&mut tx).await?;
    let mut errors = Vec::new();
    let rule = rules.iter().find(|r| r.id == body.competency_id.trim());
    if rule.is_none() {
        errors.push(field(
            "competency_id",
            "Choose one of the listed competencies.",
        ));
    }
    let assessed_on = date_field("assessed_on", &body.assessed_on, Some(today), &mut errors);
    let outcome = body.outcome.trim();
    if !matches!(outcome, "competent" | "not_yet_competent") {
        errors.push(field("outcome", "Use competent or not_yet_competent."));
    }
    let level = match (
        rule,
        body.level
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) {
        (Some(r), Some(raw)) if r.levelled => match Level::parse(raw) {
            Some(l) => Some(l),
            None => {
                errors.push(field("level", "Use foundation, intermediate or advanced."));
                None
            }
        },
        (Some(r), None) if r.levelled => Some(Level::Foundation),
        (Some(_), Some(_)) => {
            errors.push(field("level", "This competency has no levels."));
            None
        }
        _ => None,
    };
    if let Some(r) = rule {
        let codes = records::standard_codes(&mut tx, &r.id).await?;
        if let Some(bad) = body.standards_met.iter().find(|c| !codes.contains(c)) {
            errors.push(field(
                "standards_met",
                format!("{bad} is not one of this competency's standards."),
            ));
        }
    }
    let notes = body.notes.trim();
    if notes.chars().count() > 2000 {
        errors.push(field("notes", "Keep the notes to 2,000 characters."));
    }
    let (Some(rule), Some(assessed_on), true) = (rule, assessed_on, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let assessment_id = uuid::Uuid::new_v4().to_string();
    records::insert_assessment(
        &mut tx,
        &records::AssessmentRow {
            id: &assessment_id,
            staff_id: &id,
            competency_id: &rule.id,
            assessor: &assessor.user_id,
            assessed_on,
            outcome,
            level,
            standards_met: &body.standards_met,
            notes,
        },
    )
    .await?;
    let row = NewEvidenceRow {
        staff_id: &id,
        competency_id: &rule.id,
        kind: if outcome == "competent" {
            "completed"
        } else {
            "logged"
        },
        activity: "observation",
        level,
        source: "assessment",
        occurred_on: assessed_on,
        hours: None,
        approved: false,
        note: None,
        corrects: None,
        actor: &assessor.user_id,
        session_id: None,
    };
    let evidence = append_evidence(&state, &mut tx, today, &row).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok((
        StatusCode::CREATED,
        Json(Assessed {
            id: assessment_id,
            evidence_id: evidence.id,
        }),
    ))
}

// ---- courses and sessions ----

fn course(c: records::CourseRow) -> Course {
    Course {
        id: c.id,
        title: c.title,
        competency_id: c.competency_id,
        level: c.level,
    }
}

/// The course catalogue (trainers and administrators).
#[utoipa::path(get, path = "/courses",
    responses((status = 200, body = [Course]), (status = 403, body = eip_types::Problem)))]
async fn list_courses(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Course>>, ApiError> {
    user.require_any(&TRAINERS)?;
    let list = records::courses(&mut *conn(&state).await?).await?;
    Ok(Json(list.into_iter().map(course).collect()))
}

/// Adds a course to the catalogue (trainers and administrators).
#[utoipa::path(post, path = "/courses", request_body = NewCourse,
    responses((status = 201, body = Course), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn create_course(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewCourse>,
) -> Result<(StatusCode, Json<Course>), ApiError> {
    user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let rules = records::rules(&mut c).await?;
    let mut errors = Vec::new();
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 120 {
        errors.push(field("title", "Enter a title of at most 120 characters."));
    }
    let rule = rules.iter().find(|r| r.id == body.competency_id.trim());
    if rule.is_none() {
        errors.push(field(
            "competency_id",
            "Choose one of the listed competencies.",
        ));
    }
    let level = match (
        rule,
        body.level
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) {
        (Some(r), raw) if r.levelled => match raw.map_or(Some(Level::Foundation), Level::parse) {
            Some(l) => Some(l),
            None => {
                errors.push(field("level", "Use foundation, intermediate or advanced."));
                None
            }
        },
        (Some(_), Some(_)) => {
            errors.push(field("level", "This competency has no levels."));
            None
        }
        _ => None,
    };
    let (Some(rule), true) = (rule, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let row = records::CourseRow {
        id: uuid::Uuid::new_v4().to_string(),
        title: title.into(),
        competency_id: rule.id.clone(),
        level,
    };
    records::insert_course(&mut c, &row).await?;
    Ok((StatusCode::CREATED, Json(course(row))))
}

async fn session_view(c: &mut Conn, s: records::SessionRow) -> Result<Session, ApiError> {
    let Some(course_row) = records::course(c, &s.course_id).await? else {
        return Err(ApiError::NotFound);
    };
    let register = records::register(c, &s.id)
        .await?
        .into_iter()
        .map(|(staff_id, attended)| RegisterLine { staff_id, attended })
        .collect();
    Ok(Session {
        id: s.id,
        course: course(course_row),
        trainer: s.trainer,
        held_on: s.held_on,
        place: s.place,
        capacity: s.capacity,
        register,
    })
}

/// Sessions, the latest first (trainers and administrators).
#[utoipa::path(get, path = "/sessions",
    responses((status = 200, body = [Session]), (status = 403, body = eip_types::Problem)))]
async fn list_sessions(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Session>>, ApiError> {
    user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let mut out = Vec::new();
    for s in records::sessions(&mut c).await? {
        out.push(session_view(&mut c, s).await?);
    }
    Ok(Json(out))
}

/// Schedules a session of a course (trainers and administrators).
#[utoipa::path(post, path = "/sessions", request_body = NewSession,
    responses((status = 201, body = Session), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn create_session(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(body): ApiJson<NewSession>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let who = user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let mut errors = Vec::new();
    if records::course(&mut c, body.course_id.trim())
        .await?
        .is_none()
    {
        errors.push(field("course_id", "Choose one of the listed courses."));
    }
    let held_on = date_field("held_on", &body.held_on, None, &mut errors);
    let place = body.place.trim();
    if place.is_empty() || place.chars().count() > 120 {
        errors.push(field("place", "Enter the place, at most 120 characters."));
    }
    if !(1..=500).contains(&body.capacity) {
        errors.push(field("capacity", "Use a capacity from 1 to 500."));
    }
    let (Some(held_on), true) = (held_on, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let row = records::SessionRow {
        id: uuid::Uuid::new_v4().to_string(),
        course_id: body.course_id.trim().into(),
        trainer: who.user_id.clone(),
        held_on,
        place: place.into(),
        capacity: body.capacity,
    };
    records::insert_session(&mut c, &row).await?;
    Ok((StatusCode::CREATED, Json(session_view(&mut c, row).await?)))
}

/// A session with its register (trainers and administrators).
#[utoipa::path(get, path = "/sessions/{id}", params(("id" = String, Path)),
    responses((status = 200, body = Session), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem)))]
async fn get_session(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Session>, ApiError> {
    user.require_any(&TRAINERS)?;
    let mut c = conn(&state).await?;
    let Some(s) = records::session(&mut c, &id).await? else {
        return Err(ApiError::NotFound);
    };
    Ok(Json(session_view(&mut c, s).await?))
}

/// Adds lines to a session's register, all or none (trainers and
/// administrators). Attendance becomes completed-training evidence; the
/// first register taken publishes that the session was held. Someone
/// already on the register, and more people than the session holds, are
/// refused.
#[utoipa::path(post, path = "/sessions/{id}/attendance", request_body = Attendance,
    params(("id" = String, Path)),
    responses((status = 200, body = Session), (status = 403, body = eip_types::Problem),
        (status = 404, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
async fn take_attendance(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Attendance>,
) -> Result<Json<Session>, ApiError> {
    let who = user.require_any(&TRAINERS)?;
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let Some(session) = records::session(&mut tx, &id).await? else {
        return Err(ApiError::NotFound);
    };
    let Some(course_row) = records::course(&mut tx, &session.course_id).await? else {
        return Err(ApiError::NotFound);
    };
    let mut errors = Vec::new();
    if session.held_on > today {
        errors.push(field(
            "held_on",
            "The register can be taken once the session has been held.",
        ));
    }
    if body.entries.is_empty() {
        errors.push(field(
            "entries",
            "Mark at least one person attended or not.",
        ));
    }
    let register = records::register(&mut tx, &id).await?;
    let on_register: HashSet<&str> = register.iter().map(|(s, _)| s.as_str()).collect();
    let mut in_body = HashSet::new();
    for (i, line) in body.entries.iter().enumerate() {
        let name = format!("entries[{i}].staff_id");
        if records::staff(&mut tx, &line.staff_id).await?.is_none() {
            errors.push(field(&name, "No such person on record."));
        } else if on_register.contains(line.staff_id.as_str()) || !in_body.insert(&line.staff_id) {
            errors.push(field(&name, "Already on this session's register."));
        }
    }
    let total = register.len() + body.entries.len();
    if usize::try_from(session.capacity).is_ok_and(|cap| total > cap) {
        errors.push(field(
            "entries",
            format!(
                "The session holds {}; {} already on the register leaves room for {}.",
                session.capacity,
                register.len(),
                usize::try_from(session.capacity)
                    .unwrap_or(0)
                    .saturating_sub(register.len())
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    for line in &body.entries {
        if !records::insert_attendance(&mut tx, &id, &line.staff_id, line.attended, &who.user_id)
            .await?
        {
            return Err(ApiError::Conflict(
                "Someone was added to the register meanwhile.".into(),
            ));
        }
        if line.attended {
            let row = NewEvidenceRow {
                staff_id: &line.staff_id,
                competency_id: &course_row.competency_id,
                kind: "completed",
                activity: "training",
                level: course_row.level,
                source: "session",
                occurred_on: session.held_on,
                hours: None,
                approved: false,
                note: None,
                corrects: None,
                actor: &who.user_id,
                session_id: Some(&id),
            };
            append_evidence(&state, &mut tx, today, &row).await?;
        }
    }
    if records::mark_held(&mut tx, &id).await? {
        let event = TrainingEvent::SessionHeld {
            session_id: id.clone(),
            competency_id: course_row.competency_id.clone(),
            held_on: session.held_on,
        };
        state
            .outbox
            .record(&mut tx, event.kind(), &event.payload())
            .await?;
    }
    tx.commit().await?;
    state.outbox.wake();
    let mut c = conn(&state).await?;
    let Some(session) = records::session(&mut c, &id).await? else {
        return Err(ApiError::NotFound);
    };
    Ok(Json(session_view(&mut c, session).await?))
}

// ---- matrix and coverage ----

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MatrixQuery {
    pub team: Option<String>,
    pub area: Option<String>,
    /// A job role id.
    pub role: Option<String>,
    /// A staff id: that person's reports, direct and indirect.
    pub manager: Option<String>,
    /// A partner agency id.
    pub agency: Option<String>,
    /// `YYYY-MM-DD` (trainers and administrators only); today by default.
    pub as_of: Option<String>,
}

fn filter(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The matrix for the filters and what `who` may see.
pub async fn build_matrix(
    state: &AppState,
    who: &Principal,
    q: &MatrixQuery,
) -> Result<Matrix, ApiError> {
    let today = as_of(state, who, q.as_of.as_deref())?;
    let mut c = conn(state).await?;
    let (all, _, view) = viewer(&mut c, who).await?;
    if !access::sees_matrix(who, &view) {
        return Err(ApiError::Forbidden(
            "The skills matrix is for trainers, administrators and line managers.".into(),
        ));
    }
    let managed = filter(&q.manager).map(|m| access::reports_of(&all, m));
    let facts = Facts::load(&mut c, today, None).await?;
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
    let ids: Vec<String> = facts.rules.iter().map(|r| r.id.clone()).collect();
    let counted: Vec<Counted> = people
        .iter()
        .map(|(s, st)| Counted {
            team: &s.team,
            area: &s.area,
            standings: st,
        })
        .collect();
    let coverage = standing::coverage(&counted, &ids);
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
    Ok(Matrix {
        as_of: today,
        competencies: competency_list(&facts.rules),
        rows,
        coverage,
    })
}

/// The skills matrix: people × competencies with their statuses, and
/// coverage per team and area (trainers, administrators, and line managers
/// for their reports).
#[utoipa::path(get, path = "/matrix", params(MatrixQuery),
    responses((status = 200, body = Matrix), (status = 403, body = eip_types::Problem),
        (status = 422, body = eip_types::Problem)))]
async fn matrix(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<MatrixQuery>,
) -> Result<Json<Matrix>, ApiError> {
    Ok(Json(build_matrix(&state, &user.0, &q).await?))
}

/// A cell as a spreadsheet will not run as a formula.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn csv_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn csv_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("writing CSV: {e}"))
}

/// The matrix as CSV: one row per person, one status column per competency.
pub fn matrix_csv_bytes(m: &Matrix) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = ["name", "team", "area", "role", "agency"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    head.extend(m.competencies.iter().map(|c| c.id.clone()));
    w.write_record(&head).map_err(csv_error)?;
    for r in &m.rows {
        let mut line = vec![
            cell(&r.name),
            cell(&r.team),
            r.area.clone(),
            r.role_id.clone(),
            cell(r.agency.as_deref().unwrap_or_default()),
        ];
        line.extend(r.cells.iter().map(|c| c.status.as_str().to_owned()));
        w.write_record(&line).map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

/// Coverage as CSV, the percentage written as every view shows it.
pub fn coverage_csv_bytes(coverage: &[Coverage]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scope",
        "scope_id",
        "competency_id",
        "required",
        "current",
        "coverage",
    ])
    .map_err(csv_error)?;
    for c in coverage {
        w.write_record([
            c.scope.clone(),
            cell(&c.scope_id),
            c.competency_id.clone().unwrap_or_default(),
            c.required.to_string(),
            c.current.to_string(),
            c.display(),
        ])
        .map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

/// The skills matrix as CSV (same filters and access as `/matrix`).
#[utoipa::path(get, path = "/matrix.csv", params(MatrixQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = eip_types::Problem)))]
async fn matrix_csv(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<MatrixQuery>,
) -> Result<Response, ApiError> {
    let m = build_matrix(&state, &user.0, &q).await?;
    Ok(csv_response("skills-matrix.csv", matrix_csv_bytes(&m)?))
}

/// Coverage per team and area as CSV (same filters and access as `/matrix`).
#[utoipa::path(get, path = "/coverage.csv", params(MatrixQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = eip_types::Problem)))]
async fn coverage_csv(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<MatrixQuery>,
) -> Result<Response, ApiError> {
    let m = build_matrix(&state, &user.0, &q).await?;
    Ok(csv_response(
        "coverage.csv",
        coverage_csv_bytes(&m.coverage)?,
    ))
}

// ---- reminders ----

/// Reminders for the signed-in user: their own lapses coming up, and
/// their reports'.
#[utoipa::path(get, path = "/reminders",
    responses((status = 200, body = [Reminder]), (status = 401, body = eip_types::Problem)))]
async fn my_reminders(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Reminder>>, ApiError> {
    let mut c = conn(&state).await?;
    let Some(me) = records::staff_by_user(&mut c, &user.0.user_id).await? else {
        return Ok(Json(Vec::new()));
    };
    Ok(Json(records::reminders_for(&mut c, &me.id).await?))
}

/// Runs the daily job for `as_of` (default today): reminders to staff at
/// 90, 60, 30 and 7 days before a lapse and to line managers at 30 days
/// and on the lapse; a lapse event per lapse; coverage per team and area
/// once a month. Running it twice on a day creates nothing twice
/// (administrators and platform services).
#[utoipa::path(post, path = "/jobs/daily", params(AsOfQuery),
    responses((status = 200, body = JobReport), (status = 403, body = eip_types::Problem)))]
async fn run_daily(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<JobReport>, ApiError> {
    if !(user.0.has_role(Role::Admin) || is_service(&user.0)) {
        return Err(ApiError::Forbidden(
            "Only administrators and platform services run the daily job.".into(),
        ));
    }
    let today = as_of(&state, &user.0, q.as_of.as_deref())?;
    Ok(Json(daily(&state, today).await?))
}

/// The daily job itself, in one transaction.
pub async fn daily(state: &AppState, today: NaiveDate) -> Result<JobReport, ApiError> {
    let mut tx = state.db.begin().await?;
    let all = records::all_staff(&mut tx).await?;
    let facts = Facts::load(&mut tx, today, None).await?;
    let mut report = JobReport {
        as_of: today,
        ..JobReport::default()
    };
    let mut counted_standings = Vec::with_capacity(all.len());
    for s in &all {
        let standings = facts.standings(today, s);
        for st in &standings {
            let (Some(lapse), false) = (st.lapses_on, st.status == Status::Paused) else {
                continue;
            };
            if !st.required && st.held_level.is_none() && st.status == Status::None {
                continue;
            }
            let days_left = (lapse - today).num_days();
            let mut notes: Vec<(&str, &str)> = Vec::new();
            if let Some(stage) = currency::staff_stage(days_left) {
                notes.push((&s.id, stage));
            }
            if days_left <= 0 {
                notes.push((&s.id, "lapsed"));
            }
            if let (Some(m), Some(stage)) =
                (s.manager_id.as_deref(), currency::manager_stage(days_left))
            {
                notes.push((m, stage));
            }
            for (recipient, stage) in notes {
                let new = records::insert_reminder(
                    &mut tx,
                    &records::ReminderRow {
                        recipient_id: recipient,
                        subject_id: &s.id,
                        competency_id: &st.competency_id,
                        lapse_on: lapse,
                        stage,
                        created_on: today,
                    },
                )
                .await?;
                if !new {
                    continue;
                }
                report.reminders += 1;
                if stage == "lapsed" && recipient == s.id {
                    report.lapsed += 1;
                    let event = TrainingEvent::CompetencyLapsed {
                        staff_id: s.id.clone(),
                        competency_id: st.competency_id.clone(),
                        lapsed_on: lapse,
                    };
                    state
                        .outbox
                        .record(&mut tx, event.kind(), &event.payload())
                        .await?;
                }
            }
        }
        counted_standings.push(standings);
    }
    let counted: Vec<Counted> = all
        .iter()
        .zip(&counted_standings)
        .map(|(s, st)| Counted {
            team: &s.team,
            area: &s.area,
            standings: st,
        })
        .collect();
    let ids: Vec<String> = facts.rules.iter().map(|r| r.id.clone()).collect();
    let month = today.format("%Y-%m").to_string();
    for c in standing::coverage(&counted, &ids)
        .into_iter()
        .filter(|c| c.competency_id.is_none())
    {
        if records::claim_coverage(&mut tx, &month, &c.scope, &c.scope_id).await? {
            report.coverage_published += 1;
            let event = TrainingEvent::CoverageMeasured {
                month: month.clone(),
                scope: c.scope,
                scope_id: c.scope_id,
                required: c.required,
                current: c.current,
            };
            state
                .outbox
                .record(&mut tx, event.kind(), &event.payload())
                .await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    if let Some(mailer) = &state.mailer {
        report.emailed = mailer.send_due(&state.db, today).await?;
    }
    tracing::info!(
        reminders = report.reminders,
        emailed = report.emailed,
        lapsed = report.lapsed,
        "daily training job ran"
    );
    Ok(report)
}
