//! Skills that unlock work in referrals: the actions an administrator may
//! gate on a current competency (see `eip-skills`).

use eip_skills::Action;

/// Leading a referral's triage.
pub const TRIAGE: &str = "referral.triage";

pub const ACTIONS: &[Action] = &[Action {
    id: TRIAGE,
    label: "Leading a referral's triage",
}];
