//! Currency: when a competency lapses and what colour it shows on a given
//! day. Pure functions over dates, so every rule has golden cases below.
//!
//! Rules:
//! - A competency with a validity of N months is current until the same
//!   calendar day N months after its latest evidence (training, or for
//!   restorative practice also a delivered process); that day is the lapse
//!   date. A day that does not exist in the target month clamps to the
//!   month's last day (29 February → 28 February).
//! - A pause (long leave) that starts on or before the lapse date pushes it
//!   on by the pause's length, so a paused record never lapses.
//! - Green until `warning_days` before the lapse date, amber from then until
//!   the day before, red from the lapse date; grey where required but never
//!   held at the required level; paused while a pause covers the day.

use chrono::{Days, Months, NaiveDate};
use eip_types::training::{Level, Status};

/// Case supervision turns amber this many days after the last session...
pub const SUPERVISION_AMBER_DAYS: i64 = 70;
/// ...and red after this many (12 weeks).
pub const SUPERVISION_RED_AFTER_DAYS: i64 = 84;

/// The first day a competency is no longer current, or none if it never
/// expires. `anchor` is the latest qualifying evidence.
pub fn lapse_on(
    anchor: NaiveDate,
    validity_months: Option<u32>,
    pauses: &[(NaiveDate, NaiveDate)],
) -> Option<NaiveDate> {
    let months = validity_months?;
    let mut lapse = anchor.checked_add_months(Months::new(months))?;
    let mut sorted: Vec<&(NaiveDate, NaiveDate)> = pauses.iter().collect();
    sorted.sort();
    for (start, end) in sorted {
        if *end < *start || *end < anchor || *start > lapse {
            continue;
        }
        // Only the part of the pause after the anchor counts.
        let from = (*start).max(anchor);
        let days = (*end - from).num_days() + 1;
        lapse = lapse.checked_add_days(Days::new(u64::try_from(days).unwrap_or(0)))?;
    }
    Some(lapse)
}

/// Whether a pause covers `today`.
pub fn paused_on(today: NaiveDate, pauses: &[(NaiveDate, NaiveDate)]) -> bool {
    pauses.iter().any(|(s, e)| *s <= today && today <= *e)
}

/// The status on `today` of a competency whose lapse date is `lapse`
/// (none: never expires), given whether it is held at the required level
/// and whether it is required.
pub fn status(
    today: NaiveDate,
    held: bool,
    required: bool,
    lapse: Option<NaiveDate>,
    warning_days: u32,
    paused: bool,
) -> Status {
    if paused && (held || required) {
        return Status::Paused;
    }
    if !held {
        return if required { Status::Grey } else { Status::None };
    }
    let Some(lapse) = lapse else {
        return Status::Green;
    };
    if today >= lapse {
        return Status::Red;
    }
    let warn_from = lapse
        .checked_sub_days(Days::new(u64::from(warning_days)))
        .unwrap_or(NaiveDate::MIN);
    if today >= warn_from {
        Status::Amber
    } else {
        Status::Green
    }
}

/// Supervision: green within 70 days of the last, amber from day 70, red
/// after day 84 or when there has been none.
pub fn supervision(today: NaiveDate, last: Option<NaiveDate>) -> Status {
    match last {
        None => Status::Red,
        Some(last) => {
            let days = (today - last).num_days();
            if days > SUPERVISION_RED_AFTER_DAYS {
                Status::Red
            } else if days >= SUPERVISION_AMBER_DAYS {
                Status::Amber
            } else {
                Status::Green
            }
        }
    }
}

/// The first day of the 12-month window ending on `today`.
pub fn year_before(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(12))
        .and_then(|d| d.checked_add_days(Days::new(1)))
        .unwrap_or(NaiveDate::MIN)
}

/// An observed practice is due when none happened in the last 12 months.
pub fn observation_due(today: NaiveDate, last: Option<NaiveDate>) -> bool {
    last.is_none_or(|last| last < year_before(today))
}

/// CPD hours a year by level.
pub fn cpd_required_hours(level: Option<Level>) -> f64 {
    match level {
        None | Some(Level::Foundation) => 6.0,
        Some(Level::Intermediate) => 12.0,
        Some(Level::Advanced) => 16.0,
    }
}

/// Short when the year's hours fall below the level's, or fewer than half
/// of the required hours came from approved sources.
pub fn cpd_short(level: Option<Level>, approved: f64, other: f64) -> bool {
    let required = cpd_required_hours(level);
    approved + other < required || approved * 2.0 < required
}

/// Which reminder is due `days_left` days before a lapse: the smallest of
/// 90, 60, 30 and 7 not below it (none beyond 90 days or once lapsed).
pub fn staff_stage(days_left: i64) -> Option<&'static str> {
    match days_left {
        i64::MIN..=0 => None,
        1..=7 => Some("7"),
        8..=30 => Some("30"),
        31..=60 => Some("60"),
        61..=90 => Some("90"),
        _ => None,
    }
}

/// The line manager hears at 30 days and on the lapse itself.
pub fn manager_stage(days_left: i64) -> Option<&'static str> {
    match days_left {
        i64::MIN..=0 => Some("lapsed"),
        1..=30 => Some("30"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn rp_status(today: &str, anchor: &str) -> Status {
        status(
            d(today),
            true,
            true,
            lapse_on(d(anchor), Some(12), &[]),
            60,
            false,
        )
    }

    #[test]
    fn the_issue_example_trained_in_march_lapses_a_year_on_the_same_day() {
        let lapse = lapse_on(d("2025-03-15"), Some(12), &[]);
        assert_eq!(lapse, Some(d("2026-03-15")));
        assert_eq!(rp_status("2026-03-14", "2025-03-15"), Status::Amber);
        assert_eq!(rp_status("2026-03-15", "2025-03-15"), Status::Red);
    }

    #[test]
    fn a_delivered_process_slides_the_lapse_date() {
        // max(training 2025-03-15, process 2025-09-01) is the anchor.
        let anchor = d("2025-03-15").max(d("2025-09-01"));
        assert_eq!(lapse_on(anchor, Some(12), &[]), Some(d("2026-09-01")));
        assert_eq!(rp_status("2026-03-15", "2025-09-01"), Status::Green);
        assert_eq!(rp_status("2026-08-31", "2025-09-01"), Status::Amber);
        assert_eq!(rp_status("2026-09-01", "2025-09-01"), Status::Red);
    }

    #[test]
    fn the_29th_of_february_lapses_on_the_28th() {
        assert_eq!(
            lapse_on(d("2024-02-29"), Some(12), &[]),
            Some(d("2025-02-28"))
        );
        assert_eq!(rp_status("2025-02-27", "2024-02-29"), Status::Amber);
        assert_eq!(rp_status("2025-02-28", "2024-02-29"), Status::Red);
        // Into a leap year the day exists.
        assert_eq!(
            lapse_on(d("2027-02-28"), Some(12), &[]),
            Some(d("2028-02-28"))
        );
        assert_eq!(
            lapse_on(d("2028-02-29"), Some(48), &[]),
            Some(d("2032-02-29"))
        );
        // Month ends clamp too.
        assert_eq!(
            lapse_on(d("2025-08-31"), Some(6), &[]),
            Some(d("2026-02-28"))
        );
    }

    #[test]
    fn the_warning_window_edges() {
        // Lapse 2026-03-15; 60 days before is 2026-01-14.
        assert_eq!(rp_status("2026-01-13", "2025-03-15"), Status::Green);
        assert_eq!(rp_status("2026-01-14", "2025-03-15"), Status::Amber);
        // A window of its own per competency.
        let lapse = lapse_on(d("2025-03-15"), Some(12), &[]);
        assert_eq!(
            status(d("2026-02-12"), true, true, lapse, 30, false),
            Status::Green
        );
        assert_eq!(
            status(d("2026-02-13"), true, true, lapse, 30, false),
            Status::Amber
        );
        // No window: green to the last day.
        assert_eq!(
            status(d("2026-03-14"), true, true, lapse, 0, false),
            Status::Green
        );
    }

    #[test]
    fn never_expiring_never_held_and_not_required() {
        assert_eq!(
            status(
                d("2040-01-01"),
                true,
                true,
                lapse_on(d("2020-01-01"), None, &[]),
                60,
                false
            ),
            Status::Green
        );
        assert_eq!(
            status(d("2026-01-01"), false, true, None, 60, false),
            Status::Grey
        );
        assert_eq!(
            status(d("2026-01-01"), false, false, None, 60, false),
            Status::None
        );
        // Held without being required still shows its currency.
        let lapse = lapse_on(d("2024-01-01"), Some(12), &[]);
        assert_eq!(
            status(d("2026-01-01"), true, false, lapse, 60, false),
            Status::Red
        );
    }

    #[test]
    fn a_pause_keeps_a_record_from_lapsing() {
        // Trained 2025-03-15, on leave 2026-01-01 to 2026-03-31 (90 days).
        let pauses = [(d("2026-01-01"), d("2026-03-31"))];
        let lapse = lapse_on(d("2025-03-15"), Some(12), &pauses);
        assert_eq!(lapse, Some(d("2026-06-13")));
        assert!(paused_on(d("2026-03-15"), &pauses));
        assert_eq!(
            status(d("2026-03-15"), true, true, lapse, 60, true),
            Status::Paused
        );
        // Back from leave: the window runs from the pushed-on date.
        assert_eq!(
            status(d("2026-04-13"), true, true, lapse, 60, false),
            Status::Green
        );
        assert_eq!(
            status(d("2026-04-14"), true, true, lapse, 60, false),
            Status::Amber
        );
        assert_eq!(
            status(d("2026-06-13"), true, true, lapse, 60, false),
            Status::Red
        );
        // A pause after the lapse, or before the anchor, changes nothing.
        assert_eq!(
            lapse_on(
                d("2025-03-15"),
                Some(12),
                &[(d("2026-04-01"), d("2026-05-01"))]
            ),
            Some(d("2026-03-15"))
        );
        assert_eq!(
            lapse_on(
                d("2025-03-15"),
                Some(12),
                &[(d("2024-04-01"), d("2024-05-01"))]
            ),
            Some(d("2026-03-15"))
        );
        // Nothing to pause when neither held nor required.
        assert_eq!(
            status(d("2026-03-15"), false, false, None, 60, true),
            Status::None
        );
    }

    #[test]
    fn supervision_turns_amber_at_70_days_and_red_after_84() {
        let last = d("2026-01-01");
        assert_eq!(supervision(d("2026-03-11"), Some(last)), Status::Green); // 69
        assert_eq!(supervision(d("2026-03-12"), Some(last)), Status::Amber); // 70
        assert_eq!(supervision(d("2026-03-26"), Some(last)), Status::Amber); // 84
        assert_eq!(supervision(d("2026-03-27"), Some(last)), Status::Red); // 85
        assert_eq!(supervision(d("2026-03-27"), None), Status::Red);
    }

    #[test]
    fn one_observed_practice_a_year() {
        assert!(observation_due(d("2026-06-01"), None));
        assert!(!observation_due(d("2026-06-01"), Some(d("2025-06-02"))));
        assert!(observation_due(d("2026-06-01"), Some(d("2025-06-01"))));
    }

    #[test]
    fn cpd_hours_by_level_with_half_approved() {
        assert!(!cpd_short(Some(Level::Foundation), 3.0, 3.0));
        assert!(cpd_short(Some(Level::Foundation), 2.5, 10.0));
        assert!(cpd_short(Some(Level::Intermediate), 6.0, 5.5));
        assert!(!cpd_short(Some(Level::Intermediate), 6.0, 6.0));
        assert!(cpd_short(Some(Level::Advanced), 12.0, 3.0));
        assert!(!cpd_short(Some(Level::Advanced), 8.0, 8.0));
    }

    #[test]
    fn reminder_stages() {
        let stages: Vec<Option<&str>> = [120, 91, 90, 61, 60, 31, 30, 8, 7, 1, 0, -5]
            .into_iter()
            .map(staff_stage)
            .collect();
        assert_eq!(
            stages,
            [
                None,
                None,
                Some("90"),
                Some("90"),
                Some("60"),
                Some("60"),
                Some("30"),
                Some("30"),
                Some("7"),
                Some("7"),
                None,
                None
            ]
        );
        assert_eq!(manager_stage(31), None);
        assert_eq!(manager_stage(30), Some("30"));
        assert_eq!(manager_stage(1), Some("30"));
        assert_eq!(manager_stage(0), Some("lapsed"));
    }
}
