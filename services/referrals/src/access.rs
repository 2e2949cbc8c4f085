//! Who may do what with a referral. Plain functions over plain values, so the
//! rules are tested without a database.

use eip_types::referral::Referral;
use eip_types::{Principal, Role};

/// Roles that raise referrals.
pub const RAISERS: [Role; 2] = [Role::Frontline, Role::Coordinator];

/// Who answers for the access log: administrators and the data protection
/// officer.
pub const AUDITORS: [Role; 2] = [Role::Admin, Role::Dpo];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The role never allows this.
    Role,
    /// The role allows it, but not in this area.
    Area,
    /// The referral is not in a state that allows it.
    State(&'static str),
    /// A partner asking for a referral their agency does not (or no
    /// longer) hold: answered as if there were none, so that asking tells
    /// them nothing.
    NotShared,
}

impl Denied {
    pub fn message(&self) -> String {
        match self {
            Denied::Role => "Your role does not allow this.".into(),
            Denied::Area => "This referral is outside your areas.".into(),
            Denied::State(why) => (*why).into(),
            Denied::NotShared => "Not found.".into(),
        }
    }
}

/// Raising a referral: frontline staff and coordinators, in their own areas.
pub fn may_create(p: &Principal, area_id: &str) -> Result<(), Denied> {
    if !p.has_any_role(&RAISERS) {
        return Err(Denied::Role);
    }
    if !p.works_in(area_id) {
        return Err(Denied::Area);
    }
    Ok(())
}

/// Which referrals a user's lists may contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Referrals in these areas, plus those the user made.
    Areas { areas: Vec<String>, creator: String },
    /// Only referrals shared with this agency.
    Agency(String),
}

pub fn list_scope(p: &Principal) -> Result<Scope, Denied> {
    if p.has_any_role(&RAISERS) {
        Ok(Scope::Areas {
            areas: p.areas.clone(),
            creator: p.user_id.clone(),
        })
    } else if p.has_role(Role::Partner) {
        p.agency.clone().map(Scope::Agency).ok_or(Denied::Role)
    } else {
        Err(Denied::Role)
    }
}

/// Seeing one referral: as for lists.
pub fn may_view(p: &Principal, r: &Referral) -> Result<(), Denied> {
    match list_scope(p)? {
        Scope::Areas { areas, creator } => {
            if r.created_by == creator || areas.contains(&r.area_id) {
                Ok(())
            } else {
                Err(Denied::Area)
            }
        }
        Scope::Agency(agency) => {
            if r.agency_id.as_deref() == Some(agency.as_str()) {
                Ok(())
            } else {
                Err(Denied::Area)
            }
        }
    }
}

/// Withdrawing a share: a coordinator of the referral's area.
pub fn may_withdraw_share(p: &Principal, r: &Referral) -> Result<(), Denied> {
    if !p.has_role(Role::Coordinator) {
        Err(Denied::Role)
    } else if !p.works_in(&r.area_id) {
        Err(Denied::Area)
    } else {
        Ok(())
    }
}

/// Longest reason for viewing a record, in characters.
pub const MAX_VIEW_REASON_CHARS: usize = 500;

/// Why a view of `r` by `p` is justified, as the access log records it. The
/// raising officer and the area's coordinators need not say; anyone else
/// must give a reason.
pub fn justification(
    p: &Principal,
    r: &Referral,
    reason: Option<&str>,
) -> Result<String, &'static str> {
    justify(
        reason,
        r.created_by == p.user_id,
        p.has_role(Role::Coordinator) && p.works_in(&r.area_id),
    )
}

/// Why a view of a person's page by `p` is justified: the officer who
/// raised a referral about them (`raised_for_them`) and the coordinators
/// of the person's area need not say; anyone else must give a reason.
pub fn person_justification(
    p: &Principal,
    person_area: &str,
    raised_for_them: bool,
    reason: Option<&str>,
) -> Result<String, &'static str> {
    justify(
        reason,
        raised_for_them,
        p.has_role(Role::Coordinator) && p.works_in(person_area),
    )
}

fn justify(reason: Option<&str>, own: bool, coordinates: bool) -> Result<String, &'static str> {
    let given = reason.map(str::trim).filter(|s| !s.is_empty());
    if let Some(text) = given {
        if text.chars().count() > MAX_VIEW_REASON_CHARS {
            return Err("Keep the reason to at most 500 characters.");
        }
        return Ok(text.to_owned());
    }
    if own {
        Ok("Own referral".into())
    } else if coordinates {
        Ok("Coordinator of the area".into())
    } else {
        Err("Say why you need to see this child's record.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::referral::ReferralStatus;

    fn user(role: Role, area: &str) -> Principal {
        Principal {
            user_id: format!("{role}-{area}"),
            roles: vec![role],
            areas: vec![area.into()],
            agency: (role == Role::Partner).then(|| "schools".into()),
        }
    }

    use crate::fixtures::referral;

    #[test]
    fn only_raisers_create_and_only_in_their_areas() {
        assert_eq!(may_create(&user(Role::Frontline, "hull"), "hull"), Ok(()));
        assert_eq!(may_create(&user(Role::Coordinator, "hull"), "hull"), Ok(()));
        assert_eq!(
            may_create(&user(Role::Frontline, "hull"), "east-riding"),
            Err(Denied::Area)
        );
        for role in [
            Role::Partner,
            Role::Trainer,
            Role::Board,
            Role::Analyst,
            Role::Admin,
        ] {
            assert_eq!(
                may_create(&user(role, "hull"), "hull"),
                Err(Denied::Role),
                "{role}"
            );
        }
    }

    #[test]
    fn viewing_follows_area_or_authorship() {
        let r = referral("hull", "someone", ReferralStatus::Draft);
        assert_eq!(may_view(&user(Role::Coordinator, "hull"), &r), Ok(()));
        assert_eq!(
            may_view(&user(Role::Coordinator, "east-riding"), &r),
            Err(Denied::Area)
        );
        let mine = referral("hull", "frontline-east-riding", ReferralStatus::Draft);
        assert_eq!(
            may_view(&user(Role::Frontline, "east-riding"), &mine),
            Ok(())
        );
        assert_eq!(
            may_view(&user(Role::Partner, "hull"), &r),
            Err(Denied::Area)
        );
        let mut shared = referral("hull", "someone", ReferralStatus::Shared);
        shared.agency_id = Some("schools".into());
        assert_eq!(
            may_view(&user(Role::Partner, "east-riding"), &shared),
            Ok(())
        );
        assert_eq!(may_view(&user(Role::Board, "hull"), &r), Err(Denied::Role));
    }

    #[test]
    fn only_the_raiser_and_area_coordinators_may_view_without_a_reason() {
        let r = referral("hull", "frontline-hull", ReferralStatus::Submitted);
        assert_eq!(
            justification(&user(Role::Frontline, "hull"), &r, None),
            Ok("Own referral".into())
        );
        assert_eq!(
            justification(&user(Role::Coordinator, "hull"), &r, None),
            Ok("Coordinator of the area".into())
        );
        let mut colleague = user(Role::Frontline, "hull");
        colleague.user_id = "someone-else".into();
        assert!(justification(&colleague, &r, None).is_err());
        assert!(justification(&colleague, &r, Some("  ")).is_err());
        assert_eq!(
            justification(&colleague, &r, Some(" Follow-up visit ")),
            Ok("Follow-up visit".into())
        );
        assert!(justification(&colleague, &r, Some(&"x".repeat(501))).is_err());
    }

    #[test]
    fn a_person_page_needs_a_reason_unless_the_viewer_raised_for_them_or_coordinates() {
        let officer = user(Role::Frontline, "hull");
        assert_eq!(
            person_justification(&officer, "hull", true, None),
            Ok("Own referral".into())
        );
        assert!(person_justification(&officer, "hull", false, None).is_err());
        assert_eq!(
            person_justification(&officer, "hull", false, Some("Home visit")),
            Ok("Home visit".into())
        );
        assert_eq!(
            person_justification(&user(Role::Coordinator, "hull"), "hull", false, None),
            Ok("Coordinator of the area".into())
        );
        assert!(
            person_justification(&user(Role::Coordinator, "hull"), "east-riding", false, None)
                .is_err()
        );
    }
}
