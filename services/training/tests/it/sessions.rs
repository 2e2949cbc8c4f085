//! Courses, sessions and their registers, and trainers' assessments.

use crate::helpers::{TestApp, cell, events, id_of, matrix, problem, small_force, user};
use eip_types::Role;
use eip_types::events::TrainingEvent;
use eip_types::training::{Session, Status};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(sessions_registers_and_assessments);

async fn sessions_registers_and_assessments(app: &TestApp) {
    let ids = small_force(app).await;
    let trainer = user(Role::Trainer);
    let res = app
        .post(
            "/courses",
            &trainer,
            &json!({"title": "Restorative practice: foundation",
                    "competency_id": "restorative-practice", "level": "foundation"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let course: serde_json::Value = res.json().await.expect("course");
    let p = problem(
        app.post(
            "/courses",
            &trainer,
            &json!({"title": "", "competency_id": "juggling"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p.errors.len(), 2);
    let today = chrono::Utc::now().date_naive().to_string();
    let res = app
        .post(
            "/sessions",
            &trainer,
            &json!({"course_id": course["id"], "held_on": today, "place": "Hull", "capacity": 3}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let session: Session = res.json().await.expect("session");
    let register = format!("/sessions/{}/attendance", session.id);
    let pc1 = id_of(&ids, "Constable One");
    let pc2 = id_of(&ids, "Constable Two");
    let sgt = id_of(&ids, "Sergeant Demo");
    let insp = id_of(&ids, "Inspector Demo");

    // Other roles may not take the register.
    for role in [Role::Frontline, Role::Board, Role::Partner] {
        problem(
            app.post(&register, &user(role), &json!({"entries": []}))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let res = app
        .post(
            &register,
            &trainer,
            &json!({"entries": [{"staff_id": pc1, "attended": true},
                                {"staff_id": pc2, "attended": false}]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let taken: Session = res.json().await.expect("session");
    assert_eq!(taken.register.len(), 2);

    // Duplicates and going over capacity are refused, and write nothing.
    let p = problem(
        app.post(
            &register,
            &trainer,
            &json!({"entries": [{"staff_id": pc1, "attended": true}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p.errors[0].field, "entries[0].staff_id");
    let p = problem(
        app.post(
            &register,
            &trainer,
            &json!({"entries": [{"staff_id": sgt, "attended": true},
                                {"staff_id": insp, "attended": true}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        p.field("entries").unwrap_or_default().contains("holds 3"),
        "{p:?}"
    );
    let s: Session = app
        .get(&format!("/sessions/{}", session.id), &trainer)
        .await
        .json()
        .await
        .expect("session");
    assert_eq!(s.register.len(), 2);

    // Attending made the constable green; the no-show stays grey.
    let m = matrix(app, "").await;
    assert_eq!(cell(&m, &pc1, "restorative-practice"), Status::Green);
    assert_eq!(cell(&m, &pc2, "restorative-practice"), Status::Grey);

    // Assessments: trainers only.
    let body = json!({"competency_id": "restorative-practice", "assessed_on": today,
                      "outcome": "competent", "level": "foundation",
                      "standards_met": ["1.1", "2.1"], "notes": "Calm and balanced."});
    for role in [Role::Admin, Role::Frontline, Role::Coordinator] {
        problem(
            app.post(&format!("/staff/{pc2}/assessments"), &user(role), &body)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let p = problem(
        app.post(
            &format!("/staff/{pc2}/assessments"),
            &trainer,
            &json!({"competency_id": "restorative-practice", "assessed_on": today,
                    "outcome": "brilliant", "standards_met": ["9.9"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let named: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(named, ["outcome", "standards_met"]);
    let res = app
        .post(&format!("/staff/{pc2}/assessments"), &trainer, &body)
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = matrix(app, "").await;
    assert_eq!(cell(&m, &pc2, "restorative-practice"), Status::Green);

    // Events: held once, achieved twice; ids and states only.
    let all = events(app).await;
    let held = all
        .iter()
        .filter(|e| matches!(e, TrainingEvent::SessionHeld { .. }))
        .count();
    assert_eq!(held, 1);
    let achieved: Vec<&String> = all
        .iter()
        .filter_map(|e| match e {
            TrainingEvent::CompetencyAchieved { staff_id, .. } => Some(staff_id),
            _ => None,
        })
        .collect();
    assert_eq!(achieved, [&pc1, &pc2]);
    let raw = serde_json::to_string(&app.events().await).expect("events as JSON");
    for personal in ["Constable", "P1", "u-pc1", "Calm"] {
        assert!(!raw.contains(personal), "{personal} in {raw}");
    }
}
