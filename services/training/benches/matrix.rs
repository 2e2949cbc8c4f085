//! The skills matrix for a force of 5,000 staff × 10 competencies, against
//! a bare axum handler serving the same bytes in the same run.
//!
//! `cargo bench -p eip-training --bench matrix` (add `-- <iterations>` to
//! change the default of 20). It prints the mean time per request of each
//! and their ratio: what working out currency, filters and coverage costs
//! over just sending the answer. Not a test: nothing is asserted on time.

use axum::routing::get;
use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::service::{Service, launch};
use eip_test_support::{RunningService, TestDb, assertion, keys};
use eip_training::Training;
use eip_types::{Principal, Role};
use std::time::{Duration, Instant};

const STAFF: usize = 5_000;
const EXTRA_COMPETENCIES: usize = 5;

fn who(role: Role) -> Principal {
    Principal {
        user_id: format!("bench-{}", role.as_str()),
        roles: vec![role],
        areas: vec![],
        agency: None,
    }
}

/// `n` GETs of `url`, each with a fresh assertion from `token` (a service
/// refuses an assertion it has seen before).
async fn time(
    client: &reqwest::Client,
    url: &str,
    token: &dyn Fn() -> String,
    n: usize,
) -> (Duration, usize) {
    let mut bytes = 0;
    let start = Instant::now();
    for _ in 0..n {
        let res = client
            .get(url)
            .bearer_auth(token())
            .send()
            .await
            .expect("request");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        bytes = res.bytes().await.expect("body").len();
    }
    (start.elapsed() / u32::try_from(n).unwrap_or(1), bytes)
}

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let keys = keys();
    let db = TestDb::sqlite();
    let mut config = Training::default_config();
    config.service.database_url = db.url.clone();
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let service = RunningService::start(|listener, shutdown| {
        launch::<Training>(config, shared, listener, shutdown)
    })
    .await;
    let client = reqwest::Client::new();
    let admin = || assertion(&keys, "training", &who(Role::Admin));
    let trainer = || assertion(&keys, "training", &who(Role::Trainer));

    // Ten competencies, all required of police constables.
    let mut required =
        vec![serde_json::json!({"competency_id": "restorative-practice", "level": "foundation"})];
    for id in [
        "ace-awareness",
        "early-help-services",
        "prevention-mecc",
        "long-term-risk",
    ] {
        required.push(serde_json::json!({ "competency_id": id }));
    }
    for i in 0..EXTRA_COMPETENCIES {
        let id = format!("bench-competency-{i}");
        let res = client
            .post(format!("{}/competencies", service.base))
            .bearer_auth(admin())
            .json(&serde_json::json!({
                "id": id, "name": format!("Bench competency {i}"),
                "description": "A competency for the benchmark.",
                "validity_months": 24, "warning_days": 60
            }))
            .send()
            .await
            .expect("request");
        assert!(res.status().is_success());
        required.push(serde_json::json!({ "competency_id": id }));
    }
    let res = client
        .put(format!(
            "{}/job-roles/police-constable/requirements",
            service.base
        ))
        .bearer_auth(admin())
        .json(&required)
        .send()
        .await
        .expect("request");
    assert!(res.status().is_success());

    // 5,000 staff in 50 teams, imported a thousand at a time.
    for chunk in 0..STAFF / 1000 {
        let mut csv = String::from("staff_number,user_id,name,team,area,role,manager,agency\n");
        for i in chunk * 1000..(chunk + 1) * 1000 {
            csv.push_str(&format!(
                "B{i},,Bench {i},team-{},hull,police-constable,,\n",
                i % 50
            ));
        }
        let res = client
            .post(format!("{}/staff/import", service.base))
            .bearer_auth(admin())
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("request");
        let report: serde_json::Value = res.json().await.expect("report");
        assert_eq!(report["imported"], 1000, "{report}");
    }

    // Evidence straight into the store: two to six entries a person.
    let store =
        eip_platform::db::Db::connect(&db.url, &eip_platform::service::schema::<Training>())
            .await
            .expect("db");
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM staff ORDER BY id")
        .fetch_all(store.pool())
        .await
        .expect("staff");
    let competencies: Vec<String> =
        sqlx::query_scalar("SELECT id FROM competencies ORDER BY position")
            .fetch_all(store.pool())
            .await
            .expect("competencies");
    let today = chrono::Utc::now().date_naive();
    let mut tx = store.begin().await.expect("tx");
    let mut entries = 0;
    for (n, id) in ids.iter().enumerate() {
        for (k, c) in competencies.iter().enumerate() {
            if (n + k) % 3 == 0 {
                continue;
            }
            let on = today - chrono::Days::new(((n * 37 + k * 11) % 700) as u64);
            sqlx::query(
                "INSERT INTO evidence (id, staff_id, competency_id, kind, activity, level, source, \
                 occurred_on, approved, actor, recorded_at) \
                 VALUES ($1, $2, $3, 'completed', 'training', $4, 'external', $5, 0, 'bench', $6)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(id)
            .bind(c)
            .bind((k == 0).then_some(1i64))
            .bind(on.format("%Y-%m-%d").to_string())
            .bind(eip_platform::db::now_text())
            .execute(&mut *tx)
            .await
            .expect("evidence");
            entries += 1;
        }
    }
    tx.commit().await.expect("commit");
    store.close().await;

    // The same bytes from a handler that does nothing else.
    let matrix_url = format!("{}/matrix", service.base);
    let body = client
        .get(&matrix_url)
        .bearer_auth(trainer())
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body");
    let bare = RunningService::start(|listener, shutdown| async move {
        let app = axum::Router::new()
            .route(
                "/matrix",
                get(move || {
                    let body = body.clone();
                    async move { ([("content-type", "application/json")], body) }
                }),
            )
            .route("/health/ready", get(|| async { "ok" }));
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await?;
        Ok(())
    })
    .await;

    // Warm both, then measure.
    time(&client, &matrix_url, &trainer, 2).await;
    time(&client, &format!("{}/matrix", bare.base), &trainer, 2).await;
    let (service_mean, bytes) = time(&client, &matrix_url, &trainer, iterations).await;
    let (bare_mean, _) = time(
        &client,
        &format!("{}/matrix", bare.base),
        &trainer,
        iterations,
    )
    .await;
    let (csv_mean, csv_bytes) = time(
        &client,
        &format!("{}/matrix.csv", service.base),
        &trainer,
        iterations,
    )
    .await;
    println!(
        "skills matrix: {STAFF} staff × {} competencies, {entries} evidence entries, {iterations} requests each",
        competencies.len()
    );
    println!("  GET /matrix (JSON, {bytes} bytes): {service_mean:?} a request");
    println!("  GET /matrix.csv ({csv_bytes} bytes): {csv_mean:?} a request");
    println!("  bare axum handler, same JSON bytes: {bare_mean:?} a request");
    println!(
        "  ratio service / bare: {:.1}×",
        service_mean.as_secs_f64() / bare_mean.as_secs_f64().max(f64::EPSILON)
    );
    let _ = bare.stop().await;
    let _ = service.stop().await;
}
