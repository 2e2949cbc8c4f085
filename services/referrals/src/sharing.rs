//! Lawful sharing: whether a data-sharing agreement lets a referral go to
//! an agency, what the access log says of a share, and what a receiving
//! agency may see of a referral. Agencies, agreements and shares are kept
//! by `store::sharing`.

use chrono::NaiveDate;
use eip_types::referral::{
    ConsentStatus, LawfulBasis, Referral, ShareRecord, SharedField, SharingAgreement,
};
use eip_types::{FieldError, Principal, Role};

/// Whether `agreement` lets a referral go to `agency_id` on `today`; the
/// refusal names the field to correct.
pub fn check_agreement(
    agreement: Option<&SharingAgreement>,
    agency_id: &str,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let field = |m: String| FieldError::new("agreement_id", m);
    let Some(a) = agreement else {
        return Err(field(
            "Choose one of the listed data-sharing agreements.".into(),
        ));
    };
    if a.agency_id != agency_id {
        return Err(field(format!(
            "“{}” does not cover the chosen agency or programme.",
            a.name
        )));
    }
    if today < a.starts_on {
        return Err(field(format!(
            "“{}” only takes effect on {}.",
            a.name, a.starts_on
        )));
    }
    if today > a.ends_on {
        return Err(field(format!(
            "“{}” lapsed on {}; it cannot be relied on. Ask an administrator to renew it.",
            a.name, a.ends_on
        )));
    }
    Ok(())
}

/// What `viewer` may see of `referral`, given its latest share: a partner
/// sees only the fields shared with their agency, and never the note on
/// why it was shared without consent. Returns the record and the fields
/// withheld from it.
pub fn view_for(
    viewer: &Principal,
    mut referral: Referral,
    mut share: Option<ShareRecord>,
) -> (Referral, Option<ShareRecord>, Vec<SharedField>) {
    let via_agency = viewer.has_role(Role::Partner)
        && !viewer.has_any_role(&[Role::Frontline, Role::Coordinator]);
    if !via_agency {
        return (referral, share, Vec::new());
    }
    let shared: &[SharedField] = share.as_ref().map_or(&[], |s| &s.fields);
    let withheld: Vec<SharedField> = SharedField::ALL
        .iter()
        .copied()
        .filter(|f| !shared.contains(f))
        .collect();
    for field in &withheld {
        match field {
            SharedField::DateOfBirth => referral.date_of_birth = None,
            SharedField::Reason => referral.reason.clear(),
            SharedField::Screening => referral.risk_factors.clear(),
        }
    }
    if let Some(s) = share.as_mut() {
        s.consent_note = None;
    }
    (referral, share, withheld)
}

/// Why a share discloses the record, as the access log records it: the
/// lawful basis, the consent position and the agreement relied on.
pub fn disclosure_reason(
    lawful_basis: Option<LawfulBasis>,
    consent: Option<ConsentStatus>,
    agreement_id: &str,
) -> String {
    format!(
        "Shared for early help: {}; {}; agreement {}",
        lawful_basis.map_or("", |b| b.label()),
        consent.map_or("", |c| c.label()).to_lowercase(),
        agreement_id.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use eip_types::referral::{ReferralStatus, RiskFactor};

    fn agreement(agency: &str, starts: &str, ends: &str) -> SharingAgreement {
        SharingAgreement {
            id: "isa".into(),
            name: "Test agreement".into(),
            agency_id: agency.into(),
            starts_on: starts.parse().expect("date"),
            ends_on: ends.parse().expect("date"),
        }
    }

    fn on(d: &str) -> NaiveDate {
        d.parse().expect("date")
    }

    #[test]
    fn an_agreement_holds_from_its_first_to_its_last_day_for_its_agency_only() {
        let a = agreement("schools", "2026-01-01", "2026-12-31");
        assert!(check_agreement(Some(&a), "schools", on("2026-01-01")).is_ok());
        assert!(check_agreement(Some(&a), "schools", on("2026-12-31")).is_ok());
        let lapsed = check_agreement(Some(&a), "schools", on("2027-01-01")).expect_err("lapsed");
        assert_eq!(lapsed.field, "agreement_id");
        assert!(
            lapsed.message.contains("lapsed on 2026-12-31"),
            "{}",
            lapsed.message
        );
        assert!(check_agreement(Some(&a), "schools", on("2025-12-31")).is_err());
        assert!(check_agreement(Some(&a), "pvpu", on("2026-06-01")).is_err());
        assert!(check_agreement(None, "schools", on("2026-06-01")).is_err());
    }

    fn referral() -> Referral {
        let mut r = crate::fixtures::referral("hull", "u1", ReferralStatus::Shared);
        r.reason = "Missing twice".into();
        r.risk_factors = vec![RiskFactor::MissingEpisodes];
        r.agency_id = Some("schools".into());
        r
    }

    fn share(fields: Vec<SharedField>) -> ShareRecord {
        ShareRecord {
            agency_id: "schools".into(),
            lawful_basis: LawfulBasis::PublicTask,
            consent: ConsentStatus::NotSought,
            consent_note: Some("Risk of harm if the parent is told".into()),
            agreement_id: "isa".into(),
            fields,
            actor: "c1".into(),
            at: Utc::now(),
        }
    }

    fn user(role: Role) -> Principal {
        Principal {
            user_id: "x".into(),
            roles: vec![role],
            areas: vec!["hull".into()],
            agency: (role == Role::Partner).then(|| "schools".into()),
        }
    }

    #[test]
    fn a_partner_sees_only_the_fields_shared_and_never_the_consent_note() {
        let (r, s, withheld) = view_for(
            &user(Role::Partner),
            referral(),
            Some(share(vec![SharedField::Reason])),
        );
        assert_eq!(withheld, [SharedField::DateOfBirth, SharedField::Screening]);
        assert_eq!(r.date_of_birth, None);
        assert_eq!(r.reason, "Missing twice");
        assert!(r.risk_factors.is_empty());
        assert_eq!(r.child_name, "A");
        assert_eq!(s.expect("share").consent_note, None);
    }

    #[test]
    fn without_a_share_record_a_partner_sees_only_the_name_and_area() {
        let (r, _, withheld) = view_for(&user(Role::Partner), referral(), None);
        assert_eq!(withheld.len(), SharedField::ALL.len());
        assert!(r.reason.is_empty() && r.date_of_birth.is_none());
    }

    #[test]
    fn police_users_see_the_whole_record_and_the_share_in_full() {
        let (r, s, withheld) = view_for(&user(Role::Coordinator), referral(), Some(share(vec![])));
        assert!(withheld.is_empty());
        assert_eq!(r.reason, "Missing twice");
        assert!(r.date_of_birth.is_some() && !r.risk_factors.is_empty());
        assert!(s.expect("share").consent_note.is_some());
    }
}
