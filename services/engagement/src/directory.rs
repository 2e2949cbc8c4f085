//! The partner directory in the Open Referral UK format, and the Early
//! Intervention Hubs.
//!
//! Each service's Open Referral UK record is stored exactly as received and
//! served back unchanged, so an import followed by an export loses nothing,
//! fields this service does not read included. The listing columns (name,
//! organisation, sector, status) are read from the record on import.

use crate::{AppState, store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use eip_platform::db::{Tx, now_text};
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{DirectoryEntry, DirectorySettings, Hub, HubInput, Sector};
use eip_types::place::{Place, PlaceKind};
use eip_types::{FieldError, Problem, Role};
use serde::Deserialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Everyone who works with partners reads the directory and the hubs;
/// board members see only aggregates, elsewhere.
pub const READERS: [Role; 7] = [
    Role::Frontline,
    Role::Coordinator,
    Role::Partner,
    Role::Trainer,
    Role::Analyst,
    Role::Admin,
    Role::Dpo,
];
/// Who keeps the directory and the hubs.
pub const EDITORS: [Role; 2] = [Role::Coordinator, Role::Admin];

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/directory/services", get(list_services))
        .route("/directory/services/{id}", get(show_service))
        .route("/directory/services/{id}/review", post(review_service))
        .route("/directory/export", get(export))
        .route("/directory/settings", get(show_settings).put(put_settings))
        .route("/hubs", get(list_hubs).post(create_hub))
        .route("/hubs/{id}", put(update_hub))
        .with_state(state)
}

/// The import route, with the upload routes' larger body limit.
pub fn import_router(state: AppState) -> Router {
    Router::new()
        .route("/directory/import", post(import))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES))
        .with_state(state)
}

/// The largest directory file accepted: it is read whole, being JSON.
const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// When a record was last reviewed: its `assured_date` (the Open Referral
/// UK field for the date a service was last checked), else now.
fn reviewed_at(v: &Value, now: &str) -> String {
    field(v, "assured_date")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or_else(
            || now.to_owned(),
            |t| eip_platform::db::to_text(t.and_utc()),
        )
}

fn field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `(id, name, organisation id, organisation name, sector, status)`.
type Listing = (String, String, String, String, Sector, String);

/// What the listing needs from an Open Referral UK service record, or the
/// problems with it (prefixed with the record's position).
fn read_service(i: usize, v: &Value) -> Result<Listing, Vec<FieldError>> {
    let mut errors = Vec::new();
    let at = |f: &str| format!("services[{i}].{f}");
    if !v.is_object() {
        return Err(vec![FieldError::new(
            format!("services[{i}]"),
            "Each service must be an object.",
        )]);
    }
    let id = field(v, "id");
    let name = field(v, "name");
    let status = field(v, "status");
    let org = v.get("organization");
    let org_id = org.and_then(|o| field(o, "id"));
    let org_name = org.and_then(|o| field(o, "name"));
    if id.is_none_or(|s| s.len() > 100) {
        errors.push(FieldError::new(
            at("id"),
            "Each service needs an id (up to 100 characters).",
        ));
    }
    if name.is_none() {
        errors.push(FieldError::new(at("name"), "Each service needs a name."));
    }
    if !status.is_some_and(|s| ["active", "inactive", "defunct", "temporarily closed"].contains(&s))
    {
        errors.push(FieldError::new(
            at("status"),
            "The status must be active, inactive, defunct or temporarily closed.",
        ));
    }
    if org_id.is_none() || org_name.is_none() {
        errors.push(FieldError::new(
            at("organization"),
            "Each service needs its organization with an id and a name.",
        ));
    }
    match (id, name, status, org_id, org_name, errors.is_empty()) {
        (Some(id), Some(name), Some(status), Some(oid), Some(oname), true) => Ok((
            id.into(),
            name.into(),
            oid.into(),
            oname.into(),
            Sector::from_legal_status(
                org.and_then(|o| field(o, "legal_status"))
                    .unwrap_or_default(),
            ),
            status.into(),
        )),
        _ => Err(errors),
    }
}

/// Imports Open Referral UK service records (an array), replacing any with
/// the same id. All or nothing: one bad record refuses the lot.
#[utoipa::path(post, path = "/directory/import", tag = "directory",
    request_body(content = Vec<Object>, description = "Open Referral UK service records"),
    responses((status = 200, body = [DirectoryEntry]), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn import(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(records): ApiJson<Vec<Value>>,
) -> Result<Json<Vec<DirectoryEntry>>, ApiError> {
    let p = user.require_any(&EDITORS)?;
    Ok(Json(store_services(&state, &records, &p.user_id).await?))
}

/// Checks and stores Open Referral UK service records (all or none), with
/// the places each covers; returns their entries.
pub async fn store_services(
    state: &AppState,
    records: &[Value],
    by: &str,
) -> Result<Vec<DirectoryEntry>, ApiError> {
    let mut read = Vec::new();
    let mut errors = Vec::new();
    for (i, v) in records.iter().enumerate() {
        match read_service(i, v) {
            Ok(r) => read.push(r),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if records.is_empty() {
        errors.push(FieldError::new("services", "Send at least one service."));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = now_text();
    let places = store::list(state.db.pool(), &Default::default()).await?;
    let mut tx = state.db.begin().await?;
    for ((id, name, oid, oname, sector, status), record) in read.iter().zip(records) {
        sqlx::query(
            "INSERT INTO directory_services (id, name, organization_id, organization_name, sector, \
             status, record, reviewed_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, organization_id = excluded.organization_id, \
             organization_name = excluded.organization_name, sector = excluded.sector, \
             status = excluded.status, record = excluded.record, reviewed_at = excluded.reviewed_at, \
             updated_by = excluded.updated_by",
        )
        .bind(id)
        .bind(name)
        .bind(oid)
        .bind(oname)
        .bind(sector.as_str())
        .bind(status)
        .bind(record.to_string())
        .bind(reviewed_at(record, &now))
        .bind(by)
        .execute(&mut *tx)
        .await?;
        write_coverage(&mut tx, id, &covered(record, &places)).await?;
    }
    tx.commit().await?;
    let all = entries(state, None).await?;
    let ids: Vec<&String> = read.iter().map(|r| &r.0).collect();
    Ok(all.into_iter().filter(|e| ids.contains(&&e.id)).collect())
}

/// The places a service's Open Referral UK `service_areas` name: an area
/// whose URI ends in a place's code (an ONS code such as `E05001234`), or
/// whose name is a place's name or code. Areas naming no known place are
/// left out; the record keeps them all.
fn covered(record: &Value, places: &[Place]) -> Vec<String> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let mut out: Vec<String> = Vec::new();
    let areas = record.get("service_areas").and_then(Value::as_array);
    for area in areas.into_iter().flatten() {
        let code = area
            .get("uri")
            .and_then(Value::as_str)
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next());
        let name = area.get("service_area").and_then(Value::as_str);
        let found = places.iter().find(|p| {
            let by_code = |c: &str| p.code.as_deref().is_some_and(|pc| same(pc, c));
            code.is_some_and(by_code)
                || name.is_some_and(|n| same(&p.name, n) || by_code(n) || same(&p.id, n))
        });
        if let Some(p) = found
            && !out.contains(&p.id)
        {
            out.push(p.id.clone());
        }
    }
    out
}

/// Replaces the places a service covers.
async fn write_coverage(
    tx: &mut Tx,
    service_id: &str,
    place_ids: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM directory_coverage WHERE service_id = $1")
        .bind(service_id)
        .execute(&mut **tx)
        .await?;
    for place in place_ids {
        sqlx::query("INSERT INTO directory_coverage (service_id, place_id) VALUES ($1, $2)")
            .bind(service_id)
            .bind(place)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE directory_services SET areas_read = 1 WHERE id = $1")
        .bind(service_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Reads the coverage of services stored before it was read on import.
pub async fn read_missing_coverage(state: &AppState) -> Result<(), sqlx::Error> {
    let rows = sqlx::query("SELECT id, record FROM directory_services WHERE areas_read = 0")
        .fetch_all(state.db.pool())
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let places = store::list(state.db.pool(), &Default::default()).await?;
    let mut tx = state.db.begin().await?;
    for r in &rows {
        let id: String = r.try_get("id")?;
        let text: String = r.try_get("record")?;
        let record: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        write_coverage(&mut tx, &id, &covered(&record, &places)).await?;
    }
    tx.commit().await
}

async fn review_days(state: &AppState) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT review_after_days FROM directory_settings WHERE id = 1")
        .fetch_one(state.db.pool())
        .await?
        .try_get("review_after_days")
}

/// The directory's entries; only those serving `place` (covering it or its
/// local authority) when given.
async fn entries(
    state: &AppState,
    place: Option<&Place>,
) -> Result<Vec<DirectoryEntry>, sqlx::Error> {
    let days = review_days(state).await?;
    let cutoff = eip_platform::db::to_text(chrono::Utc::now() - chrono::Duration::days(days));
    let (place_id, authority) = match place {
        Some(p) => (Some(p.id.as_str()), p.parent_id.as_deref()),
        None => (None, None),
    };
    let rows = sqlx::query(
        "SELECT id, name, organization_id, organization_name, sector, status, reviewed_at \
         FROM directory_services s WHERE $1 IS NULL OR EXISTS \
           (SELECT 1 FROM directory_coverage c WHERE c.service_id = s.id \
            AND (c.place_id = $1 OR c.place_id = $2)) \
         ORDER BY organization_name, name",
    )
    .bind(place_id)
    .bind(authority)
    .fetch_all(state.db.pool())
    .await?;
    let mut coverage: std::collections::HashMap<String, Vec<String>> = Default::default();
    for r in sqlx::query("SELECT service_id, place_id FROM directory_coverage ORDER BY place_id")
        .fetch_all(state.db.pool())
        .await?
    {
        coverage
            .entry(r.try_get("service_id")?)
            .or_default()
            .push(r.try_get("place_id")?);
    }
    rows.iter()
        .map(|r: &AnyRow| {
            let sector: String = r.try_get("sector")?;
            let reviewed_at: String = r.try_get("reviewed_at")?;
            let id: String = r.try_get("id")?;
            Ok(DirectoryEntry {
                place_ids: coverage.remove(&id).unwrap_or_default(),
                id,
                name: r.try_get("name")?,
                organization_id: r.try_get("organization_id")?,
                organization_name: r.try_get("organization_name")?,
                sector: Sector::parse(&sector).unwrap_or(Sector::Community),
                status: r.try_get("status")?,
                stale: reviewed_at < cutoff,
                reviewed_at,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ServicesQuery {
    /// Only services serving this place: covering it, or the local
    /// authority a ward lies in.
    place: Option<String>,
}

/// The directory, with entries overdue for review flagged.
#[utoipa::path(get, path = "/directory/services", tag = "directory", params(ServicesQuery),
    responses((status = 200, body = [DirectoryEntry]), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn list_services(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<ServicesQuery>,
) -> Result<Json<Vec<DirectoryEntry>>, ApiError> {
    user.require_any(&READERS)?;
    let place = match q.place.as_deref() {
        Some(id) => Some(
            store::get(state.db.pool(), id)
                .await?
                .ok_or(ApiError::NotFound)?,
        ),
        None => None,
    };
    Ok(Json(entries(&state, place.as_ref()).await?))
}

async fn record(state: &AppState, id: &str) -> Result<Option<Value>, ApiError> {
    let row = sqlx::query("SELECT record FROM directory_services WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?;
    row.map(|r| {
        let text: String = r.try_get("record")?;
        serde_json::from_str(&text).map_err(|e| ApiError::Internal(e.into()))
    })
    .transpose()
}

/// One service's Open Referral UK record, as imported.
#[utoipa::path(get, path = "/directory/services/{id}", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn show_service(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    user.require_any(&READERS)?;
    record(&state, &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Records that an entry was reviewed today.
#[utoipa::path(post, path = "/directory/services/{id}/review", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = DirectoryEntry), (status = 404, body = Problem)))]
async fn review_service(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<DirectoryEntry>, ApiError> {
    let p = user.require_any(&EDITORS)?;
    sqlx::query("UPDATE directory_services SET reviewed_at = $2, updated_by = $3 WHERE id = $1")
        .bind(&id)
        .bind(now_text())
        .bind(&p.user_id)
        .execute(state.db.pool())
        .await?;
    entries(&state, None)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Every service's Open Referral UK record, as imported.
#[utoipa::path(get, path = "/directory/export", tag = "directory",
    responses((status = 200, body = Vec<Object>), (status = 403, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Value>>, ApiError> {
    user.require_any(&READERS)?;
    let rows = sqlx::query("SELECT record FROM directory_services ORDER BY id")
        .fetch_all(state.db.pool())
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let text: String = r.try_get("record")?;
        out.push(serde_json::from_str(&text).map_err(|e| ApiError::Internal(e.into()))?);
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/directory/settings", tag = "directory",
    responses((status = 200, body = DirectorySettings), (status = 403, body = Problem)))]
async fn show_settings(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<DirectorySettings>, ApiError> {
    user.require_any(&READERS)?;
    Ok(Json(DirectorySettings {
        review_after_days: review_days(&state).await?,
    }))
}

/// Sets the review period (administrators).
#[utoipa::path(put, path = "/directory/settings", tag = "directory", request_body = DirectorySettings,
    responses((status = 200, body = DirectorySettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn put_settings(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(settings): ApiJson<DirectorySettings>,
) -> Result<Json<DirectorySettings>, ApiError> {
    user.require_any(&[Role::Admin])?;
    if !(1..=3_650).contains(&settings.review_after_days) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "review_after_days",
            "Give a period between 1 and 3,650 days.",
        )]));
    }
    sqlx::query("UPDATE directory_settings SET review_after_days = $1 WHERE id = 1")
        .bind(settings.review_after_days)
        .execute(state.db.pool())
        .await?;
    Ok(Json(settings))
}

fn hub(r: &AnyRow) -> Result<Hub, sqlx::Error> {
    let list = |c: &str| -> Result<Vec<String>, sqlx::Error> {
        let t: String = r.try_get(c)?;
        serde_json::from_str(&t).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    };
    Ok(Hub {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        place_id: r.try_get("place_id")?,
        area_id: r.try_get("area_id")?,
        address: r.try_get("address")?,
        opening_times: r.try_get("opening_times")?,
        partner_teams: list("partner_teams")?,
        access_points: list("access_points")?,
    })
}

/// Every hub, by area and name.
#[utoipa::path(get, path = "/hubs", tag = "hubs",
    responses((status = 200, body = [Hub]), (status = 403, body = Problem)))]
async fn list_hubs(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Vec<Hub>>, ApiError> {
    user.require_any(&READERS)?;
    let rows = sqlx::query(
        "SELECT id, name, place_id, area_id, address, opening_times, partner_teams, access_points \
         FROM hubs ORDER BY area_id, name",
    )
    .fetch_all(state.db.pool())
    .await?;
    Ok(Json(rows.iter().map(hub).collect::<Result<_, _>>()?))
}

pub(crate) async fn checked_hub(state: &AppState, input: &HubInput) -> Result<String, ApiError> {
    let mut errors = Vec::new();
    for (f, v, max) in [
        ("name", &input.name, 200),
        ("address", &input.address, 500),
        ("opening_times", &input.opening_times, 500),
    ] {
        if v.trim().is_empty() || v.len() > max {
            errors.push(FieldError::new(
                f,
                format!("Give this (up to {max} characters)."),
            ));
        }
    }
    for (f, list) in [
        ("partner_teams", &input.partner_teams),
        ("access_points", &input.access_points),
    ] {
        if list.len() > 30 || list.iter().any(|x| x.trim().is_empty() || x.len() > 200) {
            errors.push(FieldError::new(
                f,
                "Up to 30 entries of 1 to 200 characters.",
            ));
        }
    }
    let area = match store::get(state.db.pool(), &input.place_id).await? {
        Some(p) if p.kind == PlaceKind::Ward => p.parent_id,
        Some(p) => Some(p.id),
        None => None,
    };
    if area.is_none() {
        errors.push(FieldError::new("place_id", "Choose a known place."));
    }
    match area {
        Some(a) if errors.is_empty() => Ok(a),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub(crate) async fn write_hub(
    state: &AppState,
    id: &str,
    area: &str,
    input: &HubInput,
    insert: bool,
) -> Result<(), sqlx::Error> {
    let sql = if insert {
        "INSERT INTO hubs (id, name, place_id, area_id, address, opening_times, partner_teams, \
         access_points, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    } else {
        "UPDATE hubs SET name = $2, place_id = $3, area_id = $4, address = $5, opening_times = $6, \
         partner_teams = $7, access_points = $8, updated_at = $9 WHERE id = $1"
    };
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    sqlx::query(sql)
        .bind(id)
        .bind(input.name.trim())
        .bind(&input.place_id)
        .bind(area)
        .bind(input.address.trim())
        .bind(input.opening_times.trim())
        .bind(json(&input.partner_teams))
        .bind(json(&input.access_points))
        .bind(now_text())
        .execute(state.db.pool())
        .await?;
    Ok(())
}

async fn find_hub(state: &AppState, id: &str) -> Result<Option<Hub>, sqlx::Error> {
    sqlx::query(
        "SELECT id, name, place_id, area_id, address, opening_times, partner_teams, access_points \
         FROM hubs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    .as_ref()
    .map(hub)
    .transpose()
}

/// Adds a hub (coordinators in their areas, administrators anywhere).
#[utoipa::path(post, path = "/hubs", tag = "hubs", request_body = HubInput,
    responses((status = 201, body = Hub), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_hub(
    State(state): State<AppState>,
    user: Authenticated,
    ApiJson(input): ApiJson<HubInput>,
) -> Result<(StatusCode, Json<Hub>), ApiError> {
    let p = user.require_any(&EDITORS)?;
    let area = checked_hub(&state, &input).await?;
    if !p.has_role(Role::Admin) && !p.works_in(&area) {
        return Err(ApiError::Forbidden(
            "This place is not in your areas.".into(),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    write_hub(&state, &id, &area, &input, true).await?;
    let created = find_hub(&state, &id).await?.ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(put, path = "/hubs/{id}", tag = "hubs", params(("id" = String, Path)), request_body = HubInput,
    responses((status = 200, body = Hub), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_hub(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<HubInput>,
) -> Result<Json<Hub>, ApiError> {
    let p = user.require_any(&EDITORS)?;
    let current = find_hub(&state, &id).await?.ok_or(ApiError::NotFound)?;
    let area = checked_hub(&state, &input).await?;
    let in_areas = p.works_in(&area) && p.works_in(&current.area_id);
    if !(p.has_role(Role::Admin) || in_areas) {
        return Err(ApiError::Forbidden("This hub is not in your areas.".into()));
    }
    write_hub(&state, &id, &area, &input, false).await?;
    Ok(Json(
        find_hub(&state, &id).await?.ok_or(ApiError::NotFound)?,
    ))
}
