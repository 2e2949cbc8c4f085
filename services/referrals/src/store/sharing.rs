//! Lawful sharing: the agencies and programmes referrals go to, the
//! data-sharing agreements shares rely on, and the record of every share.

use super::{day, labelled, required};
use chrono::{DateTime, Utc};
use eip_platform::db::{Tx, now_text, parse_date, parse_time, to_text};
use eip_types::referral::{
    Agency, AgencyChange, ConsentStatus, LawfulBasis, Referral, ShareEnd, ShareRecord,
    ShareWithdrawn, SharedField, SharingAgreement, Transition,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// The agencies and programmes referrals can be shared with; inactive ones
/// too when `all`.
#[tracing::instrument(skip_all)]
pub async fn agencies(pool: &AnyPool, all: bool) -> Result<Vec<Agency>, sqlx::Error> {
    let sql = if all {
        "SELECT id, name, kind, active FROM agencies ORDER BY position, id"
    } else {
        "SELECT id, name, kind, active FROM agencies WHERE active = 1 ORDER BY position, id"
    };
    sqlx::query(sql)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(Agency {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                active: row.try_get::<i64, _>("active")? == 1,
            })
        })
        .collect()
}

/// Whether there is an agency with this id that takes new shares.
#[tracing::instrument(skip_all)]
pub async fn agency_is_active(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT id FROM agencies WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

/// Whether there is an agency with this id, active or not.
#[tracing::instrument(skip_all)]
pub async fn agency_exists(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT id FROM agencies WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// Adds an agency after the others.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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

fn agreement(row: &AnyRow) -> Result<SharingAgreement, sqlx::Error> {
    Ok(SharingAgreement {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        agency_id: row.try_get("agency_id")?,
        starts_on: parse_date(&row.try_get::<String, _>("starts_on")?)?,
        ends_on: parse_date(&row.try_get::<String, _>("ends_on")?)?,
    })
}

/// Every agreement, newest first per agency.
#[tracing::instrument(skip_all)]
pub async fn agreements(pool: &AnyPool) -> Result<Vec<SharingAgreement>, sqlx::Error> {
    sqlx::query("SELECT * FROM sharing_agreements ORDER BY agency_id, ends_on DESC, id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(agreement)
        .collect()
}

/// One agreement by id.
#[tracing::instrument(skip_all)]
pub async fn find_agreement(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<SharingAgreement>, sqlx::Error> {
    sqlx::query("SELECT * FROM sharing_agreements WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(agreement)
        .transpose()
}

/// Records a new agreement.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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

fn fields_text(fields: &[SharedField]) -> String {
    SharedField::ALL
        .iter()
        .filter(|f| fields.contains(f))
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Records the share `t` made at `at`; nothing when `t` is not a share.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn latest_share(
    conn: &mut AnyConnection,
    referral_id: &str,
) -> Result<Option<ShareRecord>, sqlx::Error> {
    let Some(row) =
        sqlx::query("SELECT * FROM shares WHERE referral_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(referral_id)
            .fetch_optional(conn)
            .await?
    else {
        return Ok(None);
    };
    let fields: String = row.try_get("fields")?;
    let withdrawn = match labelled(&row, "withdrawn_why", ShareEnd::parse)? {
        Some(why) => Some(ShareWithdrawn {
            why,
            note: row
                .try_get::<Option<String>, _>("withdrawn_note")?
                .unwrap_or_default(),
            actor: row
                .try_get::<Option<String>, _>("withdrawn_by")?
                .unwrap_or_default(),
            at: super::time(&row, "withdrawn_at")?
                .ok_or_else(|| sqlx::Error::Decode("withdrawn_at missing".into()))?,
        }),
        None => None,
    };
    Ok(Some(ShareRecord {
        agency_id: row.try_get("agency_id")?,
        lawful_basis: required(&row, "lawful_basis", LawfulBasis::parse)?,
        consent: required(&row, "consent", ConsentStatus::parse)?,
        consent_note: row.try_get("consent_note")?,
        agreement_id: row.try_get("agreement_id")?,
        fields: super::labels(&fields, "shared field", SharedField::parse)?,
        actor: row.try_get("actor")?,
        at: parse_time(&row.try_get::<String, _>("at")?)?,
        withdrawn,
    }))
}

/// Withdraws the latest share of `referral`, adding the step to its
/// timeline (the note stays on the police side); `false` when there is no
/// share standing to withdraw.
#[tracing::instrument(skip_all)]
pub async fn withdraw_share(
    tx: &mut Tx,
    referral: &Referral,
    why: ShareEnd,
    note: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE shares SET withdrawn_why = $1, withdrawn_note = $2, withdrawn_by = $3, \
         withdrawn_at = $4 \
         WHERE id = (SELECT MAX(id) FROM shares WHERE referral_id = $5) AND withdrawn_at IS NULL",
    )
    .bind(why.as_str())
    .bind(note)
    .bind(actor)
    .bind(to_text(at))
    .bind(&referral.id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    super::referrals::record_history(
        tx,
        referral,
        "withdraw_share",
        Some(referral.status),
        actor,
        Some(note),
    )
    .await?;
    Ok(true)
}
