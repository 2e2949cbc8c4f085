//! Demand analysis: crime against non-crime calls by ward and month, how
//! concentrated demand is (top-k shares, the Lorenz curve, the Gini
//! coefficient, "the top N wards account for more than the bottom M"), and
//! hotspots by calls and by distinct callers.
//!
//! Analysts and coordinators see the local authority areas they work in;
//! nobody else reads demand here (board members see aggregates through
//! governance).

use crate::rows::{SOURCE_INCIDENTS, SOURCE_STREET_CRIME};
use crate::{AppState, store};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use eip_platform::error::{ApiError, ApiQuery};
use eip_platform::identity::Authenticated;
use eip_types::engagement::{
    Concentration, CrimeShare, Demand, Hotspot, LorenzPoint, TopShare, TopVersusBottom,
};
use eip_types::place::PlaceKind;
use eip_types::{FieldError, Principal, Problem, Role};
use serde::Deserialize;
use sqlx::Row;
use std::collections::BTreeMap;

/// Who reads demand analysis.
pub const READERS: [Role; 2] = [Role::Analyst, Role::Coordinator];

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/analysis/crime-share", get(crime_share))
        .route("/analysis/concentration", get(concentration))
        .route("/analysis/hotspots", get(hotspots))
        .with_state(state)
}

/// The Gini coefficient of non-negative values: 0 when all are equal,
/// `(n − 1) / n` when one holds everything. Uses the sorted-rank form
/// `G = 2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n`.
pub fn gini(values: &[i64]) -> f64 {
    let mut v: Vec<f64> = values.iter().map(|x| *x as f64).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let total: f64 = v.iter().sum();
    if v.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let ranked: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * x)
        .sum();
    2.0 * ranked / (n * total) - (n + 1.0) / n
}

/// The Lorenz curve: least busy first, from (0, 0) to (1, 1).
pub fn lorenz(values: &[i64]) -> Vec<LorenzPoint> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len() as f64;
    let total: i64 = v.iter().sum();
    let mut points = vec![LorenzPoint {
        population: 0.0,
        demand: 0.0,
    }];
    let mut running = 0;
    for (i, x) in v.iter().enumerate() {
        running += x;
        points.push(LorenzPoint {
            population: (i as f64 + 1.0) / n,
            demand: if total == 0 {
                (i as f64 + 1.0) / n
            } else {
                running as f64 / total as f64
            },
        });
    }
    points
}

/// The share of all demand the `k` busiest hold, for the usual `k`s.
pub fn top_shares(values: &[i64]) -> Vec<TopShare> {
    let mut v = values.to_vec();
    v.sort_unstable_by(|a, b| b.cmp(a));
    let total: i64 = v.iter().sum();
    [1, 3, 5, 10]
        .into_iter()
        .filter(|k| *k <= v.len())
        .map(|k| TopShare {
            k,
            share: if total == 0 {
                0.0
            } else {
                v[..k].iter().sum::<i64>() as f64 / total as f64
            },
        })
        .collect()
}

/// The largest M such that the `top_n` busiest together exceed the `M`
/// least busy of the rest combined; none when there is no such M ≥ 1.
pub fn top_versus_bottom(values: &[i64], top_n: usize, unit: &str) -> Option<TopVersusBottom> {
    let mut v = values.to_vec();
    v.sort_unstable_by(|a, b| b.cmp(a));
    if top_n == 0 || top_n >= v.len() {
        return None;
    }
    let top_calls: i64 = v[..top_n].iter().sum();
    let mut bottom_m = 0;
    let mut bottom_calls = 0;
    for x in v[top_n..].iter().rev() {
        if bottom_calls + x >= top_calls {
            break;
        }
        bottom_calls += x;
        bottom_m += 1;
    }
    (bottom_m > 0).then(|| TopVersusBottom {
        top_n,
        bottom_m,
        top_calls,
        bottom_calls,
        statement: format!(
            "The top {top_n} {unit} account for more calls ({top_calls}) than the bottom \
             {bottom_m} combined ({bottom_calls})."
        ),
    })
}

pub fn concentration_of(by: &str, mut units: Vec<Demand>, top_n: usize) -> Concentration {
    units.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key)));
    let values: Vec<i64> = units.iter().map(|u| u.calls).collect();
    let unit = if by == "ward" { "wards" } else { "categories" };
    Concentration {
        by: by.into(),
        total: values.iter().sum(),
        top: top_shares(&values),
        lorenz: lorenz(&values),
        gini: gini(&values),
        top_versus_bottom: top_versus_bottom(&values, top_n, unit),
        units,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DemandQuery {
    /// One local authority area you work in; all of yours when absent.
    pub area: Option<String>,
    /// First month, `YYYY-MM`.
    pub from: Option<String>,
    /// Last month, `YYYY-MM`.
    pub to: Option<String>,
    /// `command_and_control` (the default) or `street_crime`.
    pub source: Option<String>,
    /// For concentration: `ward` (the default) or `category`.
    pub by: Option<String>,
    /// For concentration: N in "the top N wards" (default 3).
    pub top: Option<usize>,
    /// For hotspots: how many (default 10).
    pub limit: Option<usize>,
}

/// The checked scope of a demand question.
pub struct Scope {
    pub areas: Vec<String>,
    pub from: String,
    pub to: String,
    pub source: &'static str,
}

fn month(field: &str, value: Option<&str>, default: &str) -> Result<String, FieldError> {
    match value {
        None | Some("") => Ok(default.into()),
        Some(m)
            if m.len() == 7
                && chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_ok() =>
        {
            Ok(m.into())
        }
        Some(_) => Err(FieldError::new(
            field,
            "Give a month as YYYY-MM, such as 2026-10.",
        )),
    }
}

/// Checks the reader's role and areas and the query's values.
pub fn scope(p: &Principal, q: &DemandQuery) -> Result<Scope, ApiError> {
    if !p.has_any_role(&READERS) {
        return Err(ApiError::Forbidden(
            "Demand analysis is for analysts and coordinators.".into(),
        ));
    }
    let areas = match q.area.as_deref() {
        Some(a) if p.works_in(a) => vec![a.to_owned()],
        Some(_) => {
            return Err(ApiError::Forbidden("This area is not one of yours.".into()));
        }
        None => p.areas.clone(),
    };
    let mut errors = Vec::new();
    let from = month("from", q.from.as_deref(), "0000-01").map_err(|e| errors.push(e));
    let to = month("to", q.to.as_deref(), "9999-12").map_err(|e| errors.push(e));
    let source = match q.source.as_deref() {
        None | Some(SOURCE_INCIDENTS) => SOURCE_INCIDENTS,
        Some(SOURCE_STREET_CRIME) => SOURCE_STREET_CRIME,
        Some(_) => {
            errors.push(FieldError::new(
                "source",
                "Choose command_and_control or street_crime.",
            ));
            SOURCE_INCIDENTS
        }
    };
    match (from, to) {
        (Ok(from), Ok(to)) if errors.is_empty() => {
            if from > to {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "to",
                    "The last month comes before the first.",
                )]));
            }
            Ok(Scope {
                areas,
                from,
                to,
                source,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// `area_id IN ($5, $6, …)` for the scope's areas, numbered after `first`.
fn area_list(scope: &Scope, first: usize) -> String {
    if scope.areas.is_empty() {
        return "1 = 0".into();
    }
    let params: Vec<String> = (0..scope.areas.len())
        .map(|i| format!("${}", first + i))
        .collect();
    format!("area_id IN ({})", params.join(", "))
}

/// Where counts in scope are taken from.
#[derive(Clone, Copy)]
enum Counted {
    /// The demand cells: calls per ward, month and category.
    Cells,
    /// The incidents themselves, for what the cells do not hold (distinct
    /// callers and addresses).
    Incidents,
}

/// Calls in scope grouped by `group` (a list of columns), with `extra`
/// aggregate columns.
async fn grouped(
    state: &AppState,
    scope: &Scope,
    from: Counted,
    group: &str,
    extra: &str,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let (table, calls) = match from {
        // SUM of a BIGINT is NUMERIC on PostgreSQL.
        Counted::Cells => ("demand_cells", "CAST(SUM(calls) AS BIGINT)"),
        Counted::Incidents => ("incidents", "COUNT(*)"),
    };
    let sql = format!(
        "SELECT {group}, {calls} AS calls{extra} FROM {table} \
         WHERE source = $1 AND month >= $2 AND month <= $3 AND {} \
         GROUP BY {group}",
        area_list(scope, 4)
    );
    let mut q = sqlx::query(&sql)
        .bind(scope.source)
        .bind(&scope.from)
        .bind(&scope.to);
    for a in &scope.areas {
        q = q.bind(a);
    }
    q.fetch_all(state.db.pool()).await
}

/// Calls and the crime share for each ward and month in scope.
#[utoipa::path(get, path = "/analysis/crime-share", tag = "analysis", params(DemandQuery),
    responses(
        (status = 200, body = [CrimeShare]),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn crime_share(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DemandQuery>,
) -> Result<Json<Vec<CrimeShare>>, ApiError> {
    let scope = scope(&user.0, &q)?;
    let rows = grouped(
        &state,
        &scope,
        Counted::Cells,
        "place_id, month",
        ", CAST(SUM(CASE WHEN category = 'crime' THEN calls ELSE 0 END) AS BIGINT) AS crime_calls",
    )
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            let calls: i64 = r.try_get("calls")?;
            let crime_calls: i64 = r.try_get("crime_calls")?;
            Ok(CrimeShare {
                place_id: r.try_get("place_id")?,
                month: r.try_get("month")?,
                calls,
                crime_calls,
                crime_share: if calls == 0 {
                    0.0
                } else {
                    crime_calls as f64 / calls as f64
                },
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    out.sort_by(|a, b| a.place_id.cmp(&b.place_id).then(a.month.cmp(&b.month)));
    Ok(Json(out))
}

/// Wards in scope with their calls, including wards with none.
pub async fn ward_demand(state: &AppState, scope: &Scope) -> Result<Vec<Demand>, sqlx::Error> {
    let mut calls: BTreeMap<String, i64> = BTreeMap::new();
    for a in &scope.areas {
        let filter = store::PlaceFilter {
            kind: Some(PlaceKind::Ward),
            parent_id: Some(a.clone()),
            priority: None,
        };
        for w in store::list(state.db.pool(), &filter).await? {
            calls.insert(w.id, 0);
        }
    }
    for r in grouped(state, scope, Counted::Cells, "place_id", "").await? {
        calls.insert(r.try_get("place_id")?, r.try_get("calls")?);
    }
    Ok(calls
        .into_iter()
        .map(|(key, calls)| Demand { key, calls })
        .collect())
}

/// How concentrated demand is across the wards (or categories) in scope.
#[utoipa::path(get, path = "/analysis/concentration", tag = "analysis", params(DemandQuery),
    responses(
        (status = 200, body = Concentration),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn concentration(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DemandQuery>,
) -> Result<Json<Concentration>, ApiError> {
    let scope = scope(&user.0, &q)?;
    let by = q.by.as_deref().unwrap_or("ward");
    let units = match by {
        "ward" => ward_demand(&state, &scope).await?,
        "category" => {
            let mut calls: BTreeMap<String, i64> = eip_types::engagement::Category::ALL
                .iter()
                .map(|c| (c.as_str().to_owned(), 0))
                .collect();
            for r in grouped(&state, &scope, Counted::Cells, "category", "").await? {
                calls.insert(r.try_get("category")?, r.try_get("calls")?);
            }
            calls
                .into_iter()
                .map(|(key, calls)| Demand { key, calls })
                .collect()
        }
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "by",
                "Choose ward or category.",
            )]));
        }
    };
    Ok(Json(concentration_of(by, units, q.top.unwrap_or(3))))
}

/// Wards ranked by calls, or by distinct callers with `by=callers`.
#[utoipa::path(get, path = "/analysis/hotspots", tag = "analysis", params(DemandQuery),
    responses(
        (status = 200, body = [Hotspot]),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn hotspots(
    State(state): State<AppState>,
    user: Authenticated,
    ApiQuery(q): ApiQuery<DemandQuery>,
) -> Result<Json<Vec<Hotspot>>, ApiError> {
    let scope = scope(&user.0, &q)?;
    let by_callers = match q.by.as_deref() {
        None | Some("calls") => false,
        Some("callers") => true,
        Some(_) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "by",
                "Choose calls or callers.",
            )]));
        }
    };
    let rows = grouped(
        &state,
        &scope,
        Counted::Incidents,
        "place_id",
        ", COUNT(DISTINCT caller_ref) AS callers, COUNT(DISTINCT address_ref) AS addresses",
    )
    .await?;
    let mut spots = rows
        .iter()
        .map(|r| {
            Ok(Hotspot {
                place_id: r.try_get("place_id")?,
                calls: r.try_get("calls")?,
                callers: r.try_get("callers")?,
                addresses: r.try_get("addresses")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    spots.sort_by(|a, b| {
        let key = |h: &Hotspot| {
            if by_callers {
                (h.callers, h.calls)
            } else {
                (h.calls, h.callers)
            }
        };
        key(b)
            .cmp(&key(a))
            .then_with(|| a.place_id.cmp(&b.place_id))
    });
    spots.truncate(q.limit.unwrap_or(10).clamp(1, 500));
    Ok(Json(spots))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_is_zero_for_equal_demand_and_high_for_one_unit() {
        assert!(gini(&[5, 5, 5, 5]).abs() < 1e-12);
        assert!((gini(&[0, 0, 0, 10]) - 0.75).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
    }

    #[test]
    fn lorenz_runs_from_origin_to_one() {
        let l = lorenz(&[3, 1, 6]);
        let pts: Vec<(f64, f64)> = l.iter().map(|p| (p.population, p.demand)).collect();
        assert_eq!(pts[0], (0.0, 0.0));
        assert!((pts[1].1 - 0.1).abs() < 1e-12);
        assert!((pts[2].1 - 0.4).abs() < 1e-12);
        assert_eq!(pts[3], (1.0, 1.0));
    }

    #[test]
    fn top_wards_are_compared_with_as_many_bottom_wards_as_they_exceed() {
        let s = top_versus_bottom(&[50, 30, 1, 2, 3, 10, 20, 40, 45], 1, "wards");
        // Top 1: 50 > 1+2+3+10+20 = 36, but not + 30.
        let s1 = s.expect("a statement");
        assert_eq!((s1.top_calls, s1.bottom_m, s1.bottom_calls), (50, 5, 36));
        let s2 =
            top_versus_bottom(&[50, 30, 1, 2, 3, 10, 20, 40, 45], 2, "wards").expect("a statement");
        assert_eq!((s2.top_calls, s2.bottom_m, s2.bottom_calls), (95, 6, 66));
        assert!(
            s2.statement
                .starts_with("The top 2 wards account for more calls (95)")
        );
        assert_eq!(top_versus_bottom(&[5, 5], 1, "wards"), None);
        assert_eq!(top_versus_bottom(&[5], 1, "wards"), None);
    }

    #[test]
    fn top_shares_take_the_busiest_first() {
        let t = top_shares(&[1, 9, 0, 0, 0, 0]);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].k, t[0].share), (1, 0.9));
        assert_eq!(t[2].share, 1.0);
    }
}
