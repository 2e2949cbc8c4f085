//! The import benchmark: a generated file of calls for service (1,000,000
//! rows unless `EIP_BENCH_ROWS` says otherwise) imported through the
//! service's streaming import on SQLite and on PostgreSQL, against each
//! database's own bulk load of the same file in the same run (the `sqlite3`
//! shell's `.import`, PostgreSQL's `COPY` through `psql`), then the API calls
//! the portal's place profile page makes for a priority ward (Myton, in
//! Hull) over those rows, one by one and in total, and the callers hotspot
//! analysis.
//!
//! The service logs each import's phases (load, index build, aggregates);
//! the benchmark also times the repeat-demand levels the service's worker
//! publishes once the import has returned.
//!
//! Run with `cargo bench -p eip-engagement --bench import`. It needs the
//! `sqlite3` and `psql` programs and the test PostgreSQL server.
//! `EIP_BENCH_SKIP_POSTGRES=1` runs SQLite only.

use eip_engagement::Engagement;
use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::service::{Service, launch};
use eip_test_support::{Backend, RunningService, TestDb, principal};
use eip_types::Role;
use eip_types::engagement::{ImportJob, ImportKind, ImportStatus, NewImport};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RAW_TABLE: &str = "CREATE TABLE raw (incident_number TEXT PRIMARY KEY, opened_at TEXT, \
    closed_at TEXT, opening_category TEXT, closing_category TEXT, qualifiers TEXT, grade TEXT, \
    place TEXT, caller_ref TEXT, address_ref TEXT)";

/// Ten wards in each authority, the five priority wards among them.
fn wards_csv() -> (String, Vec<String>) {
    let mut csv = String::from("code,name,authority\n");
    let mut ids: Vec<String> = eip_types::place::PRIORITY_WARDS
        .iter()
        .map(|(id, _, _)| (*id).to_owned())
        .collect();
    for (a, (authority, _)) in eip_types::place::LOCAL_AUTHORITIES.iter().enumerate() {
        for w in 0..9 {
            let name = format!("Bench Ward {a}{w}");
            let _ = writeln!(csv, "B{a}{w:02},{name},{authority}");
            ids.push(eip_types::place::slug(&name));
        }
    }
    (csv, ids)
}

fn write_incidents(path: &Path, rows: usize, wards: &[String]) -> std::io::Result<u64> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "incident_number,opened_at,closed_at,opening_category,closing_category,qualifiers,grade,place,caller_ref,address_ref"
    )?;
    let categories = [
        "public safety and welfare",
        "crime",
        "anti-social behaviour",
        "transport",
        "administration",
    ];
    let qualifiers = [
        "",
        "",
        "domestic",
        "mental_health",
        "missing_person",
        "alcohol",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..rows {
        // Demand concentrated in the first wards (the priority wards).
        let r = next();
        let w = ((r % 1000) * (r % 1000) / 1000 * wards.len() as u64 / 1000) as usize;
        let month = 1 + next() % 12;
        let day = 1 + next() % 28;
        let hour = next() % 24;
        writeln!(
            out,
            "BENCH-{i:08},2025-{month:02}-{day:02}T{hour:02}:10:00Z,2025-{month:02}-{day:02}T{hour:02}:50:00Z,{c},{c},{q},{g},{ward},c:{caller:016x},a:{addr:016x}",
            c = categories[(next() % 5) as usize],
            q = qualifiers[(next() % 6) as usize],
            g = 1 + next() % 4,
            ward = wards[w.min(wards.len() - 1)],
            caller = next() % 200_000,
            addr = next() % 150_000,
        )?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

async fn import(
    client: &reqwest::Client,
    base: &str,
    token: &dyn Fn() -> String,
    kind: ImportKind,
    body: Vec<u8>,
) -> ImportJob {
    let job: ImportJob = client
        .post(format!("{base}/imports"))
        .bearer_auth(token())
        .json(&NewImport {
            kind,
            lookup_version: None,
        })
        .send()
        .await
        .expect("job created")
        .json()
        .await
        .expect("a job");
    client
        .put(format!("{base}/imports/{}/data", job.id))
        .bearer_auth(token())
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("file sent")
        .json()
        .await
        .expect("a finished job")
}

fn raw_sqlite(file: &Path) -> Duration {
    let db = std::env::temp_dir().join(format!(
        "eip-bench-raw-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let script = format!(
        "{RAW_TABLE};\n.import --csv --skip 1 {} raw\n",
        file.display()
    );
    let started = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the sqlite3 shell runs");
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(script.as_bytes())
            .expect("the script is sent");
    }
    let out = child.wait_with_output().expect("the sqlite3 shell ends");
    let took = started.elapsed();
    let _ = std::fs::remove_file(&db);
    assert!(
        out.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

async fn raw_postgres(file: &Path) -> Duration {
    let db = TestDb::postgres().await;
    let url = db.url.expose().to_owned();
    let psql = |sql: &str| {
        let out = Command::new("psql")
            .args(["-q", "-v", "ON_ERROR_STOP=1", &url, "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    psql(RAW_TABLE);
    let started = Instant::now();
    psql(&format!(
        "\\copy raw FROM '{}' WITH (FORMAT csv, HEADER true)",
        file.display()
    ));
    started.elapsed()
}

struct Result {
    backend: &'static str,
    service: Duration,
    levels: Duration,
    raw: Duration,
    imported: i64,
    profile: Vec<(&'static str, Duration)>,
}

async fn run(backend: Backend, file: &PathBuf, wards: &str) -> Result {
    let db = TestDb::new(backend).await;
    let mut config = Engagement::default_config();
    config.service.database_url = db.url.clone();
    let keys = eip_test_support::keys();
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let service = RunningService::start(|l, s| launch::<Engagement>(config, shared, l, s)).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3_600))
        .build()
        .expect("client");
    let admin = || eip_test_support::assertion(&keys, "engagement", &principal(Role::Admin, &[]));
    import(
        &client,
        &service.base,
        &admin,
        ImportKind::Wards,
        wards.as_bytes().to_vec(),
    )
    .await;

    let analyst_p = principal(
        Role::Analyst,
        &[
            "hull",
            "east-riding",
            "north-lincolnshire",
            "north-east-lincolnshire",
        ],
    );
    let analyst = || eip_test_support::assertion(&keys, "engagement", &analyst_p);
    let bytes = std::fs::read(file).expect("the generated file");
    let started = Instant::now();
    let job = import(
        &client,
        &service.base,
        &analyst,
        ImportKind::Incidents,
        bytes,
    )
    .await;
    let service_time = started.elapsed();
    assert_eq!(job.status, ImportStatus::Completed, "{job:?}");
    // The repeat-demand levels the import made due, published by the
    // service's worker after the import has returned.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db.url.expose())
        .await
        .expect("connects");
    loop {
        let due: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM repeat_levels_due")
            .fetch_one(&pool)
            .await
            .expect("due levels");
        if due == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pool.close().await;
    let levels_time = started.elapsed() - service_time;

    let mut profile = Vec::new();
    let mut page = Duration::ZERO;
    for (label, path) in [
        ("place (Myton)", "/places/myton"),
        ("crime share (Hull)", "/analysis/crime-share?area=hull"),
        (
            "concentration (Hull, top 3)",
            "/analysis/concentration?area=hull&top=3",
        ),
        ("priorities (Myton)", "/priorities?place=myton"),
        ("open cases (Myton)", "/cases?place=myton&status=open"),
        ("hubs", "/hubs"),
        (
            "hotspots by callers (Hull)",
            "/analysis/hotspots?area=hull&by=callers",
        ),
    ] {
        // A fresh assertion each time: each is accepted once.
        let token = analyst();
        let started = Instant::now();
        let res = client
            .get(format!("{}{path}", service.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent");
        assert!(res.status().is_success(), "{path}: {}", res.status());
        let _ = res.bytes().await;
        let took = started.elapsed();
        if !label.starts_with("hotspots") {
            page += took;
        }
        profile.push((label, took));
    }
    profile.push(("the page's calls in total", page));
    let _ = service.stop().await;
    let raw = match backend {
        Backend::Sqlite => raw_sqlite(file),
        Backend::Postgres => raw_postgres(file).await,
    };
    Result {
        backend: match backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        service: service_time,
        levels: levels_time,
        raw,
        imported: job.rows_imported,
        profile,
    }
}

fn main() {
    let rows: usize = std::env::var("EIP_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    // The import logs where its time went (load, index build, aggregates).
    let telemetry = eip_platform::config::TelemetryConfig {
        filter: Some("error,eip_engagement::jobs::import=info".into()),
        ..Default::default()
    };
    let _telemetry = eip_platform::telemetry::init("engagement-bench", &telemetry);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (wards, ids) = wards_csv();
    let file = std::env::temp_dir().join(format!("eip-bench-incidents-{rows}.csv"));
    let size = write_incidents(&file, rows, &ids).expect("the file is written");
    println!(
        "import benchmark: {rows} incidents, {:.1} MB",
        size as f64 / 1e6
    );
    let skip_postgres = std::env::var_os("EIP_BENCH_SKIP_POSTGRES").is_some();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if skip_postgres && backend == Backend::Postgres {
            continue;
        }
        let r = runtime.block_on(run(backend, &file, &wards));
        let per_s = |d: Duration| rows as f64 / d.as_secs_f64();
        println!(
            "{:<10} service import {:>7.1} s ({:>8.0} rows/s, {} imported) | raw bulk load {:>6.1} s ({:>8.0} rows/s) | service at {:.2}x the raw speed",
            r.backend,
            r.service.as_secs_f64(),
            per_s(r.service),
            r.imported,
            r.raw.as_secs_f64(),
            per_s(r.raw),
            r.raw.as_secs_f64() / r.service.as_secs_f64(),
        );
        println!(
            "{:<10}   repeat-demand levels published {:.1} s after the import returned",
            r.backend,
            r.levels.as_secs_f64()
        );
        for (label, took) in r.profile {
            println!(
                "{:<10}   API after the import: {label:<30} {:>8.1} ms",
                r.backend,
                took.as_secs_f64() * 1e3
            );
        }
    }
    let _ = std::fs::remove_file(&file);
}
