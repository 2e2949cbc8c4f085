//! The contract both buses honour, run against each: the in-process bus
//! and a private Redis.

use eip_platform::bus::{Bus, BusError};
use eip_platform::identity::Keyring;
use eip_test_support::{BusChoice, TestBus, eventually};
use eip_types::events::EventEnvelope;
use std::collections::BTreeMap;
use std::time::Duration;

fn event(seq: i64) -> EventEnvelope {
    EventEnvelope {
        id: uuid::Uuid::new_v4(),
        source: "contract".into(),
        seq,
        kind: "test.happened".into(),
        occurred_at: chrono::Utc::now(),
        trace: BTreeMap::new(),
        payload: serde_json::json!({ "n": seq }),
    }
}

const WAIT: Duration = Duration::from_millis(200);

/// Keys for the `contract` source and one other part.
fn contract_keys() -> Keyring {
    Keyring::generate(&["contract", "other"], Duration::from_secs(60))
}

async fn delivered_once_per_group_in_order(choice: BusChoice) {
    let t = TestBus::new(choice, &contract_keys()).await;
    let bus: &Bus = &t.bus;
    bus.ensure_group("contract", "g1").await.expect("group");
    bus.ensure_group("contract", "g1")
        .await
        .expect("creating twice is fine");
    bus.ensure_group("contract", "g2").await.expect("group");
    for seq in 1..=3 {
        bus.publish(&event(seq)).await.expect("publish");
    }
    let a = bus
        .read("contract", "g1", "a", 10, WAIT)
        .await
        .expect("read");
    assert_eq!(
        a.iter().map(|d| d.envelope.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // Another consumer in the same group gets nothing already delivered.
    let b = bus
        .read("contract", "g1", "b", 10, WAIT)
        .await
        .expect("read");
    assert!(b.is_empty());
    // Another group gets everything.
    let other = bus
        .read("contract", "g2", "x", 10, WAIT)
        .await
        .expect("read");
    assert_eq!(other.len(), 3);
    for d in &a {
        bus.ack("contract", "g1", &d.entry_id).await.expect("ack");
    }
    // Acknowledged entries are never claimed again.
    let stale = bus
        .claim_stale("contract", "g1", "b", Duration::ZERO, 10)
        .await
        .expect("claim");
    assert!(stale.is_empty());
}

async fn unacknowledged_entries_are_reclaimed(choice: BusChoice) {
    let t = TestBus::new(choice, &contract_keys()).await;
    let bus = &t.bus;
    bus.ensure_group("contract", "g").await.expect("group");
    bus.publish(&event(1)).await.expect("publish");
    let first = bus
        .read("contract", "g", "crashed", 10, WAIT)
        .await
        .expect("read");
    assert_eq!(first.len(), 1);
    // Not idle long enough yet.
    let early = bus
        .claim_stale("contract", "g", "rescuer", Duration::from_secs(60), 10)
        .await
        .expect("claim");
    assert!(early.is_empty());
    let claimed = eventually(
        "the entry reclaimed once idle for 20 ms",
        Duration::from_secs(5),
        async || {
            let claimed = bus
                .claim_stale("contract", "g", "rescuer", Duration::from_millis(20), 10)
                .await
                .expect("claim");
            (!claimed.is_empty()).then_some(claimed)
        },
    )
    .await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].envelope, first[0].envelope);
    bus.ack("contract", "g", &claimed[0].entry_id)
        .await
        .expect("ack");
}

async fn a_lost_group_is_reported_not_hidden(choice: BusChoice) {
    let t = TestBus::new(choice, &contract_keys()).await;
    let bus = &t.bus;
    bus.ensure_group("contract", "g").await.expect("group");
    bus.publish(&event(1)).await.expect("publish");
    t.lose_everything().await;
    let err = bus
        .read("contract", "g", "a", 10, WAIT)
        .await
        .expect_err("the group is gone");
    assert!(matches!(err, BusError::NoGroup), "{err}");
    bus.ensure_group("contract", "g").await.expect("recreated");
    assert!(
        bus.read("contract", "g", "a", 10, WAIT)
            .await
            .expect("read")
            .is_empty()
    );
}

async fn a_blocking_read_wakes_on_publish(choice: BusChoice) {
    let t = TestBus::new(choice, &contract_keys()).await;
    let bus = t.bus.clone();
    bus.ensure_group("contract", "g").await.expect("group");
    let reader = bus.for_blocking_reads().await.expect("reader");
    let waiting = tokio::spawn(async move {
        reader
            .read("contract", "g", "a", 10, Duration::from_secs(10))
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    bus.publish(&event(1)).await.expect("publish");
    let got = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("woke before its block timeout")
        .expect("join")
        .expect("read");
    assert_eq!(got.len(), 1);
}

/// Anyone who can reach Redis can add entries; only those sealed by the
/// event's own source are delivered. The rest are counted, acknowledged
/// (they never come back) and never stop the genuine ones behind them.
#[tokio::test]
async fn events_not_sealed_by_their_source_are_refused_and_counted() {
    let keys = contract_keys();
    let t = TestBus::new(BusChoice::Redis, &keys).await;
    let bus = &t.bus;
    bus.ensure_group("contract", "g").await.expect("group");
    bus.publish(&event(1)).await.expect("publish");

    let json = |e: &EventEnvelope| serde_json::to_string(e).expect("json");
    let stranger = Keyring::generate(&["contract"], Duration::from_secs(60));
    let altered = {
        let sealed = json(&event(4));
        let seal = keys.seal_event("contract", &sealed).expect("seal");
        (sealed.replace("\"n\":4", "\"n\":40"), seal)
    };
    let forged: Vec<Vec<(&str, String)>> = vec![
        // No seal at all.
        vec![("event", json(&event(2)))],
        // Sealed with a key nobody trusts.
        vec![
            ("event", json(&event(3))),
            (
                "seal",
                stranger
                    .seal_event("contract", &json(&event(3)))
                    .expect("seal"),
            ),
        ],
        // Changed after sealing.
        vec![("event", altered.0), ("seal", altered.1)],
        // Sealed by a trusted part, but not the event's source.
        vec![
            ("event", json(&event(5))),
            (
                "seal",
                keys.seal_event("other", &json(&event(5))).expect("seal"),
            ),
        ],
        // Not an event.
        vec![("event", "{".to_owned()), ("seal", "x.y".to_owned())],
    ];
    let url = t.redis.as_ref().expect("a Redis bus").url.clone();
    let mut raw = ::redis::Client::open(url)
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("connection");
    for fields in &forged {
        let _: String =
            ::redis::AsyncCommands::xadd(&mut raw, "eip-test:events:contract", "*", fields)
                .await
                .expect("xadd");
    }
    bus.publish(&event(6)).await.expect("publish");

    let got = bus
        .read("contract", "g", "a", 20, WAIT)
        .await
        .expect("read");
    let seqs: Vec<i64> = got.iter().map(|d| d.envelope.seq).collect();
    assert_eq!(seqs, [1, 6], "only the genuine events, in order");
    assert_eq!(bus.refused(), 5);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let again = bus
        .claim_stale("contract", "g", "b", Duration::from_millis(20), 20)
        .await
        .expect("claim");
    let again: Vec<i64> = again.iter().map(|d| d.envelope.seq).collect();
    assert_eq!(
        again,
        [1, 6],
        "refused entries were acknowledged, not left pending"
    );
}

macro_rules! on_both_buses {
    ($($name:ident),* $(,)?) => {
        mod in_process {
            $(#[tokio::test] async fn $name() { super::$name(super::BusChoice::InProcess).await })*
        }
        mod redis {
            $(#[tokio::test] async fn $name() { super::$name(super::BusChoice::Redis).await })*
        }
    };
}

on_both_buses!(
    delivered_once_per_group_in_order,
    unacknowledged_entries_are_reclaimed,
    a_lost_group_is_reported_not_hidden,
    a_blocking_read_wakes_on_publish,
);
