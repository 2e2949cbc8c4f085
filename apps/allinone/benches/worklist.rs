//! The coordinator's worklist page (50 rows) with 100,000 referrals loaded,
//! through portal → referrals service → database, on SQLite and on
//! PostgreSQL, against a bare axum handler serving the same bytes in the
//! same run.
//!
//! `cargo bench -p eip-allinone --bench worklist` (release build). Needs
//! PostgreSQL as the test suite does; set `EIP_BENCH_SKIP_POSTGRES=1` to
//! run SQLite only. Traffic stays on loopback and is bounded: a warm-up,
//! then a fixed number of requests per target.

use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::db::{Db, to_text};
use eip_platform::service::{Service, launch};
use eip_referrals::Referrals;
use eip_test_support::{Backend, RunningService, TestDb, keys};
use std::time::{Duration, Instant};

const REFERRALS: usize = 100_000;
const WARM_UP: usize = 20;
const SEQUENTIAL: usize = 300;
const CONCURRENT_CLIENTS: usize = 4;
const CONCURRENT_REQUESTS: usize = 400;
const AREAS: [&str; 4] = [
    "hull",
    "east-riding",
    "north-lincolnshire",
    "north-east-lincolnshire",
];
const STATUSES: [&str; 10] = [
    "submitted",
    "submitted",
    "triaged",
    "shared",
    "accepted",
    "in_progress",
    "closed",
    "closed",
    "closed",
    "withdrawn",
];

/// Loads `REFERRALS` referrals straight into the service's tables, in
/// batches, spread over areas, states and two years.
async fn load(url: &eip_platform::config::DatabaseUrl) -> anyhow::Result<()> {
    let db = Db::connect(url, &eip_platform::service::schema::<Referrals>()).await?;
    let start = chrono::Utc::now() - chrono::Duration::days(730);
    let batch = 500;
    for chunk in 0..REFERRALS / batch {
        let mut tx = db.begin().await?;
        let mut sql = String::from(
            "INSERT INTO referrals (id, child_name, date_of_birth, area_id, reason, status, \
             created_by, created_at, submitted_at, shared_at, priority, risk_factors, review_on, version) VALUES ",
        );
        let mut rows = Vec::with_capacity(batch);
        for i in 0..batch {
            let n = chunk * batch + i;
            let created = start + chrono::Duration::minutes((n as i64) * 10);
            let status = STATUSES[n % STATUSES.len()];
            let shared = matches!(status, "shared" | "accepted" | "in_progress" | "closed")
                .then(|| to_text(created + chrono::Duration::hours(30)));
            let shared = shared.map_or("NULL".to_owned(), |s| format!("'{s}'"));
            rows.push(format!(
                "('00000000-0000-4000-8000-{n:012}', 'Bench Child {n}', '2014-05-06', '{area}', \
                 'Benchmark referral', '{status}', 'bench-officer', '{created}', '{created}', {shared}, \
                 'routine', 'domestic_abuse', '2030-01-01', 1)",
                area = AREAS[n % AREAS.len()],
                created = to_text(created),
            ));
        }
        sql.push_str(&rows.join(", "));
        sqlx::query(&sql).execute(&mut *tx).await?;
        tx.commit().await?;
    }
    db.close().await;
    Ok(())
}

struct Figures {
    throughput: f64,
    p50: Duration,
    p99: Duration,
    bytes: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Latency from sequential requests, throughput from a few clients at once.
async fn measure(
    http: &reqwest::Client,
    url: &str,
    cookie: Option<&str>,
) -> anyhow::Result<Figures> {
    let get = |http: reqwest::Client, url: String, cookie: Option<String>| async move {
        let mut req = http.get(&url);
        if let Some(c) = &cookie {
            req = req.header(reqwest::header::COOKIE, c);
        }
        let res = req.send().await?;
        anyhow::ensure!(res.status().is_success(), "{url}: {}", res.status());
        Ok::<usize, anyhow::Error>(res.bytes().await?.len())
    };
    let cookie = cookie.map(str::to_owned);
    let mut bytes = 0;
    for _ in 0..WARM_UP {
        bytes = get(http.clone(), url.to_owned(), cookie.clone()).await?;
    }
    let mut times = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        let t = Instant::now();
        get(http.clone(), url.to_owned(), cookie.clone()).await?;
        times.push(t.elapsed());
    }
    times.sort();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENT_CLIENTS {
        let (http, url, cookie) = (http.clone(), url.to_owned(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..CONCURRENT_REQUESTS / CONCURRENT_CLIENTS {
                get(http.clone(), url.clone(), cookie.clone()).await?;
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(Figures {
        throughput: CONCURRENT_REQUESTS as f64 / started.elapsed().as_secs_f64(),
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        bytes,
    })
}

async fn sign_in(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let res = http
        .post(format!("{base}/sign-in"))
        .form(&[
            ("username", "coordinator.hull"),
            ("password", "demo-password"),
        ])
        .send()
        .await?;
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("eip_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))
}

/// A bare axum handler serving `body` as the portal did.
async fn bare(body: Vec<u8>) -> anyhow::Result<RunningService> {
    Ok(RunningService::start(move |listener, shutdown| async move {
        let app = axum::Router::new()
            .route("/health/ready", axum::routing::get(|| async { "ok" }))
            .route(
                "/worklist",
                axum::routing::get(move || {
                    let body = body.clone();
                    async move {
                        (
                            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                            body,
                        )
                    }
                }),
            );
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await?;
        Ok(())
    })
    .await)
}

fn report(name: &str, f: &Figures, baseline: &Figures) {
    println!(
        "{name:<28} {:>9.1} req/s  p50 {:>8.2} ms  p99 {:>8.2} ms  {:>7} B  throughput ratio {:.3}  p50 ratio {:.1}x",
        f.throughput,
        f.p50.as_secs_f64() * 1e3,
        f.p99.as_secs_f64() * 1e3,
        f.bytes,
        f.throughput / baseline.throughput,
        f.p50.as_secs_f64() / baseline.p50.as_secs_f64(),
    );
}

async fn run(backend: Backend) -> anyhow::Result<()> {
    let keys = keys();
    let db = TestDb::new(backend).await;
    let mut config = Referrals::default_config();
    config.service.database_url = db.url.clone();
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let referrals = RunningService::start(|listener, shutdown| {
        launch::<Referrals>(config, shared, listener, shutdown)
    })
    .await;
    let loading = Instant::now();
    load(&db.url).await?;
    eprintln!(
        "{backend:?}: {REFERRALS} referrals loaded in {:.1} s",
        loading.elapsed().as_secs_f64()
    );

    let portal_db = TestDb::sqlite();
    let mut portal_config = eip_portal::Config {
        database_url: portal_db.url.clone(),
        demo: true,
        ..Default::default()
    };
    portal_config.sessions.secure_cookie = false;
    portal_config.services.referrals = referrals.base.clone();
    let portal_keys = keys.part(eip_platform::identity::PORTAL);
    let portal = RunningService::start(|listener, shutdown| {
        eip_portal::launch(portal_config, portal_keys, listener, shutdown)
    })
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = sign_in(&http, &portal.base).await?;
    let page_url = format!("{}/worklist", portal.base);
    let page = http
        .get(&page_url)
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await?
        .bytes()
        .await?
        .to_vec();
    let rows = String::from_utf8_lossy(&page)
        .matches("class=\"child-name\"")
        .count();
    anyhow::ensure!(rows == 50, "the worklist shows {rows} rows, not 50");

    let baseline_server = bare(page).await?;
    let baseline = measure(&http, &format!("{}/worklist", baseline_server.base), None).await?;
    let full = measure(&http, &page_url, Some(&cookie)).await?;
    println!("worklist page, 50 rows of {REFERRALS} referrals, {backend:?}:");
    report("  bare axum, same bytes", &baseline, &baseline);
    report("  portal → referrals → db", &full, &baseline);
    let _ = portal.stop().await;
    let _ = baseline_server.stop().await;
    let _ = referrals.stop().await;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    run(Backend::Sqlite).await?;
    if std::env::var_os("EIP_BENCH_SKIP_POSTGRES").is_none() {
        run(Backend::Postgres).await?;
    }
    Ok(())
}
