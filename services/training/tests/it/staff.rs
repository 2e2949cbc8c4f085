//! Staff: the import, job roles, who sees whose record, pauses, and the
//! renewal pack.

use crate::helpers::{
    HEADER, TestApp, cell, events, evidence, id_of, import, matrix, problem, small_force, user,
    user_with_id,
};
use eip_types::Role;
use eip_types::events::TrainingEvent;
use eip_types::training::{Matrix, Reminder, StaffRecord, Status};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    a_thousand_rows_with_three_bad_import_997,
    ten_thousand_rows_import_in_one_file,
    each_role_sees_what_it_should,
    pauses_and_role_changes_take_effect_at_once,
    a_renewal_pack_covers_a_twelve_month_window,
);

async fn a_thousand_rows_with_three_bad_import_997(app: &TestApp) {
    let mut csv = HEADER.to_owned();
    for i in 1..=1000 {
        let line = i + 1;
        let row = match line {
            2 => format!("F{i},,N{i},t0,hull,pcso,,\n"),
            101 => format!("F{i},,N{i},t{},atlantis,pcso,,\n", i % 7),
            502 => format!("F{i},,N{i},t{},hull,wizard,,\n", i % 7),
            903 => "F5,,Dup,t1,hull,pcso,,\n".to_owned(),
            _ => format!("F{i},,N{i},t{},hull,pcso,F1,\n", i % 7),
        };
        csv.push_str(&row);
    }
    assert!(csv.len() < 64 * 1024);
    // Only administrators import.
    for role in [Role::Trainer, Role::Frontline, Role::Board] {
        problem(
            app.post_raw("/staff/import", &user(role), "text/csv", &csv)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let report = import(app, &csv).await;
    assert_eq!(report.imported, 997);
    let errors: Vec<(u64, Option<&str>)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        errors,
        [
            (101, Some("area")),
            (502, Some("role")),
            (903, Some("staff_number"))
        ]
    );
    assert!(report.errors.iter().all(|e| !e.message.is_empty()));
    assert_eq!(matrix(app, "").await.rows.len(), 997);
    // Managers were linked: F1 manages everyone else.
    let m = matrix(app, "").await;
    let f1 = m.rows.iter().find(|r| r.name == "N1").expect("F1");
    assert_eq!(
        matrix(app, &format!("?manager={}", f1.staff_id))
            .await
            .rows
            .len(),
        996
    );
    // Importing the same file again refuses every row as already on record.
    let again = import(app, &csv).await;
    assert_eq!(again.imported, 0);
    assert_eq!(again.errors.len(), 1000);
    problem(
        app.post_raw(
            "/staff/import",
            &user(Role::Admin),
            "application/json",
            "{}",
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
}

async fn ten_thousand_rows_import_in_one_file(app: &TestApp) {
    let mut csv = HEADER.to_owned();
    for i in 1..=10_000 {
        // Every hundredth person signs in: their record is linked.
        let user = if i % 100 == 0 {
            format!("u-{i}")
        } else {
            String::new()
        };
        let manager = if i == 1 { "" } else { "P1" };
        csv.push_str(&format!(
            "P{i},{user},Person {i},team-{},hull,police-constable,{manager},\n",
            i % 40
        ));
    }
    assert!(csv.len() > 64 * 1024, "{}", csv.len());
    let report = import(app, &csv).await;
    assert_eq!((report.imported, report.errors.len()), (10_000, 0));
    assert_eq!(matrix(app, "?team=team-7").await.rows.len(), 250);
    // Linked records are announced (ids only) for the services that gate
    // work on a current competency.
    let linked = events(app)
        .await
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                TrainingEvent::StaffLinked {
                    account: Some(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(linked, 100);

    // Beyond the import's cap: refused whole, nothing imported.
    let huge = format!(
        "{HEADER}{}",
        "X1,,Someone,t0,hull,pcso,,\n".repeat(import_cap() / 24 + 1)
    );
    let res = app
        .post_raw("/staff/import", &user(Role::Admin), "text/csv", &huge)
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Other routes keep the platform's small limit.
    let big_json = json!({"id": "x", "name": "x".repeat(70 * 1024)});
    let res = app
        .post("/competencies", &user(Role::Admin), &big_json)
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

async fn each_role_sees_what_it_should(app: &TestApp) {
    let ids = small_force(app).await;
    let pc1 = id_of(&ids, "Constable One");
    let sgt = id_of(&ids, "Sergeant Demo");
    let partner = id_of(&ids, "Partner Demo");
    let record = |id: &str| format!("/staff/{id}/record");
    let status = async |path: &str, who| app.get(path, &who).await.status();

    // Own record, by the user id on it.
    let me = user_with_id(Role::Frontline, "u-pc1");
    assert_eq!(status(&record(&pc1), me.clone()).await, StatusCode::OK);
    assert_eq!(status("/me", me.clone()).await, StatusCode::OK);
    assert_eq!(
        status(&record(&sgt), me.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status("/matrix", me.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status("/me?as_of=2030-01-01", me.clone()).await,
        StatusCode::FORBIDDEN
    );
    // Line managers: reports direct and indirect, in the matrix too.
    let inspector = user_with_id(Role::Coordinator, "u-insp");
    assert_eq!(
        status(&record(&pc1), inspector.clone()).await,
        StatusCode::OK
    );
    let m: Matrix = app
        .get("/matrix", &inspector)
        .await
        .json()
        .await
        .expect("matrix");
    assert_eq!(
        m.rows.len(),
        5,
        "inspector, sergeant, two constables, partner"
    );
    let csv = app.get("/matrix.csv", &inspector).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(!csv.text().await.expect("csv").contains("Other Demo"));
    // Partner staff: their own only.
    let cfs = user_with_id(Role::Partner, "u-cfs");
    assert_eq!(status(&record(&partner), cfs.clone()).await, StatusCode::OK);
    assert_eq!(
        status(&record(&pc1), cfs.clone()).await,
        StatusCode::FORBIDDEN
    );
    // Board members: nothing here, even with a staff record.
    let board = user_with_id(Role::Board, "u-other");
    assert_eq!(
        status("/matrix", board.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status("/coverage.csv", board.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&record(&pc1), board.clone()).await,
        StatusCode::FORBIDDEN
    );
    // Trainers and administrators: everyone.
    for role in [Role::Trainer, Role::Admin] {
        assert_eq!(status(&record(&pc1), user(role)).await, StatusCode::OK);
        assert_eq!(status("/matrix.csv", user(role)).await, StatusCode::OK);
    }
    // Without a staff record, no record of one's own.
    assert_eq!(
        status("/me", user(Role::Analyst)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(&record("nobody"), user(Role::Trainer)).await,
        StatusCode::NOT_FOUND
    );
    problem(app.get_anonymous("/matrix").await, StatusCode::UNAUTHORIZED).await;
    // Filters narrow the matrix.
    assert_eq!(
        matrix(app, "?agency=childrens-family-services")
            .await
            .rows
            .len(),
        1
    );
    assert_eq!(matrix(app, "?area=east-riding").await.rows.len(), 1);
    assert_eq!(matrix(app, "?role=pcso").await.rows.len(), 1);
    assert_eq!(matrix(app, &format!("?manager={sgt}")).await.rows.len(), 3);
    problem(
        app.get("/matrix?as_of=someday", &user(Role::Trainer)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

async fn pauses_and_role_changes_take_effect_at_once(app: &TestApp) {
    let ids = small_force(app).await;
    let other = id_of(&ids, "Other Demo");
    let trainer = user(Role::Trainer);
    // Police staff require ACE awareness: grey, and counted.
    let m = matrix(app, "?team=east-coast").await;
    assert_eq!(cell(&m, &other, "ace-awareness"), Status::Grey);
    assert_eq!(m.coverage[0].required, 2);

    // Restorative practice held since 2025-03-15, so lapsing on 2026-03-15.
    evidence(
        app,
        &other,
        json!({"competency_id": "restorative-practice", "kind": "completed",
               "activity": "training", "level": "foundation", "occurred_on": "2025-03-15"}),
    )
    .await;

    let pause = json!({"starts_on": "2026-01-01", "ends_on": "2026-12-31", "reason": "Long leave"});
    problem(
        app.post(
            &format!("/staff/{other}/pauses"),
            &user(Role::Frontline),
            &pause,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let p = problem(
        app.post(
            &format!("/staff/{other}/pauses"),
            &trainer,
            &json!({"starts_on": "2026-05-01", "ends_on": "2026-04-01", "reason": " "}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let named: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(named, ["ends_on", "reason"]);
    let res = app
        .post(&format!("/staff/{other}/pauses"), &trainer, &pause)
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = matrix(app, "?team=east-coast&as_of=2026-06-01").await;
    assert_eq!(cell(&m, &other, "ace-awareness"), Status::Paused);
    assert!(m.rows[0].paused);
    assert!(m.coverage.is_empty(), "{:?}", m.coverage);
    let record: StaffRecord = app
        .get(&format!("/staff/{other}/record"), &trainer)
        .await
        .json()
        .await
        .expect("record");
    assert_eq!(record.pauses.len(), 1);
    assert_eq!(record.pauses[0].reason, "Long leave");
    // Gating services hear that the lapse moved on by the pause's 365 days
    // (ACE awareness never expires, so nothing moves there).
    let deferred: Vec<TrainingEvent> = events(app)
        .await
        .into_iter()
        .filter(|e| matches!(e, TrainingEvent::LapseDeferred { .. }))
        .collect();
    assert_eq!(
        deferred,
        [TrainingEvent::LapseDeferred {
            staff_id: other.clone(),
            competency_id: "restorative-practice".into(),
            lapses_on: "2027-03-15".parse().expect("a date"),
        }]
    );

    // A role change changes what is required at once.
    let admin = user(Role::Admin);
    let res = app
        .put(
            &format!("/staff/{other}/role"),
            &admin,
            &json!({"role_id": "joint-role"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let m = matrix(app, "?team=east-coast&as_of=2027-06-01").await;
    assert_eq!(cell(&m, &other, "long-term-risk"), Status::Grey);
    assert_eq!(m.coverage[0].required, 4);
    problem(
        app.put(
            &format!("/staff/{other}/role"),
            &admin,
            &json!({"role_id": "wizard"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(
        app.put(
            &format!("/staff/{other}/role"),
            &trainer,
            &json!({"role_id": "pcso"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

mod demo_force {
    use super::*;
    use eip_test_support::Backend;

    async fn demo_shows_every_status(backend: Backend) {
        let app = crate::helpers::spawn_demo_app(backend).await;
        let m = matrix(&app, "").await;
        assert!(m.rows.len() >= 25, "{}", m.rows.len());
        let statuses: std::collections::HashSet<Status> = m
            .rows
            .iter()
            .flat_map(|r| r.cells.iter().map(|c| c.status))
            .collect();
        for s in [
            Status::Green,
            Status::Amber,
            Status::Red,
            Status::Grey,
            Status::Paused,
        ] {
            assert!(statuses.contains(&s), "{s:?} missing from the demo");
        }
        // The demo trainer has a record of their own.
        let res = app
            .get("/me", &user_with_id(Role::Trainer, "trainer"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        // Their own restorative practice has lapsed: the reminder is there
        // from the start.
        let mine: Vec<Reminder> = app
            .get("/reminders", &user_with_id(Role::Trainer, "trainer"))
            .await
            .json()
            .await
            .expect("reminders");
        assert!(
            mine.iter()
                .any(|r| r.stage == "lapsed" && r.competency_id == "restorative-practice"),
            "{mine:?}"
        );
        // No names in the events the demo left.
        let raw = serde_json::to_string(&app.events().await).expect("events as JSON");
        assert!(!raw.contains("Demo"), "{raw}");
        app.stop().await;
    }

    #[tokio::test]
    async fn sqlite() {
        demo_shows_every_status(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        demo_shows_every_status(Backend::Postgres).await;
    }
}

async fn a_renewal_pack_covers_a_twelve_month_window(app: &TestApp) {
    let ids = small_force(app).await;
    let pc1 = id_of(&ids, "Constable One");
    for body in [
        json!({"competency_id": "restorative-practice", "kind": "logged", "activity": "cpd",
               "hours": 4, "approved": true, "occurred_on": "2025-02-01"}),
        json!({"competency_id": "restorative-practice", "kind": "logged", "activity": "cpd",
               "hours": 1.5, "occurred_on": "2025-06-01"}),
        json!({"competency_id": "restorative-practice", "kind": "logged", "activity": "process",
               "occurred_on": "2025-07-01"}),
        json!({"competency_id": "restorative-practice", "kind": "logged", "activity": "supervision",
               "occurred_on": "2025-08-01"}),
        // Outside the window.
        json!({"competency_id": "restorative-practice", "kind": "logged", "activity": "process",
               "occurred_on": "2026-01-01"}),
    ] {
        evidence(app, &pc1, body).await;
    }
    let path = format!("/staff/{pc1}/renewal-pack.csv?from=2025-01-01");
    let res = app
        .get(&path, &user_with_id(Role::Frontline, "u-pc1"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.expect("csv");
    assert!(
        text.contains("cpd,2025-02-01,restorative-practice,4.00,yes,"),
        "{text}"
    );
    assert!(text.contains("supervision,2025-08-01,"), "{text}");
    assert!(
        text.contains("total_cpd_approved_hours,2025-01-01..2025-12-31,,4.00"),
        "{text}"
    );
    assert!(
        text.contains("total_cpd_other_hours,2025-01-01..2025-12-31,,1.50"),
        "{text}"
    );
    assert!(
        text.contains("total_processes_delivered,2025-01-01..2025-12-31,,1"),
        "{text}"
    );
    assert!(!text.contains("2026-01-01,"), "{text}");
    problem(
        app.get(&path, &user_with_id(Role::Frontline, "u-pc2"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.get(
            &format!("/staff/{pc1}/renewal-pack.csv?from=soon"),
            &user(Role::Trainer),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

fn import_cap() -> usize {
    eip_training::jobs::import::MAX_IMPORT_BYTES
}
