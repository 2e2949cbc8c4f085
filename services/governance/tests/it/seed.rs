//! A framework seeded by an earlier release is brought up to date: measures
//! whose events are now published become active and new measures appear,
//! while what administrators changed stays as they left it.

use eip_governance::Governance;
use eip_governance::framework::{place_of, strategy, validate_measure};
use eip_governance::store::framework::{load, put_measure, seed};
use eip_platform::db::Db;
use eip_test_support::{Backend, TestDb};
use eip_types::governance::{Framework, Measure, MeasureStatus, Target};

/// Seeds the strategy's framework, as the service does when it starts.
async fn seed_strategy(db: &Db, strategy: &Framework) {
    let mut tx = db.begin().await.expect("transaction");
    seed(&mut tx, strategy).await.expect("seed");
    tx.commit().await.expect("committed");
}

/// Saves a measure as an administrator would, after checking it is valid.
async fn save_measure(db: &Db, m: &Measure) {
    let framework = load(db.pool()).await.expect("framework");
    assert_eq!(validate_measure(m, &framework), [], "valid");
    let (position, _) = place_of(&framework, &m.id);
    let mut tx = db.begin().await.expect("transaction");
    put_measure(&mut tx, m, position).await.expect("saved");
    tx.commit().await.expect("committed");
}

async fn an_earlier_seed_is_upgraded_without_undoing_edits(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = Db::connect(&test_db.url, &eip_platform::service::schema::<Governance>())
        .await
        .expect("database");
    let strategy = strategy().expect("the strategy parses");
    seed_strategy(&db, &strategy).await;
    let fresh = load(db.pool()).await.expect("framework");
    assert_eq!(fresh, strategy, "the framework stored is the strategy's");

    // As an earlier release left it: engagement planned, no demand measure,
    // and an administrator's target on referrals submitted.
    let mut planned = fresh
        .measures
        .iter()
        .find(|m| m.id == "engagement-events")
        .expect("seeded")
        .clone();
    planned.status = MeasureStatus::Planned;
    planned.formula = None;
    planned.awaiting = Some("engagement events".into());
    save_measure(&db, &planned).await;
    let mut edited = fresh
        .measures
        .iter()
        .find(|m| m.id == "referrals-submitted")
        .expect("seeded")
        .clone();
    edited.target = Some(Target {
        value: 40.0,
        unit: edited.unit,
    });
    save_measure(&db, &edited).await;
    sqlx::query("DELETE FROM measures WHERE id = 'calls-for-service'")
        .execute(db.pool())
        .await
        .expect("deleted");

    seed_strategy(&db, &strategy).await;
    let after = load(db.pool()).await.expect("framework");
    let find = |id: &str| after.measures.iter().find(|m| m.id == id).cloned();
    assert_eq!(
        find("engagement-events").map(|m| m.status),
        Some(MeasureStatus::Active)
    );
    assert!(find("calls-for-service").is_some());
    assert_eq!(
        find("referrals-submitted")
            .and_then(|m| m.target)
            .map(|t| t.value),
        Some(40.0)
    );
    assert_eq!(after.measures.len(), fresh.measures.len());
    db.close().await;
}

eip_test_support::on_both_backends!(multi_thread via eip_test_support::direct:
    an_earlier_seed_is_upgraded_without_undoing_edits,
);
