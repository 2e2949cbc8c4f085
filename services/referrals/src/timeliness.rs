//! Timeliness clocks: a submitted referral should be triaged within two
//! days; a shared one accepted or declined by the agency within a time set by
//! its priority. The coordinator's worklist puts what is overdue first. The
//! targets in force are kept by `store::timeliness`.

use chrono::{DateTime, Duration, Utc};
use eip_types::referral::{Priority, ReferralStatus, ReferralSummary, TimelinessTargets};

/// Shared → accepted or declined, by priority.
pub fn answer_within(t: &TimelinessTargets, priority: Option<Priority>) -> Duration {
    let hours = match priority {
        Some(Priority::Urgent) => t.urgent_hours,
        Some(Priority::High) => t.high_hours,
        Some(Priority::Routine) | None => t.routine_hours,
    };
    Duration::hours(i64::from(hours))
}

/// When the clock running on a referral in `status` runs out.
pub fn due_at(
    t: &TimelinessTargets,
    status: ReferralStatus,
    priority: Option<Priority>,
    submitted_at: Option<DateTime<Utc>>,
    shared_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match status {
        ReferralStatus::Submitted => {
            submitted_at.map(|s| s + Duration::hours(i64::from(t.triage_hours)))
        }
        ReferralStatus::Shared => shared_at.map(|s| s + answer_within(t, priority)),
        _ => None,
    }
}

/// Fills in a summary's clock as of `now`.
pub fn annotate(t: &TimelinessTargets, s: &mut ReferralSummary, now: DateTime<Utc>) {
    s.due_at = due_at(t, s.status, s.priority, s.submitted_at, s.shared_at);
    s.overdue = s.due_at.is_some_and(|due| due < now);
}

/// The states that wait on the hub or on an agency.
pub const OPEN_WORK: [ReferralStatus; 4] = [
    ReferralStatus::Submitted,
    ReferralStatus::Triaged,
    ReferralStatus::Shared,
    ReferralStatus::Declined,
];

/// Worklist order: overdue first, then the soonest due, then the oldest.
pub fn worklist_order(items: &mut [ReferralSummary]) {
    items.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then_with(|| match (a.due_at, b.due_at) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.created_at.cmp(&b.created_at))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const T: TimelinessTargets = TimelinessTargets {
        triage_hours: 48,
        urgent_hours: 24,
        high_hours: 72,
        routine_hours: 120,
    };

    #[test]
    fn the_defaults_are_the_strategy_targets_and_bad_ones_are_refused() {
        assert_eq!(TimelinessTargets::default(), T);
        let bad = TimelinessTargets {
            triage_hours: 0,
            routine_hours: 10_000,
            ..T
        };
        let fields: Vec<String> = bad
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["triage_hours", "routine_hours"]);
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn summary(id: &str, status: ReferralStatus, submitted: DateTime<Utc>) -> ReferralSummary {
        ReferralSummary {
            id: id.into(),
            child_name: "A".into(),
            area_id: "hull".into(),
            status,
            priority: None,
            agency_id: None,
            ace_count: Some(0),
            created_at: submitted,
            submitted_at: Some(submitted),
            shared_at: None,
            due_at: None,
            overdue: false,
        }
    }

    #[test]
    fn triage_is_due_two_days_after_submission() {
        let mut s = summary("a", ReferralStatus::Submitted, at(20, 9));
        annotate(&T, &mut s, at(22, 8));
        assert_eq!(s.due_at, Some(at(22, 9)));
        assert!(!s.overdue);
        annotate(&T, &mut s, at(22, 10));
        assert!(s.overdue);
    }

    #[test]
    fn agencies_answer_by_priority_and_other_states_have_no_clock() {
        let shared = Some(at(20, 9));
        assert_eq!(
            due_at(
                &T,
                ReferralStatus::Shared,
                Some(Priority::Urgent),
                None,
                shared
            ),
            Some(at(21, 9))
        );
        assert_eq!(
            due_at(
                &T,
                ReferralStatus::Shared,
                Some(Priority::Routine),
                None,
                shared
            ),
            Some(at(25, 9))
        );
        for status in [
            ReferralStatus::Draft,
            ReferralStatus::Triaged,
            ReferralStatus::Closed,
        ] {
            assert_eq!(due_at(&T, status, None, Some(at(1, 1)), shared), None);
        }
    }

    #[test]
    fn the_worklist_puts_overdue_work_first() {
        let now = at(25, 12);
        let mut items = vec![
            summary("fresh", ReferralStatus::Submitted, at(25, 9)),
            summary("triaged", ReferralStatus::Triaged, at(10, 9)),
            summary("late", ReferralStatus::Submitted, at(20, 9)),
            summary("later", ReferralStatus::Submitted, at(18, 9)),
        ];
        for s in &mut items {
            annotate(&T, s, now);
        }
        worklist_order(&mut items);
        let order: Vec<&str> = items.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(order, ["later", "late", "fresh", "triaged"]);
    }
}
