//! A small demonstration force for an empty database: four teams across two
//! areas, about thirty people (the demo trainer among them) and evidence
//! spread so the matrix shows every status (the trainer's own restorative
//! practice has lapsed). Every name is invented.

use crate::records::{self, NewEvidenceRow};
use chrono::{Days, NaiveDate};
use eip_platform::db::Db;
use eip_platform::outbox::Outbox;
use eip_types::training::{Level, Pause, Staff};

const FIRST: [&str; 8] = [
    "Alex", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Robin",
];
const LAST: [&str; 4] = ["Demo", "Example", "Sample", "Specimen"];

/// Records linked to the portal's demo accounts: `(id, account, name, team,
/// area, role, restorative practice trained days ago, level)`.
type Linked = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
    Level,
);
const LINKED: [Linked; 3] = [
    (
        "demo-frontline-hull",
        "frontline.hull",
        "PC Demo Frontline",
        "hull-north-eh",
        "hull",
        "police-constable",
        340,
        Level::Foundation,
    ),
    (
        "demo-coordinator-hull",
        "coordinator.hull",
        "Hull Hub Coordinator",
        "hull-hub",
        "hull",
        "police-staff",
        60,
        Level::Intermediate,
    ),
    (
        "demo-coordinator-east-riding",
        "coordinator.eastriding",
        "East Riding Hub Coordinator",
        "east-riding-hub",
        "east-riding",
        "police-staff",
        380,
        Level::Intermediate,
    ),
];

/// `(team, area, members)`; the first member manages the rest.
const TEAMS: [(&str, &str, usize); 4] = [
    ("hull-north-eh", "hull", 9),
    ("hull-west-eh", "hull", 7),
    ("east-riding-coast", "east-riding", 7),
    ("east-riding-wolds", "east-riding", 6),
];

fn days_before(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

pub async fn seed(db: &Db, outbox: &Outbox, today: NaiveDate) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    if records::staff_count(&mut tx).await? > 0 {
        return Ok(());
    }
    let lead = Staff {
        id: "demo-training-lead".into(),
        staff_number: Some("T0001".into()),
        user_id: Some("trainer".into()),
        name: "Force Trainer".into(),
        team: "training-school".into(),
        area: "hull".into(),
        role_id: "police-staff".into(),
        manager_id: None,
        agency: None,
    };
    records::insert_staff(&mut tx, &lead).await?;
    // The trainer's own restorative practice has lapsed, so their reminder
    // shows when they sign in.
    records::insert_evidence(
        &mut tx,
        &NewEvidenceRow {
            staff_id: &lead.id,
            competency_id: "restorative-practice",
            kind: "completed",
            activity: "training",
            level: Some(Level::Foundation),
            source: "external",
            occurred_on: days_before(today, 400),
            hours: None,
            approved: false,
            note: None,
            corrects: None,
            actor: "demo-seed",
            session_id: None,
        },
    )
    .await?;
    // The portal's demo officer and hub coordinators have records linked to
    // their accounts, so a skill an administrator makes required for triage
    // or a restorative outcome is checked against them: the Hull coordinator
    // is current, the officer (who reports to them) lapses within a month,
    // so both are reminded, and East Riding's coordinator has lapsed.
    for (id, user_id, name, team, area, role, trained_days_ago, level) in LINKED {
        let s = Staff {
            id: id.into(),
            staff_number: None,
            user_id: Some(user_id.into()),
            name: name.into(),
            team: team.into(),
            area: area.into(),
            role_id: role.into(),
            manager_id: None,
            agency: None,
        };
        records::insert_staff(&mut tx, &s).await?;
        records::insert_evidence(
            &mut tx,
            &NewEvidenceRow {
                staff_id: &s.id,
                competency_id: "restorative-practice",
                kind: "completed",
                activity: "training",
                level: Some(level),
                source: "external",
                occurred_on: days_before(today, trained_days_ago),
                hours: None,
                approved: false,
                note: None,
                corrects: None,
                actor: "demo-seed",
                session_id: None,
            },
        )
        .await?;
    }
    records::set_manager(&mut tx, LINKED[0].0, LINKED[1].0).await?;
    let mut n = 0usize;
    for (t, (team, area, members)) in TEAMS.iter().enumerate() {
        let mut manager: Option<String> = None;
        for i in 0..*members {
            n += 1;
            let partner = i == members - 1 && t % 2 == 0;
            let role = match (partner, i % 4) {
                (true, _) => "joint-role",
                (_, 0 | 1) => "police-constable",
                (_, 2) => "pcso",
                _ => "police-staff",
            };
            let s = Staff {
                id: format!("demo-staff-{n:02}"),
                staff_number: (!partner).then(|| format!("D{n:04}")),
                user_id: None,
                name: format!(
                    "{} {}",
                    FIRST[n % FIRST.len()],
                    LAST[(n / FIRST.len()) % LAST.len()]
                ),
                team: (*team).into(),
                area: (*area).into(),
                role_id: role.into(),
                manager_id: None,
                agency: partner.then(|| "childrens-family-services".into()),
            };
            records::insert_staff(&mut tx, &s).await?;
            if let Some(m) = &manager {
                records::set_manager(&mut tx, &s.id, m).await?;
            } else {
                manager = Some(s.id.clone());
            }
            // Restorative practice: a spread from fresh to lapsed, some never.
            let trained_days_ago = [20u64, 100, 200, 320, 340, 400, 0][n % 7];
            let common =
                |competency_id: &'static str, on: NaiveDate, level: Option<Level>| NewEvidenceRow {
                    staff_id: "",
                    competency_id,
                    kind: "completed",
                    activity: "training",
                    level,
                    source: "external",
                    occurred_on: on,
                    hours: None,
                    approved: false,
                    note: None,
                    corrects: None,
                    actor: "demo-seed",
                    session_id: None,
                };
            if trained_days_ago > 0 {
                let row = NewEvidenceRow {
                    staff_id: &s.id,
                    ..common(
                        "restorative-practice",
                        days_before(today, trained_days_ago),
                        Some(if n.is_multiple_of(5) {
                            Level::Intermediate
                        } else {
                            Level::Foundation
                        }),
                    )
                };
                records::insert_evidence(&mut tx, &row).await?;
            }
            for (k, competency) in ["ace-awareness", "prevention-mecc", "early-help-services"]
                .into_iter()
                .enumerate()
            {
                if !(n + k).is_multiple_of(4) {
                    let row = NewEvidenceRow {
                        staff_id: &s.id,
                        ..common(competency, days_before(today, 30 + 40 * k as u64), None)
                    };
                    records::insert_evidence(&mut tx, &row).await?;
                }
            }
            if n == 3 {
                let pause = Pause {
                    starts_on: days_before(today, 10),
                    ends_on: today.checked_add_days(Days::new(80)).unwrap_or(today),
                    reason: "Extended leave".into(),
                    actor: "demo-seed".into(),
                };
                records::insert_pause(&mut tx, &s.id, &pause).await?;
            }
        }
    }
    records::insert_course(
        &mut tx,
        &records::CourseRow {
            id: "demo-rp-foundation".into(),
            title: "Restorative practice: foundation".into(),
            competency_id: "restorative-practice".into(),
            level: Some(Level::Foundation),
        },
    )
    .await?;
    records::insert_session(
        &mut tx,
        &records::SessionRow {
            id: "demo-session-1".into(),
            course_id: "demo-rp-foundation".into(),
            trainer: "trainer".into(),
            held_on: today,
            place: "Hull training school".into(),
            capacity: 12,
        },
    )
    .await?;
    crate::workforce::publish_held(outbox, &mut tx, today).await?;
    tx.commit().await?;
    tracing::info!(
        staff = n + 1 + LINKED.len(),
        "demo training records created"
    );
    Ok(())
}
