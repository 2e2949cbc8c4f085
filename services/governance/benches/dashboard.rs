//! Board dashboard and signed-pack PDF render times at 1,000 and at
//! 1,000,000 events.
//!
//! Run: `cargo bench -p eip-governance --bench dashboard`
//! (SQLite in a temporary directory; set EIP_BENCH_SMALL / EIP_BENCH_LARGE
//! to change the event counts). The events are every source's, in the same
//! proportions at both sizes: referral lifecycles; training completions,
//! achievements, lapses and coverage; engagements held; and the engagement
//! service's levels (calls for service and repeat demand per ward, month and
//! category or rule, re-published as imports correct them). They go through
//! the real handler into the fact table; the dashboard is then built,
//! charted and serialised as the `/reports/dashboard` endpoint does, and a
//! 24-month pack of every measure is sealed and its PDF rendered from the
//! snapshot as a signed pack's is. Both sizes stay loaded and are measured
//! in alternating rounds (a shared machine then slows both alike); the
//! median of each is reported with their ratios. The read model keeps one
//! row per kind, area, month and category, so neither should grow with
//! history.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use eip_governance::Governance;
use eip_governance::jobs::read_model::FactEvents;
use eip_governance::{AppState, framework, store};
use eip_platform::config::DatabaseUrl;
use eip_platform::consumer::EventHandler;
use eip_platform::db::Db;
use eip_types::engagement::{Category, EngagementKind, RepeatSubject};
use eip_types::events::{EngagementEvent, EventEnvelope, ReferralEvent, TrainingEvent};
use eip_types::governance::{Pack, PackInput, PackStatus};
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
/// Wards per area, for the engagement service's levels.
const WARDS: usize = 5;
const CATEGORIES: [Category; 3] = [
    Category::Crime,
    Category::AntiSocialBehaviour,
    Category::PublicSafetyWelfare,
];
const RULES: [&str; 3] = [
    "more-than-5-in-30-days",
    "more-than-20-in-365-days",
    "asb-case-review",
];

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
/// never sit in memory at once: each referral's lifecycle and, per ten
/// referral events, one training completion, one engagement held, two
/// calls-for-service levels, one repeat-demand level (two cells), and one
/// workforce event (achieved, lapsed or coverage) in turn.
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
            out.extend(others(seq, i, day));
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

/// The other sources' events that go with referral event `seq` (of referral
/// `i`, raised on `day`).
fn others(seq: i64, i: usize, day: NaiveDate) -> Vec<EventEnvelope> {
    let area = AREAS[i % 4];
    let ward = format!("{area}-ward-{}", (seq as usize / 7) % WARDS);
    let month = format!("{}", day.format("%Y-%m"));
    let mut out = Vec::new();
    let mut engagement = |e: EngagementEvent| {
        out.push(envelope(
            EngagementEvent::SOURCE,
            e.kind(),
            e.payload(),
            seq,
        ));
    };
    if seq % 5 == 0 {
        // Calls for service on record, corrected by later imports.
        engagement(EngagementEvent::DemandRecorded {
            place_id: ward.clone(),
            area_id: area.into(),
            month: month.clone(),
            category: CATEGORIES[(seq as usize / 5) % CATEGORIES.len()],
            calls: 20 + seq % 40,
        });
    }
    if seq % 10 == 3 {
        engagement(EngagementEvent::RepeatDemandRecorded {
            place_id: ward.clone(),
            area_id: area.into(),
            month: month.clone(),
            rule_id: RULES[(seq as usize / 10) % RULES.len()].into(),
            rule_version: 1,
            subject: RepeatSubject::Caller,
            subjects: seq % 6,
            incidents: seq % 30,
        });
    }
    if seq % 10 == 7 {
        engagement(EngagementEvent::EngagementHeld {
            engagement_id: format!("e{seq}"),
            place_id: ward.clone(),
            area_id: area.into(),
            engagement_kind: EngagementKind::PublicMeeting,
            held_on: day,
            attendance: 10 + seq % 30,
            seldom_heard: seq % 3 == 0,
        });
    }
    let workforce = match seq % 30 {
        1 => Some(TrainingEvent::CompetencyAchieved {
            staff_id: format!("st{}", seq % 5_000),
            competency_id: "restorative-practice".into(),
            level: None,
            on: day,
            lapses_on: day.checked_add_signed(Duration::days(365)),
        }),
        11 => Some(TrainingEvent::CompetencyLapsed {
            staff_id: format!("st{}", seq % 5_000),
            competency_id: "restorative-practice".into(),
            lapsed_on: day,
        }),
        21 => Some(TrainingEvent::CoverageMeasured {
            month,
            scope: "area".into(),
            scope_id: area.into(),
            required: 120,
            current: 60 + (seq % 60) as u32,
        }),
        _ => None,
    };
    if let Some(t) = workforce {
        out.push(envelope(TrainingEvent::SOURCE, t.kind(), t.payload(), seq));
    }
    out
}

async fn load(total: usize) -> anyhow::Result<(AppState, tempdir::Dir, f64, String)> {
    let dir = tempdir::Dir::new()?;
    let url = DatabaseUrl::new(format!(
        "sqlite://{}",
        dir.path.join("governance.db").display()
    ));
    let db = Db::connect(&url, &eip_platform::service::schema::<Governance>()).await?;
    let mut tx = db.begin().await?;
    store::framework::seed(&mut tx, &framework::strategy()?).await?;
    tx.commit().await?;
    let started = Instant::now();
    let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
    events(total, |chunk| {
        for e in &chunk {
            *by_source.entry(e.source.clone()).or_default() += 1;
        }
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
        keys: eip_test_support::keys().part("governance"),
        suppress_up_to: 4,
        consumers: Arc::new(Vec::new()),
    };
    let mix = by_source
        .iter()
        .map(|(source, n)| format!("{source} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok((state, dir, ingest, mix))
}

const FROM: &str = "2024-12";
const TO: &str = "2026-11";

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Renders the dashboard `n` times: the times, and the body's size.
async fn render(state: &AppState, n: usize) -> anyhow::Result<(Vec<f64>, usize)> {
    let months =
        eip_governance::compute::months(FROM, TO).ok_or_else(|| anyhow::anyhow!("months"))?;
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..n {
        let t = Instant::now();
        let body = eip_governance::render_dashboard(state, &months).await?;
        times.push(t.elapsed().as_secs_f64());
        bytes = body.len();
    }
    Ok((times, bytes))
}

/// Signs a 24-month pack of every measure (the live figures sealed into a
/// snapshot) and renders the signed pack's PDF (the snapshot read back and
/// typeset), `n` times each: the times, and the PDF's size.
async fn pdf(state: &AppState, n: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>, usize)> {
    let input = PackInput {
        board_id: "ei-police-governance-board".into(),
        from: FROM.into(),
        to: TO.into(),
        measure_ids: Vec::new(),
        commentary: "Figures for the benchmark.".into(),
        annotations: Vec::new(),
    };
    let mut seal_times = Vec::new();
    let mut sealed = None;
    for _ in 0..n {
        let t = Instant::now();
        sealed = Some(eip_governance::seal_pack(state, &input).await?);
        seal_times.push(t.elapsed().as_secs_f64());
    }
    let (snapshot, hash) = sealed.ok_or_else(|| anyhow::anyhow!("sealed"))?;
    let pack = Pack {
        id: "bench".into(),
        series_id: "bench".into(),
        version: 1,
        status: PackStatus::Signed,
        input,
        created_by: "analyst".into(),
        created_at: "2026-11-27T00:00:00Z".into(),
        reviewed_by: Some("reviewer".into()),
        reviewed_at: Some("2026-11-27T00:00:00Z".into()),
        signed_by: Some("board".into()),
        signed_at: Some("2026-11-27T00:00:00Z".into()),
        snapshot_sha256: Some(hash),
    };
    let mut pdf_times = Vec::new();
    let mut bytes = 0;
    for _ in 0..n {
        let t = Instant::now();
        let pdf = eip_governance::render_signed_pdf(
            &pack,
            "Early Intervention Police Governance Board",
            &snapshot,
        )?;
        pdf_times.push(t.elapsed().as_secs_f64());
        bytes = pdf.len();
    }
    Ok((seal_times, pdf_times, bytes))
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

/// Rounds of measurement; each renders both sizes in turn, so a busy
/// machine slows both alike rather than whichever ran second.
const ROUNDS: usize = 7;

#[derive(Default)]
struct Times {
    dashboard: Vec<f64>,
    seal: Vec<f64>,
    pdf: Vec<f64>,
    dashboard_bytes: usize,
    pdf_bytes: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sizes = [
        size("EIP_BENCH_SMALL", 1_000),
        size("EIP_BENCH_LARGE", 1_000_000),
    ];
    let mut loaded = Vec::new();
    for total in sizes {
        let (state, dir, ingest, kinds) = load(total).await?;
        println!("{total:>9} events ({kinds}): ingest {ingest:8.1} s");
        loaded.push((state, dir));
    }
    let mut times: Vec<Times> = sizes.iter().map(|_| Times::default()).collect();
    for _ in 0..ROUNDS {
        for ((state, _), t) in loaded.iter().zip(&mut times) {
            let (mut d, bytes) = render(state, 3).await?;
            let (mut s, mut p, pdf_bytes) = pdf(state, 1).await?;
            t.dashboard.append(&mut d);
            t.seal.append(&mut s);
            t.pdf.append(&mut p);
            t.dashboard_bytes = bytes;
            t.pdf_bytes = pdf_bytes;
        }
    }
    let mut medians = Vec::new();
    for (total, t) in sizes.iter().zip(times) {
        let m = (median(t.dashboard), median(t.seal), median(t.pdf));
        println!(
            "{total:>9} events: dashboard render median {:8.2} ms ({} bytes); \
             pack signing median {:8.2} ms; signed pack PDF render median {:8.2} ms ({} bytes)",
            m.0 * 1000.0,
            t.dashboard_bytes,
            m.1 * 1000.0,
            m.2 * 1000.0,
            t.pdf_bytes
        );
        medians.push(m);
    }
    let (small, large) = (medians[0], medians[1]);
    println!(
        "ratio large/small: dashboard {:.2} (goal ≤ 1.5), signing {:.2}, PDF {:.2}",
        large.0 / small.0,
        large.1 / small.1,
        large.2 / small.2
    );
    for (state, _) in loaded {
        state.db.close().await;
    }
    Ok(())
}
