//! Publishing the repeat-demand levels governance reads (see `repeat` for
//! what they count). They are published as levels (each replaces the last
//! for its ward, month and rule) and only where they changed: the last
//! published level of each cell is kept in `repeat_demand_levels`, and a
//! cell that falls to nothing is published as zero once.
//!
//! An import, or a run of a preset rule, notes in its own transaction that
//! levels are due (`repeat_levels_due`). One worker per service publishes
//! them shortly after (first building any incident index a large load went
//! without, which the evaluation reads): it reads the incidents on a connection of its own,
//! so the evaluation (a pass over a rule's whole window) neither lengthens
//! the import nor holds the service's connection, then writes the changed
//! levels and their events and clears what it covered in one short
//! transaction. Being one worker, no two publications race; a change that
//! lands while it works leaves a due row for its next pass.

use crate::repeat::{Cell, Level, levels, window};
use crate::store::repeat_levels::Due;
use crate::{AppState, store};
use chrono::NaiveDate;
use eip_platform::db::{Tx, parse_date};
use eip_types::engagement::RepeatRule;
use eip_types::events::EngagementEvent;
use std::collections::{BTreeMap, BTreeSet};

/// Evaluates one preset rule for the months from `since` (every month
/// when `None`).
async fn evaluate(
    conn: &mut sqlx::AnyConnection,
    rule: &RepeatRule,
    since: Option<&str>,
) -> Result<BTreeMap<Cell, Level>, sqlx::Error> {
    let from = match since.and_then(|s| parse_date(&format!("{s}-01")).ok()) {
        Some(first) => window(first, rule.window_days).0,
        None => NaiveDate::MIN,
    };
    let found = store::incidents::contacts_since(conn, rule, from).await?;
    Ok(levels(&found, rule.min_contacts, rule.window_days, since))
}

/// Writes an event for each cell from `since` whose level differs from the
/// last published. Returns how many it wrote.
async fn write_changes(
    state: &AppState,
    tx: &mut Tx,
    rule: &RepeatRule,
    since: Option<&str>,
    now: &BTreeMap<Cell, Level>,
) -> Result<usize, sqlx::Error> {
    let since = since.unwrap_or("");
    let before = store::repeat_levels::published(tx, &rule.id, since).await?;
    let cells: BTreeSet<&Cell> = now.keys().chain(before.keys()).collect();
    let mut written = 0;
    for cell in cells {
        let level = now.get(cell).copied().unwrap_or_default();
        if before.get(cell) == Some(&(rule.version, level)) {
            continue;
        }
        store::repeat_levels::replace(tx, rule, cell, level).await?;
        let (place_id, area_id, month) = cell.clone();
        let event = EngagementEvent::RepeatDemandRecorded {
            place_id,
            area_id,
            month,
            rule_id: rule.id.clone(),
            rule_version: rule.version,
            subject: rule.subject,
            subjects: level.subjects,
            incidents: level.incidents,
        };
        state
            .outbox
            .record(tx, event.kind(), &event.payload())
            .await?;
        written += 1;
    }
    Ok(written)
}

/// After an import, in its final transaction: every preset rule is due for
/// the months from the earliest the import wrote to or moved an incident
/// out of (`YYYY-MM` in `months`); a contact counts towards the
/// windows of later days, so later months are evaluated again too.
pub async fn due_after_import<'m>(
    tx: &mut Tx,
    job_id: &str,
    months: impl Iterator<Item = &'m str>,
) -> Result<(), sqlx::Error> {
    let moved = store::incidents::first_moved_month(tx, job_id).await?;
    let written = months.min().map(str::to_owned);
    let since = match (written, moved) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return Ok(()),
    };
    store::repeat_levels::note_due(tx, None, Some(&since)).await
}

/// After a rule is run, in its transaction: that rule, every month (its
/// version may be new), if it is a preset.
pub async fn due_after_run(tx: &mut Tx, rule: &RepeatRule) -> Result<(), sqlx::Error> {
    if rule.preset {
        store::repeat_levels::note_due(tx, Some(&rule.id), None).await?;
    }
    Ok(())
}

/// For each preset rule, the months its due rows ask for: `None` when none
/// asks, `Some(None)` for every month, else from the earliest month asked.
fn wanted(rule_id: &str, due: &[Due]) -> Option<Option<String>> {
    let mut wanted: Option<Option<String>> = None;
    for (_, only, since) in due {
        if only.as_deref().is_some_and(|r| r != rule_id) {
            continue;
        }
        wanted = Some(match (wanted, since) {
            (None, since) => since.clone(),
            (Some(None), _) | (_, None) => None,
            (Some(Some(a)), Some(b)) => Some(a.min(b.clone())),
        });
    }
    wanted
}

/// Publishes whatever levels are due. Returns how many events it wrote.
pub async fn publish_due(state: &AppState) -> Result<usize, sqlx::Error> {
    use sqlx::Connection as _;
    let due = store::repeat_levels::due(state.db.pool()).await?;
    if due.is_empty() {
        return Ok(0);
    }
    // The evaluation reads on a connection of its own: on SQLite the
    // service's pool is a single connection, which requests keep meanwhile.
    let mut reader = sqlx::AnyConnection::connect(state.database_url.expose()).await?;
    let mut evaluated = Vec::new();
    for rule in store::repeat::presets(&mut reader).await? {
        if let Some(since) = wanted(&rule.id, &due) {
            let now = evaluate(&mut reader, &rule, since.as_deref()).await?;
            evaluated.push((rule, since, now));
        }
    }
    let _ = reader.close().await;
    let mut tx = state.db.begin().await?;
    let mut written = 0;
    for (rule, since, now) in &evaluated {
        written += write_changes(state, &mut tx, rule, since.as_deref(), now).await?;
    }
    store::repeat_levels::clear_due(&mut tx, &due).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(written)
}

/// One pass of the worker: what large loads went without (when none is
/// running), then the levels due.
async fn follow_up(state: &AppState) -> Result<usize, sqlx::Error> {
    {
        let loads = state.bulk_loads.lock().await;
        if *loads == 0 {
            crate::jobs::import::restore_after_loads(state.db.pool(), &state.database_url).await?;
        }
    }
    publish_due(state).await
}

/// The worker: does what is due at start-up (a change noted before a
/// stop), then whenever woken, until `shutdown`. A failed pass is tried
/// again a little later; the due rows keep what it was to cover.
pub fn spawn_worker(
    state: AppState,
    shutdown: eip_platform::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let retry = match follow_up(&state).await {
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "repeat-demand levels not published; trying again");
                    Some(std::time::Duration::from_secs(5))
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = state.levels_due.notified() => {}
                () = async {
                    match retry {
                        Some(after) => tokio::time::sleep(after).await,
                        None => std::future::pending().await,
                    }
                } => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_rows_ask_for_the_earliest_month_of_the_rules_they_name() {
        let row = |rule: Option<&str>, since: Option<&str>| {
            (
                "id".to_owned(),
                rule.map(str::to_owned),
                since.map(str::to_owned),
            )
        };
        // Two imports: every preset from the earlier of their months.
        let imports = [row(None, Some("2026-09")), row(None, Some("2026-07"))];
        assert_eq!(wanted("a", &imports), Some(Some("2026-07".into())));
        // A run of rule a: every month for a, nothing for b.
        let run = [row(Some("a"), None)];
        assert_eq!(wanted("a", &run), Some(None));
        assert_eq!(wanted("b", &run), None);
        // Both: every month for a, the import's months for b.
        let both = [row(None, Some("2026-09")), row(Some("a"), None)];
        assert_eq!(wanted("a", &both), Some(None));
        assert_eq!(wanted("b", &both), Some(Some("2026-09".into())));
        assert_eq!(wanted("a", &[]), None);
    }
}
