//! The board dashboard and recorded rebases.

use crate::framework_api::{ANALYSTS, parse_period};
use crate::{AppState, compute, framework, read_model, report, sources};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use eip_platform::db::now_text;
use eip_platform::error::{ApiError, ApiJson, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::governance::{Dashboard, MeasureStatus, NewRebase, Rebase, ReportValidation};
use eip_types::{FieldError, Role};
use serde::Deserialize;
use sqlx::{AnyPool, Row};

/// Longest range a dashboard shows, in months.
pub const MAX_MONTHS: usize = 36;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/dashboard", get(dashboard))
        .route("/framework/measures/{id}/rebases", post(record_rebase))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    /// First month, `YYYY-MM`.
    pub from: Option<String>,
    /// Last month, `YYYY-MM`.
    pub to: Option<String>,
}

/// The months of a range, or field errors.
pub fn parse_range(from: Option<&str>, to: Option<&str>) -> Result<Vec<String>, ApiError> {
    let from = parse_period("from", from)?;
    let to = parse_period("to", to)?;
    match compute::months(&from, &to) {
        Some(m) if m.len() <= MAX_MONTHS => Ok(m),
        Some(_) => Err(ApiError::Validation(vec![FieldError::new(
            "from",
            format!("Show at most {MAX_MONTHS} months at once."),
        )])),
        None => Err(ApiError::Validation(vec![FieldError::new(
            "to",
            "The last month must not be before the first.",
        )])),
    }
}

/// Every recorded rebase, by measure.
pub async fn rebases(pool: &AnyPool) -> Result<Vec<(String, Rebase)>, sqlx::Error> {
    sqlx::query(
        "SELECT measure_id, period, reason, recorded_by, recorded_at FROM rebases \
         ORDER BY measure_id, period",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("measure_id")?,
            Rebase {
                period: r.try_get("period")?,
                reason: r.try_get("reason")?,
                recorded_by: r.try_get("recorded_by")?,
                recorded_at: r.try_get("recorded_at")?,
            },
        ))
    })
    .collect()
}

/// Builds the dashboard for `months` from the read models.
pub async fn build(state: &AppState, months: &[String]) -> Result<Dashboard, sqlx::Error> {
    let pool = state.db.pool();
    let fw = framework::load(pool).await?;
    let kinds: Vec<String> = sources::known_kinds().into_iter().map(|k| k.kind).collect();
    let (from, to) = (
        months.first().cloned().unwrap_or_default(),
        months.last().cloned().unwrap_or_default(),
    );
    let facts = read_model::facts(pool, &kinds, &from, &to).await?;
    let history = read_model::reported(pool, &to).await?;
    let missing = compute::missing_core(&fw, &history);
    let all_rebases = rebases(pool).await?;
    let measures = fw
        .measures
        .iter()
        .filter(|m| m.status == MeasureStatus::Active)
        .filter_map(|m| {
            let own: Vec<Rebase> = all_rebases
                .iter()
                .filter(|(id, _)| *id == m.id)
                .map(|(_, r)| r.clone())
                .collect();
            report::measure_report(m, &facts, months, state.suppress_up_to, &own)
        })
        .collect();
    Ok(Dashboard {
        from,
        to: to.clone(),
        suppress_up_to: state.suppress_up_to,
        measures,
        planned: fw
            .measures
            .into_iter()
            .filter(|m| m.status == MeasureStatus::Planned)
            .collect(),
        validation: ReportValidation {
            period: to,
            valid: missing.is_empty(),
            missing,
        },
        charts: Vec::new(),
    })
}

/// Every active measure per area and month, with its chart and icons;
/// small numbers hidden.
#[utoipa::path(get, path = "/reports/dashboard", params(RangeQuery),
    responses((status = 200, body = Dashboard), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn dashboard(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Json<Dashboard>, ApiError> {
    user.require_any(&ANALYSTS)?;
    let months = parse_range(q.from.as_deref(), q.to.as_deref())?;
    let mut d = build(&state, &months).await?;
    d.charts = d
        .measures
        .iter()
        .enumerate()
        .map(|(i, m)| crate::svg::chart(m, &[], &format!("chart-{i}")))
        .collect();
    Ok(Json(d))
}

/// Records that a measure's process changed: its limits are recalculated
/// from `period` on, and the chart breaks its lines there.
#[utoipa::path(post, path = "/framework/measures/{id}/rebases", request_body = NewRebase,
    params(("id" = String, Path, description = "The measure's id")),
    responses((status = 201, body = Rebase), (status = 401, body = eip_types::Problem),
        (status = 403, body = eip_types::Problem), (status = 404, body = eip_types::Problem),
        (status = 409, body = eip_types::Problem), (status = 422, body = eip_types::Problem)))]
pub async fn record_rebase(
    State(state): State<AppState>,
    user: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewRebase>,
) -> Result<(StatusCode, Json<Rebase>), ApiError> {
    let who = user.require_any(&[Role::Analyst, Role::Admin])?;
    let mut errors = Vec::new();
    let reason = body.reason.trim();
    if reason.chars().count() < 10 {
        errors.push(FieldError::new(
            "reason",
            "Say why the process changed (at least 10 characters).",
        ));
    } else if reason.chars().count() > 1000 {
        errors.push(FieldError::new(
            "reason",
            "Keep the reason under 1000 characters.",
        ));
    }
    let period = match parse_period("period", Some(&body.period)) {
        Ok(p) => Some(p),
        Err(ApiError::Validation(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(other) => return Err(other),
    };
    let fw = framework::load(state.db.pool()).await?;
    if !fw.measures.iter().any(|m| m.id == id) {
        return Err(ApiError::NotFound);
    }
    let Some(period) = period.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let rebase = Rebase {
        period,
        reason: reason.to_owned(),
        recorded_by: who.user_id.clone(),
        recorded_at: now_text(),
    };
    let inserted = sqlx::query(
        "INSERT INTO rebases (measure_id, period, reason, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (measure_id, period) DO NOTHING",
    )
    .bind(&id)
    .bind(&rebase.period)
    .bind(&rebase.reason)
    .bind(&rebase.recorded_by)
    .bind(&rebase.recorded_at)
    .execute(state.db.pool())
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(ApiError::Conflict(
            "This measure is already rebased from that month.".into(),
        ));
    }
    Ok((StatusCode::CREATED, Json(rebase)))
}
