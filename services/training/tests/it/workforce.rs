//! The workforce routes: framework, import, evidence, sessions and
//! assessments, currency through the matrix, coverage, reminders, events
//! and who may do what.

use crate::helpers::{TestApp, problem, user, user_with_id};
use eip_types::Role;
use eip_types::events::{EventPage, TrainingEvent};
use eip_types::training::{
    Coverage, Evidence, Framework, ImportReport, JobReport, Matrix, Reminder, Session, StaffRecord,
    Status,
};
use reqwest::StatusCode;
use serde_json::json;

const HEADER: &str = "staff_number,user_id,name,team,area,role,manager,agency\n";

async fn import(app: &TestApp, csv: &str) -> ImportReport {
    let res = app
        .post_raw("/staff/import", &user(Role::Admin), "text/csv", csv)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("an import report")
}

/// A small force: a sergeant (u-sgt) managing two constables (u-pc1,
/// u-pc2), an inspector above the sergeant, a partner worker and someone
/// in another team.
async fn small_force(app: &TestApp) -> Vec<(String, String)> {
    let report = import(
        app,
        &format!(
            "{HEADER}I1,u-insp,Inspector Demo,hull-north,hull,police-constable,,\n\
             S1,u-sgt,Sergeant Demo,hull-north,hull,police-constable,I1,\n\
             P1,u-pc1,Constable One,hull-north,hull,police-constable,S1,\n\
             P2,u-pc2,Constable Two,hull-north,hull,pcso,u-sgt,\n\
             ,u-cfs,Partner Demo,hull-north,hull,joint-role,S1,childrens-family-services\n\
             X1,u-other,Other Demo,east-coast,east-riding,police-staff,,\n"
        ),
    )
    .await;
    assert_eq!(report.errors, []);
    assert_eq!(report.imported, 6);
    let m = matrix(app, "").await;
    let mut ids: Vec<(String, String)> = m
        .rows
        .iter()
        .map(|r| (r.name.clone(), r.staff_id.clone()))
        .collect();
    ids.sort();
    ids
}

fn id_of(ids: &[(String, String)], name: &str) -> String {
    ids.iter()
        .find(|(n, _)| n == name)
        .map(|(_, id)| id.clone())
        .unwrap_or_default()
}

async fn matrix(app: &TestApp, query: &str) -> Matrix {
    let res = app
        .get(&format!("/matrix{query}"), &user(Role::Trainer))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    res.json().await.expect("a matrix")
}

async fn evidence(app: &TestApp, staff_id: &str, body: serde_json::Value) -> Evidence {
    let res = app
        .post(
            &format!("/staff/{staff_id}/evidence"),
            &user(Role::Trainer),
            &body,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    res.json().await.expect("evidence")
}

fn cell(m: &Matrix, staff_id: &str, competency: &str) -> Status {
    let at = m
        .competencies
        .iter()
        .position(|c| c.id == competency)
        .unwrap_or(usize::MAX);
    m.rows
        .iter()
        .find(|r| r.staff_id == staff_id)
        .and_then(|r| r.cells.get(at))
        .map_or(Status::None, |c| c.status)
}

async fn events(app: &TestApp) -> Vec<TrainingEvent> {
    let res = app.get_as_service("/events?limit=1000", "governance").await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: EventPage = res.json().await.expect("events");
    page.events
        .iter()
        .filter_map(TrainingEvent::from_envelope)
        .collect()
}

on_both_backends!(
    the_framework_is_seeded_and_administrators_edit_it,
    a_thousand_rows_with_three_bad_import_997,
    ten_thousand_rows_import_in_one_file,
    currency_follows_the_golden_dates,
    coverage_agrees_in_json_and_csv,
    the_evidence_log_is_append_only_and_checked,
    sessions_registers_and_assessments,
    reminders_are_created_once,
    each_role_sees_what_it_should,
    pauses_and_role_changes_take_effect_at_once,
    completions_for_staff_on_record_become_evidence,
    administrators_add_competencies,
    a_renewal_pack_covers_a_twelve_month_window,
);

async fn completions_for_staff_on_record_become_evidence(app: &TestApp) {
    let ids = small_force(app).await;
    let pc1 = id_of(&ids, "Constable One");
    let today = chrono::Utc::now().date_naive().to_string();
    let res = app
        .post(
            "/completions",
            &user(Role::Trainer),
            &json!({"staff_ref": "p1", "competency_id": "restorative-practice", "completed_on": today}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = matrix(app, "").await;
    assert_eq!(cell(&m, &pc1, "restorative-practice"), Status::Green);
    let record: StaffRecord = app
        .get(&format!("/staff/{pc1}/record"), &user(Role::Trainer))
        .await
        .json()
        .await
        .expect("record");
    assert_eq!(record.evidence.len(), 1);
    assert_eq!(record.evidence[0].source, "external");
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
        "X1,,Someone,t0,hull,pcso,,\n".repeat(workforce_cap() / 24 + 1)
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

fn workforce_cap() -> usize {
    eip_training::jobs::import::MAX_IMPORT_BYTES
}

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
    let raw = app
        .get_as_service("/events?limit=1000", "governance")
        .await
        .text()
        .await
        .expect("text");
    for personal in ["Constable", "P1", "u-pc1", "Calm"] {
        assert!(!raw.contains(personal), "{personal} in {raw}");
    }
}

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
        let raw = app
            .get_as_service("/events", "governance")
            .await
            .text()
            .await
            .expect("text");
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
