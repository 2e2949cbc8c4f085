//! Repeat-demand rules, each version kept, and the flags they raise.

use super::{day_text as day, in_list};
use crate::repeat::Hit;
use chrono::NaiveDate;
use eip_platform::db::{Tx, now_text};
use eip_types::engagement::{RepeatFlag, RepeatRule, RepeatSubject, RuleInput, SupportPath};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

const RULE_COLUMNS: &str = "id, version, name, subject, min_contacts, window_days, category, \
                            qualifier, lawful_basis, preset, created_at";

fn rule(row: &AnyRow) -> Result<RepeatRule, sqlx::Error> {
    let subject: String = row.try_get("subject")?;
    let category: Option<String> = row.try_get("category")?;
    Ok(RepeatRule {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        name: row.try_get("name")?,
        subject: RepeatSubject::parse(&subject)
            .ok_or_else(|| sqlx::Error::Decode(format!("subject `{subject}`").into()))?,
        min_contacts: row.try_get("min_contacts")?,
        window_days: row.try_get("window_days")?,
        category: category
            .as_deref()
            .and_then(eip_types::engagement::Category::parse),
        qualifier: row.try_get("qualifier")?,
        lawful_basis: row.try_get("lawful_basis")?,
        preset: row.try_get::<i64, _>("preset")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

/// Each rule at its latest version, the presets first, then by name.
#[tracing::instrument(skip_all)]
pub async fn latest_rules(pool: &AnyPool) -> Result<Vec<RepeatRule>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM repeat_rules r WHERE version = \
         (SELECT MAX(version) FROM repeat_rules v WHERE v.id = r.id) ORDER BY preset DESC, name"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(rule).collect()
}

/// The preset rules at their latest versions, by id.
#[tracing::instrument(skip_all)]
pub async fn presets(conn: &mut sqlx::AnyConnection) -> Result<Vec<RepeatRule>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM repeat_rules r WHERE preset = 1 AND version = \
         (SELECT MAX(version) FROM repeat_rules v WHERE v.id = r.id) ORDER BY id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(rule).collect()
}

/// A rule at its latest version.
#[tracing::instrument(skip_all)]
pub async fn latest_rule(pool: &AnyPool, id: &str) -> Result<Option<RepeatRule>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM repeat_rules WHERE id = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(rule)
    .transpose()
}

/// Records a rule's version `version`, a preset if its earlier versions
/// were.
#[tracing::instrument(skip_all)]
pub async fn insert_rule(
    pool: &AnyPool,
    id: &str,
    version: i64,
    input: &RuleInput,
    by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO repeat_rules (id, version, name, subject, min_contacts, window_days, \
         category, qualifier, lawful_basis, preset, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         COALESCE((SELECT MAX(preset) FROM repeat_rules WHERE id = $1), 0), $10, $11)",
    )
    .bind(id)
    .bind(version)
    .bind(input.name.trim())
    .bind(input.subject.as_str())
    .bind(input.min_contacts)
    .bind(input.window_days)
    .bind(input.category.map(|c| c.as_str()))
    .bind(input.qualifier.as_deref())
    .bind(input.lawful_basis.trim())
    .bind(by)
    .bind(now_text())
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a flag for a subject that meets a rule, or updates the open
/// flag of a subject already flagged by it and not yet on a support path;
/// returns the flag's id.
#[tracing::instrument(skip_all)]
pub async fn record_flag(
    tx: &mut Tx,
    rule: &RepeatRule,
    hit: &Hit,
    as_of: NaiveDate,
    by: &str,
) -> Result<String, sqlx::Error> {
    let existing = sqlx::query(
        "SELECT id, support_path FROM repeat_flags WHERE rule_id = $1 AND subject = $2 \
         AND subject_ref = $3 ORDER BY raised_at DESC LIMIT 1",
    )
    .bind(&rule.id)
    .bind(rule.subject.as_str())
    .bind(&hit.subject)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = existing {
        let id: String = row.try_get("id")?;
        let path: Option<String> = row.try_get("support_path")?;
        if path.is_none() {
            sqlx::query(
                "UPDATE repeat_flags SET rule_version = $2, contacts = $3, first_contact = $4, \
                 last_contact = $5, as_of = $6, lawful_basis = $7, place_id = $8, area_id = $9 \
                 WHERE id = $1",
            )
            .bind(&id)
            .bind(rule.version)
            .bind(hit.contacts)
            .bind(day(hit.first))
            .bind(day(hit.last))
            .bind(day(as_of))
            .bind(&rule.lawful_basis)
            .bind(&hit.place_id)
            .bind(&hit.area_id)
            .execute(&mut **tx)
            .await?;
        }
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO repeat_flags (id, rule_id, rule_version, subject, subject_ref, area_id, \
         place_id, contacts, first_contact, last_contact, as_of, lawful_basis, raised_by, raised_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&id)
    .bind(&rule.id)
    .bind(rule.version)
    .bind(rule.subject.as_str())
    .bind(&hit.subject)
    .bind(&hit.area_id)
    .bind(&hit.place_id)
    .bind(hit.contacts)
    .bind(day(hit.first))
    .bind(day(hit.last))
    .bind(day(as_of))
    .bind(&rule.lawful_basis)
    .bind(by)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

const FLAG_COLUMNS: &str = "id, rule_id, rule_version, subject, subject_ref, area_id, place_id, \
    contacts, first_contact, last_contact, as_of, lawful_basis, support_path, case_id, raised_at";

fn flag(row: &AnyRow) -> Result<RepeatFlag, sqlx::Error> {
    let subject: String = row.try_get("subject")?;
    let path: Option<String> = row.try_get("support_path")?;
    Ok(RepeatFlag {
        id: row.try_get("id")?,
        rule_id: row.try_get("rule_id")?,
        rule_version: row.try_get("rule_version")?,
        subject: RepeatSubject::parse(&subject)
            .ok_or_else(|| sqlx::Error::Decode(format!("subject `{subject}`").into()))?,
        subject_ref: row.try_get("subject_ref")?,
        area_id: row.try_get("area_id")?,
        place_id: row.try_get("place_id")?,
        contacts: row.try_get("contacts")?,
        first_contact: row.try_get("first_contact")?,
        last_contact: row.try_get("last_contact")?,
        as_of: row.try_get("as_of")?,
        lawful_basis: row.try_get("lawful_basis")?,
        support_path: path.as_deref().and_then(SupportPath::parse),
        case_id: row.try_get("case_id")?,
        raised_at: row.try_get("raised_at")?,
    })
}

/// One flag, read through the pool or inside a transaction.
#[tracing::instrument(skip_all)]
pub async fn find_flag<'e, E>(exec: E, id: &str) -> Result<Option<RepeatFlag>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT {FLAG_COLUMNS} FROM repeat_flags WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .as_ref()
    .map(flag)
    .transpose()
}

/// Which flags a list shows.
pub struct FlagFilter<'a> {
    pub rule_id: Option<&'a str>,
    /// Those not yet on a support path, or those that are.
    pub open: bool,
    pub areas: &'a [String],
    pub limit: i64,
}

/// The flags that `filter` lets through, most contacts first.
#[tracing::instrument(skip_all)]
pub async fn flags(
    pool: &AnyPool,
    filter: &FlagFilter<'_>,
) -> Result<Vec<RepeatFlag>, sqlx::Error> {
    let sql = format!(
        "SELECT {FLAG_COLUMNS} FROM repeat_flags WHERE ($1 IS NULL OR rule_id = $1) \
         AND (support_path IS NULL) = ($2 = 1) AND {} \
         ORDER BY contacts DESC, raised_at LIMIT $3",
        in_list("area_id", filter.areas.len(), 4)
    );
    let mut query = sqlx::query(&sql)
        .bind(filter.rule_id)
        .bind(i64::from(filter.open))
        .bind(filter.limit);
    for a in filter.areas {
        query = query.bind(a);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(flag).collect()
}

/// Notes the support path opened from a flag (and its case, if that is
/// the path); false when one was opened meanwhile.
#[tracing::instrument(skip_all)]
pub async fn set_support_path(
    tx: &mut Tx,
    flag_id: &str,
    path: SupportPath,
    case_id: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let opened = sqlx::query(
        "UPDATE repeat_flags SET support_path = $2, case_id = $3 WHERE id = $1 AND support_path IS NULL",
    )
    .bind(flag_id)
    .bind(path.as_str())
    .bind(case_id)
    .execute(&mut **tx)
    .await?;
    Ok(opened.rows_affected() != 0)
}

/// Whether a support path is open from any flag on `subject_ref`.
#[tracing::instrument(skip_all)]
pub async fn support_open_for(tx: &mut Tx, subject_ref: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM repeat_flags WHERE subject_ref = $1 AND support_path IS NOT NULL",
    )
    .bind(subject_ref)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}
