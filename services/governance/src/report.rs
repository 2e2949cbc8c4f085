//! A measure's published table and chart: figures from the fact table,
//! small numbers protected, the chart drawn only from what is published.

use crate::compute::{self, FactRow, Figure};
use crate::release::{self, Released, Whom};
use crate::spc;
use eip_types::governance::{
    Dashboard, FactRef, Formula, Framework, Measure, MeasureReport, MeasureStatus, MeasureTable,
    Published, Rebase, ReportValidation, Scope, TableRow,
};
use eip_types::place::local_authority_name;
use std::collections::HashMap;

fn small(v: i64, up_to: u64) -> bool {
    v >= 1 && v as u64 <= up_to
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A rate or mean, hidden when it rests on a small number: a small
/// denominator, or (for a rate) a small numerator or complement, either of
/// which would reveal a small count.
fn ratio_value(f: &Figure, formula: &Formula, up_to: u64) -> Published {
    let den = f.denominator.unwrap_or(0);
    if den == 0 {
        return Published::NotApplicable;
    }
    match f.value {
        _ if risky(f, formula, up_to) => Published::Confidential,
        Some(v) => Published::Number(round1(v)),
        None => Published::NotApplicable,
    }
}

fn area_name(id: &Option<String>) -> (String, String) {
    match id {
        Some(a) => (
            a.clone(),
            local_authority_name(a).unwrap_or(a.as_str()).to_owned(),
        ),
        None => ("force".into(), "Force-wide".into()),
    }
}

/// The measure's table for `months` and its chart over the months'
/// totals, its counts released on their own (a dashboard releases every
/// measure's counts together: [`dashboard`]).
pub fn measure_report(
    measure: &Measure,
    facts: &[FactRow],
    months: &[String],
    up_to: u64,
    rebases: &[Rebase],
) -> Option<MeasureReport> {
    let counted = match &measure.formula {
        Some(Formula::Count { of }) => vec![release::Counted {
            refs: of.clone(),
            whom: release::whom_of(measure.scope, measure.area_id.as_deref()),
        }],
        _ => Vec::new(),
    };
    let released = release::release(&counted, facts, months, up_to);
    released_report(measure, facts, months, up_to, rebases, &released)
}

/// The measure's table for `months`, its counts as `released`, and its
/// chart over the months' totals.
pub fn released_report(
    measure: &Measure,
    facts: &[FactRow],
    months: &[String],
    up_to: u64,
    rebases: &[Rebase],
    released: &Released,
) -> Option<MeasureReport> {
    let formula = measure.formula.as_ref()?;
    let areas = compute::areas_of(measure);
    let cells = Cells::new(facts, &measure.source_kinds());
    let table = match formula {
        Formula::Count { of } => count_table(of, measure.scope, released, &areas, months),
        _ => ratio_table(formula, &cells, &areas, months, up_to),
    };
    let series: Vec<(String, f64)> = months
        .iter()
        .zip(&table.month_totals)
        .filter_map(|(m, v)| v.number().map(|n| (m.clone(), n)))
        .collect();
    let chart = spc::chart(
        &series,
        rebases,
        measure.good_direction,
        measure.target.map(|t| t.value),
    );
    Some(MeasureReport {
        measure: measure.clone(),
        table,
        chart,
    })
}

/// The dashboard for `months`: every active measure's report, the planned
/// measures, and whether the last month can be published (`reported` says
/// which kinds each area has reported up to it). Charts are left to draw.
pub fn dashboard(
    framework: Framework,
    facts: &[FactRow],
    reported: &[FactRow],
    rebases: &[(String, Rebase)],
    months: &[String],
    up_to: u64,
) -> Dashboard {
    let (from, to) = (
        months.first().cloned().unwrap_or_default(),
        months.last().cloned().unwrap_or_default(),
    );
    let missing = compute::missing_core(&framework, reported);
    let released = release::release(&release::published_counts(&framework), facts, months, up_to);
    let measures = framework
        .measures
        .iter()
        .filter(|m| m.status == MeasureStatus::Active)
        .filter_map(|m| {
            let own: Vec<Rebase> = rebases
                .iter()
                .filter(|(id, _)| *id == m.id)
                .map(|(_, r)| r.clone())
                .collect();
            released_report(m, facts, months, up_to, &own, &released)
        })
        .collect();
    Dashboard {
        from,
        to: to.clone(),
        suppress_up_to: up_to,
        measures,
        planned: framework
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
    }
}

/// The measure's own fact cells, by month, so each figure reads only the
/// handful of rows of its month rather than the whole table.
struct Cells {
    by_month: HashMap<String, Vec<FactRow>>,
}

impl Cells {
    fn new(facts: &[FactRow], kinds: &[String]) -> Self {
        let mut by_month: HashMap<String, Vec<FactRow>> = HashMap::new();
        for f in facts.iter().filter(|f| kinds.contains(&f.kind)) {
            by_month
                .entry(f.period.clone())
                .or_default()
                .push(f.clone());
        }
        Self { by_month }
    }

    fn month(&self, m: &str) -> &[FactRow] {
        self.by_month.get(m).map_or(&[], Vec::as_slice)
    }
}

/// A count's table: each month's figures as released, and each total over
/// months shown only when every month of it is.
fn count_table(
    refs: &[FactRef],
    scope: Scope,
    released: &Released,
    areas: &[Option<String>],
    months: &[String],
) -> MeasureTable {
    let rows = areas
        .iter()
        .map(|a| {
            let whom = release::whom_of_row(a.as_deref(), scope);
            let (area_id, area_name) = area_name(a);
            TableRow {
                area_id,
                area_name,
                cells: months
                    .iter()
                    .map(|m| released.published(refs, &whom, m))
                    .collect(),
                total: release::shown(released.over_months(refs, &whom, months)),
            }
        })
        .collect();
    // With one row, the row is the total.
    let all = match areas {
        [one] => release::whom_of_row(one.as_deref(), scope),
        _ => Whom::AllAreas,
    };
    MeasureTable {
        months: months.to_vec(),
        rows,
        month_totals: months
            .iter()
            .map(|m| released.published(refs, &all, m))
            .collect(),
        grand_total: release::shown(released.over_months(refs, &all, months)),
    }
}

/// Whether a rate or mean rests on a small number: a small denominator, or
/// (for a rate) a small numerator or complement.
fn risky(f: &Figure, formula: &Formula, up_to: u64) -> bool {
    let den = f.denominator.unwrap_or(0);
    match formula {
        Formula::Rate { .. } => {
            small(den, up_to) || small(f.numerator, up_to) || small(den - f.numerator, up_to)
        }
        _ => small(den, up_to),
    }
}

/// Rates and means are not additive, so margins are computed afresh from
/// the summed numerators and denominators. A pooled figure is shown only
/// when every area-month it pools could be shown on its own, so no window,
/// total or group of areas tells anything about a month that was hidden.
fn ratio_table(
    formula: &Formula,
    cells: &Cells,
    areas: &[Option<String>],
    months: &[String],
    up_to: u64,
) -> MeasureTable {
    let one = |area: Option<&str>, m: &String| compute::figure(formula, cells.month(m), area, m);
    let pooled = |parts: &[Option<&str>], ms: &[String]| -> Published {
        let mut numerator = 0;
        let mut denominator = 0;
        let mut seconds = 0;
        for m in ms {
            for area in parts {
                let f = one(*area, m);
                if f.denominator.unwrap_or(0) > 0 && risky(&f, formula, up_to) {
                    return Published::Confidential;
                }
                numerator += f.numerator;
                denominator += f.denominator.unwrap_or(0);
                if let Formula::Mean { of } = formula {
                    seconds += cells
                        .month(m)
                        .iter()
                        .filter(|f| {
                            f.period == *m
                                && f.kind == of.kind
                                && of.category.as_ref().is_none_or(|c| *c == f.category)
                                && area.is_none_or(|a| f.area_id == a)
                        })
                        .map(|f| f.elapsed_seconds)
                        .sum::<i64>();
                }
            }
        }
        let value = match formula {
            Formula::Mean { .. } => {
                (denominator > 0).then(|| seconds as f64 / denominator as f64 / 86_400.0)
            }
            _ => (denominator > 0).then(|| 100.0 * numerator as f64 / denominator as f64),
        };
        ratio_value(
            &Figure {
                value,
                numerator,
                denominator: Some(denominator),
            },
            formula,
            up_to,
        )
    };
    let rows = areas
        .iter()
        .map(|a| {
            let (area_id, area_name) = area_name(a);
            let part = [a.as_deref()];
            TableRow {
                area_id,
                area_name,
                cells: months
                    .iter()
                    .map(|m| pooled(&part, std::slice::from_ref(m)))
                    .collect(),
                total: pooled(&part, months),
            }
        })
        .collect();
    let parts: Vec<Option<&str>> = areas.iter().map(Option::as_deref).collect();
    MeasureTable {
        months: months.to_vec(),
        rows,
        month_totals: months
            .iter()
            .map(|m| pooled(&parts, std::slice::from_ref(m)))
            .collect(),
        grand_total: pooled(&parts, months),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::seeded;

    fn row(kind: &str, area: &str, period: &str, category: &str, n: i64) -> FactRow {
        FactRow {
            kind: kind.into(),
            area_id: area.into(),
            period: period.into(),
            category: category.into(),
            n,
            timed: 0,
            elapsed_seconds: 0,
        }
    }

    fn measure(id: &str) -> Measure {
        seeded()
            .measures
            .into_iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn small_rates_and_rates_of_nothing_carry_symbols() {
        let months = vec!["2026-01".to_string()];
        let facts = vec![
            // Hull: 20 of 24 accepted (complement 4 is small).
            row("referral.accepted", "hull", "2026-01", "x", 20),
            row("referral.declined", "hull", "2026-01", "x", 4),
            // East Riding: 3 of 3 (denominator small).
            row("referral.accepted", "east-riding", "2026-01", "x", 3),
            // North Lincolnshire: 30 of 40.
            row(
                "referral.accepted",
                "north-lincolnshire",
                "2026-01",
                "x",
                30,
            ),
            row(
                "referral.declined",
                "north-lincolnshire",
                "2026-01",
                "x",
                10,
            ),
        ];
        let r = measure_report(&measure("acceptance-rate"), &facts, &months, 4, &[])
            .unwrap_or_else(|| panic!("active"));
        let cells: Vec<Published> = r.table.rows.iter().map(|r| r.cells[0]).collect();
        assert_eq!(
            cells,
            [
                Published::Confidential,
                Published::Confidential,
                Published::Number(75.0),
                Published::NotApplicable
            ]
        );
        // All areas: 53 of 67, but pooled from Hull's and East Riding's
        // hidden figures, so hidden too: with North Lincolnshire's 30 of 40
        // shown, it would tell how the hidden ones add up.
        assert_eq!(r.table.month_totals, [Published::Confidential]);
    }

    #[test]
    fn count_tables_protect_margins_and_chart_only_published_months() {
        let months: Vec<String> = (1..=3).map(|m| format!("2026-{m:02}")).collect();
        let mut facts = Vec::new();
        for (area, counts) in [
            ("hull", [10, 12, 2]),
            ("east-riding", [8, 9, 11]),
            ("north-lincolnshire", [7, 6, 9]),
            ("north-east-lincolnshire", [5, 6, 7]),
        ] {
            for (m, n) in months.iter().zip(counts) {
                facts.push(row("referral.submitted", area, m, "none", n));
            }
        }
        let r = measure_report(&measure("referrals-submitted"), &facts, &months, 4, &[])
            .unwrap_or_else(|| panic!("active"));
        assert_eq!(r.table.rows[0].cells[2], Published::Confidential);
        // Hull's March is not left recoverable from what is shown.
        let hidden = r
            .table
            .rows
            .iter()
            .flat_map(|row| &row.cells)
            .filter(|c| **c == Published::Confidential)
            .count();
        assert!(
            hidden >= 2
                || (r.table.month_totals[2] == Published::Confidential
                    && r.table.rows[0].total == Published::Confidential)
        );
        let charted: Vec<&str> = r.chart.points.iter().map(|p| p.period.as_str()).collect();
        let published: Vec<&str> = months
            .iter()
            .zip(&r.table.month_totals)
            .filter(|(_, v)| v.number().is_some())
            .map(|(m, _)| m.as_str())
            .collect();
        assert_eq!(charted, published);
    }

    #[test]
    fn means_need_more_than_the_threshold_of_timed_events() {
        let months = vec!["2026-01".to_string()];
        let mut few = row("referral.triaged", "hull", "2026-01", "early_help", 3);
        few.timed = 3;
        few.elapsed_seconds = 3 * 86_400;
        let mut many = row(
            "referral.triaged",
            "east-riding",
            "2026-01",
            "early_help",
            10,
        );
        many.timed = 10;
        many.elapsed_seconds = 25 * 86_400;
        let r = measure_report(&measure("time-to-triage"), &[few, many], &months, 4, &[])
            .unwrap_or_else(|| panic!("active"));
        assert_eq!(r.table.rows[0].cells[0], Published::Confidential);
        assert_eq!(r.table.rows[1].cells[0], Published::Number(2.5));
        // The force-wide mean would pool Hull's hidden three.
        assert_eq!(r.table.month_totals[0], Published::Confidential);
    }
}
