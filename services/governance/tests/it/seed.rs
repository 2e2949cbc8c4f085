//! A framework seeded by an earlier release is brought up to date: measures
//! whose events are now published become active and new measures appear,
//! while what administrators changed stays as they left it.

use eip_governance::framework::{load, save_measure, seed};
use eip_platform::db::Db;
use eip_test_support::{Backend, TestDb};
use eip_types::governance::{MeasureStatus, Target};

async fn an_earlier_seed_is_upgraded_without_undoing_edits(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = Db::connect(&test_db.url, &eip_governance::migrations())
        .await
        .expect("database");
    seed(&db).await.expect("seed");
    let fresh = load(db.pool()).await.expect("framework");

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
    save_measure(&db, &planned)
        .await
        .expect("saved")
        .expect("valid");
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
    save_measure(&db, &edited)
        .await
        .expect("saved")
        .expect("valid");
    sqlx::query("DELETE FROM measures WHERE id = 'calls-for-service'")
        .execute(db.pool())
        .await
        .expect("deleted");

    seed(&db).await.expect("upgrade");
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

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_earlier_seed_is_upgraded_without_undoing_edits() {
        super::an_earlier_seed_is_upgraded_without_undoing_edits(eip_test_support::Backend::Sqlite)
            .await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_earlier_seed_is_upgraded_without_undoing_edits() {
        super::an_earlier_seed_is_upgraded_without_undoing_edits(
            eip_test_support::Backend::Postgres,
        )
        .await
    }
}
