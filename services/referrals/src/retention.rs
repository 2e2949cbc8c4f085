//! Retention review (Management of Police Information): how long a referral
//! is kept before someone must decide to retain it or dispose of it, and what
//! disposal leaves behind.

use chrono::{Months, NaiveDate};
use eip_types::FieldError;
use eip_types::referral::{
    MAX_NOTE_CHARS, Outcome, Referral, ReferralStatus, RetentionChoice, RetentionDecision,
    RetentionPeriods,
};

/// How long after its last change a referral in `status` (closed with
/// `outcome`) is next reviewed.
pub fn review_after(
    periods: &RetentionPeriods,
    status: ReferralStatus,
    outcome: Option<Outcome>,
) -> Months {
    Months::new(periods.months_for(status, outcome))
}

/// The review date for a referral that reached `status` on `on`.
pub fn review_on(
    periods: &RetentionPeriods,
    status: ReferralStatus,
    outcome: Option<Outcome>,
    on: NaiveDate,
) -> NaiveDate {
    on.checked_add_months(review_after(periods, status, outcome))
        .unwrap_or(NaiveDate::MAX)
}

/// What stands in for the child's name once the record is disposed of.
pub const DISPOSED_NAME: &str = "[disposed]";

/// The date of birth kept after disposal: the year only, as an age band.
pub fn anonymised_birth_date(dob: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(chrono::Datelike::year(&dob), 1, 1).unwrap_or(dob)
}

/// A day as typed, `YYYY-MM-DD`; the refusal names `field`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "Enter a real date as YYYY-MM-DD."))
}

/// Checks a review's decision made `today`: its reason, and when retaining
/// the next review (after today, within ten years). Returns the reason as
/// kept and the next review date (none when disposing).
pub fn check_decision(
    d: &RetentionDecision,
    today: NaiveDate,
) -> Result<(&str, Option<NaiveDate>), FieldError> {
    let reason = d.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_NOTE_CHARS {
        return Err(FieldError::new(
            "reason",
            "Record why, in at most 1000 characters.",
        ));
    }
    let next = match (d.decision, d.next_review_on.as_deref()) {
        (RetentionChoice::Retain, Some(text)) => {
            let next = parse_day("next_review_on", text)?;
            if next <= today || next > today + Months::new(120) {
                return Err(FieldError::new(
                    "next_review_on",
                    "Choose a date after today and within ten years.",
                ));
            }
            Some(next)
        }
        (RetentionChoice::Retain, None) => {
            return Err(FieldError::new(
                "next_review_on",
                "Choose when to review it next.",
            ));
        }
        (RetentionChoice::Dispose, _) => None,
    };
    Ok((reason, next))
}

/// Whether `r` may be reviewed `today`: not yet disposed of, and due.
pub fn may_decide(r: &Referral, today: NaiveDate) -> Result<(), &'static str> {
    if r.disposed_at.is_some() {
        return Err("This record was already disposed of.");
    }
    if r.review_on.is_none_or(|due| due > today) {
        return Err("This record is not yet due for review.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::referral::MAX_RETENTION_MONTHS as MAX_RETENTION;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn review_on(status: ReferralStatus, outcome: Option<Outcome>, on: NaiveDate) -> NaiveDate {
        super::review_on(&RetentionPeriods::default(), status, outcome, on)
    }

    #[test]
    fn review_dates_follow_the_outcome() {
        let on = d(2026, 2, 28);
        assert_eq!(
            review_on(ReferralStatus::Submitted, None, on),
            d(2029, 2, 28)
        );
        assert_eq!(
            review_on(ReferralStatus::Closed, Some(Outcome::SupportCompleted), on),
            d(2028, 2, 28)
        );
        assert_eq!(
            review_on(ReferralStatus::Closed, Some(Outcome::Escalated), on),
            d(2032, 2, 28)
        );
        assert_eq!(
            review_on(ReferralStatus::Withdrawn, None, on),
            d(2027, 2, 28)
        );
        // 29 February falls back to the 28th in a common year.
        assert_eq!(
            review_on(ReferralStatus::Withdrawn, None, d(2028, 2, 29)),
            d(2029, 2, 28)
        );
    }

    #[test]
    fn an_administrator_s_periods_decide_the_review_date() {
        let periods = RetentionPeriods {
            escalated_months: 18,
            ..RetentionPeriods::default()
        };
        assert_eq!(
            super::review_on(
                &periods,
                ReferralStatus::Closed,
                Some(Outcome::Escalated),
                d(2026, 1, 31)
            ),
            d(2027, 7, 31)
        );
        assert!(periods.validate().is_ok());
        let none = RetentionPeriods {
            open_months: 0,
            withdrawn_months: MAX_RETENTION + 1,
            ..periods
        };
        let fields: Vec<String> = none
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["open_months", "withdrawn_months"]);
    }

    #[test]
    fn disposal_keeps_only_the_year_of_birth() {
        assert_eq!(anonymised_birth_date(d(2014, 9, 9)), d(2014, 1, 1));
    }

    fn decision(choice: RetentionChoice, reason: &str, next: Option<&str>) -> RetentionDecision {
        RetentionDecision {
            decision: choice,
            reason: reason.into(),
            next_review_on: next.map(Into::into),
        }
    }

    fn refused_field(d: &RetentionDecision, today: NaiveDate) -> String {
        check_decision(d, today)
            .err()
            .map(|e| e.field)
            .unwrap_or_default()
    }

    #[test]
    fn a_decision_needs_a_reason_and_a_retained_record_its_next_review() {
        let today = d(2026, 3, 1);
        let retain = |next: Option<&str>| decision(RetentionChoice::Retain, "Still needed", next);
        assert_eq!(
            check_decision(&retain(Some("2027-03-01")), today),
            Ok(("Still needed", Some(d(2027, 3, 1))))
        );
        assert_eq!(
            check_decision(&decision(RetentionChoice::Dispose, " Done ", None), today),
            Ok(("Done", None))
        );
        let silent = decision(RetentionChoice::Dispose, "  ", None);
        assert_eq!(refused_field(&silent, today), "reason");
        let long = decision(RetentionChoice::Dispose, &"x".repeat(1001), None);
        assert_eq!(refused_field(&long, today), "reason");
        for next in [None, Some("soon"), Some("2026-03-01"), Some("2036-03-02")] {
            assert_eq!(
                refused_field(&retain(next), today),
                "next_review_on",
                "{next:?}"
            );
        }
        assert!(check_decision(&retain(Some("2036-03-01")), today).is_ok());
    }

    #[test]
    fn only_a_record_due_and_not_disposed_of_is_decided() {
        let today = d(2026, 3, 1);
        let mut r = crate::fixtures::referral("hull", "u1", ReferralStatus::Closed);
        assert!(may_decide(&r, today).is_err());
        r.review_on = Some(d(2026, 3, 2));
        assert!(may_decide(&r, today).is_err());
        r.review_on = Some(today);
        assert_eq!(may_decide(&r, today), Ok(()));
        r.disposed_at = Some(chrono::Utc::now());
        assert_eq!(
            may_decide(&r, today),
            Err("This record was already disposed of.")
        );
    }
}
