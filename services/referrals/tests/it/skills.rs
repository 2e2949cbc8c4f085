//! Leading a referral's triage may need a current competency: the service
//! knows who holds it only from training's events, and someone refused is
//! told why and who can help.

use crate::helpers::{admin, spawn_gated_app};
use crate::lifecycle::{ok_step, raise};
use chrono::{Days, Utc};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::events::TrainingEvent;
use eip_types::training::GatedAction;
use eip_types::{Problem, Role};
use serde_json::json;

fn triage() -> serde_json::Value {
    json!({"action": "triage", "priority": "high", "pathway": "early_help"})
}

async fn triage_needs_a_current_competency(backend: Backend) {
    let (app, training) = spawn_gated_app(backend).await;
    let db_url = app.database_url().to_owned();
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let today = Utc::now().date_naive();

    // No requirement by default: anyone allowed to triage may.
    let first = raise(&app, &officer, true).await;
    ok_step(&app, &coordinator, &first, triage()).await;

    // Only an administrator sets one, for an action the service owns.
    let change = json!({"competency_id": "restorative-practice",
        "competency_name": "Restorative practice"});
    let res = app
        .put("/skill-requirements/referral.triage", &coordinator, &change)
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .put("/skill-requirements/referral.unknown", &admin(), &change)
        .await;
    assert_eq!(res.status(), 404);
    let res = app
        .put(
            "/skill-requirements/referral.triage",
            &admin(),
            &json!({"competency_id": "", "competency_name": ""}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let problem: Problem = res.json().await.expect("problem");
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["competency_id", "competency_name"]);
    let res = app
        .put("/skill-requirements/referral.triage", &admin(), &change)
        .await;
    assert_eq!(res.status(), 200);
    let listed: Vec<GatedAction> = app
        .get("/skill-requirements", &coordinator)
        .await
        .json()
        .await
        .expect("actions");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0]
            .requirement
            .as_ref()
            .map(|r| r.competency_id.as_str()),
        Some("restorative-practice")
    );

    // A coordinator with no training record linked is told so.
    let r = raise(&app, &officer, true).await;
    let res = app
        .post(
            &format!("/referrals/{}/transitions", r.id),
            &coordinator,
            &json!({"version": r.version, "transition": triage()}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let problem: Problem = res.json().await.expect("problem");
    let detail = problem.detail.unwrap_or_default();
    assert!(detail.contains("No training record is linked"), "{detail}");

    // Linked and current: allowed.
    training
        .deliver(
            &db_url,
            &TrainingEvent::StaffLinked {
                staff_id: "st-1".into(),
                account: Some(eip_skills::account_key(&coordinator.user_id)),
            },
        )
        .await
        .expect("delivered");
    training
        .deliver(
            &db_url,
            &TrainingEvent::CompetencyAchieved {
                staff_id: "st-1".into(),
                competency_id: "restorative-practice".into(),
                level: None,
                on: today,
                lapses_on: today.checked_add_days(Days::new(300)),
            },
        )
        .await
        .expect("delivered");
    let r = ok_step(&app, &coordinator, &r, triage()).await;
    assert_eq!(r.status, eip_types::referral::ReferralStatus::Triaged);

    // Lapsed: refused, saying when and who can help; nothing changes.
    let lapsed_on = today.checked_sub_days(Days::new(3)).unwrap_or(today);
    training
        .deliver(
            &db_url,
            &TrainingEvent::CompetencyLapsed {
                staff_id: "st-1".into(),
                competency_id: "restorative-practice".into(),
                lapsed_on,
            },
        )
        .await
        .expect("delivered");
    let next = raise(&app, &officer, true).await;
    let events_before = app.events().await.len();
    let res = app
        .post(
            &format!("/referrals/{}/transitions", next.id),
            &coordinator,
            &json!({"version": next.version, "transition": triage()}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let problem: Problem = res.json().await.expect("problem");
    let detail = problem.detail.unwrap_or_default();
    assert!(
        detail.starts_with("Leading a referral's triage needs a current Restorative practice."),
        "{detail}"
    );
    assert!(
        detail.contains(&format!("lapsed on {}", lapsed_on.format("%-d %B %Y"))),
        "{detail}"
    );
    assert!(detail.contains("line manager or a trainer"), "{detail}");
    assert_eq!(app.events().await.len(), events_before);

    // A pause for long leave defers the lapse (renewals are the
    // engagement service's test): allowed again.
    training
        .deliver(
            &db_url,
            &TrainingEvent::LapseDeferred {
                staff_id: "st-1".into(),
                competency_id: "restorative-practice".into(),
                lapses_on: today.checked_add_days(Days::new(90)).unwrap_or(today),
            },
        )
        .await
        .expect("delivered");
    ok_step(&app, &coordinator, &next, triage()).await;

    // Cleared: anyone allowed may triage again.
    let res = app
        .client
        .delete(format!("{}/skill-requirements/referral.triage", app.base))
        .bearer_auth(app.token(&admin()))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 204);
    let other = principal(Role::Coordinator, &["hull"]);
    let last = raise(&app, &officer, true).await;
    ok_step(&app, &other, &last, triage()).await;
}

on_both_backends!(triage_needs_a_current_competency);
