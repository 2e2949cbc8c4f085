//! Lawful sharing: whether a data-sharing agreement lets a referral go to
//! an agency, what the access log says of a share, and what a receiving
//! agency may see of a referral. Agencies, agreements and shares are kept
//! by `store::sharing`.

use crate::access::{self, Denied, Scope};
use chrono::NaiveDate;
use eip_types::referral::{
    ConsentStatus, HistoryEntry, LawfulBasis, Referral, ReferralStatus, ReferralSummary,
    ShareRecord, SharedField, SharingAgreement,
};
use eip_types::{FieldError, Principal};

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

/// What a viewer may see of a referral: all of it (police staff whose area
/// or referral it is), or only what a live share disclosed to their
/// agency. Every answer that mentions a referral goes through one of its
/// methods, so a partner never sees more than was shared, wherever they
/// look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disclosure {
    Whole,
    /// The fields disclosed beyond the child's name and area.
    Shared(Vec<SharedField>),
}

/// Whether `agency` may still see `referral` on `today`: it is the
/// referral's agency and has not declined it, the referral was not
/// withdrawn, the latest share went to the agency and was not withdrawn
/// (the family withdrawing consent withdraws it), and the agreement it
/// relied on is still in force. Checked on every request, so access ends
/// the day the agreement lapses.
pub fn share_is_live(
    referral: &Referral,
    share: Option<&ShareRecord>,
    agreement: Option<&SharingAgreement>,
    agency: &str,
    today: NaiveDate,
) -> bool {
    let (Some(share), Some(agreement)) = (share, agreement) else {
        return false;
    };
    referral.agency_id.as_deref() == Some(agency)
        && !matches!(
            referral.status,
            ReferralStatus::Declined | ReferralStatus::Withdrawn
        )
        && share.agency_id == agency
        && share.withdrawn.is_none()
        && agreement.id == share.agreement_id
        && agreement.agency_id == agency
        && agreement.in_force_on(today)
}

/// What `viewer` may see of `referral`, given its latest share and the
/// agreement that share relies on, on `today`; or why nothing. A partner
/// without a live share is told the referral is not there
/// ([`Denied::NotShared`]), as for one never shared with them.
pub fn disclosure(
    viewer: &Principal,
    referral: &Referral,
    share: Option<&ShareRecord>,
    agreement: Option<&SharingAgreement>,
    today: NaiveDate,
) -> Result<Disclosure, Denied> {
    match access::list_scope(viewer)? {
        Scope::Areas { .. } => access::may_view(viewer, referral).map(|()| Disclosure::Whole),
        Scope::Agency(agency) => match share {
            Some(s) if share_is_live(referral, share, agreement, &agency, today) => {
                Ok(Disclosure::Shared(s.fields.clone()))
            }
            _ => Err(Denied::NotShared),
        },
    }
}

impl Disclosure {
    /// The fields kept from the viewer.
    pub fn withheld(&self) -> Vec<SharedField> {
        match self {
            Disclosure::Whole => Vec::new(),
            Disclosure::Shared(shared) => SharedField::ALL
                .iter()
                .copied()
                .filter(|f| !shared.contains(f))
                .collect(),
        }
    }

    fn withholds(&self, field: SharedField) -> bool {
        matches!(self, Disclosure::Shared(shared) if !shared.contains(&field))
    }

    /// The record with what is withheld left empty. A partner never gets
    /// the person record's id (person pages are for police staff).
    pub fn referral(&self, mut r: Referral) -> Referral {
        if let Disclosure::Shared(_) = self {
            r.person_id = None;
        }
        if self.withholds(SharedField::DateOfBirth) {
            r.date_of_birth = None;
        }
        if self.withholds(SharedField::Reason) {
            r.reason.clear();
        }
        if self.withholds(SharedField::Screening) {
            r.risk_factors.clear();
        }
        r
    }

    /// A list line: the ACE count only where screening was shared.
    pub fn summary(&self, mut s: ReferralSummary) -> ReferralSummary {
        if self.withholds(SharedField::Screening) {
            s.ace_count = None;
        }
        s
    }

    /// The share as the viewer may see it: never why it was shared without
    /// consent, nor a withdrawal's note, for the agency.
    pub fn share(&self, mut s: ShareRecord) -> ShareRecord {
        if let Disclosure::Shared(_) = self {
            s.consent_note = None;
            s.withdrawn = None;
        }
        s
    }

    /// The timeline: for an agency, the steps without the notes typed on
    /// them (why another agency declined, why the referral was withdrawn).
    pub fn history(&self, mut entries: Vec<HistoryEntry>) -> Vec<HistoryEntry> {
        if let Disclosure::Shared(_) = self {
            for e in &mut entries {
                e.note = None;
            }
        }
        entries
    }
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
    use eip_types::Role;
    use eip_types::referral::RiskFactor;

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
            withdrawn: None,
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

    fn today() -> NaiveDate {
        Utc::now().date_naive()
    }

    fn in_force() -> SharingAgreement {
        let t = today();
        agreement(
            "schools",
            &(t - chrono::Days::new(30)).to_string(),
            &(t + chrono::Days::new(30)).to_string(),
        )
    }

    fn partner_view(r: &Referral, s: &ShareRecord) -> Result<Disclosure, Denied> {
        disclosure(&user(Role::Partner), r, Some(s), Some(&in_force()), today())
    }

    #[test]
    fn a_partner_sees_only_the_fields_shared_and_never_the_consent_note() {
        let r = referral();
        let s = share(vec![SharedField::Reason]);
        let d = partner_view(&r, &s).expect("live share");
        assert_eq!(
            d.withheld(),
            [SharedField::DateOfBirth, SharedField::Screening]
        );
        let seen = d.referral(r.clone());
        assert_eq!(seen.date_of_birth, None);
        assert_eq!(seen.reason, "Missing twice");
        assert!(seen.risk_factors.is_empty());
        assert_eq!(seen.person_id, None);
        assert_eq!(seen.child_name, "A");
        assert_eq!(d.share(s).consent_note, None);
    }

    fn summary() -> ReferralSummary {
        ReferralSummary {
            id: "r".into(),
            child_name: "A".into(),
            area_id: "hull".into(),
            status: ReferralStatus::Shared,
            priority: None,
            agency_id: Some("schools".into()),
            ace_count: Some(4),
            created_at: Utc::now(),
            submitted_at: None,
            shared_at: None,
            due_at: None,
            overdue: false,
        }
    }

    fn entry(note: Option<&str>) -> HistoryEntry {
        HistoryEntry {
            action: "decline".into(),
            from_status: Some(ReferralStatus::Shared),
            to_status: ReferralStatus::Declined,
            actor: "p".into(),
            at: Utc::now(),
            note: note.map(Into::into),
        }
    }

    #[test]
    fn lists_and_timelines_disclose_no_more_than_the_record() {
        let without_screening = Disclosure::Shared(vec![SharedField::Reason]);
        assert_eq!(without_screening.summary(summary()).ace_count, None);
        let with_screening = Disclosure::Shared(vec![SharedField::Screening]);
        assert_eq!(with_screening.summary(summary()).ace_count, Some(4));
        assert_eq!(Disclosure::Whole.summary(summary()).ace_count, Some(4));
        let timeline = vec![entry(Some("Pupil left the school roll")), entry(None)];
        assert!(
            with_screening
                .history(timeline.clone())
                .iter()
                .all(|e| e.note.is_none())
        );
        assert_eq!(Disclosure::Whole.history(timeline.clone()), timeline);
    }

    #[test]
    fn a_partner_loses_access_when_the_share_no_longer_stands() {
        let r = referral();
        let s = share(vec![SharedField::Reason]);
        assert!(partner_view(&r, &s).is_ok());
        // The agency declined it, or the referral was withdrawn.
        for status in [ReferralStatus::Declined, ReferralStatus::Withdrawn] {
            let mut gone = r.clone();
            gone.status = status;
            assert_eq!(
                partner_view(&gone, &s),
                Err(Denied::NotShared),
                "{status:?}"
            );
        }
        // Accepted, in progress and closed work stays with the agency.
        for status in [
            ReferralStatus::Accepted,
            ReferralStatus::InProgress,
            ReferralStatus::Closed,
        ] {
            let mut kept = r.clone();
            kept.status = status;
            assert!(partner_view(&kept, &s).is_ok(), "{status:?}");
        }
        // The share was withdrawn (consent withdrawn, say).
        let mut withdrawn = s.clone();
        withdrawn.withdrawn = Some(eip_types::referral::ShareWithdrawn {
            why: eip_types::referral::ShareEnd::ConsentWithdrawn,
            note: "Mother withdrew consent".into(),
            actor: "c1".into(),
            at: Utc::now(),
        });
        assert_eq!(partner_view(&r, &withdrawn), Err(Denied::NotShared));
        // The agreement lapsed yesterday, or was never there.
        let t = today();
        let lapsed = agreement(
            "schools",
            &(t - chrono::Days::new(400)).to_string(),
            &(t - chrono::Days::new(1)).to_string(),
        );
        let partner = user(Role::Partner);
        assert_eq!(
            disclosure(&partner, &r, Some(&s), Some(&lapsed), t),
            Err(Denied::NotShared)
        );
        assert_eq!(
            disclosure(&partner, &r, Some(&s), None, t),
            Err(Denied::NotShared)
        );
        // Shared with another agency since.
        let mut elsewhere = r.clone();
        elsewhere.agency_id = Some("pvpu".into());
        assert_eq!(partner_view(&elsewhere, &s), Err(Denied::NotShared));
        assert_eq!(
            disclosure(&partner, &r, None, Some(&in_force()), t),
            Err(Denied::NotShared)
        );
    }

    #[test]
    fn police_users_see_the_whole_record_and_the_share_in_full() {
        let d = disclosure(
            &user(Role::Coordinator),
            &referral(),
            Some(&share(vec![])),
            None,
            today(),
        )
        .expect("coordinator of the area");
        assert_eq!(d, Disclosure::Whole);
        assert!(d.withheld().is_empty());
        let r = d.referral(referral());
        assert_eq!(r.reason, "Missing twice");
        assert!(r.date_of_birth.is_some() && !r.risk_factors.is_empty());
        assert!(d.share(share(vec![])).consent_note.is_some());
        assert_eq!(
            disclosure(&user(Role::Board), &referral(), None, None, today()),
            Err(Denied::Role)
        );
    }
}
