//! Person records: who referrals are about, their household links, and the
//! merges of duplicates (kept, so they can be undone).

use super::{labelled, required};
use crate::matching::{self, NameKey, Traits};
use crate::people::{NewPerson, split_name};
use chrono::{Datelike, NaiveDate};
use eip_platform::db::{Tx, now_text, parse_date, parse_time};
use eip_types::person::{
    Gender, LinkedPerson, MergeRecord, Person, PersonFound, PersonMatch, Relationship,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

fn person(row: &AnyRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        id: row.try_get("id")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        date_of_birth: parse_date(&row.try_get::<String, _>("date_of_birth")?)?,
        gender: labelled(row, "gender", Gender::parse)?,
        area_id: row.try_get("area_id")?,
        ward: row.try_get("ward")?,
        school: row.try_get("school")?,
        merged_into: row.try_get("merged_into")?,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
    })
}

/// Stores a new person record with its names' sound keys.
#[tracing::instrument(skip_all)]
pub async fn insert(
    tx: &mut Tx,
    id: &str,
    p: &NewPerson<'_>,
    created_by: &str,
) -> Result<(), sqlx::Error> {
    let (given, family) = split_name(p.name);
    let key = NameKey::of(p.name);
    sqlx::query(
        "INSERT INTO people (id, given_name, family_name, date_of_birth, birth_year, gender, \
         area_id, school, given_key, family_key, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(given)
    .bind(family)
    .bind(p.date_of_birth.to_string())
    .bind(i64::from(p.date_of_birth.year()))
    .bind(p.gender.map(Gender::as_str))
    .bind(p.area_id)
    .bind(p.school)
    .bind(key.given_key())
    .bind(key.family_key())
    .bind(created_by)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A person and who made the record.
#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(Person, String)>, sqlx::Error> {
    sqlx::query("SELECT * FROM people WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|row| Ok((person(&row)?, row.try_get("created_by")?)))
        .transpose()
}

/// Records in `areas` that may be the person described, best first, at
/// most `limit`. The SQL narrows the candidates to those whose family names
/// sound alike, whose dates of birth match (or are day-month swapped), or
/// whose given names sound alike within the same birth year; scoring
/// decides.
#[tracing::instrument(skip_all)]
pub async fn candidates(
    pool: &AnyPool,
    probe: &Traits,
    areas: &[String],
    limit: usize,
) -> Result<Vec<PersonMatch>, sqlx::Error> {
    if areas.is_empty() {
        return Ok(Vec::new());
    }
    let dob = probe.date_of_birth;
    let swapped = matching::swapped(dob).unwrap_or(dob);
    let placeholders: Vec<String> = (0..areas.len()).map(|i| format!("${}", i + 6)).collect();
    let sql = format!(
        "SELECT * FROM people WHERE merged_into IS NULL AND area_id IN ({}) AND \
         (family_key = $1 OR date_of_birth = $2 OR date_of_birth = $3 \
          OR (given_key = $4 AND birth_year = $5)) LIMIT 500",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(probe.name.family_key().to_owned())
        .bind(dob.to_string())
        .bind(swapped.to_string())
        .bind(probe.name.given_key().to_owned())
        .bind(i64::from(dob.year()));
    for a in areas {
        q = q.bind(a);
    }
    let mut found: Vec<PersonMatch> = q
        .fetch_all(pool)
        .await?
        .iter()
        .map(person)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|p| {
            let stored = Traits {
                name: NameKey::of(&p.full_name()),
                date_of_birth: p.date_of_birth,
                area_id: p.area_id.clone(),
            };
            let (score, reasons) = matching::score(probe, &stored);
            (score >= matching::CANDIDATE_AT).then(|| PersonMatch {
                person: p,
                score,
                reasons: reasons.into_iter().map(str::to_owned).collect(),
            })
        })
        .collect();
    found.sort_by(|a, b| b.score.cmp(&a.score).then(a.person.id.cmp(&b.person.id)));
    found.truncate(limit);
    Ok(found)
}

/// Everyone whose name answers a data protection officer's search, in
/// every area, merged duplicates included, with the referrals about each:
/// at most `limit`, best first. The SQL narrows by sound keys (and the date
/// of birth when given); [`matching::answers_search`] decides.
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &AnyPool,
    name: &str,
    date_of_birth: Option<NaiveDate>,
    limit: usize,
) -> Result<Vec<PersonFound>, sqlx::Error> {
    let wanted = NameKey::of(name);
    let (given, family) = (wanted.given_key(), wanted.family_key());
    let narrowed = sqlx::query(
        "SELECT * FROM people WHERE (family_key IN ($1, $2) OR given_key IN ($1, $2)) \
         AND ($3 = '' OR date_of_birth = $3) ORDER BY family_name, given_name, id LIMIT 2000",
    )
    .bind(given.to_owned())
    .bind(if family.is_empty() { given } else { family }.to_owned())
    .bind(date_of_birth.map(|d| d.to_string()).unwrap_or_default())
    .fetch_all(pool)
    .await?;
    let mut people: Vec<(f64, Person)> = narrowed
        .iter()
        .map(person)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|p| {
            let stored = NameKey::of(&p.full_name());
            matching::answers_search(&wanted, &stored).then(|| {
                let (g, f) = matching::name_similarity(&wanted, &stored);
                (g + f, p)
            })
        })
        .collect();
    people.sort_by(|a, b| b.0.total_cmp(&a.0));
    people.truncate(limit);
    if people.is_empty() {
        return Ok(Vec::new());
    }
    // Every found person's referrals in one query.
    let placeholders: Vec<String> = (1..=people.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, person_id FROM referrals WHERE person_id IN ({}) ORDER BY created_at, id",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (_, p) in &people {
        q = q.bind(&p.id);
    }
    let mut by_person: std::collections::HashMap<String, Vec<String>> = Default::default();
    for row in q.fetch_all(pool).await? {
        by_person
            .entry(row.try_get("person_id")?)
            .or_default()
            .push(row.try_get("id")?);
    }
    let found = people
        .into_iter()
        .map(|(_, person)| PersonFound {
            referral_ids: by_person.remove(&person.id).unwrap_or_default(),
            person,
        })
        .collect();
    Ok(found)
}

/// Links `related_id` to `person_id` (one way); `false` when they are
/// already linked that way.
#[tracing::instrument(skip_all)]
pub async fn link(
    tx: &mut Tx,
    person_id: &str,
    related_id: &str,
    relationship: Relationship,
    actor: &str,
) -> Result<bool, sqlx::Error> {
    let exists =
        sqlx::query("SELECT person_id FROM person_links WHERE person_id = $1 AND related_id = $2")
            .bind(person_id)
            .bind(related_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
    if exists {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO person_links (person_id, related_id, relationship, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(person_id)
    .bind(related_id)
    .bind(relationship.as_str())
    .bind(actor)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The people linked to a person, eldest first.
#[tracing::instrument(skip_all)]
pub async fn household(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Vec<LinkedPerson>, sqlx::Error> {
    sqlx::query(
        "SELECT p.*, l.relationship FROM person_links l JOIN people p ON p.id = l.related_id \
         WHERE l.person_id = $1 ORDER BY p.date_of_birth",
    )
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(LinkedPerson {
            person: person(row)?,
            relationship: required(row, "relationship", Relationship::parse)?,
        })
    })
    .collect()
}

fn merge(row: &AnyRow) -> Result<MergeRecord, sqlx::Error> {
    let ids: String = row.try_get("referral_ids")?;
    Ok(MergeRecord {
        id: row.try_get("id")?,
        kept_id: row.try_get("kept_id")?,
        merged_id: row.try_get("merged_id")?,
        referral_ids: ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        reason: row.try_get("reason")?,
        actor: row.try_get("actor")?,
        at: parse_time(&row.try_get::<String, _>("at")?)?,
        undone_at: super::time(row, "undone_at")?,
    })
}

/// The merges a person took part in, kept or merged, oldest first.
#[tracing::instrument(skip_all)]
pub async fn merges_of(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Vec<MergeRecord>, sqlx::Error> {
    sqlx::query("SELECT * FROM person_merges WHERE kept_id = $1 OR merged_id = $1 ORDER BY at")
        .bind(id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(merge)
        .collect()
}

/// One merge by id.
#[tracing::instrument(skip_all)]
pub async fn find_merge(tx: &mut Tx, id: &str) -> Result<Option<MergeRecord>, sqlx::Error> {
    sqlx::query("SELECT * FROM person_merges WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(merge)
        .transpose()
}

/// Folds `duplicate` into `kept`: its referrals move over and it points at
/// the record kept. Returns the merge as recorded.
#[tracing::instrument(skip_all)]
pub async fn merge_into(
    tx: &mut Tx,
    kept: &str,
    duplicate: &str,
    reason: &str,
    actor: &str,
) -> Result<MergeRecord, sqlx::Error> {
    let moved: Vec<String> =
        sqlx::query("SELECT id FROM referrals WHERE person_id = $1 ORDER BY id")
            .bind(duplicate)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
    sqlx::query("UPDATE referrals SET person_id = $1 WHERE person_id = $2")
        .bind(kept)
        .bind(duplicate)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE people SET merged_into = $1 WHERE id = $2")
        .bind(kept)
        .bind(duplicate)
        .execute(&mut **tx)
        .await?;
    let id = uuid::Uuid::new_v4().to_string();
    let at = now_text();
    sqlx::query(
        "INSERT INTO person_merges (id, kept_id, merged_id, referral_ids, reason, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(kept)
    .bind(duplicate)
    .bind(moved.join(","))
    .bind(reason)
    .bind(actor)
    .bind(&at)
    .execute(&mut **tx)
    .await?;
    Ok(MergeRecord {
        id,
        kept_id: kept.to_owned(),
        merged_id: duplicate.to_owned(),
        referral_ids: moved,
        reason: reason.to_owned(),
        actor: actor.to_owned(),
        at: parse_time(&at)?,
        undone_at: None,
    })
}

/// Reverses a merge: the referrals it moved go back and the duplicate
/// stands alone again.
#[tracing::instrument(skip_all)]
pub async fn undo_merge(
    tx: &mut Tx,
    m: &MergeRecord,
    reason: &str,
    actor: &str,
) -> Result<(), sqlx::Error> {
    for referral_id in &m.referral_ids {
        sqlx::query("UPDATE referrals SET person_id = $1 WHERE id = $2 AND person_id = $3")
            .bind(&m.merged_id)
            .bind(referral_id)
            .bind(&m.kept_id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE people SET merged_into = NULL WHERE id = $1")
        .bind(&m.merged_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE person_merges SET undone_by = $1, undone_at = $2, undo_reason = $3 WHERE id = $4",
    )
    .bind(actor)
    .bind(now_text())
    .bind(reason)
    .bind(&m.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives every referral from before people were kept a person record of
/// its own; a coordinator merges any duplicates among them. Returns how
/// many it gave one.
#[tracing::instrument(skip_all)]
pub async fn backfill(tx: &mut Tx) -> Result<usize, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, child_name, date_of_birth, area_id, created_by FROM referrals \
         WHERE person_id IS NULL AND disposed_at IS NULL",
    )
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let referral_id: String = row.try_get("id")?;
        let name: String = row.try_get("child_name")?;
        let area: String = row.try_get("area_id")?;
        let by: String = row.try_get("created_by")?;
        let person_id = uuid::Uuid::new_v4().to_string();
        let new = NewPerson {
            name: &name,
            date_of_birth: parse_date(&row.try_get::<String, _>("date_of_birth")?)?,
            gender: None,
            area_id: &area,
            school: None,
        };
        insert(tx, &person_id, &new, &by).await?;
        sqlx::query("UPDATE referrals SET person_id = $1 WHERE id = $2")
            .bind(&person_id)
            .bind(&referral_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(rows.len())
}

/// Erases a person's personal data once no referral about them keeps it.
#[tracing::instrument(skip_all)]
pub async fn dispose_if_unused(tx: &mut Tx, person_id: &str) -> Result<(), sqlx::Error> {
    let live = sqlx::query(
        "SELECT id FROM referrals WHERE person_id = $1 AND disposed_at IS NULL LIMIT 1",
    )
    .bind(person_id)
    .fetch_optional(&mut **tx)
    .await?;
    if live.is_some() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE people SET given_name = $1, family_name = '', school = NULL, ward = NULL, \
         gender = NULL, given_key = '', family_key = '', \
         date_of_birth = substr(date_of_birth, 1, 4) || '-01-01' WHERE id = $2",
    )
    .bind(crate::retention::DISPOSED_NAME)
    .bind(person_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM person_links WHERE person_id = $1 OR related_id = $1")
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
