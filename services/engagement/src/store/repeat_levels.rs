//! The repeat-demand levels last published, per rule, ward and month, and
//! the notes that levels are due (see `jobs::repeat_levels`).

use crate::repeat::{Cell, Level};
use eip_platform::db::{Tx, now_text};
use eip_types::engagement::RepeatRule;
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;

/// A rule's levels last published for the months from `since`
/// (`YYYY-MM`; every month when empty), each with the rule version it was
/// published under.
#[tracing::instrument(skip_all)]
pub async fn published(
    tx: &mut Tx,
    rule_id: &str,
    since: &str,
) -> Result<BTreeMap<Cell, (i64, Level)>, sqlx::Error> {
    let mut before = BTreeMap::new();
    for r in sqlx::query(
        "SELECT place_id, area_id, month, rule_version, subjects, incidents \
         FROM repeat_demand_levels WHERE rule_id = $1 AND month >= $2",
    )
    .bind(rule_id)
    .bind(since)
    .fetch_all(&mut **tx)
    .await?
    {
        before.insert(
            (
                r.try_get("place_id")?,
                r.try_get("area_id")?,
                r.try_get("month")?,
            ),
            (
                r.try_get("rule_version")?,
                Level {
                    subjects: r.try_get("subjects")?,
                    incidents: r.try_get("incidents")?,
                },
            ),
        );
    }
    Ok(before)
}

/// Replaces the level published for a rule's cell (a level of nothing is
/// kept as no row).
#[tracing::instrument(skip_all)]
pub async fn replace(
    tx: &mut Tx,
    rule: &RepeatRule,
    (place_id, area_id, month): &Cell,
    level: Level,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM repeat_demand_levels WHERE rule_id = $1 AND place_id = $2 AND month = $3",
    )
    .bind(&rule.id)
    .bind(place_id)
    .bind(month)
    .execute(&mut **tx)
    .await?;
    if level != Level::default() {
        sqlx::query(
            "INSERT INTO repeat_demand_levels \
             (rule_id, place_id, month, area_id, rule_version, subjects, incidents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&rule.id)
        .bind(place_id)
        .bind(month)
        .bind(area_id)
        .bind(rule.version)
        .bind(level.subjects)
        .bind(level.incidents)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Notes that levels are due: for one rule or every preset (`rule_id`
/// `None`), for the months from `since` or every month (`None`).
#[tracing::instrument(skip_all)]
pub async fn note_due(
    tx: &mut Tx,
    rule_id: Option<&str>,
    since: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO repeat_levels_due (id, rule_id, since, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(rule_id)
    .bind(since)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A note that levels are due: `(id, rule, since)`.
pub type Due = (String, Option<String>, Option<String>);

/// Every note that levels are due.
#[tracing::instrument(skip_all)]
pub async fn due(pool: &AnyPool) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query("SELECT id, rule_id, since FROM repeat_levels_due")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("rule_id")?, r.try_get("since")?)))
        .collect()
}

/// Clears the notes a publication covered.
#[tracing::instrument(skip_all)]
pub async fn clear_due(tx: &mut Tx, due: &[Due]) -> Result<(), sqlx::Error> {
    for (id, ..) in due {
        sqlx::query("DELETE FROM repeat_levels_due WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
