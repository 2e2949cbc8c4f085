//! Timeliness clocks: a submitted referral should be triaged within two
//! days; a shared one accepted or declined by the agency within a time set by
//! its priority. The coordinator's worklist puts what is overdue first.

use chrono::{DateTime, Duration, Utc};
use eip_types::referral::{Priority, ReferralStatus, ReferralSummary};

/// Submitted → triaged.
pub const TRIAGE_WITHIN: Duration = Duration::hours(48);

/// Shared → accepted or declined, by priority.
pub fn answer_within(priority: Option<Priority>) -> Duration {
    match priority {
        Some(Priority::Urgent) => Duration::hours(24),
        Some(Priority::High) => Duration::hours(72),
        Some(Priority::Routine) | None => Duration::hours(120),
    }
}

/// When the clock running on a referral in `status` runs out.
pub fn due_at(
    status: ReferralStatus,
    priority: Option<Priority>,
    submitted_at: Option<DateTime<Utc>>,
    shared_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match status {
        ReferralStatus::Submitted => submitted_at.map(|t| t + TRIAGE_WITHIN),
        ReferralStatus::Shared => shared_at.map(|t| t + answer_within(priority)),
        _ => None,
    }
}

/// Fills in a summary's clock as of `now`.
pub fn annotate(s: &mut ReferralSummary, now: DateTime<Utc>) {
    s.due_at = due_at(s.status, s.priority, s.submitted_at, s.shared_at);
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
            ace_count: 0,
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
        annotate(&mut s, at(22, 8));
        assert_eq!(s.due_at, Some(at(22, 9)));
        assert!(!s.overdue);
        annotate(&mut s, at(22, 10));
        assert!(s.overdue);
    }

    #[test]
    fn agencies_answer_by_priority_and_other_states_have_no_clock() {
        let shared = Some(at(20, 9));
        assert_eq!(
            due_at(ReferralStatus::Shared, Some(Priority::Urgent), None, shared),
            Some(at(21, 9))
        );
        assert_eq!(
            due_at(
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
            assert_eq!(due_at(status, None, Some(at(1, 1)), shared), None);
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
            annotate(s, now);
        }
        worklist_order(&mut items);
        let order: Vec<&str> = items.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(order, ["later", "late", "fresh", "triaged"]);
    }
}
