use crate::helpers::{BusChoice, start};
use eip_test_support::on_each_backend_and_bus;
use eip_test_support::{Backend, principal};
use eip_types::Role;
use eip_types::governance::Cell;

async fn counts_come_from_events_and_small_numbers_are_hidden(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 1).await;
    let officer = principal(
        Role::Frontline,
        &["hull", "east-riding", "north-east-lincolnshire"],
    );
    for _ in 0..6 {
        platform.submit_referral(&officer, "hull").await;
    }
    for _ in 0..5 {
        platform
            .submit_referral(&officer, "north-east-lincolnshire")
            .await;
    }
    for _ in 0..2 {
        platform.submit_referral(&officer, "east-riding").await;
    }
    platform.wait_for_count("hull", 6).await;
    platform.wait_for_count("east-riding", 2).await;
    platform.wait_for_count("north-east-lincolnshire", 5).await;

    let board = principal(Role::Board, &[]);
    let report = platform.report_json(&board).await;
    let cell = |area: &str| {
        report
            .rows
            .iter()
            .find(|r| r.area_id == area)
            .map(|r| r.count)
    };
    assert_eq!(cell("hull"), Some(Cell::Shown(6)));
    assert_eq!(cell("east-riding"), Some(Cell::Suppressed));
    assert_eq!(cell("north-lincolnshire"), Some(Cell::Shown(0)));
    // East Riding alone hidden beside a shown total could be worked out, so
    // the next smallest count is hidden too.
    assert_eq!(cell("north-east-lincolnshire"), Some(Cell::Suppressed));
    assert_eq!(report.total, Cell::Shown(13));
    assert_eq!(report.suppress_up_to, 4);

    for role in [Role::Coordinator, Role::Analyst, Role::Admin] {
        assert_eq!(
            platform.report(&principal(role, &["hull"])).await.status(),
            200,
            "{role}"
        );
    }
    for role in [Role::Frontline, Role::Partner, Role::Trainer] {
        assert_eq!(
            platform.report(&principal(role, &["hull"])).await.status(),
            403,
            "{role}"
        );
    }
    let res = platform
        .http
        .get(format!(
            "{}/reports/referrals-submitted-per-area",
            platform.governance[0].base
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 401);
    platform.stop().await;
}

/// The bus loses everything mid-stream; the count still ends exact.
async fn the_count_ends_exact_after_the_bus_loses_everything(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 1).await;
    let officer = principal(Role::Frontline, &["hull"]);
    for _ in 0..5 {
        platform.submit_referral(&officer, "hull").await;
    }
    platform.wait_for_count("hull", 5).await;
    platform.bus.lose_everything().await;
    for _ in 0..7 {
        platform.submit_referral(&officer, "hull").await;
    }
    platform.wait_for_count("hull", 12).await;
    platform.stop().await;
}

/// Two governance replicas in one consumer group never count an event twice.
async fn two_replicas_never_double_count(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 2).await;
    let officer = principal(Role::Frontline, &["north-east-lincolnshire"]);
    for _ in 0..20 {
        platform
            .submit_referral(&officer, "north-east-lincolnshire")
            .await;
    }
    platform.wait_for_count("north-east-lincolnshire", 20).await;
    // Give any duplicate delivery a chance to show, checking all the while.
    eip_test_support::holds_for(
        "twenty referrals counted twenty times",
        std::time::Duration::from_millis(1500),
        async || platform.count("north-east-lincolnshire").await == 20,
    )
    .await;
    platform.stop().await;
}

on_each_backend_and_bus!(
    counts_come_from_events_and_small_numbers_are_hidden,
    the_count_ends_exact_after_the_bus_loses_everything,
    two_replicas_never_double_count,
);
