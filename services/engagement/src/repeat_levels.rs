//! The repeat-demand aggregate governance reads: per ward, month and preset
//! rule, how many subjects (callers, addresses or wards) the rule flags and
//! how many incidents are repeats. Counts only, never a reference.
//!
//! Definitions, for every preset rule at its latest version:
//! - an incident is a **repeat** when, on the day it was opened, its subject
//!   met the rule counting that day's contacts: the rule run as of that day
//!   would have flagged it. Under "more than 5 in 30 days" these are a
//!   caller's sixth and later contacts in any 30 days (all of a day's
//!   contacts count once the day reaches the threshold);
//! - a subject is **flagged in a month** when it has at least one repeat
//!   incident in that month. It is counted once, in the ward with most of
//!   its repeat incidents that month (ties: the first ward by id), as a
//!   flag names its busiest ward; so a sum over wards counts no one twice.
//!
//! The figures depend on the incidents alone, not on who ran a rule when,
//! so a replay or a second run gives the same numbers. They are published
//! as levels (each replaces the last for its ward, month and rule) and only
//! where they changed: the last published level of each cell is kept in
//! `repeat_demand_levels`, and a cell that falls to nothing is published as
//! zero once.
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

use crate::AppState;
use crate::repeat::{Contacts, window};
use crate::rows::SOURCE_INCIDENTS;
use chrono::{Datelike, NaiveDate};
use eip_platform::db::{Tx, now_text, parse_date};
use eip_types::engagement::RepeatRule;
use eip_types::events::EngagementEvent;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// One cell of the aggregate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Level {
    pub subjects: i64,
    pub incidents: i64,
}

/// Ward, area and month (`YYYY-MM`).
pub type Cell = (String, String, String);

fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The aggregate for the months from `since` (`YYYY-MM`, inclusive; every
/// month when `None`), evaluated over `contacts` with the rule "at least
/// `n` contacts in `m` days". Contacts before `since` only count towards
/// the windows of later days.
pub fn levels(contacts: &[Contacts], n: i64, m: i64, since: Option<&str>) -> BTreeMap<Cell, Level> {
    // Per subject, per day, the contacts in each ward.
    type Wards<'a> = BTreeMap<(&'a str, &'a str), i64>;
    let mut by_subject: BTreeMap<&str, BTreeMap<NaiveDate, Wards>> = BTreeMap::new();
    for c in contacts {
        *by_subject
            .entry(&c.subject)
            .or_default()
            .entry(c.day)
            .or_default()
            .entry((&c.place_id, &c.area_id))
            .or_default() += c.count;
    }
    let mut out: BTreeMap<Cell, Level> = BTreeMap::new();
    for days in by_subject.values() {
        let days: Vec<(NaiveDate, i64, &Wards)> = days
            .iter()
            .map(|(d, w)| (*d, w.values().sum(), w))
            .collect();
        // The repeat incidents of this subject, by month and ward.
        let mut months: BTreeMap<String, Wards> = BTreeMap::new();
        let (mut start, mut in_window) = (0usize, 0i64);
        for (day, total, wards) in &days {
            in_window += total;
            let (from, _) = window(*day, m);
            while days[start].0 < from {
                in_window -= days[start].1;
                start += 1;
            }
            let month = month_of(*day);
            if in_window < n || since.is_some_and(|s| month.as_str() < s) {
                continue;
            }
            let per_ward = months.entry(month).or_default();
            for (ward, count) in wards.iter() {
                *per_ward.entry(*ward).or_default() += count;
            }
        }
        for (month, wards) in months {
            let mut busiest: Option<((&str, &str), i64)> = None;
            for (ward, count) in &wards {
                let cell = (ward.0.to_owned(), ward.1.to_owned(), month.clone());
                out.entry(cell).or_default().incidents += count;
                if busiest.is_none_or(|(_, most)| *count > most) {
                    busiest = Some((*ward, *count));
                }
            }
            if let Some(((place, area), _)) = busiest {
                out.entry((place.to_owned(), area.to_owned(), month))
                    .or_default()
                    .subjects += 1;
            }
        }
    }
    out
}

/// The preset rules at their latest versions.
async fn presets(conn: &mut sqlx::AnyConnection) -> Result<Vec<RepeatRule>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM repeat_rules r WHERE preset = 1 AND version = \
         (SELECT MAX(version) FROM repeat_rules v WHERE v.id = r.id) ORDER BY id",
        crate::repeat::RULE_COLUMNS
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(crate::repeat::rule).collect()
}

/// A rule's contacts from `from` on, per subject, day and ward, force-wide.
async fn contacts(
    conn: &mut sqlx::AnyConnection,
    rule: &RepeatRule,
    from: NaiveDate,
) -> Result<Vec<Contacts>, sqlx::Error> {
    let column = crate::repeat::subject_column(rule.subject);
    // Only subjects with at least N incidents on record can ever meet the
    // rule, and most callers call once: the rest are never read. The count
    // is over the subject's own index alone (a superset of what the rule
    // counts, which the rule then settles), so it costs a fraction of the
    // query it spares.
    let sql = format!(
        "SELECT {column} AS subject, opened_on, place_id, area_id, COUNT(*) AS n FROM incidents \
         WHERE source = $1 AND opened_on >= $2 AND {column} IS NOT NULL \
           AND ($3 IS NULL OR category = $3) AND ($4 IS NULL OR qualifiers LIKE $4) \
           AND {column} IN (SELECT {column} FROM incidents WHERE {column} IS NOT NULL \
                            GROUP BY {column} HAVING COUNT(*) >= $5) \
         GROUP BY {column}, opened_on, place_id, area_id"
    );
    sqlx::query(&sql)
        .bind(SOURCE_INCIDENTS)
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(rule.category.map(|c| c.as_str()))
        .bind(rule.qualifier.as_ref().map(|q| format!("%{q}%")))
        .bind(rule.min_contacts)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let day: String = r.try_get("opened_on")?;
            Ok(Contacts {
                subject: r.try_get("subject")?,
                day: parse_date(&day)?,
                place_id: r.try_get("place_id")?,
                area_id: r.try_get("area_id")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

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
    let found = contacts(conn, rule, from).await?;
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
    let mut before: BTreeMap<Cell, (i64, Level)> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT place_id, area_id, month, rule_version, subjects, incidents \
         FROM repeat_demand_levels WHERE rule_id = $1 AND month >= $2",
    )
    .bind(&rule.id)
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
    let cells: BTreeSet<&Cell> = now.keys().chain(before.keys()).collect();
    let mut written = 0;
    for cell in cells {
        let level = now.get(cell).copied().unwrap_or_default();
        if before.get(cell) == Some(&(rule.version, level)) {
            continue;
        }
        let (place_id, area_id, month) = cell.clone();
        sqlx::query(
            "DELETE FROM repeat_demand_levels WHERE rule_id = $1 AND place_id = $2 AND month = $3",
        )
        .bind(&rule.id)
        .bind(&place_id)
        .bind(&month)
        .execute(&mut **tx)
        .await?;
        if level != Level::default() {
            sqlx::query(
                "INSERT INTO repeat_demand_levels \
                 (rule_id, place_id, month, area_id, rule_version, subjects, incidents) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&rule.id)
            .bind(&place_id)
            .bind(&month)
            .bind(&area_id)
            .bind(rule.version)
            .bind(level.subjects)
            .bind(level.incidents)
            .execute(&mut **tx)
            .await?;
        }
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

async fn note_due(
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

/// After an import, in its final transaction: every preset rule is due for
/// the months from the earliest the import wrote to or moved an incident
/// out of (`YYYY-MM` in `months`); a contact counts towards the
/// windows of later days, so later months are evaluated again too.
pub async fn due_after_import<'m>(
    tx: &mut Tx,
    job_id: &str,
    months: impl Iterator<Item = &'m str>,
) -> Result<(), sqlx::Error> {
    let moved: Option<String> =
        sqlx::query("SELECT MIN(month) AS month FROM demand_moves WHERE import_id = $1")
            .bind(job_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("month")?;
    let written = months.min().map(str::to_owned);
    let since = match (written, moved) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return Ok(()),
    };
    note_due(tx, None, Some(&since)).await
}

/// After a rule is run, in its transaction: that rule, every month (its
/// version may be new), if it is a preset.
pub async fn due_after_run(tx: &mut Tx, rule: &RepeatRule) -> Result<(), sqlx::Error> {
    if rule.preset {
        note_due(tx, Some(&rule.id), None).await?;
    }
    Ok(())
}

/// For each preset rule, the months its due rows ask for: `None` when none
/// asks, `Some(None)` for every month, else from the earliest month asked.
fn wanted(
    rule_id: &str,
    due: &[(String, Option<String>, Option<String>)],
) -> Option<Option<String>> {
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
    let due: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query("SELECT id, rule_id, since FROM repeat_levels_due")
            .fetch_all(state.db.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("rule_id")?, r.try_get("since")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    if due.is_empty() {
        return Ok(0);
    }
    // The evaluation reads on a connection of its own: on SQLite the
    // service's pool is a single connection, which requests keep meanwhile.
    let mut reader = sqlx::AnyConnection::connect(state.database_url.expose()).await?;
    let mut evaluated = Vec::new();
    for rule in presets(&mut reader).await? {
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
    for (id, ..) in &due {
        sqlx::query("DELETE FROM repeat_levels_due WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
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
            crate::bulk::restore_after_loads(state.db.pool(), &state.database_url).await?;
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

    fn day(month: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, d).unwrap_or_default()
    }

    fn contact(subject: &str, on: NaiveDate, place: &str, count: i64) -> Contacts {
        Contacts {
            subject: subject.into(),
            day: on,
            place_id: place.into(),
            area_id: "hull".into(),
            count,
        }
    }

    fn cell(place: &str, month: &str) -> Cell {
        (place.into(), "hull".into(), month.into())
    }

    #[test]
    fn the_contact_that_reaches_the_rule_and_those_after_it_are_repeats() {
        // Six contacts on 1–6 October: the sixth meets "more than 5 in 30
        // days"; a seventh on 30 October has seven in its window (1–30
        // October), an eighth on 5 November only two (7 October on).
        let mut all: Vec<Contacts> = (1..=6)
            .map(|d| contact("c:1", day(10, d), "myton", 1))
            .collect();
        all.push(contact("c:1", day(10, 30), "myton", 1));
        all.push(contact("c:1", day(11, 5), "myton", 1));
        // Five contacts never meet it.
        all.extend((1..=5).map(|d| contact("c:2", day(10, d), "myton", 1)));
        let got = levels(&all, 6, 30, None);
        assert_eq!(
            got,
            BTreeMap::from([(
                cell("myton", "2026-10"),
                Level {
                    subjects: 1,
                    incidents: 2
                }
            )])
        );
    }

    #[test]
    fn a_subject_counts_once_in_its_busiest_ward_and_incidents_where_they_were() {
        let mut all: Vec<Contacts> = (1..=5)
            .map(|d| contact("c:1", day(10, d), "myton", 1))
            .collect();
        // The day that meets the rule has contacts in two wards.
        all.push(contact("c:1", day(10, 6), "avenue", 2));
        all.push(contact("c:1", day(10, 6), "myton", 1));
        let got = levels(&all, 6, 30, None);
        assert_eq!(
            got,
            BTreeMap::from([
                (
                    cell("avenue", "2026-10"),
                    Level {
                        subjects: 1,
                        incidents: 2
                    }
                ),
                (
                    cell("myton", "2026-10"),
                    Level {
                        subjects: 0,
                        incidents: 1
                    }
                ),
            ])
        );
    }

    #[test]
    fn earlier_months_count_towards_windows_but_are_not_reported() {
        let mut all: Vec<Contacts> = (25..=30)
            .map(|d| contact("c:1", day(9, d), "myton", 1))
            .collect();
        all.push(contact("c:1", day(10, 2), "myton", 1));
        let got = levels(&all, 6, 30, Some("2026-10"));
        assert_eq!(
            got,
            BTreeMap::from([(
                cell("myton", "2026-10"),
                Level {
                    subjects: 1,
                    incidents: 1
                }
            )])
        );
        assert_eq!(levels(&all, 6, 30, None).len(), 2);
    }

    #[test]
    fn the_demo_calls_have_frequent_callers_to_show() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        let csv = crate::demo::incidents_csv(today, 3_000);
        let all: Vec<Contacts> = csv
            .lines()
            .skip(1)
            .filter_map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                Some(contact(
                    f.get(8)?,
                    parse_date(f.get(1)?.get(..10)?).ok()?,
                    f.get(7)?,
                    1,
                ))
            })
            .collect();
        assert_eq!(
            all.len(),
            3_007,
            "the calls asked for and the seven that recur lately"
        );
        let frequent = levels(&all, 6, 30, None);
        let callers: i64 = frequent.values().map(|l| l.subjects).sum();
        let repeats: i64 = frequent.values().map(|l| l.incidents).sum();
        assert!(callers >= 5 && repeats > callers, "{callers} {repeats}");
        let yearly = levels(&all, 21, 365, None);
        assert!(yearly.values().map(|l| l.subjects).sum::<i64>() >= 12);
    }

    #[test]
    fn levels_agree_with_running_the_rule_on_each_day() {
        // A subject has a repeat on a day exactly when the rule run as of
        // that day flags it.
        let mut seed = 7u64;
        let mut all = Vec::new();
        for i in 0..400 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let d = day(1, 1) + chrono::Days::new((seed >> 33) % 200);
            all.push(contact(
                &format!("c:{}", i % 9),
                d,
                if i % 3 == 0 { "a" } else { "b" },
                1,
            ));
        }
        let got = levels(&all, 6, 30, None);
        let mut expected: BTreeMap<String, i64> = BTreeMap::new();
        for c in &all {
            let hits = crate::repeat::evaluate(&all, c.day, 6, 30);
            if hits.iter().any(|h| h.subject == c.subject) {
                *expected.entry(month_of(c.day)).or_default() += c.count;
            }
        }
        let mut incidents: BTreeMap<String, i64> = BTreeMap::new();
        for ((_, _, month), l) in &got {
            *incidents.entry(month.clone()).or_default() += l.incidents;
        }
        assert_eq!(incidents, expected);
    }
}
