//! Reading the evidence log back: which entries count, and the practice
//! checks (supervision, observed practice, CPD) they show. Pure.

use crate::currency;
use crate::standing::Rule;
use chrono::NaiveDate;
use eip_types::training::{Evidence, PracticeChecks, Standing};
use std::collections::HashSet;

/// The entries that count: all but those a later entry corrects.
pub fn uncorrected(log: &[Evidence]) -> impl Iterator<Item = &Evidence> {
    let corrected: HashSet<&str> = log.iter().filter_map(|e| e.corrects.as_deref()).collect();
    log.iter()
        .filter(move |e| !corrected.contains(e.id.as_str()))
}

/// The practice checks on `today` of each practice-checked competency the
/// person holds or must hold (`standings` in the order of `rules`), from
/// their log.
pub fn practice_checks(
    today: NaiveDate,
    rules: &[Rule],
    standings: &[Standing],
    log: &[Evidence],
) -> Vec<PracticeChecks> {
    let visible: Vec<&Evidence> = uncorrected(log)
        .filter(|e| e.occurred_on <= today)
        .collect();
    let year_from = currency::year_before(today);
    rules
        .iter()
        .zip(standings)
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
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::training::{Level, Status};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn entry(id: &str, activity: &str, on: &str, hours: Option<f64>) -> Evidence {
        Evidence {
            id: id.into(),
            staff_id: "pc".into(),
            competency_id: "rp".into(),
            kind: "logged".into(),
            activity: activity.into(),
            level: None,
            source: "manual".into(),
            occurred_on: d(on),
            hours,
            approved: true,
            note: None,
            corrects: None,
            actor: "pc".into(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn corrected_and_future_entries_do_not_count() {
        let rule = Rule {
            id: "rp".into(),
            name: "RP".into(),
            description: String::new(),
            validity_months: Some(12),
            warning_days: 60,
            levelled: true,
            practice_checks: true,
        };
        let standing = Standing {
            competency_id: "rp".into(),
            status: Status::Green,
            required: true,
            required_level: Some(Level::Foundation),
            held_level: Some(Level::Foundation),
            lapses_on: None,
        };
        let wrong = entry("e1", "supervision", "2026-02-20", None);
        let fix = Evidence {
            corrects: Some("e1".into()),
            ..entry("e2", "supervision", "2026-02-10", None)
        };
        let log = [
            wrong,
            fix,
            entry("e3", "supervision", "2026-03-05", None),
            entry("e4", "cpd", "2026-01-15", Some(2.5)),
            entry("e5", "cpd", "2025-01-15", Some(9.0)),
        ];
        assert_eq!(uncorrected(&log).count(), 4);
        let checks = practice_checks(d("2026-03-01"), &[rule], &[standing], &log);
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].last_supervision, Some(d("2026-02-10")));
        assert!((checks[0].cpd_approved_hours - 2.5).abs() < f64::EPSILON);
    }
}
