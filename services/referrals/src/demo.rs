//! Demonstration referrals for an empty database: enough submitted referrals
//! per area that the governance table shows counts above suppression (and one
//! area below it), plus drafts. Every name is invented.

use crate::{lifecycle, people, store};
use eip_platform::db::Db;
use eip_platform::db::Tx;
use eip_platform::outbox::Outbox;
use eip_types::referral::ValidReferral;
use eip_types::referral::{
    Outcome, Pathway, Priority, Referral, RiskFactor, SharingAgreement, Transition,
};
use eip_types::{Principal, Role};

/// Submitted referrals per area; North Lincolnshire stays below suppression.
const SUBMITTED: [(&str, usize); 4] = [
    ("hull", 12),
    ("east-riding", 7),
    ("north-lincolnshire", 3),
    ("north-east-lincolnshire", 9),
];
const DRAFTS_PER_AREA: usize = 2;

const FIRST: [&str; 8] = [
    "Alex", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Robin",
];
const LAST: [&str; 6] = [
    "Demo",
    "Example",
    "Sample",
    "Specimen",
    "Fictional",
    "Placeholder",
];
const REASONS: [&str; 4] = [
    "Reported missing from home twice in a month; school raised concerns.",
    "Attended a domestic incident; child present and distressed.",
    "Persistent absence from school and seen with older youths late at night.",
    "Parent asked for support after a bereavement in the family.",
];

/// Hull referrals triaged and shared with Children's & Family Services.
const SHARED_IN_HULL: usize = 3;

const DEMO_AGENCY: &str = "childrens-family-services";

/// Takes one lifecycle step at `now` as the demo hub coordinator or the
/// receiving agency would.
async fn step(
    tx: &mut Tx,
    outbox: &Outbox,
    r: &Referral,
    t: &Transition,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Referral> {
    let actor = Principal {
        user_id: "demo-seed".into(),
        roles: vec![Role::Coordinator, Role::Partner],
        areas: vec![r.area_id.clone()],
        agency: Some(DEMO_AGENCY.into()),
    };
    let to = lifecycle::next_status(&actor, r, t)
        .map_err(|d| anyhow::anyhow!("demo step refused: {}", d.message()))?;
    let periods = store::retention::periods(tx).await?;
    let mut next = lifecycle::apply(r, to, t, now, &periods);
    anyhow::ensure!(
        store::referrals::save_step(tx, r, &mut next, t, "demo-seed", None).await?,
        "demo referral changed"
    );
    store::sharing::record_share(tx, &next.id, t, "demo-seed", now).await?;
    store::referrals::record_event(tx, outbox, &next, t, now).await?;
    Ok(next)
}

pub async fn seed(db: &Db, outbox: &Outbox) -> anyhow::Result<()> {
    if store::referrals::count(db.pool()).await? > 0 {
        return Ok(());
    }
    let today = chrono::Utc::now().date_naive();
    let mut tx = db.begin().await?;
    let mut n = 0usize;
    for (area, submitted) in SUBMITTED {
        for i in 0..submitted + DRAFTS_PER_AREA {
            n += 1;
            let submit = i < submitted;
            let r = ValidReferral {
                child_name: format!("{} {}", FIRST[n % FIRST.len()], LAST[n % LAST.len()]),
                date_of_birth: today - chrono::Days::new(365 * (4 + (n as u64 % 12)) + n as u64),
                area_id: area.to_owned(),
                reason: REASONS[n % REASONS.len()].to_owned(),
                // A spread of screening results, some with four or more ACEs.
                gender: None,
                school: None,
                person_id: None,
                risk_factors: RiskFactor::ALL
                    .iter()
                    .copied()
                    .skip(n % 7)
                    .step_by(1 + n % 3)
                    .take(n % 6)
                    .collect(),
                submit,
            };
            let id = uuid::Uuid::new_v4().to_string();
            let person_id = uuid::Uuid::new_v4().to_string();
            let person = people::NewPerson {
                name: &r.child_name,
                date_of_birth: r.date_of_birth,
                gender: None,
                area_id: area,
                school: None,
            };
            store::people::insert(&mut tx, &person_id, &person, "demo-seed").await?;
            let mut saved =
                store::referrals::insert(&mut tx, &id, &person_id, &r, "demo-seed").await?;
            if submit {
                let at = saved.created_at;
                store::referrals::record_event(&mut tx, outbox, &saved, &Transition::Submit {}, at)
                    .await?;
            }
            // A few of Hull's move on, so the hub and the partner agency
            // have work to see; one closed seven months ago is due its
            // follow-up check.
            if area == "hull" && i <= SHARED_IN_HULL {
                let closed = i == SHARED_IN_HULL;
                let now = if closed {
                    store::now()? - chrono::Duration::days(213)
                } else {
                    store::now()?
                };
                let mut steps = vec![
                    Transition::Triage {
                        priority: Priority::High,
                        pathway: Pathway::EarlyHelp,
                    },
                    Transition::share_with_consent(DEMO_AGENCY, &format!("isa-{DEMO_AGENCY}")),
                ];
                if closed {
                    steps.extend([
                        Transition::Accept {},
                        Transition::Start {},
                        Transition::Close {
                            outcome: Outcome::SupportCompleted,
                        },
                    ]);
                }
                for t in steps {
                    saved = step(&mut tx, outbox, &saved, &t, now).await?;
                }
                if closed {
                    // Its whole timeline lies in the past.
                    let raised = now - chrono::Duration::days(7);
                    store::referrals::backdate(&mut tx, &saved.id, raised, now).await?;
                }
            }
        }
    }
    // A lapsed agreement, to show that a share cannot rely on it.
    store::sharing::insert_agreement(
        &mut tx,
        &SharingAgreement {
            id: "isa-rock-challenge-2023".into(),
            name: "Rock Challenge participation agreement 2023–25".into(),
            agency_id: "rock-challenge".into(),
            starts_on: chrono::NaiveDate::from_ymd_opt(2023, 4, 1).unwrap_or_default(),
            ends_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 31).unwrap_or_default(),
        },
        "demo-seed",
    )
    .await?;
    tx.commit().await?;
    outbox.wake();
    tracing::info!(referrals = n, "demo referrals loaded");
    Ok(())
}
