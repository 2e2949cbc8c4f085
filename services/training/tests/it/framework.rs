//! The competency framework: seeded, and edited by administrators.

use crate::helpers::{TestApp, matrix, problem, user};
use eip_types::Role;
use eip_types::training::Framework;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    the_framework_is_seeded_and_administrators_edit_it,
    administrators_add_competencies,
);

async fn the_framework_is_seeded_and_administrators_edit_it(app: &TestApp) {
    let res = app.get("/framework", &user(Role::Frontline)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let f: Framework = res.json().await.expect("framework");
    let rp = &f.competencies[0];
    assert_eq!(rp.id, "restorative-practice");
    assert_eq!(rp.validity_months, Some(12));
    assert_eq!(rp.warning_days, 60);
    assert!(rp.levelled && rp.practice_checks);
    assert_eq!(rp.standards.len(), 11);
    let mut indicators: Vec<&str> = rp.standards.iter().map(|s| s.indicator.as_str()).collect();
    indicators.dedup();
    assert_eq!(indicators.len(), 3);
    for c in &f.competencies[1..] {
        assert_eq!(c.validity_months, None, "{} has no expiry by default", c.id);
    }
    let roles: Vec<&str> = f.roles.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        roles,
        ["police-constable", "pcso", "police-staff", "joint-role"]
    );

    // Only an administrator edits it.
    let change = json!({"validity_months": 36, "warning_days": 30});
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        problem(
            app.put("/competencies/ace-awareness", &user(role), &change)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let admin = user(Role::Admin);
    let res = app
        .put("/competencies/ace-awareness", &admin, &change)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let p = problem(
        app.put(
            "/competencies/ace-awareness",
            &admin,
            &json!({"validity_months": 0, "warning_days": 400}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["validity_months", "warning_days"]);
    problem(
        app.put("/competencies/juggling", &admin, &change).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let p = problem(
        app.put(
            "/job-roles/pcso/requirements",
            &admin,
            &json!([
                {"competency_id": "juggling"},
                {"competency_id": "restorative-practice", "level": "expert"},
                {"competency_id": "ace-awareness", "level": "advanced"},
            ]),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["[0].competency_id", "[1].level", "[2].level"]);
    let res = app
        .put(
            "/job-roles/pcso/requirements",
            &admin,
            &json!([{"competency_id": "restorative-practice", "level": "advanced"}]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let f: Framework = app
        .get("/framework", &admin)
        .await
        .json()
        .await
        .expect("framework");
    let ace = f.competencies.iter().find(|c| c.id == "ace-awareness");
    assert_eq!(
        ace.map(|c| (c.validity_months, c.warning_days)),
        Some((Some(36), 30))
    );
    let pcso = f.roles.iter().find(|r| r.id == "pcso").expect("pcso");
    assert_eq!(pcso.requirements.len(), 1);
    assert_eq!(
        pcso.requirements[0].level,
        Some(eip_types::training::Level::Advanced)
    );
}

async fn administrators_add_competencies(app: &TestApp) {
    let body = json!({"id": "missing-children", "name": "Missing children awareness",
                      "description": "Knows the missing-from-home protocol.",
                      "validity_months": 24, "warning_days": 30,
                      "standards": [{"code": "M1", "indicator": "Practice", "text": "Follows the protocol."}]});
    problem(
        app.post("/competencies", &user(Role::Trainer), &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let admin = user(Role::Admin);
    assert_eq!(
        app.post("/competencies", &admin, &body).await.status(),
        StatusCode::CREATED
    );
    let p = problem(
        app.post("/competencies", &admin, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("id").is_some(), "{p:?}");
    let p = problem(
        app.post(
            "/competencies",
            &admin,
            &json!({"id": "Bad Id", "name": "", "description": "", "warning_days": 400}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let named: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(named, ["id", "name", "description", "warning_days"]);
    let f: Framework = app
        .get("/framework", &admin)
        .await
        .json()
        .await
        .expect("framework");
    let last = f.competencies.last().expect("one");
    assert_eq!(last.id, "missing-children");
    assert_eq!(last.standards.len(), 1);
    assert_eq!(matrix(app, "").await.competencies.len(), 6);
}
