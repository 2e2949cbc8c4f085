//! Demand analysis: crime against non-crime calls by ward and month, how
//! concentrated demand is (top-k shares, the Lorenz curve, the Gini
//! coefficient, "the top N wards account for more than the bottom M"), and
//! hotspots by calls and by distinct callers.
//!
//! Analysts and coordinators see the local authority areas they work in;
//! nobody else reads demand here (board members see aggregates through
//! governance).

use crate::incidents::{SOURCE_INCIDENTS, SOURCE_STREET_CRIME};
use eip_types::engagement::{
    Concentration, Demand, Hotspot, LorenzPoint, TopShare, TopVersusBottom,
};
use eip_types::{FieldError, Role};
use std::collections::BTreeMap;

/// Who reads demand analysis.
pub const READERS: [Role; 2] = [Role::Analyst, Role::Coordinator];

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

/// Units with their calls: every one of `units`, with none unless `calls`
/// says otherwise, and any other unit `calls` names; in key order.
pub fn with_calls(
    units: impl IntoIterator<Item = String>,
    calls: Vec<(String, i64)>,
) -> Vec<Demand> {
    let mut all: BTreeMap<String, i64> = units.into_iter().map(|u| (u, 0)).collect();
    all.extend(calls);
    all.into_iter()
        .map(|(key, calls)| Demand { key, calls })
        .collect()
}

/// The `limit` busiest wards: by calls (then callers), or with `by_callers`
/// by distinct callers (then calls); ties by ward.
pub fn rank_hotspots(mut spots: Vec<Hotspot>, by_callers: bool, limit: usize) -> Vec<Hotspot> {
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
    spots.truncate(limit);
    spots
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

/// Checks the months and source of a demand question over `areas`.
pub fn scope(
    areas: Vec<String>,
    from: Option<&str>,
    to: Option<&str>,
    source: Option<&str>,
) -> Result<Scope, Vec<FieldError>> {
    let mut errors = Vec::new();
    let from = month("from", from, "0000-01").map_err(|e| errors.push(e));
    let to = month("to", to, "9999-12").map_err(|e| errors.push(e));
    let source = match source {
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
                return Err(vec![FieldError::new(
                    "to",
                    "The last month comes before the first.",
                )]);
            }
            Ok(Scope {
                areas,
                from,
                to,
                source,
            })
        }
        _ => Err(errors),
    }
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

    fn months(from: Option<&str>, to: Option<&str>) -> Result<(String, String), Vec<String>> {
        scope(vec!["hull".into()], from, to, None)
            .map(|s| (s.from, s.to))
            .map_err(|e| e.into_iter().map(|f| f.field).collect())
    }

    #[test]
    fn a_scope_reads_its_months_and_source() {
        assert_eq!(
            months(None, Some("")),
            Ok(("0000-01".into(), "9999-12".into()))
        );
        assert_eq!(
            months(Some("2026-01"), Some("2026-03")),
            Ok(("2026-01".into(), "2026-03".into()))
        );
        assert_eq!(
            months(Some("2026-1"), Some("2026-13")),
            Err(vec!["from".into(), "to".into()])
        );
        assert_eq!(
            months(Some("2026-04"), Some("2026-03")),
            Err(vec!["to".into()])
        );
        let street = scope(vec![], None, None, Some(SOURCE_STREET_CRIME)).map(|s| s.source);
        assert_eq!(street.ok(), Some(SOURCE_STREET_CRIME));
        let unknown = scope(vec![], None, None, Some("radio")).map(|s| s.source);
        assert!(unknown.is_err_and(|e| e[0].field == "source"));
    }

    #[test]
    fn units_without_calls_count_as_none() {
        let units = with_calls(
            ["myton".to_owned(), "avenue".to_owned()],
            vec![("myton".into(), 7), ("elsewhere".into(), 2)],
        );
        let got: Vec<(&str, i64)> = units.iter().map(|d| (d.key.as_str(), d.calls)).collect();
        assert_eq!(got, [("avenue", 0), ("elsewhere", 2), ("myton", 7)]);
    }

    #[test]
    fn hotspots_rank_by_calls_or_by_callers() {
        let spot = |place: &str, calls, callers| Hotspot {
            place_id: place.into(),
            calls,
            callers,
            addresses: 0,
        };
        let spots = vec![
            spot("a", 10, 2),
            spot("b", 5, 4),
            spot("c", 10, 3),
            spot("d", 1, 4),
        ];
        let order = |by_callers, limit| -> Vec<String> {
            rank_hotspots(spots.clone(), by_callers, limit)
                .into_iter()
                .map(|h| h.place_id)
                .collect()
        };
        assert_eq!(order(false, 10), ["c", "a", "b", "d"]);
        assert_eq!(order(true, 10), ["b", "d", "c", "a"]);
        assert_eq!(order(true, 2), ["b", "d"]);
    }
}
