//! Readiness follows the database and the bus, and nothing is lost while the
//! bus is down: the outbox keeps events until it is back.

use crate::helpers::TestApp;
use eip_platform::bus::{Bus, RedisBus};
use eip_referrals::Referrals;
use eip_test_support::{
    Backend, RedisServer, TestDb, eventually, keys, on_both_backends, principal,
};
use eip_types::Role;
use std::time::Duration;

async fn wait_for_ready_status(app: &TestApp, want: u16) {
    eventually(
        &format!("/health/ready answering {want}"),
        Duration::from_secs(30),
        async || {
            let status = app
                .client
                .get(app.url("/health/ready"))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            (status == want).then_some(())
        },
    )
    .await;
}

async fn readiness_follows_the_bus_and_the_outbox_waits_for_it(backend: Backend) {
    let mut redis = RedisServer::start().await;
    let keys = keys();
    let bus = RedisBus::connect(&redis.url, "eip-test:", keys.clone())
        .await
        .expect("redis");
    let app = TestApp::service_on::<Referrals>(
        TestDb::new(backend).await,
        Bus::Redis(bus.clone()),
        keys,
        |_| {},
    )
    .await;
    wait_for_ready_status(&app, 200).await;

    redis.stop();
    wait_for_ready_status(&app, 503).await;
    // Still live, and still taking referrals: the event waits in the outbox.
    let live = app.get_anonymous("/health/live").await;
    assert_eq!(live.status(), 200);
    let officer = principal(Role::Frontline, &["hull"]);
    let res = app
        .post(
            "/referrals",
            &officer,
            &serde_json::json!({
                "child_name": "Outbox Child",
                "date_of_birth": "2016-05-01",
                "area_id": "hull",
                "reason": "Raised while the bus was down",
                "submit": true
            }),
        )
        .await;
    assert_eq!(res.status(), 201);

    redis.restart().await;
    wait_for_ready_status(&app, 200).await;
    // The relay publishes the event once Redis is back.
    let reader = Bus::Redis(bus);
    reader
        .ensure_group("referrals", "health-test")
        .await
        .expect("group");
    let delivered = eventually(
        "the outbox publishing once Redis is back",
        Duration::from_secs(30),
        async || {
            let read = reader
                .read(
                    "referrals",
                    "health-test",
                    "t",
                    10,
                    Duration::from_millis(500),
                )
                .await
                .expect("read");
            (!read.is_empty()).then_some(read)
        },
    )
    .await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].envelope.kind, "referral.submitted");
    app.stop().await;
}

on_both_backends!(readiness_follows_the_bus_and_the_outbox_waits_for_it);
