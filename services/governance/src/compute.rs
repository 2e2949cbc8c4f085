//! Measures computed from fact cells: pure functions, no I/O.

use eip_types::governance::{FactRef, Formula, Framework, MeasureStatus, MissingMeasure, Scope};
use eip_types::place::LOCAL_AUTHORITIES;

/// One cell of the fact table: what events of one kind added up to in one
/// area, month and category.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FactRow {
    pub kind: String,
    pub area_id: String,
    pub period: String,
    pub category: String,
    pub n: i64,
    pub timed: i64,
    pub elapsed_seconds: i64,
}

/// A measure's raw figure for one area (or the force) and month, before
/// any suppression.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// `None` when the figure is undefined (a rate over nothing).
    pub value: Option<f64>,
    /// Events counted (count), or in the numerator (rate), or timed (mean).
    pub numerator: i64,
    /// The rate's denominator, or the number of timed events of a mean.
    pub denominator: Option<i64>,
}

fn matches(r: &FactRef, f: &FactRow) -> bool {
    r.kind == f.kind && r.category.as_ref().is_none_or(|c| *c == f.category)
}

fn in_cell(f: &FactRow, area: Option<&str>, period: &str) -> bool {
    f.period == period && area.is_none_or(|a| f.area_id == a)
}

fn sum(refs: &[FactRef], facts: &[FactRow], area: Option<&str>, period: &str) -> i64 {
    facts
        .iter()
        .filter(|f| in_cell(f, area, period) && refs.iter().any(|r| matches(r, f)))
        .map(|f| f.n)
        .sum()
}

/// The figure for `area` (`None` = all areas, or the force) in `period`.
pub fn figure(formula: &Formula, facts: &[FactRow], area: Option<&str>, period: &str) -> Figure {
    match formula {
        Formula::Count { of } => {
            let n = sum(of, facts, area, period);
            Figure {
                value: Some(n as f64),
                numerator: n,
                denominator: None,
            }
        }
        Formula::Rate {
            numerator,
            denominator,
        } => {
            let num = sum(numerator, facts, area, period);
            let den = sum(denominator, facts, area, period);
            Figure {
                value: (den > 0).then(|| 100.0 * num as f64 / den as f64),
                numerator: num,
                denominator: Some(den),
            }
        }
        Formula::Mean { of } => {
            let (timed, seconds) = facts
                .iter()
                .filter(|f| in_cell(f, area, period) && matches(of, f))
                .fold((0i64, 0i64), |(t, s), f| {
                    (t + f.timed, s + f.elapsed_seconds)
                });
            Figure {
                value: (timed > 0).then(|| seconds as f64 / timed as f64 / 86_400.0),
                numerator: timed,
                denominator: Some(timed),
            }
        }
    }
}

/// The months from `from` to `to` inclusive (`YYYY-MM`), or `None` if either
/// is not a month or they are the wrong way round. At most 120 months.
pub fn months(from: &str, to: &str) -> Option<Vec<String>> {
    let parse = |s: &str| -> Option<(i32, u32)> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (y, m) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12).contains(&m).then_some((y, m))
    };
    let (mut y, mut m) = parse(from)?;
    let end = parse(to)?;
    if (y, m) > end {
        return None;
    }
    let mut out = Vec::new();
    while (y, m) <= end {
        out.push(format!("{y:04}-{m:02}"));
        if out.len() > 120 {
            return None;
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    Some(out)
}

/// The areas a measure is reported for: `None` stands for the force.
pub fn areas_of(m: &eip_types::governance::Measure) -> Vec<Option<String>> {
    match m.scope {
        Scope::Core => LOCAL_AUTHORITIES
            .iter()
            .map(|(id, _)| Some((*id).to_owned()))
            .collect(),
        Scope::Local => vec![m.area_id.clone()],
        Scope::Force => vec![None],
    }
}

/// Active core measures that cannot be reported for an area: the sources
/// they are computed from have never reported an event for that area up to
/// the period (`facts` holds every cell up to then). Zero activity in a
/// reporting area is a figure (0, or [z] for a rate of nothing); silence
/// from a source about an area is a gap. Planned measures are listed as not
/// yet measured instead: they cannot fail a report before their events exist.
pub fn missing_core(framework: &Framework, facts: &[FactRow]) -> Vec<MissingMeasure> {
    let source_of = |kind: &str| crate::sources::kind_info(kind).map(|k| k.source);
    let mut missing = Vec::new();
    let active_core = framework
        .measures
        .iter()
        .filter(|m| m.scope == Scope::Core && m.status == MeasureStatus::Active);
    for m in active_core {
        let mut sources: Vec<String> = m
            .source_kinds()
            .iter()
            .filter_map(|k| source_of(k))
            .collect();
        sources.sort();
        sources.dedup();
        for (area, _) in LOCAL_AUTHORITIES {
            let seen = facts.iter().any(|x| {
                x.area_id == area && source_of(&x.kind).is_some_and(|s| sources.contains(&s))
            });
            if !seen {
                missing.push(MissingMeasure {
                    measure_id: m.id.clone(),
                    area_id: area.to_owned(),
                    reason: format!(
                        "the {} service has reported no events for this area",
                        sources.join(" and ")
                    ),
                });
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn counts_rates_and_means() {
        let mut triaged = row("referral.triaged", "hull", "2026-01", "universal", 3);
        triaged.timed = 2;
        triaged.elapsed_seconds = 3 * 86_400;
        let facts = vec![
            row("referral.accepted", "hull", "2026-01", "a1", 3),
            row("referral.declined", "hull", "2026-01", "a1", 1),
            row("referral.accepted", "east-riding", "2026-01", "a1", 5),
            row("referral.accepted", "hull", "2026-02", "a1", 7),
            triaged,
        ];
        let rate = Formula::Rate {
            numerator: vec![FactRef::kind("referral.accepted")],
            denominator: vec![
                FactRef::kind("referral.accepted"),
                FactRef::kind("referral.declined"),
            ],
        };
        assert_eq!(
            figure(&rate, &facts, Some("hull"), "2026-01").value,
            Some(75.0)
        );
        assert_eq!(
            figure(&rate, &facts, Some("north-lincolnshire"), "2026-01").value,
            None
        );
        let count = Formula::Count {
            of: vec![FactRef::category("referral.accepted", "a1")],
        };
        assert_eq!(figure(&count, &facts, None, "2026-01").value, Some(8.0));
        let mean = Formula::Mean {
            of: FactRef::kind("referral.triaged"),
        };
        assert_eq!(
            figure(&mean, &facts, Some("hull"), "2026-01").value,
            Some(1.5)
        );
    }

    #[test]
    fn month_ranges() {
        assert_eq!(
            months("2025-11", "2026-02"),
            Some(vec![
                "2025-11".to_string(),
                "2025-12".into(),
                "2026-01".into(),
                "2026-02".into()
            ])
        );
        assert_eq!(months("2026-02", "2025-11"), None);
        assert_eq!(months("2026-13", "2027-01"), None);
        assert_eq!(months("26-01", "2027-01"), None);
    }

    #[test]
    fn a_core_measure_without_events_for_an_area_is_missing() {
        let framework = crate::framework::seeded();
        let facts: Vec<FactRow> = LOCAL_AUTHORITIES
            .iter()
            .filter(|(a, _)| *a != "hull")
            .flat_map(|(a, _)| {
                [
                    "referral.submitted",
                    "referral.triaged",
                    "referral.accepted",
                    "referral.closed",
                    "engagement.held",
                ]
                .map(|k| row(k, a, "2026-01", "", 1))
            })
            .collect();
        let missing = missing_core(&framework, &facts);
        let active_missing: Vec<(&str, &str)> = missing
            .iter()
            .map(|m| (m.measure_id.as_str(), m.area_id.as_str()))
            .collect();
        assert_eq!(
            active_missing,
            [
                ("frequent-callers", "hull"),
                ("repeat-incidents", "hull"),
                ("calls-for-service", "hull"),
                ("anti-social-behaviour-calls", "hull"),
                ("referrals-submitted", "hull"),
                ("time-to-triage", "hull"),
                ("acceptance-rate", "hull"),
                ("outcomes-sustained", "hull"),
                ("engagement-events", "hull"),
                ("seldom-heard-reached", "hull"),
                ("priorities-resolved", "hull"),
                ("closed-positive", "hull"),
                ("problem-solving-demand-reduced", "hull"),
            ]
        );
    }
}
