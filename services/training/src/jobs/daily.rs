//! The daily job: reminders of lapses coming up, an event per lapse, and
//! each team's and area's coverage once a month; then the email of any
//! reminder not yet sent. Idempotent per day, so the service runs it a
//! minute after start and hourly after that, and it only catches up.

use crate::standing::Counted;
use crate::{AppState, notices, store};
use chrono::NaiveDate;
use eip_platform::CancellationToken;
use eip_platform::error::ApiError;
use eip_types::events::TrainingEvent;
use eip_types::training::JobReport;
use std::time::Duration;

/// How long after start the job first runs, and how often after.
const FIRST_RUN: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_secs(3600);

/// Runs the job a minute after start and then hourly until `shutdown`.
pub async fn schedule(state: AppState, shutdown: CancellationToken) {
    let mut wait = FIRST_RUN;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = EVERY;
        if let Err(e) = run(&state, state.clock.today()).await {
            tracing::warn!(error = %e, "daily training job failed; retrying in an hour");
        }
    }
}

/// The job for `today`, in one transaction, then the email.
pub async fn run(state: &AppState, today: NaiveDate) -> Result<JobReport, ApiError> {
    let mut tx = state.db.begin().await?;
    let all = store::staff::all(&mut tx).await?;
    let facts = store::evidence::load_facts(&mut tx, today, None).await?;
    let mut report = JobReport {
        as_of: today,
        ..JobReport::default()
    };
    let mut counted_standings = Vec::with_capacity(all.len());
    for s in &all {
        let standings = facts.standings(today, s);
        for due in notices::reminders_due(today, s, &standings) {
            if !store::reminders::insert(&mut tx, &due, today).await? {
                continue;
            }
            report.reminders += 1;
            if let Some(event) = due.lapse_event() {
                report.lapsed += 1;
                state
                    .outbox
                    .record(&mut tx, event.kind(), &event.payload())
                    .await?;
            }
        }
        counted_standings.push(standings);
    }
    let counted: Vec<Counted> = all
        .iter()
        .zip(&counted_standings)
        .map(|(s, st)| Counted::of(s, st))
        .collect();
    let month = today.format("%Y-%m").to_string();
    for c in facts
        .coverage(&counted)
        .into_iter()
        .filter(|c| c.competency_id.is_none())
    {
        if store::coverage::claim(&mut tx, &month, &c.scope, &c.scope_id).await? {
            report.coverage_published += 1;
            let event = TrainingEvent::CoverageMeasured {
                month: month.clone(),
                scope: c.scope,
                scope_id: c.scope_id,
                required: c.required,
                current: c.current,
            };
            state
                .outbox
                .record(&mut tx, event.kind(), &event.payload())
                .await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    if let Some(mailer) = &state.mailer {
        report.emailed = mailer.send_due(state.db.pool(), today).await?;
    }
    tracing::info!(
        reminders = report.reminders,
        emailed = report.emailed,
        lapsed = report.lapsed,
        "daily training job ran"
    );
    Ok(report)
}
