//! Retention review (Management of Police Information): how long a referral
//! is kept before someone must decide to retain it or dispose of it, and what
//! disposal leaves behind.

use chrono::{Months, NaiveDate};
use eip_types::referral::{Outcome, ReferralStatus, RetentionPeriods};

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
}
