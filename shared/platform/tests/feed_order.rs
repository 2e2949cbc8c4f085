//! The event feed runs in commit order: a transaction that commits after a
//! later-numbered one is never left behind a position the feed handed out.
//! (On PostgreSQL transactions commit out of sequence; SQLite's writers
//! take turns, so there the order is sequence order by construction.)

use eip_platform::db::Db;
use eip_platform::outbox::{self, Outbox};
use eip_test_support::{TestDb, eventually};
use eip_types::events::FeedPosition;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_commit_is_never_behind_the_feed_on_postgres() {
    let test_db = TestDb::postgres().await;
    let db = Db::connect(&test_db.url, &outbox::migrations())
        .await
        .expect("database");
    let outbox = Outbox::new("test");
    let payload = serde_json::json!({});

    // The first transaction takes the lower sequence number and stays open…
    let mut first = db.begin().await.expect("begin");
    outbox
        .record(&mut first, "first.happened", &payload)
        .await
        .expect("recorded");
    // …while a second one, numbered after it, commits.
    let mut second = db.begin().await.expect("begin");
    outbox
        .record(&mut second, "second.happened", &payload)
        .await
        .expect("recorded");
    second.commit().await.expect("commit");

    let page = outbox
        .feed(&db, FeedPosition::default(), 100)
        .await
        .expect("feed");
    assert!(
        page.events.is_empty(),
        "nothing is served past a transaction still open: {:?}",
        page.events.iter().map(|e| &e.kind).collect::<Vec<_>>()
    );
    assert_eq!(page.next, FeedPosition::default());

    first.commit().await.expect("commit");
    // Transactions of other tests on the same server hold the feed back
    // too, for as long as they are open.
    let after = page.next;
    let page = eventually("both events served", Duration::from_secs(30), async || {
        let page = outbox.feed(&db, after, 100).await.expect("feed");
        (page.events.len() == 2).then_some(page)
    })
    .await;
    let kinds: Vec<_> = page.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["first.happened", "second.happened"]);
    let rest = outbox.feed(&db, page.next, 100).await.expect("feed");
    assert!(rest.events.is_empty());
    assert_eq!(rest.next, page.next);
    db.close().await;
}

#[tokio::test]
async fn the_feed_pages_in_order_on_sqlite() {
    let test_db = TestDb::sqlite();
    let db = Db::connect(&test_db.url, &outbox::migrations())
        .await
        .expect("database");
    let outbox = Outbox::new("test");
    for n in 0..5 {
        let mut tx = db.begin().await.expect("begin");
        outbox
            .record(&mut tx, &format!("e{n}"), &serde_json::json!({}))
            .await
            .expect("recorded");
        tx.commit().await.expect("commit");
    }
    let first = outbox
        .feed(&db, FeedPosition::default(), 3)
        .await
        .expect("feed");
    let second = outbox.feed(&db, first.next, 3).await.expect("feed");
    let kinds: Vec<_> = first
        .events
        .iter()
        .chain(&second.events)
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["e0", "e1", "e2", "e3", "e4"]);
    assert_eq!(second.head, 5);
    db.close().await;
}
