//! Repeat demand: rules of the form "at least N contacts in M days" by
//! caller, address or ward, versioned; the flags they raise, each naming its
//! rule version and lawful basis; and the hidden-demand worklist.
//!
//! A flag is a prompt for a person to review. It can only open a support
//! path — a problem-solving case or a referral suggestion — and is never a
//! marker against anyone.

use crate::analysis::READERS;
use crate::rows::SOURCE_INCIDENTS;
use crate::{AppState, cases};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use eip_platform::db::{Tx, now_text};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{
    HiddenDemand, OpenHiddenSupport, OpenSupport, RepeatFlag, RepeatRule, RepeatSubject, RuleInput,
    RunRule, SupportPath,
};
use eip_types::{FieldError, Principal, Problem, Role};
use serde::Deserialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/repeat-rules", get(list_rules).post(create_rule))
        .route("/repeat-rules/{id}", get(show_rule).put(revise_rule))
        .route("/repeat-rules/{id}/run", post(run_rule))
        .route("/repeat-flags", get(list_flags))
        .route("/repeat-flags/{id}/support", post(open_support))
        .route("/hidden-demand", get(hidden_demand))
        .route("/hidden-demand/support", post(open_hidden_support))
        .with_state(state)
}

/// The days a window of `m` days ending on `as_of` covers, both included:
/// a contact `m − 1` days before `as_of` counts, one `m` days before does not.
pub fn window(as_of: NaiveDate, m: i64) -> (NaiveDate, NaiveDate) {
    let back = u64::try_from(m.max(1) - 1).unwrap_or(0);
    (
        as_of
            .checked_sub_days(chrono::Days::new(back))
            .unwrap_or(NaiveDate::MIN),
        as_of,
    )
}

/// Contacts of one subject on one day in one ward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contacts {
    pub subject: String,
    pub day: NaiveDate,
    pub place_id: String,
    pub area_id: String,
    pub count: i64,
}

/// A subject that meets a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub subject: String,
    pub contacts: i64,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub place_id: String,
    pub area_id: String,
}

/// The subjects with at least `n` contacts in the `m` days ending `as_of`,
/// most contacts first. Contacts outside the window are ignored.
pub fn evaluate(contacts: &[Contacts], as_of: NaiveDate, n: i64, m: i64) -> Vec<Hit> {
    let (from, to) = window(as_of, m);
    struct Acc<'a> {
        total: i64,
        first: NaiveDate,
        last: NaiveDate,
        places: BTreeMap<(&'a str, &'a str), i64>,
    }
    let mut by_subject: BTreeMap<&str, Acc> = BTreeMap::new();
    for c in contacts.iter().filter(|c| c.day >= from && c.day <= to) {
        let acc = by_subject.entry(&c.subject).or_insert(Acc {
            total: 0,
            first: c.day,
            last: c.day,
            places: BTreeMap::new(),
        });
        acc.total += c.count;
        acc.first = acc.first.min(c.day);
        acc.last = acc.last.max(c.day);
        *acc.places.entry((&c.place_id, &c.area_id)).or_default() += c.count;
    }
    let mut hits: Vec<Hit> = by_subject
        .into_iter()
        .filter(|(_, a)| a.total >= n)
        .map(|(subject, a)| {
            let ((place, area), _) = a.places.iter().fold((("", ""), i64::MIN), |best, (k, v)| {
                if *v > best.1 { (*k, *v) } else { best }
            });
            Hit {
                subject: subject.to_owned(),
                contacts: a.total,
                first: a.first,
                last: a.last,
                place_id: place.to_owned(),
                area_id: area.to_owned(),
            }
        })
        .collect();
    hits.sort_by(|a, b| b.contacts.cmp(&a.contacts).then(a.subject.cmp(&b.subject)));
    hits
}

pub(crate) const RULE_COLUMNS: &str = "id, version, name, subject, min_contacts, window_days, category, \
                            qualifier, lawful_basis, preset, created_at";

pub(crate) fn rule(row: &AnyRow) -> Result<RepeatRule, sqlx::Error> {
    let subject: String = row.try_get("subject")?;
    let category: Option<String> = row.try_get("category")?;
    Ok(RepeatRule {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        name: row.try_get("name")?,
        subject: RepeatSubject::parse(&subject)
            .ok_or_else(|| sqlx::Error::Decode(format!("subject `{subject}`").into()))?,
        min_contacts: row.try_get("min_contacts")?,
        window_days: row.try_get("window_days")?,
        category: category
            .as_deref()
            .and_then(eip_types::engagement::Category::parse),
        qualifier: row.try_get("qualifier")?,
        lawful_basis: row.try_get("lawful_basis")?,
        preset: row.try_get::<i64, _>("preset")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

/// Each rule at its latest version.
async fn latest_rules(state: &AppState) -> Result<Vec<RepeatRule>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM repeat_rules r WHERE version = \
         (SELECT MAX(version) FROM repeat_rules v WHERE v.id = r.id) ORDER BY preset DESC, name"
    ))
    .fetch_all(state.db.pool())
    .await?;
    rows.iter().map(rule).collect()
}

async fn latest_rule(state: &AppState, id: &str) -> Result<Option<RepeatRule>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM repeat_rules WHERE id = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    .as_ref()
    .map(rule)
    .transpose()
}

fn require_reader(user: &Authenticated) -> Result<&Principal, ApiError> {
    user.require_any(&READERS)
}

/// The rules, each at its latest version.
#[utoipa::path(get, path = "/repeat-rules", tag = "repeat_rules",
    responses((status = 200, body = [RepeatRule]), (status = 403, body = Problem)))]
async fn list_rules(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<RepeatRule>>, ApiError> {
    require_reader(&user)?;
    Ok(Json(latest_rules(&state).await?))
}

#[utoipa::path(get, path = "/repeat-rules/{id}", tag = "repeat_rules", params(("id" = String, Path)),
    responses((status = 200, body = RepeatRule), (status = 404, body = Problem)))]
async fn show_rule(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<RepeatRule>, ApiError> {
    require_reader(&user)?;
    latest_rule(&state, &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

async fn insert_rule(
    state: &AppState,
    id: &str,
    version: i64,
    input: &RuleInput,
    by: &str,
) -> Result<RepeatRule, ApiError> {
    let problems = input.problems();
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    sqlx::query(
        "INSERT INTO repeat_rules (id, version, name, subject, min_contacts, window_days, \
         category, qualifier, lawful_basis, preset, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         COALESCE((SELECT MAX(preset) FROM repeat_rules WHERE id = $1), 0), $10, $11)",
    )
    .bind(id)
    .bind(version)
    .bind(input.name.trim())
    .bind(input.subject.as_str())
    .bind(input.min_contacts)
    .bind(input.window_days)
    .bind(input.category.map(|c| c.as_str()))
    .bind(input.qualifier.as_deref())
    .bind(input.lawful_basis.trim())
    .bind(by)
    .bind(now_text())
    .execute(state.db.pool())
    .await?;
    latest_rule(state, id).await?.ok_or(ApiError::NotFound)
}

/// A new rule (analysts), at version 1.
#[utoipa::path(post, path = "/repeat-rules", tag = "repeat_rules", request_body = RuleInput,
    responses((status = 201, body = RepeatRule), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_rule(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<(StatusCode, Json<RepeatRule>), ApiError> {
    let p = user.require_any(&[Role::Analyst])?;
    let id = uuid::Uuid::new_v4().to_string();
    let rule = insert_rule(&state, &id, 1, &input, &p.user_id).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// A rule's next version (analysts); flags already raised keep the version
/// that raised them.
#[utoipa::path(put, path = "/repeat-rules/{id}", tag = "repeat_rules", params(("id" = String, Path)), request_body = RuleInput,
    responses((status = 200, body = RepeatRule), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn revise_rule(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<Json<RepeatRule>, ApiError> {
    let p = user.require_any(&[Role::Analyst])?;
    let current = latest_rule(&state, &id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(
        insert_rule(&state, &id, current.version + 1, &input, &p.user_id).await?,
    ))
}

fn areas_for(p: &Principal, area: Option<&str>) -> Result<Vec<String>, ApiError> {
    match area {
        Some(a) if p.works_in(a) => Ok(vec![a.to_owned()]),
        Some(_) => Err(ApiError::Forbidden("This area is not one of yours.".into())),
        None => Ok(p.areas.clone()),
    }
}

fn in_list(column: &str, n: usize, first: usize) -> String {
    if n == 0 {
        return "1 = 0".into();
    }
    let params: Vec<String> = (0..n).map(|i| format!("${}", first + i)).collect();
    format!("{column} IN ({})", params.join(", "))
}

/// Runs a rule's latest version over the runner's areas and records a flag
/// for each subject that meets it (updating the open flag of a subject
/// already flagged and not yet on a support path).
#[utoipa::path(post, path = "/repeat-rules/{id}/run", tag = "repeat_rules", params(("id" = String, Path)), request_body = RunRule,
    responses((status = 200, body = [RepeatFlag]), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn run_rule(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(run): ApiJson<RunRule>,
) -> Result<Json<Vec<RepeatFlag>>, ApiError> {
    let p = require_reader(&user)?;
    let areas = areas_for(p, run.area.as_deref())?;
    let as_of = match run.as_of.as_deref() {
        None => chrono::Utc::now().date_naive(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            ApiError::Validation(vec![FieldError::new("as_of", "Give a date as YYYY-MM-DD.")])
        })?,
    };
    let rule = latest_rule(&state, &id).await?.ok_or(ApiError::NotFound)?;
    let contacts = rule_contacts(&state, &rule, &areas, as_of, None).await?;
    let hits = evaluate(&contacts, as_of, rule.min_contacts, rule.window_days);
    let mut tx = state.db.begin().await?;
    let mut ids = Vec::new();
    for hit in &hits {
        ids.push(record_flag(&mut tx, &rule, hit, as_of, &p.user_id).await?);
    }
    crate::repeat_levels::due_after_run(&mut tx, &rule).await?;
    tx.commit().await?;
    state.outbox.wake();
    state.levels_due.notify_one();
    let mut flags = Vec::new();
    for id in ids {
        if let Some(f) = find_flag(state.db.pool(), &id).await? {
            flags.push(f);
        }
    }
    Ok(Json(flags))
}

/// The incidents' column a rule of `subject` counts by.
pub(crate) fn subject_column(subject: RepeatSubject) -> &'static str {
    match subject {
        RepeatSubject::Caller => "caller_ref",
        RepeatSubject::Address => "address_ref",
        RepeatSubject::Place => "place_id",
    }
}

/// A rule's contacts in its window ending `as_of`, per subject, day and
/// ward, in `areas`; only `subject_ref`'s when given.
async fn rule_contacts(
    state: &AppState,
    rule: &RepeatRule,
    areas: &[String],
    as_of: NaiveDate,
    subject_ref: Option<&str>,
) -> Result<Vec<Contacts>, sqlx::Error> {
    let (from, to) = window(as_of, rule.window_days);
    let column = subject_column(rule.subject);
    let sql = format!(
        "SELECT {column} AS subject, opened_on, place_id, area_id, COUNT(*) AS n FROM incidents \
         WHERE source = $1 AND opened_on >= $2 AND opened_on <= $3 AND {column} IS NOT NULL \
           AND ($4 IS NULL OR category = $4) AND ($5 IS NULL OR qualifiers LIKE $5) \
           AND ($6 IS NULL OR {column} = $6) AND {} \
         GROUP BY {column}, opened_on, place_id, area_id",
        in_list("area_id", areas.len(), 7)
    );
    let mut q = sqlx::query(&sql)
        .bind(SOURCE_INCIDENTS)
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string())
        .bind(rule.category.map(|c| c.as_str()))
        .bind(rule.qualifier.as_ref().map(|q| format!("%{q}%")))
        .bind(subject_ref);
    for a in areas {
        q = q.bind(a);
    }
    q.fetch_all(state.db.pool())
        .await?
        .iter()
        .map(|r| {
            let day: String = r.try_get("opened_on")?;
            Ok(Contacts {
                subject: r.try_get("subject")?,
                day: eip_platform::db::parse_date(&day)?,
                place_id: r.try_get("place_id")?,
                area_id: r.try_get("area_id")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

async fn record_flag(
    tx: &mut Tx,
    rule: &RepeatRule,
    hit: &Hit,
    as_of: NaiveDate,
    by: &str,
) -> Result<String, sqlx::Error> {
    let existing = sqlx::query(
        "SELECT id, support_path FROM repeat_flags WHERE rule_id = $1 AND subject = $2 \
         AND subject_ref = $3 ORDER BY raised_at DESC LIMIT 1",
    )
    .bind(&rule.id)
    .bind(rule.subject.as_str())
    .bind(&hit.subject)
    .fetch_optional(&mut **tx)
    .await?;
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    if let Some(row) = existing {
        let id: String = row.try_get("id")?;
        let path: Option<String> = row.try_get("support_path")?;
        if path.is_none() {
            sqlx::query(
                "UPDATE repeat_flags SET rule_version = $2, contacts = $3, first_contact = $4, \
                 last_contact = $5, as_of = $6, lawful_basis = $7, place_id = $8, area_id = $9 \
                 WHERE id = $1",
            )
            .bind(&id)
            .bind(rule.version)
            .bind(hit.contacts)
            .bind(day(hit.first))
            .bind(day(hit.last))
            .bind(day(as_of))
            .bind(&rule.lawful_basis)
            .bind(&hit.place_id)
            .bind(&hit.area_id)
            .execute(&mut **tx)
            .await?;
        }
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO repeat_flags (id, rule_id, rule_version, subject, subject_ref, area_id, \
         place_id, contacts, first_contact, last_contact, as_of, lawful_basis, raised_by, raised_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&id)
    .bind(&rule.id)
    .bind(rule.version)
    .bind(rule.subject.as_str())
    .bind(&hit.subject)
    .bind(&hit.area_id)
    .bind(&hit.place_id)
    .bind(hit.contacts)
    .bind(day(hit.first))
    .bind(day(hit.last))
    .bind(day(as_of))
    .bind(&rule.lawful_basis)
    .bind(by)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

const FLAG_COLUMNS: &str = "id, rule_id, rule_version, subject, subject_ref, area_id, place_id, \
    contacts, first_contact, last_contact, as_of, lawful_basis, support_path, case_id, raised_at";

fn flag(row: &AnyRow) -> Result<RepeatFlag, sqlx::Error> {
    let subject: String = row.try_get("subject")?;
    let path: Option<String> = row.try_get("support_path")?;
    Ok(RepeatFlag {
        id: row.try_get("id")?,
        rule_id: row.try_get("rule_id")?,
        rule_version: row.try_get("rule_version")?,
        subject: RepeatSubject::parse(&subject)
            .ok_or_else(|| sqlx::Error::Decode(format!("subject `{subject}`").into()))?,
        subject_ref: row.try_get("subject_ref")?,
        area_id: row.try_get("area_id")?,
        place_id: row.try_get("place_id")?,
        contacts: row.try_get("contacts")?,
        first_contact: row.try_get("first_contact")?,
        last_contact: row.try_get("last_contact")?,
        as_of: row.try_get("as_of")?,
        lawful_basis: row.try_get("lawful_basis")?,
        support_path: path.as_deref().and_then(SupportPath::parse),
        case_id: row.try_get("case_id")?,
        raised_at: row.try_get("raised_at")?,
    })
}

/// One flag, read through the pool or inside a transaction.
async fn find_flag<'e, E>(exec: E, id: &str) -> Result<Option<RepeatFlag>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT {FLAG_COLUMNS} FROM repeat_flags WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .as_ref()
    .map(flag)
    .transpose()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct FlagsQuery {
    area: Option<String>,
    rule: Option<String>,
    /// `true` for flags not yet on a support path (the default), `false`
    /// for those that are.
    open: Option<bool>,
    /// The top N by contacts (default 20).
    limit: Option<i64>,
}

/// The top flags by contacts in the reader's areas.
#[utoipa::path(get, path = "/repeat-flags", tag = "repeat_flags", params(FlagsQuery),
    responses((status = 200, body = [RepeatFlag]), (status = 403, body = Problem)))]
async fn list_flags(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<FlagsQuery>,
) -> Result<Json<Vec<RepeatFlag>>, ApiError> {
    let p = require_reader(&user)?;
    let areas = areas_for(p, q.area.as_deref())?;
    let open = q.open.unwrap_or(true);
    let sql = format!(
        "SELECT {FLAG_COLUMNS} FROM repeat_flags WHERE ($1 IS NULL OR rule_id = $1) \
         AND (support_path IS NULL) = ($2 = 1) AND {} \
         ORDER BY contacts DESC, raised_at LIMIT $3",
        in_list("area_id", areas.len(), 4)
    );
    let mut query = sqlx::query(&sql)
        .bind(q.rule.as_deref())
        .bind(i64::from(open))
        .bind(q.limit.unwrap_or(20).clamp(1, 500));
    for a in &areas {
        query = query.bind(a);
    }
    let rows = query.fetch_all(state.db.pool()).await?;
    Ok(Json(rows.iter().map(flag).collect::<Result<_, _>>()?))
}

/// Opens a support path from a flag: a problem-solving case (opened at
/// once, scanning the flag's ward) or a referral suggestion for a
/// practitioner to follow up. A flag opens one path only.
#[utoipa::path(post, path = "/repeat-flags/{id}/support", tag = "repeat_flags", params(("id" = String, Path)),
    request_body = OpenSupport,
    responses((status = 200, body = RepeatFlag), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn open_support(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(open): ApiJson<OpenSupport>,
) -> Result<Json<RepeatFlag>, ApiError> {
    let p = require_reader(&user)?;
    let f = find_flag(state.db.pool(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !p.works_in(&f.area_id) {
        return Err(ApiError::NotFound);
    }
    if f.support_path.is_some() {
        return Err(already_open());
    }
    let mut tx = state.db.begin().await?;
    open_path(&state, &mut tx, p, &f, open.path).await?;
    tx.commit().await?;
    state.outbox.wake();
    find_flag(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

fn already_open() -> ApiError {
    ApiError::Conflict("A support path is already open from this flag.".into())
}

/// Opens `path` from flag `f` in `tx`: the case, if that is the path, and
/// the flag's note of it. Refused if a path was opened meanwhile.
async fn open_path(
    state: &AppState,
    tx: &mut Tx,
    p: &Principal,
    f: &RepeatFlag,
    path: SupportPath,
) -> Result<(), ApiError> {
    let case_id = match path {
        SupportPath::ProblemSolvingCase => Some(cases::open_from_flag(state, tx, p, f).await?),
        SupportPath::ReferralSuggestion => None,
    };
    let opened = sqlx::query(
        "UPDATE repeat_flags SET support_path = $2, case_id = $3 WHERE id = $1 AND support_path IS NULL",
    )
    .bind(&f.id)
    .bind(path.as_str())
    .bind(case_id.as_deref())
    .execute(&mut **tx)
    .await?;
    if opened.rows_affected() == 0 {
        // Someone opened one meanwhile: the case made here is rolled back
        // with the transaction.
        return Err(already_open());
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct HiddenQuery {
    area: Option<String>,
}

/// The rules behind the hidden-demand worklist (see migration 0042):
/// repeated domestic, missing-person or mental-health incidents at one
/// address or by one caller.
const HIDDEN_RULES: [&str; 6] = [
    "hidden-domestic-address",
    "hidden-domestic-caller",
    "hidden-missing-person-address",
    "hidden-missing-person-caller",
    "hidden-mental-health-address",
    "hidden-mental-health-caller",
];

/// The hidden-demand worklist: addresses and callers that meet one of the
/// worklist rules today and have no support path open from any flag. For
/// a person to review; nothing is decided here.
#[utoipa::path(get, path = "/hidden-demand", tag = "hidden_demand", params(HiddenQuery),
    responses((status = 200, body = [HiddenDemand]), (status = 403, body = Problem)))]
async fn hidden_demand(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<HiddenQuery>,
) -> Result<Json<Vec<HiddenDemand>>, ApiError> {
    let p = require_reader(&user)?;
    let areas = areas_for(p, q.area.as_deref())?;
    let today = chrono::Utc::now().date_naive();
    let mut out = Vec::new();
    let rules = latest_rules(&state).await?;
    for rule in rules
        .iter()
        .filter(|r| HIDDEN_RULES.contains(&r.id.as_str()))
    {
        let column = subject_column(rule.subject);
        let (from, to) = window(today, rule.window_days);
        let sql = format!(
            "SELECT {column} AS subject_ref, MIN(area_id) AS area_id, COUNT(*) AS n, \
             MIN(opened_on) AS first_contact, MAX(opened_on) AS last_contact \
             FROM incidents i WHERE source = $1 AND opened_on >= $2 AND opened_on <= $3 \
             AND qualifiers LIKE $4 AND {column} IS NOT NULL AND {} \
             AND NOT EXISTS (SELECT 1 FROM repeat_flags f WHERE f.subject_ref = i.{column} \
                             AND f.support_path IS NOT NULL) \
             GROUP BY {column} HAVING COUNT(*) >= $5",
            in_list("area_id", areas.len(), 6)
        );
        let mut query = sqlx::query(&sql)
            .bind(SOURCE_INCIDENTS)
            .bind(from.format("%Y-%m-%d").to_string())
            .bind(to.format("%Y-%m-%d").to_string())
            .bind(format!(
                "%{}%",
                rule.qualifier.as_deref().unwrap_or_default()
            ))
            .bind(rule.min_contacts);
        for a in &areas {
            query = query.bind(a);
        }
        for r in query.fetch_all(state.db.pool()).await? {
            out.push(HiddenDemand {
                rule_id: rule.id.clone(),
                rule_version: rule.version,
                subject: rule.subject,
                subject_ref: r.try_get("subject_ref")?,
                qualifier: rule.qualifier.clone().unwrap_or_default(),
                incidents: r.try_get("n")?,
                first_contact: r.try_get("first_contact")?,
                last_contact: r.try_get("last_contact")?,
                area_id: r.try_get("area_id")?,
            });
        }
    }
    out.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then_with(|| a.subject_ref.cmp(&b.subject_ref))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    Ok(Json(out))
}

/// Opens a support path from a hidden-demand row: checks the reference
/// still meets the row's rule in the reader's areas today, records a flag
/// of that rule (its version and lawful basis with it) and opens the path
/// from the flag, in one transaction.
#[utoipa::path(post, path = "/hidden-demand/support", tag = "hidden_demand", request_body = OpenHiddenSupport,
    responses((status = 200, body = RepeatFlag), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn open_hidden_support(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(open): ApiJson<OpenHiddenSupport>,
) -> Result<Json<RepeatFlag>, ApiError> {
    let p = require_reader(&user)?;
    let rule = match HIDDEN_RULES.contains(&open.rule_id.as_str()) {
        true => latest_rule(&state, &open.rule_id).await?,
        false => None,
    };
    let Some(rule) = rule else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "rule_id",
            "Name one of the hidden-demand worklist's rules.",
        )]));
    };
    let subject_ref = open.subject_ref.trim();
    if subject_ref.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "subject_ref",
            "Name the reference from the worklist.",
        )]));
    }
    let today = chrono::Utc::now().date_naive();
    let contacts = rule_contacts(&state, &rule, &p.areas, today, Some(subject_ref)).await?;
    let Some(hit) = evaluate(&contacts, today, rule.min_contacts, rule.window_days)
        .into_iter()
        .next()
    else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "subject_ref",
            "This reference no longer meets the worklist rule in your areas.",
        )]));
    };
    let mut tx = state.db.begin().await?;
    let open_already = sqlx::query(
        "SELECT 1 AS one FROM repeat_flags WHERE subject_ref = $1 AND support_path IS NOT NULL",
    )
    .bind(subject_ref)
    .fetch_optional(&mut *tx)
    .await?;
    if open_already.is_some() {
        return Err(ApiError::Conflict(
            "A support path is already open for this reference.".into(),
        ));
    }
    let id = record_flag(&mut tx, &rule, &hit, today, &p.user_id).await?;
    let f = find_flag(&mut *tx, &id).await?.ok_or(ApiError::NotFound)?;
    open_path(&state, &mut tx, p, &f, open.path).await?;
    tx.commit().await?;
    state.outbox.wake();
    find_flag(state.db.pool(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
            + chrono::Days::new(u64::try_from(n).unwrap_or(0))
    }

    fn contacts(subject: &str, days: &[i64]) -> Vec<Contacts> {
        days.iter()
            .map(|d| Contacts {
                subject: subject.into(),
                day: day(*d),
                place_id: "myton".into(),
                area_id: "hull".into(),
                count: 1,
            })
            .collect()
    }

    proptest! {
        /// N − 1 contacts in the window never flag; N and N + 1 do.
        #[test]
        fn flags_start_at_exactly_n_contacts(n in 2i64..40, m in 1i64..400, seed in 0u64..1000) {
            let as_of = day(800);
            let spread = |k: i64| -> Vec<i64> {
                (0..k).map(|i| 800 - ((seed as i64 + i * 7) % m)).collect()
            };
            for (k, flagged) in [(n - 1, false), (n, true), (n + 1, true)] {
                let hits = evaluate(&contacts("c:1", &spread(k)), as_of, n, m);
                prop_assert_eq!(!hits.is_empty(), flagged, "{} contacts, rule {} in {}", k, n, m);
                if flagged {
                    prop_assert_eq!(hits[0].contacts, k);
                }
            }
        }

        /// The M-th day back counts; the day before it does not.
        #[test]
        fn the_window_is_m_days_ending_on_the_day_run(n in 2i64..20, m in 1i64..400) {
            let as_of = day(800);
            let mut inside: Vec<i64> = vec![800; usize::try_from(n - 1).unwrap_or(0)];
            inside.push(800 - (m - 1));
            prop_assert_eq!(evaluate(&contacts("c:1", &inside), as_of, n, m).len(), 1);
            let mut outside: Vec<i64> = vec![800; usize::try_from(n - 1).unwrap_or(0)];
            outside.push(800 - m);
            prop_assert!(evaluate(&contacts("c:1", &outside), as_of, n, m).is_empty());
            // Contacts after the day run are not counted either.
            let mut later: Vec<i64> = vec![800; usize::try_from(n - 1).unwrap_or(0)];
            later.push(801);
            prop_assert!(evaluate(&contacts("c:1", &later), as_of, n, m).is_empty());
        }
    }

    #[test]
    fn hits_name_the_busiest_ward_and_sort_by_contacts() {
        let mut all = contacts("c:a", &[1, 2, 3]);
        all.extend(contacts("c:b", &[1, 2, 3, 4]));
        all.push(Contacts {
            subject: "c:a".into(),
            day: day(3),
            place_id: "avenue".into(),
            area_id: "hull".into(),
            count: 5,
        });
        let hits = evaluate(&all, day(10), 3, 30);
        let got: Vec<(&str, i64, &str)> = hits
            .iter()
            .map(|h| (h.subject.as_str(), h.contacts, h.place_id.as_str()))
            .collect();
        assert_eq!(got, [("c:a", 8, "avenue"), ("c:b", 4, "myton")]);
        assert_eq!((hits[0].first, hits[0].last), (day(1), day(3)));
    }
}
