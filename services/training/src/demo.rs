//! A small demonstration force for an empty database: four teams across two
//! areas, about thirty people (the demo trainer among them) and evidence
//! spread so the matrix shows every status (the trainer's own restorative
//! practice has lapsed). Every name is invented.

use crate::store::evidence::NewEvidenceRow;
use crate::store::sessions::{CourseRow, SessionRow};
use crate::{notices, store};
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

/// Training completed elsewhere, as the seed records it.
fn seeded<'a>(
    staff_id: &'a str,
    competency_id: &'a str,
    level: Option<Level>,
    on: NaiveDate,
) -> NewEvidenceRow<'a> {
    NewEvidenceRow::training(staff_id, competency_id, level, "external", on, "demo-seed")
}

pub async fn seed(db: &Db, outbox: &Outbox, today: NaiveDate) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    if store::staff::count(&mut tx).await? > 0 {
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
    store::staff::insert(&mut tx, &lead).await?;
    // The trainer's own restorative practice has lapsed, so their reminder
    // shows when they sign in.
    store::evidence::insert(
        &mut tx,
        &seeded(
            &lead.id,
            "restorative-practice",
            Some(Level::Foundation),
            days_before(today, 400),
        ),
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
        store::staff::insert(&mut tx, &s).await?;
        store::evidence::insert(
            &mut tx,
            &seeded(
                &s.id,
                "restorative-practice",
                Some(level),
                days_before(today, trained_days_ago),
            ),
        )
        .await?;
    }
    store::staff::set_manager(&mut tx, LINKED[0].0, LINKED[1].0).await?;
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
            store::staff::insert(&mut tx, &s).await?;
            if let Some(m) = &manager {
                store::staff::set_manager(&mut tx, &s.id, m).await?;
            } else {
                manager = Some(s.id.clone());
            }
            // Restorative practice: a spread from fresh to lapsed, some never.
            let trained_days_ago = [20u64, 100, 200, 320, 340, 400, 0][n % 7];
            if trained_days_ago > 0 {
                let level = if n.is_multiple_of(5) {
                    Level::Intermediate
                } else {
                    Level::Foundation
                };
                let row = seeded(
                    &s.id,
                    "restorative-practice",
                    Some(level),
                    days_before(today, trained_days_ago),
                );
                store::evidence::insert(&mut tx, &row).await?;
            }
            for (k, competency) in ["ace-awareness", "prevention-mecc", "early-help-services"]
                .into_iter()
                .enumerate()
            {
                if !(n + k).is_multiple_of(4) {
                    let on = days_before(today, 30 + 40 * k as u64);
                    let row = seeded(&s.id, competency, None, on);
                    store::evidence::insert(&mut tx, &row).await?;
                }
            }
            if n == 3 {
                let pause = Pause {
                    starts_on: days_before(today, 10),
                    ends_on: today.checked_add_days(Days::new(80)).unwrap_or(today),
                    reason: "Extended leave".into(),
                    actor: "demo-seed".into(),
                };
                store::staff::insert_pause(&mut tx, &s.id, &pause).await?;
            }
        }
    }
    store::sessions::insert_course(
        &mut tx,
        &CourseRow {
            id: "demo-rp-foundation".into(),
            title: "Restorative practice: foundation".into(),
            competency_id: "restorative-practice".into(),
            level: Some(Level::Foundation),
        },
    )
    .await?;
    store::sessions::insert_session(
        &mut tx,
        &SessionRow {
            id: "demo-session-1".into(),
            course_id: "demo-rp-foundation".into(),
            trainer: "trainer".into(),
            held_on: today,
            place: "Hull training school".into(),
            capacity: 12,
        },
    )
    .await?;
    // What gating services and governance would have heard had these
    // records been entered through the API; the daily job that follows
    // publishes the lapses.
    let all = store::staff::all(&mut tx).await?;
    let facts = store::evidence::load_facts(&mut tx, today, None).await?;
    for event in notices::held(today, &all, &facts) {
        outbox
            .record(&mut tx, event.kind(), &event.payload())
            .await?;
    }
    tx.commit().await?;
    tracing::info!(
        staff = n + 1 + LINKED.len(),
        "demo training records created"
    );
    Ok(())
}
