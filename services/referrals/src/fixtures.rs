//! Values the unit tests share.

use chrono::{NaiveDate, Utc};
use eip_types::referral::{Referral, ReferralStatus};

/// A referral in `area`, raised by `by`, in `status`, with nothing else set.
pub fn referral(area: &str, by: &str, status: ReferralStatus) -> Referral {
    Referral {
        id: "r".into(),
        person_id: None,
        child_name: "A".into(),
        date_of_birth: NaiveDate::from_ymd_opt(2015, 1, 1),
        area_id: area.into(),
        reason: "r".into(),
        risk_factors: Vec::new(),
        status,
        created_by: by.into(),
        created_at: Utc::now(),
        submitted_at: None,
        priority: None,
        pathway: None,
        agency_id: None,
        outcome: None,
        triaged_at: None,
        shared_at: None,
        accepted_at: None,
        closed_at: None,
        review_on: None,
        disposed_at: None,
        follow_up_due_on: None,
        follow_up: None,
        followed_up_at: None,
        version: 1,
    }
}
