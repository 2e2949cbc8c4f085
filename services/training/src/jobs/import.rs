//! The staff import: a CSV file read row by row, each row checked on its
//! own, then against the staff on record, so a file with a few bad rows
//! imports the rest (in one transaction) and reports the bad ones by line
//! number.
//!
//! Columns (header required, any order): `staff_number`, `user_id`, `name`,
//! `team`, `area`, `role`, `manager`, `agency`, and optionally `email` (where
//! reminders are sent when an SMTP server is configured). `manager` names
//! another person's staff number or user id, in the file or already imported.

use crate::{AppState, store};
use eip_platform::error::ApiError;
use eip_types::events::TrainingEvent;
use eip_types::place::LOCAL_AUTHORITIES;
use eip_types::training::{ImportError, ImportReport, Staff};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Largest staff file accepted: 8 MiB, some 100,000 rows of the usual
/// width, well above a force's workforce. Other requests keep the
/// platform's 64 KiB limit.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

/// Imports a staff file: good rows in one transaction, each linked record
/// announced to the services that gate work on a competency; the bad rows
/// are reported in line order.
pub async fn run(state: &AppState, text: &str) -> Result<ImportReport, ApiError> {
    let mut tx = state.db.begin().await?;
    let roles = store::framework::role_ids(&mut tx).await?;
    let (candidates, mut errors) = parse(text, &roles);
    let existing = store::staff::all(&mut tx).await?;
    let plan = plan(candidates, &existing, &mut errors);
    store::staff::insert_batch(&mut tx, &plan.people).await?;
    let managed: Vec<(&str, &str)> = plan
        .managers
        .iter()
        .map(|(id, manager)| (id.as_str(), manager.as_str()))
        .collect();
    store::staff::set_managers(&mut tx, &managed).await?;
    for (s, _) in &plan.people {
        // Services that gate work on a competency learn whose it is.
        if let Some(user_id) = &s.user_id {
            let event = TrainingEvent::StaffLinked {
                staff_id: s.id.clone(),
                account: Some(eip_skills::account_key(user_id)),
            };
            state
                .outbox
                .record(&mut tx, event.kind(), &event.payload())
                .await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    errors.sort_by_key(|e| e.line);
    tracing::info!(
        imported = plan.people.len(),
        refused = errors.len(),
        "staff imported"
    );
    Ok(ImportReport {
        imported: u32::try_from(plan.people.len()).unwrap_or(u32::MAX),
        errors,
    })
}

/// What an import writes: the people (without managers, with their email
/// addresses) and then each `(person, manager)`.
#[derive(Debug, Default)]
pub struct Plan {
    pub people: Vec<(Staff, Option<String>)>,
    pub managers: Vec<(String, String)>,
}

/// Checks the file's good rows against the staff on record, adding an
/// error for each row refused: a staff number or user id already on
/// record, or a manager neither on record nor in the file (or the person
/// themself). A row refused may leave another's manager unresolved in
/// turn. Each row kept gets a new staff id.
pub fn plan(candidates: Vec<Candidate>, existing: &[Staff], errors: &mut Vec<ImportError>) -> Plan {
    // Who a `manager` column can name: existing staff and the file's rows.
    let mut keys: HashMap<String, String> = HashMap::new();
    for s in existing {
        for k in [s.staff_number.clone(), s.user_id.clone()]
            .into_iter()
            .flatten()
        {
            keys.insert(k, s.id.clone());
        }
    }
    let taken_numbers: HashSet<&str> = existing
        .iter()
        .filter_map(|s| s.staff_number.as_deref())
        .collect();
    let taken_users: HashSet<&str> = existing
        .iter()
        .filter_map(|s| s.user_id.as_deref())
        .collect();
    let mut good = Vec::new();
    for c in candidates {
        if c.staff_number
            .as_deref()
            .is_some_and(|n| taken_numbers.contains(n))
        {
            errors.push(err(
                c.line,
                "staff_number",
                "A person with this staff number is already on record.",
            ));
        } else if c
            .user_id
            .as_deref()
            .is_some_and(|u| taken_users.contains(u))
        {
            errors.push(err(
                c.line,
                "user_id",
                "A person with this user id is already on record.",
            ));
        } else {
            good.push((uuid::Uuid::new_v4().to_string(), c));
        }
    }
    // Managers resolve to existing staff or good rows; a row whose manager
    // does not is refused, which may leave another's unresolved in turn.
    loop {
        let mut file_keys = keys.clone();
        for (id, c) in &good {
            for k in [c.staff_number.clone(), c.user_id.clone()]
                .into_iter()
                .flatten()
            {
                file_keys.insert(k, id.clone());
            }
        }
        let before = good.len();
        good.retain(|(id, c)| match &c.manager {
            Some(m) if file_keys.get(m).is_none_or(|mid| mid == id) => {
                errors.push(err(
                    c.line,
                    "manager",
                    "The manager is not on record or in this file (or is the person themself).",
                ));
                false
            }
            _ => true,
        });
        if good.len() == before {
            keys = file_keys;
            break;
        }
    }
    let managers = good
        .iter()
        .filter_map(|(id, c)| {
            let manager = c.manager.as_ref().and_then(|m| keys.get(m))?;
            Some((id.clone(), manager.clone()))
        })
        .collect();
    let people = good
        .into_iter()
        .map(|(id, c)| {
            (
                Staff {
                    id,
                    staff_number: c.staff_number,
                    user_id: c.user_id,
                    name: c.name,
                    team: c.team,
                    area: c.area,
                    role_id: c.role_id,
                    manager_id: None,
                    agency: c.agency,
                },
                c.email,
            )
        })
        .collect();
    Plan { people, managers }
}

#[derive(Debug, Deserialize)]
struct RawRow {
    #[serde(default)]
    staff_number: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    name: String,
    team: String,
    area: String,
    role: String,
    #[serde(default)]
    manager: Option<String>,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// A row that passed its own checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub line: u64,
    pub staff_number: Option<String>,
    pub user_id: Option<String>,
    pub name: String,
    pub team: String,
    pub area: String,
    pub role_id: String,
    pub manager: Option<String>,
    pub agency: Option<String>,
    pub email: Option<String>,
}

fn blank_to_none(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn slug_ok(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

fn err(line: u64, field: &str, message: impl Into<String>) -> ImportError {
    ImportError {
        line,
        field: Some(field.into()),
        message: message.into(),
    }
}

fn check(line: u64, raw: RawRow, roles: &[String]) -> Result<Candidate, ImportError> {
    let name = raw.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(err(line, "name", "Enter a name of at most 120 characters."));
    }
    let agency = blank_to_none(raw.agency);
    if agency.as_deref().is_some_and(|a| !slug_ok(a, 64)) {
        return Err(err(
            line,
            "agency",
            "Use an agency id of letters, digits and hyphens.",
        ));
    }
    let staff_number = blank_to_none(raw.staff_number).map(|s| s.to_uppercase());
    if let Some(n) = &staff_number {
        if agency.is_some() {
            return Err(err(
                line,
                "staff_number",
                "Partner staff have no force staff number.",
            ));
        }
        if !slug_ok(n, 32) {
            return Err(err(
                line,
                "staff_number",
                "Use letters, digits and hyphens only (at most 32).",
            ));
        }
    }
    let user_id = blank_to_none(raw.user_id);
    if user_id.as_deref().is_some_and(|u| u.len() > 128) {
        return Err(err(
            line,
            "user_id",
            "Use a user id of at most 128 characters.",
        ));
    }
    let email = blank_to_none(raw.email);
    if email.as_deref().is_some_and(|e| !email_ok(e)) {
        return Err(err(
            line,
            "email",
            "Enter an email address such as name@example.org, or leave it blank.",
        ));
    }
    let team = raw.team.trim().to_lowercase();
    if !slug_ok(&team, 64) {
        return Err(err(
            line,
            "team",
            "Enter a team id of letters, digits and hyphens.",
        ));
    }
    let area = raw.area.trim().to_lowercase();
    if !LOCAL_AUTHORITIES.iter().any(|(id, _)| *id == area) {
        return Err(err(
            line,
            "area",
            "Use one of the four local authority area ids.",
        ));
    }
    let role_id = raw.role.trim().to_lowercase();
    if !roles.contains(&role_id) {
        return Err(err(
            line,
            "role",
            format!("Use one of the job roles: {}.", roles.join(", ")),
        ));
    }
    Ok(Candidate {
        line,
        staff_number,
        user_id,
        name,
        team,
        area,
        role_id,
        manager: blank_to_none(raw.manager),
        agency,
        email,
    })
}

/// A plausible mailbox: one `@` with something either side, no spaces or
/// angle brackets, at most 254 characters.
fn email_ok(e: &str) -> bool {
    e.len() <= 254
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
}

/// Reads every row, checking each on its own and against the rows before
/// it for duplicate staff numbers and user ids.
pub fn parse(text: &str, roles: &[String]) -> (Vec<Candidate>, Vec<ImportError>) {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            bad.push(ImportError {
                line: 1,
                field: None,
                message: format!("The header row could not be read: {e}"),
            });
            return (good, bad);
        }
    };
    let mut seen_numbers: HashMap<String, u64> = HashMap::new();
    let mut seen_users: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, csv::Position::line);
                bad.push(ImportError {
                    line,
                    field: None,
                    message: row_error_message(&e),
                });
                continue;
            }
        }
        // The line the record started on.
        let line = record.position().map_or(line, csv::Position::line);
        let row = match record.deserialize::<RawRow>(Some(&headers)) {
            Ok(row) => row,
            Err(e) => {
                bad.push(ImportError {
                    line,
                    field: None,
                    message: row_error_message(&e),
                });
                continue;
            }
        };
        match check(line, row, roles) {
            Ok(c) => {
                if let Some(first) = c.staff_number.as_ref().and_then(|n| seen_numbers.get(n)) {
                    bad.push(err(
                        line,
                        "staff_number",
                        format!("Already on line {first}."),
                    ));
                    continue;
                }
                if let Some(first) = c.user_id.as_ref().and_then(|u| seen_users.get(u)) {
                    bad.push(err(line, "user_id", format!("Already on line {first}.")));
                    continue;
                }
                if let Some(n) = &c.staff_number {
                    seen_numbers.insert(n.clone(), line);
                }
                if let Some(u) = &c.user_id {
                    seen_users.insert(u.clone(), line);
                }
                good.push(c);
            }
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

fn row_error_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } => {
            "The row has a different number of columns from the header.".into()
        }
        csv::ErrorKind::Deserialize { err, .. } => {
            format!("The row could not be read: {}.", err.kind())
        }
        csv::ErrorKind::Utf8 { .. } => "The row is not valid UTF-8 text.".into(),
        _ => "The row could not be read.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> Vec<String> {
        vec!["police-constable".into(), "pcso".into()]
    }

    const HEADER: &str = "staff_number,user_id,name,team,area,role,manager,agency\n";

    #[test]
    fn good_rows_pass_and_bad_rows_are_reported_by_line() {
        let text = format!(
            "{HEADER}F1,u1,Alex Demo,hull-north,hull,police-constable,,\n\
             F2,,Sam Demo,hull-north,atlantis,pcso,F1,\n\
             F3,,Jo Demo,hull-north,hull,pcso,F1\n\
             ,u4,Partner Demo,hull-north,hull,pcso,F1,cfs\n\
             F1,,Dup Demo,hull-north,hull,pcso,,\n\
             F6,,,hull-north,hull,pcso,,\n"
        );
        let (good, bad) = parse(&text, &roles());
        let lines: Vec<u64> = good.iter().map(|c| c.line).collect();
        assert_eq!(lines, [2, 5]);
        let errors: Vec<(u64, Option<&str>)> =
            bad.iter().map(|e| (e.line, e.field.as_deref())).collect();
        assert_eq!(
            errors,
            [
                (3, Some("area")),
                (4, None),
                (6, Some("staff_number")),
                (7, Some("name"))
            ]
        );
        assert_eq!(good[1].agency.as_deref(), Some("cfs"));
        assert_eq!(good[1].staff_number, None);
    }

    #[test]
    fn rows_on_record_or_with_an_unknown_manager_are_refused_in_turn() {
        let on_record = Staff {
            id: "s1".into(),
            staff_number: Some("F1".into()),
            user_id: Some("u1".into()),
            name: "On Record".into(),
            team: "t".into(),
            area: "hull".into(),
            role_id: "pcso".into(),
            manager_id: None,
            agency: None,
        };
        let text = format!(
            "{HEADER}F1,,Again,t,hull,pcso,,\n\
             F2,u1,Same User,t,hull,pcso,,\n\
             F3,,Managed,t,hull,pcso,F1,\n\
             F4,,Orphan,t,hull,pcso,F9,\n\
             F5,,Orphan's Report,t,hull,pcso,F4,\n\
             F6,,Self,t,hull,pcso,F6,\n\
             F7,,Lead,t,hull,pcso,,\n\
             F8,,Led,t,hull,pcso,F7,\n"
        );
        let (candidates, mut errors) = parse(&text, &roles());
        assert!(errors.is_empty());
        let plan = plan(candidates, &[on_record], &mut errors);
        let refused: Vec<(u64, Option<&str>)> = errors
            .iter()
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(
            refused,
            [
                (2, Some("staff_number")),
                (3, Some("user_id")),
                (5, Some("manager")),
                (7, Some("manager")),
                (6, Some("manager"))
            ]
        );
        let names: Vec<&str> = plan.people.iter().map(|(s, _)| s.name.as_str()).collect();
        assert_eq!(names, ["Managed", "Lead", "Led"]);
        let id = |name: &str| {
            plan.people
                .iter()
                .find(|(s, _)| s.name == name)
                .map(|(s, _)| s.id.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            plan.managers,
            [(id("Managed"), "s1".to_owned()), (id("Led"), id("Lead"))]
        );
    }

    #[test]
    fn partner_staff_have_no_staff_number() {
        let text = format!("{HEADER}P1,,Partner,t,hull,pcso,,cfs\n");
        let (good, bad) = parse(&text, &roles());
        assert!(good.is_empty());
        assert_eq!(bad[0].field.as_deref(), Some("staff_number"));
    }

    #[test]
    fn quoted_fields_with_commas_and_line_breaks_keep_line_numbers() {
        let text = format!(
            "{HEADER}F1,,\"Demo, Alex\",t,hull,pcso,,\nF2,,\"Two\nLines\",t,hull,pcso,,\nF3,,Three,t,nowhere,pcso,,\n"
        );
        let (good, bad) = parse(&text, &roles());
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].name, "Demo, Alex");
        assert_eq!(good[1].line, 3);
        assert_eq!(bad[0].line, 5);
    }
}
