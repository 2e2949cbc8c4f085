//! The engagement log, the community priorities agreed from it (at most
//! three per place and period), and the "you said, we did" responses: who
//! may do what, and what each record must hold.

use chrono::NaiveDate;
use eip_types::engagement::{NewEngagement, NewPriority, valid_period};
use eip_types::{FieldError, Role};

/// Who logs engagement and agrees priorities.
pub const WORKERS: [Role; 2] = [Role::Frontline, Role::Coordinator];
/// Who reads the log and the priority board.
pub const READERS: [Role; 3] = [Role::Frontline, Role::Coordinator, Role::Analyst];
/// Priorities agreed per place and period.
pub const MAX_PRIORITIES: i64 = 3;

fn list_problems(errors: &mut Vec<FieldError>, field: &str, items: &[String]) {
    if items.len() > 20 {
        errors.push(FieldError::new(field, "At most 20 entries."));
    }
    if items.iter().any(|i| i.trim().is_empty() || i.len() > 500) {
        errors.push(FieldError::new(
            field,
            "Each entry needs 1 to 500 characters.",
        ));
    }
}

/// Checks an engagement's own fields (its place is checked against the
/// places on record apart) as of `today`: the day it was held, when that
/// is a date, and what is wrong.
pub fn engagement_problems(
    new: &NewEngagement,
    today: NaiveDate,
) -> (Option<NaiveDate>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let held_on = NaiveDate::parse_from_str(&new.held_on, "%Y-%m-%d").ok();
    match held_on {
        None => errors.push(FieldError::new("held_on", "Give a date as YYYY-MM-DD.")),
        Some(d) if d > today => {
            errors.push(FieldError::new(
                "held_on",
                "The date cannot be in the future.",
            ));
        }
        Some(_) => {}
    }
    if !(0..=100_000).contains(&new.attendance) {
        errors.push(FieldError::new(
            "attendance",
            "Give the number who took part (0 to 100,000).",
        ));
    }
    list_problems(&mut errors, "groups_reached", &new.groups_reached);
    list_problems(&mut errors, "issues_raised", &new.issues_raised);
    (held_on, errors)
}

/// Checks a priority's own fields (its place and engagements are checked
/// against those on record apart).
pub fn priority_problems(new: &NewPriority) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !valid_period(&new.period) {
        errors.push(FieldError::new("period", "Give a period such as 2026-Q4."));
    }
    if new.title.trim().is_empty() || new.title.len() > 200 {
        errors.push(FieldError::new(
            "title",
            "Name the priority (up to 200 characters).",
        ));
    }
    if new.you_said.trim().is_empty() || new.you_said.len() > 2_000 {
        errors.push(FieldError::new(
            "you_said",
            "Say what people raised (up to 2,000 characters).",
        ));
    }
    errors
}

/// Checks a "we did" response.
pub fn we_did_problem(we_did: &str) -> Option<FieldError> {
    (we_did.trim().is_empty() || we_did.len() > 2_000)
        .then(|| FieldError::new("we_did", "Say what was done (up to 2,000 characters)."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::engagement::EngagementKind;

    #[test]
    fn an_engagement_is_held_by_today_and_lists_are_bounded() {
        let today = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default();
        let new = |held_on: &str, attendance, issues: Vec<String>| NewEngagement {
            kind: EngagementKind::PublicMeeting,
            place_id: "myton".into(),
            held_on: held_on.into(),
            attendance,
            groups_reached: vec![],
            seldom_heard: false,
            issues_raised: issues,
        };
        let fields = |n: &NewEngagement| -> Vec<String> {
            engagement_problems(n, today)
                .1
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let (held, errors) = engagement_problems(&new("2026-10-01", 30, vec![]), today);
        assert_eq!((held, errors.len()), (Some(today), 0));
        assert_eq!(fields(&new("2026-10-02", 30, vec![])), ["held_on"]);
        assert_eq!(
            fields(&new("1 October", -1, vec![" ".into()])),
            ["held_on", "attendance", "issues_raised"]
        );
        assert_eq!(
            fields(&new("2026-09-30", 0, vec!["x".into(); 21])),
            ["issues_raised"]
        );
    }
}
