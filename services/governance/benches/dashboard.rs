//! Board dashboard render time at 1,000 and at 1,000,000 events.
//!
//! Run: `cargo bench -p eip-governance --bench dashboard`
//! (SQLite in a temporary directory; set EIP_BENCH_SMALL / EIP_BENCH_LARGE
//! to change the event counts). The events go through the real handler
//! into the fact table; the dashboard is then built, charted and serialised
//! as the `/reports/dashboard` endpoint does, and the median of several
//! renders is reported for each size with their ratio. The read model keeps
//! one row per kind, area, month and category, so the render should not
//! grow with history.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use eip_governance::{AppState, framework, read_model::FactEvents};
use eip_platform::config::DatabaseUrl;
use eip_platform::consumer::EventHandler;
use eip_platform::db::Db;
use eip_platform::identity::IdentityKeys;
use eip_types::events::{EventEnvelope, ReferralEvent, TrainingEvent};
use eip_types::referral::{Outcome, Pathway, Priority};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

const AREAS: [&str; 4] = [
    "hull",
    "east-riding",
    "north-lincolnshire",
    "north-east-lincolnshire",
];
const MONTHS: i64 = 24;

fn envelope(source: &str, kind: &str, payload: serde_json::Value, seq: i64) -> EventEnvelope {
    EventEnvelope {
        id: uuid::Uuid::new_v4(),
        source: source.into(),
        seq,
        kind: kind.into(),
        occurred_at: Utc::now(),
        trace: BTreeMap::new(),
        payload,
    }
}

/// Roughly `total` events, handed to `sink` a chunk at a time so a million
/// never sit in memory at once: each referral's lifecycle, plus one training
/// completion per ten referral events.
async fn events<F, Fut>(total: usize, mut sink: F) -> anyhow::Result<()>
where
    F: FnMut(Vec<EventEnvelope>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let start = NaiveDate::from_ymd_opt(2024, 12, 1).unwrap_or_default();
    let mut out = Vec::with_capacity(20_016);
    let mut made = 0usize;
    let mut seq = 0;
    let mut i = 0usize;
    while made + out.len() < total {
        let area = AREAS[i % 4].to_owned();
        let day = start + Duration::days((i as i64 * 7919) % (MONTHS * 30));
        let at = Utc.from_utc_datetime(&day.and_hms_opt(10, 0, 0).unwrap_or_default());
        let id = format!("r{i}");
        let mut lifecycle = vec![ReferralEvent::Submitted {
            referral_id: id.clone(),
            area_id: area.clone(),
            submitted_on: day,
            ace_band: None,
            person_ref: None,
        }];
        lifecycle.push(ReferralEvent::Triaged {
            referral_id: id.clone(),
            area_id: area.clone(),
            priority: Priority::Routine,
            pathway: Pathway::EarlyHelp,
            ace_band: None,
            at: at + Duration::hours(6 + (i % 90) as i64),
        });
        lifecycle.push(ReferralEvent::Shared {
            referral_id: id.clone(),
            area_id: area.clone(),
            agency_id: "childrens-family-services".into(),
            pathway: None,
            ace_band: None,
            at: at + Duration::days(3),
        });
        if i.is_multiple_of(5) {
            lifecycle.push(ReferralEvent::Declined {
                referral_id: id.clone(),
                area_id: area.clone(),
                agency_id: "childrens-family-services".into(),
                pathway: None,
                ace_band: None,
                at: at + Duration::days(4),
            });
        } else {
            lifecycle.push(ReferralEvent::Accepted {
                referral_id: id.clone(),
                area_id: area.clone(),
                agency_id: "childrens-family-services".into(),
                pathway: None,
                ace_band: None,
                at: at + Duration::days(4),
            });
            lifecycle.push(ReferralEvent::Closed {
                referral_id: id,
                area_id: area,
                agency_id: None,
                outcome: if i.is_multiple_of(3) {
                    Outcome::PartlyMet
                } else {
                    Outcome::SupportCompleted
                },
                pathway: None,
                ace_band: None,
                at: at + Duration::days(20),
            });
        }
        for e in lifecycle {
            seq += 1;
            out.push(envelope(ReferralEvent::SOURCE, e.kind(), e.payload(), seq));
            if seq % 10 == 0 {
                let t = TrainingEvent::CompletionRecorded {
                    completion_id: format!("c{seq}"),
                    competency_id: if seq % 20 == 0 {
                        "ace-awareness".into()
                    } else {
                        "restorative-practice".into()
                    },
                    completed_on: day,
                };
                out.push(envelope(TrainingEvent::SOURCE, t.kind(), t.payload(), seq));
            }
        }
        i += 1;
        if out.len() >= 20_000 {
            made += out.len();
            sink(std::mem::take(&mut out)).await?;
        }
    }
    if !out.is_empty() {
        sink(out).await?;
    }
    Ok(())
}

async fn load(total: usize) -> anyhow::Result<(AppState, tempdir::Dir, f64)> {
    let dir = tempdir::Dir::new()?;
    let url = DatabaseUrl::new(format!(
        "sqlite://{}",
        dir.path.join("governance.db").display()
    ));
    let db = Db::connect(&url, &eip_governance::migrations()).await?;
    framework::seed(&db).await?;
    let started = Instant::now();
    events(total, |chunk| {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await?;
            for e in &chunk {
                FactEvents.apply(&mut tx, e).await?;
            }
            tx.commit().await?;
            Ok(())
        }
    })
    .await?;
    let ingest = started.elapsed().as_secs_f64();
    let state = AppState {
        db,
        keys: IdentityKeys::new(
            &IdentityKeys::random_secret(),
            std::time::Duration::from_secs(60),
        )?,
        suppress_up_to: 4,
        consumers: Arc::new(Vec::new()),
    };
    Ok((state, dir, ingest))
}

async fn render(state: &AppState) -> anyhow::Result<(f64, usize)> {
    let months = eip_governance::compute::months("2024-12", "2026-11")
        .ok_or_else(|| anyhow::anyhow!("months"))?;
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..9 {
        let t = Instant::now();
        let body = eip_governance::render_dashboard(state, &months).await?;
        times.push(t.elapsed().as_secs_f64());
        bytes = body.len();
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], bytes))
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> std::io::Result<Self> {
            let path =
                std::env::temp_dir().join(format!("eip-bench-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path)?;
            Ok(Self { path })
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let small = size("EIP_BENCH_SMALL", 1_000);
    let large = size("EIP_BENCH_LARGE", 1_000_000);
    let mut results = Vec::new();
    for total in [small, large] {
        let (state, _dir, ingest) = load(total).await?;
        let (median, bytes) = render(&state).await?;
        println!(
            "{total:>9} events: ingest {ingest:8.1} s, dashboard render median {:8.2} ms ({bytes} bytes)",
            median * 1000.0
        );
        results.push(median);
        state.db.close().await;
    }
    println!(
        "ratio large/small: {:.2} (goal ≤ 1.5)",
        results[1] / results[0]
    );
    Ok(())
}
