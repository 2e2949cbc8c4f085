//! Lawful sharing: the agencies and programmes referrals go to, the
//! data-sharing agreements shares rely on, the record of every share, and
//! what a receiving agency may see of a referral.

use crate::store::required;
use chrono::{DateTime, NaiveDate, Utc};
use eip_platform::db::{Tx, now_text, parse_date, parse_time, to_text};
use eip_types::referral::{
    AgencyChange, ConsentStatus, LawfulBasis, Referral, ShareRecord, SharedField, SharingAgreement,
    Transition,
};
use eip_types::{FieldError, Principal, Role};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

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

fn agreement(row: &AnyRow) -> Result<SharingAgreement, sqlx::Error> {
    Ok(SharingAgreement {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        agency_id: row.try_get("agency_id")?,
        starts_on: parse_date(&row.try_get::<String, _>("starts_on")?)?,
        ends_on: parse_date(&row.try_get::<String, _>("ends_on")?)?,
    })
}

pub async fn agreements(pool: &AnyPool) -> Result<Vec<SharingAgreement>, sqlx::Error> {
    sqlx::query("SELECT * FROM sharing_agreements ORDER BY agency_id, ends_on DESC, id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(agreement)
        .collect()
}

pub async fn find_agreement<'e, E>(
    executor: E,
    id: &str,
) -> Result<Option<SharingAgreement>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT * FROM sharing_agreements WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(agreement)
        .transpose()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub async fn insert_agreement(
    tx: &mut Tx,
    a: &SharingAgreement,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sharing_agreements (id, name, agency_id, starts_on, ends_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&a.id)
    .bind(&a.name)
    .bind(&a.agency_id)
    .bind(day(a.starts_on))
    .bind(day(a.ends_on))
    .bind(actor)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Updates an agreement; `false` when there is none with that id.
pub async fn update_agreement(tx: &mut Tx, a: &SharingAgreement) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sharing_agreements SET name = $1, agency_id = $2, starts_on = $3, ends_on = $4 \
         WHERE id = $5",
    )
    .bind(&a.name)
    .bind(&a.agency_id)
    .bind(day(a.starts_on))
    .bind(day(a.ends_on))
    .bind(&a.id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn agency_exists<'e, E>(executor: E, id: &str) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query("SELECT id FROM agencies WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await?
        .is_some())
}

pub async fn insert_agency(tx: &mut Tx, id: &str, a: &AgencyChange) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agencies (id, name, kind, active, position) \
         SELECT $1, $2, $3, $4, COALESCE(MAX(position), 0) + 1 FROM agencies",
    )
    .bind(id)
    .bind(a.name.trim())
    .bind(&a.kind)
    .bind(i64::from(a.active))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Renames, re-kinds or (de)activates an agency; `false` when unknown.
pub async fn update_agency(tx: &mut Tx, id: &str, a: &AgencyChange) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE agencies SET name = $1, kind = $2, active = $3 WHERE id = $4")
        .bind(a.name.trim())
        .bind(&a.kind)
        .bind(i64::from(a.active))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn fields_text(fields: &[SharedField]) -> String {
    SharedField::ALL
        .iter()
        .filter(|f| fields.contains(f))
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Records the share `t` made at `at`. `t` must be a share.
pub async fn record_share(
    tx: &mut Tx,
    referral_id: &str,
    t: &Transition,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let Transition::Share {
        agency_id,
        lawful_basis,
        consent,
        consent_note,
        agreement_id,
        fields,
    } = t
    else {
        return Ok(());
    };
    let note = consent_note.trim();
    sqlx::query(
        "INSERT INTO shares (referral_id, agency_id, lawful_basis, consent, consent_note, \
         agreement_id, fields, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(referral_id)
    .bind(agency_id.trim())
    .bind(lawful_basis.map(LawfulBasis::as_str))
    .bind(consent.map(ConsentStatus::as_str))
    .bind((consent != &Some(ConsentStatus::Given) && !note.is_empty()).then_some(note))
    .bind(agreement_id.trim())
    .bind(fields_text(fields))
    .bind(actor)
    .bind(to_text(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest share of a referral, if it was ever shared.
pub async fn latest_share<'e, E>(
    executor: E,
    referral_id: &str,
) -> Result<Option<ShareRecord>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let Some(row) =
        sqlx::query("SELECT * FROM shares WHERE referral_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(referral_id)
            .fetch_optional(executor)
            .await?
    else {
        return Ok(None);
    };
    let fields: String = row.try_get("fields")?;
    Ok(Some(ShareRecord {
        agency_id: row.try_get("agency_id")?,
        lawful_basis: required(&row, "lawful_basis", LawfulBasis::parse)?,
        consent: required(&row, "consent", ConsentStatus::parse)?,
        consent_note: row.try_get("consent_note")?,
        agreement_id: row.try_get("agreement_id")?,
        fields: fields
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| {
                SharedField::parse(f)
                    .ok_or_else(|| sqlx::Error::Decode(format!("shared field `{f}`").into()))
            })
            .collect::<Result<_, _>>()?,
        actor: row.try_get("actor")?,
        at: parse_time(&row.try_get::<String, _>("at")?)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
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
