//! The evidence log: append-only, checked, and what staff may log themselves.

use crate::helpers::{TestApp, evidence, id_of, problem, small_force, user, user_with_id};
use eip_types::Role;
use eip_types::training::{StaffRecord, Status};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(the_evidence_log_is_append_only_and_checked);

async fn the_evidence_log_is_append_only_and_checked(app: &TestApp) {
    let ids = small_force(app).await;
    let pc1 = id_of(&ids, "Constable One");
    let trainer = user(Role::Trainer);
    let path = format!("/staff/{pc1}/evidence");
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let cases = [
        (
            json!({"competency_id": "restorative-practice", "kind": "override",
                   "activity": "training", "occurred_on": "2026-01-01"}),
            vec!["note"],
        ),
        (
            json!({"competency_id": "juggling", "kind": "made-up", "activity": "dancing",
                   "occurred_on": tomorrow}),
            vec!["competency_id", "kind", "activity", "occurred_on"],
        ),
        (
            json!({"competency_id": "restorative-practice", "kind": "completed",
                   "activity": "training", "level": "expert", "occurred_on": "2026-01-01"}),
            vec!["level"],
        ),
        (
            json!({"competency_id": "ace-awareness", "kind": "completed",
                   "activity": "training", "level": "advanced", "occurred_on": "2026-01-01"}),
            vec!["level"],
        ),
        (
            json!({"competency_id": "restorative-practice", "kind": "logged",
                   "activity": "cpd", "occurred_on": "2026-01-01"}),
            vec!["hours"],
        ),
    ];
    for (body, fields) in cases {
        let p = problem(
            app.post(&path, &trainer, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let named: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, fields, "{body}");
    }
    let first = evidence(
        app,
        &pc1,
        json!({"competency_id": "restorative-practice", "kind": "override",
               "activity": "training", "level": "intermediate",
               "occurred_on": "2026-01-01", "note": "Qualified with another force."}),
    )
    .await;
    // A correction is a new entry; the first stays as it was.
    let second = evidence(
        app,
        &pc1,
        json!({"competency_id": "restorative-practice", "kind": "override",
               "activity": "training", "level": "foundation", "occurred_on": "2026-01-01",
               "note": "Correction: foundation, not intermediate.", "corrects": first.id}),
    )
    .await;
    let record: StaffRecord = app
        .get(&format!("/staff/{pc1}/record"), &trainer)
        .await
        .json()
        .await
        .expect("record");
    assert_eq!(record.evidence.len(), 2);
    assert!(record.evidence.contains(&first) && record.evidence.contains(&second));
    assert_eq!(second.corrects.as_ref(), Some(&first.id));
    // The corrected entry no longer counts: foundation is held.
    assert_eq!(
        record.standings[0].held_level,
        Some(eip_types::training::Level::Foundation)
    );
    // An entry is corrected once, with a note, and only within its record.
    let again = json!({"competency_id": "restorative-practice", "kind": "override",
                       "activity": "training", "occurred_on": "2026-01-01",
                       "note": "Again.", "corrects": first.id});
    let p = problem(
        app.post(&path, &trainer, &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("corrects").is_some(), "{p:?}");
    let unnoted = json!({"competency_id": "restorative-practice", "kind": "completed",
                         "activity": "training", "occurred_on": "2026-01-01",
                         "corrects": second.id});
    let p = problem(
        app.post(&path, &trainer, &unnoted).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("note").is_some(), "{p:?}");
    let res = app
        .client
        .delete(app.url(&path))
        .bearer_auth(app.token(&trainer))
        .send()
        .await
        .expect("sent");
    assert!(!res.status().is_success());
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(app.token(&trainer))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert!(!res.status().is_success());

    // Staff log their own processes, but not completions, nor for others.
    let pc2 = id_of(&ids, "Constable Two");
    let me = user_with_id(Role::Frontline, "u-pc1");
    let done = json!({"competency_id": "restorative-practice", "kind": "completed",
                      "activity": "training", "occurred_on": "2026-01-01"});
    problem(app.post(&path, &me, &done).await, StatusCode::FORBIDDEN).await;
    let process = json!({"competency_id": "restorative-practice", "kind": "logged",
                         "activity": "process", "occurred_on": "2026-01-02"});
    problem(
        app.post(&format!("/staff/{pc2}/evidence"), &me, &process)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post("/staff/nobody/evidence", &trainer, &process).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let cpd = json!({"competency_id": "restorative-practice", "kind": "logged",
                     "activity": "cpd", "hours": 2.5, "approved": true, "occurred_on": "2026-01-03"});
    assert_eq!(
        app.post(&path, &me, &cpd).await.status(),
        StatusCode::CREATED
    );
    let record: StaffRecord = app
        .get(
            "/me?as_of=2026-02-01",
            &user_with_id(Role::Trainer, "u-pc1"),
        )
        .await
        .json()
        .await
        .expect("own record");
    let checks = &record.practice[0];
    assert_eq!(checks.cpd_approved_hours, 2.5);
    assert_eq!(checks.cpd_required_hours, 6.0);
    assert!(checks.cpd_short);
    assert_eq!(checks.supervision, Status::Red);
    assert!(checks.observation_due);
}
