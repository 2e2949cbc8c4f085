//! Reminders made by the daily job, each once.

use crate::helpers::{TestApp, events, evidence, id_of, small_force, user, user_with_id};
use eip_types::Role;
use eip_types::events::TrainingEvent;
use eip_types::training::{JobReport, Reminder};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(reminders_are_created_once);

async fn reminders_are_created_once(app: &TestApp) {
    let ids = small_force(app).await;
    let pc1 = id_of(&ids, "Constable One");
    evidence(
        app,
        &pc1,
        json!({"competency_id": "restorative-practice", "kind": "completed",
               "activity": "training", "level": "foundation", "occurred_on": "2025-03-15"}),
    )
    .await;
    let run = async |day: &str| -> JobReport {
        let res = app
            .client
            .post(app.url(&format!("/jobs/daily?as_of={day}")))
            .bearer_auth(app.token(&user(Role::Admin)))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("report")
    };
    // 2026-02-13 is 30 days before the lapse on 2026-03-15.
    let first = run("2026-02-13").await;
    assert_eq!(first.reminders, 2, "{first:?}");
    let again = run("2026-02-13").await;
    assert_eq!(again.reminders, 0);
    assert_eq!(again.coverage_published, 0);
    assert!(first.coverage_published >= 2);

    let mine: Vec<Reminder> = app
        .get("/reminders", &user_with_id(Role::Frontline, "u-pc1"))
        .await
        .json()
        .await
        .expect("reminders");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].stage, "30");
    let managers: Vec<Reminder> = app
        .get("/reminders", &user_with_id(Role::Frontline, "u-sgt"))
        .await
        .json()
        .await
        .expect("reminders");
    assert_eq!(managers.len(), 1);
    assert_eq!(managers[0].subject_id, pc1);

    // The lapse itself: the manager hears, and one lapse event.
    let lapse = run("2026-03-15").await;
    assert_eq!(lapse.lapsed, 1);
    assert_eq!(run("2026-03-16").await.lapsed, 0);
    let lapsed = events(app)
        .await
        .into_iter()
        .filter(|e| matches!(e, TrainingEvent::CompetencyLapsed { .. }))
        .count();
    assert_eq!(lapsed, 1);
    let managers: Vec<Reminder> = app
        .get("/reminders", &user_with_id(Role::Frontline, "u-sgt"))
        .await
        .json()
        .await
        .expect("reminders");
    assert_eq!(
        managers
            .iter()
            .map(|r| r.stage.as_str())
            .collect::<Vec<_>>(),
        ["lapsed", "30"]
    );
    // Only administrators and services run the job.
    for role in [Role::Trainer, Role::Frontline] {
        let res = app
            .client
            .post(app.url("/jobs/daily"))
            .bearer_auth(app.token(&user(role)))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}
