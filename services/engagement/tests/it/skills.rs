//! Recording a restorative outcome on a problem-solving response may need a
//! current competency: the service knows who holds it only from training's
//! events, and someone refused is told why and who can help.

use crate::helpers::{problem, spawn_gated_app, user};
use chrono::{Days, Utc};
use eip_test_support::{Backend, principal};
use eip_types::Role;
use eip_types::engagement::{CaseResponse, NewCase, ProblemCase};
use eip_types::events::TrainingEvent;
use reqwest::StatusCode;
use serde_json::json;

fn response(outcome: Option<&str>) -> CaseResponse {
    CaseResponse {
        action: "Restorative conference with the young people and shop staff".into(),
        owner: "Neighbourhood PCSO".into(),
        partner_agencies: vec![],
        due_on: "2026-10-01".into(),
        done_on: outcome.map(|_| "2026-09-29".into()),
        restorative_outcome: outcome.map(Into::into),
    }
}

async fn scenario(backend: Backend) {
    let (app, training, db_url) = spawn_gated_app(backend).await;
    let pcso = user(Role::Frontline);
    let today = Utc::now().date_naive();
    let put = |who: &eip_types::Principal, path: &str, body: serde_json::Value| {
        app.client
            .put(app.url(path))
            .bearer_auth(app.token(who))
            .json(&body)
            .send()
    };
    let res = app
        .post(
            "/cases",
            &pcso,
            &NewCase {
                title: "Damage to the parade's shops".into(),
                place_ids: vec!["myton".into()],
                objective: "Repair the harm and stop the damage.".into(),
            },
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let case: ProblemCase = res.json().await.expect("a case");
    let path = format!("/cases/{}/responses", case.id);

    // Without a requirement, anyone working the case records the outcome.
    let planned = json!([response(None)]);
    let res = put(&pcso, &path, planned.clone()).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);

    // An administrator sets one; no one else may.
    let change = json!({"competency_id": "restorative-practice",
        "competency_name": "Restorative practice",
        "help": "Ask your sergeant or the force training school."});
    let gate = "/skill-requirements/case.restorative_outcome";
    problem(
        put(&pcso, gate, change.clone()).await.expect("sent"),
        StatusCode::FORBIDDEN,
    )
    .await;
    let admin = principal(Role::Admin, &[]);
    assert_eq!(
        put(&admin, gate, change).await.expect("sent").status(),
        StatusCode::OK
    );

    // Planning a response is not gated; recording its restorative outcome is.
    let res = put(&pcso, &path, planned).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    let recorded = json!([response(Some(
        "Apology given; the group repainted the shutters."
    ))]);
    let refused = problem(
        put(&pcso, &path, recorded.clone()).await.expect("sent"),
        StatusCode::FORBIDDEN,
    )
    .await;
    let detail = refused.detail.unwrap_or_default();
    assert!(detail.contains("No training record is linked"), "{detail}");

    // Current: allowed.
    for event in [
        TrainingEvent::StaffLinked {
            staff_id: "st-9".into(),
            account: Some(eip_skills::account_key(&pcso.user_id)),
        },
        TrainingEvent::CompetencyAchieved {
            staff_id: "st-9".into(),
            competency_id: "restorative-practice".into(),
            level: None,
            on: today,
            lapses_on: today.checked_add_days(Days::new(200)),
        },
    ] {
        training.deliver(&db_url, &event).await.expect("delivered");
    }
    let res = put(&pcso, &path, recorded.clone()).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    // Editing the rest of the plan later is not re-gated.
    let lapsed_on = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    training
        .deliver(
            &db_url,
            &TrainingEvent::CompetencyLapsed {
                staff_id: "st-9".into(),
                competency_id: "restorative-practice".into(),
                lapsed_on,
            },
        )
        .await
        .expect("delivered");
    let res = put(&pcso, &path, recorded).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);

    // Lapsed: a new outcome is refused with the date and who can help, and
    // the stored responses stay as they were.
    let changed = json!([response(Some("No agreement reached."))]);
    let refused = problem(
        put(&pcso, &path, changed.clone()).await.expect("sent"),
        StatusCode::FORBIDDEN,
    )
    .await;
    let detail = refused.detail.unwrap_or_default();
    assert!(
        detail.starts_with(
            "Recording a restorative outcome on a problem-solving response needs a current \
             Restorative practice."
        ),
        "{detail}"
    );
    assert!(
        detail.contains(&format!("lapsed on {}", lapsed_on.format("%-d %B %Y"))),
        "{detail}"
    );
    assert!(
        detail.ends_with("Ask your sergeant or the force training school."),
        "{detail}"
    );
    let stored: ProblemCase = app
        .get(&format!("/cases/{}", case.id), &pcso)
        .await
        .json()
        .await
        .expect("case");
    assert_eq!(
        stored.responses[0].restorative_outcome.as_deref(),
        Some("Apology given; the group repainted the shutters.")
    );

    // Renewed: allowed again.
    training
        .deliver(
            &db_url,
            &TrainingEvent::CompetencyRenewed {
                staff_id: "st-9".into(),
                competency_id: "restorative-practice".into(),
                lapses_on: today.checked_add_days(Days::new(365)),
            },
        )
        .await
        .expect("delivered");
    let res = put(&pcso, &path, changed).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn restorative_outcomes_need_a_current_competency_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test]
async fn restorative_outcomes_need_a_current_competency_on_postgres() {
    scenario(Backend::Postgres).await;
}
