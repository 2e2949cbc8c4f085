//! Sources that publish a level (the calls on record for a ward, month and
//! category) move their fact cell by the difference: a re-import replaces
//! the earlier figure instead of adding to it.

use eip_governance::Governance;
use eip_governance::jobs::read_model::FactEvents;
use eip_governance::store::facts::all_facts;
use eip_platform::consumer::EventHandler;
use eip_platform::db::Db;
use eip_test_support::{Backend, TestDb};
use eip_types::engagement::{Category, RepeatSubject};
use eip_types::events::{EngagementEvent, EventEnvelope};

fn demand(seq: i64, place: &str, month: &str, calls: i64) -> EventEnvelope {
    let e = EngagementEvent::DemandRecorded {
        place_id: place.into(),
        area_id: "hull".into(),
        month: month.into(),
        category: Category::AntiSocialBehaviour,
        calls,
    };
    EventEnvelope {
        id: uuid::Uuid::new_v4(),
        source: EngagementEvent::SOURCE.into(),
        seq,
        kind: e.kind().into(),
        occurred_at: chrono::Utc::now(),
        trace: Default::default(),
        payload: e.payload(),
    }
}

async fn demand_levels_replace_what_they_replaced(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = Db::connect(&test_db.url, &eip_platform::service::schema::<Governance>())
        .await
        .expect("database");
    let events = [
        demand(1, "myton", "2026-10", 10),
        demand(2, "newington", "2026-10", 5),
        // Myton's October figure is corrected downwards by a later import.
        demand(3, "myton", "2026-10", 7),
        demand(4, "myton", "2026-11", 3),
        // A month that cannot be placed is left out.
        demand(5, "myton", "October", 9),
    ];
    for e in &events {
        let mut tx = db.begin().await.expect("tx");
        FactEvents.apply(&mut tx, e).await.expect("applied");
        tx.commit().await.expect("commit");
    }
    let cells: Vec<(String, i64)> = all_facts(db.pool())
        .await
        .expect("facts")
        .into_iter()
        .map(|(_, f)| (format!("{} {} {}", f.area_id, f.period, f.category), f.n))
        .collect();
    assert_eq!(
        cells,
        [
            ("hull 2026-10 anti_social_behaviour".to_owned(), 12),
            ("hull 2026-11 anti_social_behaviour".to_owned(), 3),
        ]
    );
    db.close().await;
}

fn repeat(seq: i64, place: &str, rule: &str, subjects: i64, incidents: i64) -> EventEnvelope {
    let e = EngagementEvent::RepeatDemandRecorded {
        place_id: place.into(),
        area_id: "hull".into(),
        month: "2026-10".into(),
        rule_id: rule.into(),
        rule_version: 1,
        subject: RepeatSubject::Caller,
        subjects,
        incidents,
    };
    EventEnvelope {
        id: uuid::Uuid::new_v4(),
        source: EngagementEvent::SOURCE.into(),
        seq,
        kind: e.kind().into(),
        occurred_at: chrono::Utc::now(),
        trace: Default::default(),
        payload: e.payload(),
    }
}

async fn repeat_demand_levels_feed_the_repeat_demand_measures(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = Db::connect(&test_db.url, &eip_platform::service::schema::<Governance>())
        .await
        .expect("database");
    const FREQUENT: &str = "more-than-5-in-30-days";
    let events = [
        repeat(1, "myton", FREQUENT, 2, 15),
        repeat(2, "newington", FREQUENT, 1, 6),
        // A later import corrects Myton's October.
        repeat(3, "myton", FREQUENT, 1, 9),
        // Another preset is kept apart by its rule.
        repeat(4, "myton", "more-than-20-in-365-days", 1, 30),
    ];
    for e in &events {
        let mut tx = db.begin().await.expect("tx");
        FactEvents.apply(&mut tx, e).await.expect("applied");
        tx.commit().await.expect("commit");
    }
    let cells: Vec<(String, i64)> = all_facts(db.pool())
        .await
        .expect("facts")
        .into_iter()
        .map(|(_, f)| {
            (
                format!("{} {} {} {}", f.kind, f.area_id, f.period, f.category),
                f.n,
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            // Sorted by kind, then rule id.
            (
                "engagement.repeat_flagged hull 2026-10 more-than-20-in-365-days".to_owned(),
                1
            ),
            (
                format!("engagement.repeat_flagged hull 2026-10 {FREQUENT}"),
                2
            ),
            (
                "engagement.repeat_incidents hull 2026-10 more-than-20-in-365-days".to_owned(),
                30
            ),
            (
                format!("engagement.repeat_incidents hull 2026-10 {FREQUENT}"),
                15
            ),
        ]
    );
    // The seeded measures compute from them, area by area.
    let seeded = eip_governance::framework::strategy().expect("the strategy parses");
    for (id, expected) in [("frequent-callers", 2.0), ("repeat-incidents", 15.0)] {
        let m = seeded.measures.iter().find(|m| m.id == id).expect("seeded");
        let formula = m.formula.as_ref().expect("active");
        let kinds = [
            "engagement.repeat_flagged".to_owned(),
            "engagement.repeat_incidents".to_owned(),
        ];
        let facts = eip_governance::store::facts::facts(db.pool(), &kinds, "2026-10", "2026-10")
            .await
            .expect("facts");
        let hull = eip_governance::compute::figure(formula, &facts, Some("hull"), "2026-10");
        assert_eq!(hull.value, Some(expected), "{id}");
        let east = eip_governance::compute::figure(formula, &facts, Some("east-riding"), "2026-10");
        assert_eq!(east.value, Some(0.0), "{id}");
    }
    db.close().await;
}

eip_test_support::on_both_backends!(multi_thread via eip_test_support::direct:
    demand_levels_replace_what_they_replaced,
    repeat_demand_levels_feed_the_repeat_demand_measures,
);
