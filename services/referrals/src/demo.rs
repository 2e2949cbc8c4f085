//! Demonstration referrals for an empty database: enough submitted referrals
//! per area that the governance table shows counts above suppression (and one
//! area below it), plus drafts. Every name is invented.

use crate::store;
use eip_platform::db::Db;
use eip_platform::outbox::Outbox;
use eip_types::events::ReferralEvent;
use eip_types::referral::ValidReferral;

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

pub async fn seed(db: &Db, outbox: &Outbox) -> anyhow::Result<()> {
    if store::count(db.pool()).await? > 0 {
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
                submit,
            };
            let id = uuid::Uuid::new_v4().to_string();
            let saved = store::insert(&mut tx, &id, &r, "demo-seed").await?;
            if submit {
                let event = ReferralEvent::Submitted {
                    referral_id: saved.id,
                    area_id: saved.area_id,
                    submitted_on: today,
                };
                outbox
                    .record(&mut tx, event.kind(), &event.payload())
                    .await?;
            }
        }
    }
    tx.commit().await?;
    outbox.wake();
    tracing::info!(referrals = n, "demo referrals loaded");
    Ok(())
}
