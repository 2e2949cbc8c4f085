//! Currency through the skills matrix, and coverage in JSON and CSV.

use crate::helpers::{
    HEADER, TestApp, cell, evidence, id_of, import, matrix, small_force, user, user_with_id,
};
use eip_types::Role;
use eip_types::training::{Coverage, StaffRecord, Status};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    currency_follows_the_golden_dates,
    coverage_agrees_in_json_and_csv,
);

async fn currency_follows_the_golden_dates(app: &TestApp) {
    let ids = small_force(app).await;
    let pc1 = id_of(&ids, "Constable One");
    evidence(
        app,
        &pc1,
        json!({"competency_id": "restorative-practice", "kind": "completed",
               "activity": "training", "level": "foundation", "occurred_on": "2025-03-15"}),
    )
    .await;
    for (day, status) in [
        ("2025-03-14", Status::Grey),
        ("2026-01-13", Status::Green),
        ("2026-01-14", Status::Amber),
        ("2026-03-14", Status::Amber),
        ("2026-03-15", Status::Red),
    ] {
        let m = matrix(app, &format!("?as_of={day}")).await;
        assert_eq!(cell(&m, &pc1, "restorative-practice"), status, "{day}");
    }
    // Delivering a process on 2025-09-01 slides the lapse to 2026-09-01.
    let res = app
        .post(
            &format!("/staff/{pc1}/evidence"),
            &user_with_id(Role::Frontline, "u-pc1"),
            &json!({"competency_id": "restorative-practice", "kind": "logged",
                    "activity": "process", "occurred_on": "2025-09-01"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = matrix(app, "?as_of=2026-03-15").await;
    assert_eq!(cell(&m, &pc1, "restorative-practice"), Status::Green);
    let record: StaffRecord = app
        .get(
            &format!("/staff/{pc1}/record?as_of=2026-03-15"),
            &user(Role::Trainer),
        )
        .await
        .json()
        .await
        .expect("a record");
    let rp = &record.standings[0];
    assert_eq!(
        rp.lapses_on.map(|d| d.to_string()),
        Some("2026-09-01".into())
    );
    let m = matrix(app, "?as_of=2026-09-01").await;
    assert_eq!(cell(&m, &pc1, "restorative-practice"), Status::Red);
    // Required but never held is grey; not required and never held, none.
    assert_eq!(cell(&m, &pc1, "ace-awareness"), Status::Grey);
    assert_eq!(cell(&m, &pc1, "long-term-risk"), Status::None);
}

async fn coverage_agrees_in_json_and_csv(app: &TestApp) {
    // Police staff require ACE awareness only, for this test.
    let admin = user(Role::Admin);
    let res = app
        .put(
            "/job-roles/police-staff/requirements",
            &admin,
            &json!([{"competency_id": "ace-awareness"}]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let mut csv = HEADER.to_owned();
    for i in 0..10 {
        csv.push_str(&format!("T{i},,Member {i},team-ten,hull,police-staff,,\n"));
    }
    assert_eq!(import(app, &csv).await.imported, 10);
    let m = matrix(app, "?team=team-ten").await;
    for row in m.rows.iter().take(7) {
        evidence(
            app,
            &row.staff_id,
            json!({"competency_id": "ace-awareness", "kind": "completed",
                   "activity": "training", "occurred_on": "2025-01-10"}),
        )
        .await;
    }
    let m = matrix(app, "?team=team-ten").await;
    let team: Vec<&Coverage> = m
        .coverage
        .iter()
        .filter(|c| c.scope == "team" && c.scope_id == "team-ten")
        .collect();
    assert_eq!(team[0].competency_id, None);
    assert_eq!((team[0].required, team[0].current), (10, 7));
    assert_eq!(team[0].percent, Some(70));
    assert_eq!(team[0].display(), "70%");

    let res = app
        .get("/coverage.csv?team=team-ten", &user(Role::Trainer))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
    let text = res.text().await.expect("csv");
    assert!(text.contains("team,team-ten,,10,7,70%\n"), "{text}");
    assert!(
        text.contains("team,team-ten,ace-awareness,10,7,70%\n"),
        "{text}"
    );
    assert!(text.contains("area,hull,,10,7,70%\n"), "{text}");

    let res = app
        .get("/matrix.csv?team=team-ten", &user(Role::Trainer))
        .await;
    let text = res.text().await.expect("csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(lines[0].starts_with("name,team,area,role,agency,restorative-practice,ace-awareness"));
    assert_eq!(text.matches(",green,").count(), 7, "{text}");
    assert_eq!(text.matches(",grey,").count(), 3, "{text}");
}
