//! Readiness follows the database and the bus, and nothing is lost while the
//! bus is down: the outbox keeps events until it is back.

use crate::on_both_backends;
use eip_platform::Shared;
use eip_platform::bus::{Bus, RedisBus};
use eip_test_support::{Backend, RedisServer, RunningService, TestDb, keys, principal};
use eip_types::Role;
use std::time::{Duration, Instant};

async fn wait_for_ready_status(http: &reqwest::Client, base: &str, want: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = http
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        if status == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/health/ready answered {status}, expected {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn readiness_follows_the_bus_and_the_outbox_waits_for_it(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut redis = RedisServer::start().await;
    let bus = RedisBus::connect(&redis.url, "eip-test:")
        .await
        .expect("redis");
    let keys = keys();
    let shared = Shared {
        bus: Bus::Redis(bus.clone()),
        keys: keys.clone(),
    };
    let mut config = eip_referrals::default_config();
    config.database_url = db.url.clone();
    let service = RunningService::start(|listener, shutdown| {
        eip_referrals::launch(config, shared, listener, shutdown)
    })
    .await;
    let http = reqwest::Client::new();
    wait_for_ready_status(&http, &service.base, 200).await;

    redis.stop();
    wait_for_ready_status(&http, &service.base, 503).await;
    // Still live, and still taking referrals: the event waits in the outbox.
    let live = http
        .get(format!("{}/health/live", service.base))
        .send()
        .await
        .expect("live");
    assert_eq!(live.status(), 200);
    let officer = principal(Role::Frontline, &["hull"]);
    let res = http
        .post(format!("{}/referrals", service.base))
        .bearer_auth(keys.sign(&officer).expect("sign"))
        .json(&serde_json::json!({
            "child_name": "Outbox Child",
            "date_of_birth": "2016-05-01",
            "area_id": "hull",
            "reason": "Raised while the bus was down",
            "submit": true
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 201);

    redis.restart().await;
    wait_for_ready_status(&http, &service.base, 200).await;
    // The relay publishes the event once Redis is back.
    let reader = Bus::Redis(bus);
    reader
        .ensure_group("referrals", "health-test")
        .await
        .expect("group");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut delivered = Vec::new();
    while delivered.is_empty() {
        assert!(Instant::now() < deadline, "the outbox never published");
        delivered = reader
            .read(
                "referrals",
                "health-test",
                "t",
                10,
                Duration::from_millis(500),
            )
            .await
            .expect("read");
    }
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].envelope.kind, "referral.submitted");
    let _ = service.stop().await;
}

on_both_backends!(readiness_follows_the_bus_and_the_outbox_waits_for_it);
