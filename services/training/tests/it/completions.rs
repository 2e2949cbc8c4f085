//! `POST /completions` and `GET /completions`, the event a completion
//! leaves in the outbox, and the evidence it is for someone on record.

use crate::helpers::{TestApp, cell, id_of, matrix, problem, small_force, user};
use eip_types::Principal;
use eip_types::Role;
use eip_types::events::{EventPage, TrainingEvent};
use eip_types::training::{Completion, NewCompletion, StaffRecord, Status};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn days_ago(n: u64) -> String {
    (today() - chrono::Days::new(n))
        .format("%Y-%m-%d")
        .to_string()
}

fn new(staff_ref: &str, competency_id: &str, completed_on: &str) -> NewCompletion {
    NewCompletion {
        staff_ref: staff_ref.into(),
        competency_id: competency_id.into(),
        completed_on: completed_on.into(),
    }
}

async fn record(app: &TestApp, who: &Principal, body: &NewCompletion) -> Completion {
    let res = app.post("/completions", who, body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "recording {body:?}");
    res.json().await.expect("a completion")
}

async fn list(app: &TestApp, query: &str) -> Vec<Completion> {
    let res = app
        .get(&format!("/completions{query}"), &user(Role::Trainer))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "listing {query}");
    res.json().await.expect("completions")
}

/// The feed's first page as it stands (its `head` counts what is stored).
async fn events(app: &TestApp) -> EventPage {
    let res = app.get_as_service("/events", "governance").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("an event page")
}

/// Nothing was recorded: no completion and no event.
async fn assert_nothing_written(app: &TestApp) {
    assert!(list(app, "").await.is_empty(), "no completion stored");
    assert_eq!(events(app).await.head, 0, "no event recorded");
}

on_both_backends!(
    completions_for_staff_on_record_become_evidence,
    trainers_and_administrators_record_completions,
    other_roles_may_neither_record_nor_read,
    completions_need_an_assertion,
    invalid_completions_name_their_fields,
    an_unknown_competency_is_a_field_error,
    unreadable_bodies_are_refused_and_write_nothing,
    lists_filter_by_staff_member_newest_first,
    a_recorded_completion_is_published_without_the_staff_reference,
);

async fn trainers_and_administrators_record_completions(app: &TestApp) {
    let trainer = user(Role::Trainer);
    let admin = user(Role::Admin);
    let first = record(
        app,
        &trainer,
        &new(" pc-1234 ", "restorative-practice", &days_ago(3)),
    )
    .await;
    assert_eq!(first.staff_ref, "PC-1234");
    assert_eq!(first.competency_id, "restorative-practice");
    assert_eq!(
        first.completed_on.format("%Y-%m-%d").to_string(),
        days_ago(3)
    );
    assert_eq!(first.recorded_by, trainer.user_id);
    let age = chrono::Utc::now() - first.recorded_at;
    assert!(age >= chrono::Duration::zero() && age < chrono::Duration::minutes(1));

    // Completed today is not in the future.
    let second = record(app, &admin, &new("PC-99", "ace-awareness", &days_ago(0))).await;
    assert_eq!(second.recorded_by, admin.user_id);
    assert_ne!(first.id, second.id);

    // Both roles read what was recorded, exactly as it was returned.
    for who in [&trainer, &admin] {
        let res = app.get("/completions", who).await;
        assert_eq!(res.status(), StatusCode::OK);
        let listed: Vec<Completion> = res.json().await.expect("completions");
        assert_eq!(listed, [second.clone(), first.clone()]);
    }
}

async fn other_roles_may_neither_record_nor_read(app: &TestApp) {
    let body = new("PC-1", "restorative-practice", &days_ago(1));
    for role in [
        Role::Frontline,
        Role::Coordinator,
        Role::Partner,
        Role::Board,
        Role::Analyst,
    ] {
        let who = user(role);
        problem(
            app.post("/completions", &who, &body).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        problem(app.get("/completions", &who).await, StatusCode::FORBIDDEN).await;
        problem(
            app.get("/completions?staff_ref=PC-1", &who).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // A platform service is not a trainer either.
    problem(
        app.get_as_service("/completions", "governance").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_nothing_written(app).await;
}

async fn completions_need_an_assertion(app: &TestApp) {
    problem(
        app.get_anonymous("/completions").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let res = app
        .client
        .post(app.url("/completions"))
        .json(&new("PC-1", "restorative-practice", &days_ago(1)))
        .send()
        .await
        .expect("request sent");
    problem(res, StatusCode::UNAUTHORIZED).await;
    assert_nothing_written(app).await;
}

async fn invalid_completions_name_their_fields(app: &TestApp) {
    let trainer = user(Role::Trainer);
    let cases = [
        (
            new("", "", ""),
            vec!["staff_ref", "competency_id", "completed_on"],
        ),
        (
            new("pc 1", "ace-awareness", &days_ago(1)),
            vec!["staff_ref"],
        ),
        (
            new(&"A".repeat(33), "ace-awareness", &days_ago(1)),
            vec!["staff_ref"],
        ),
        (
            new("PC-1", "ace-awareness", "2026-02-30"),
            vec!["completed_on"],
        ),
        (
            new("PC-1", "ace-awareness", "yesterday"),
            vec!["completed_on"],
        ),
    ];
    for (body, fields) in cases {
        let p = problem(
            app.post("/completions", &trainer, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let named: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, fields, "{body:?}");
        assert!(p.errors.iter().all(|e| !e.message.is_empty()));
    }

    let tomorrow = (today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let p = problem(
        app.post(
            "/completions",
            &trainer,
            &new("PC-1", "ace-awareness", &tomorrow),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        p.field("completed_on")
            .unwrap_or_default()
            .contains("future"),
        "{p:?}"
    );

    let p = problem(
        app.get("/completions?limit=0", &trainer).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("limit").is_some(), "{p:?}");
    assert_nothing_written(app).await;
}

async fn an_unknown_competency_is_a_field_error(app: &TestApp) {
    let admin = user(Role::Admin);
    let p = problem(
        app.post(
            "/completions",
            &admin,
            &new("PC-1", "juggling", &days_ago(1)),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let named: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(named, ["competency_id"]);

    // Reported alongside the other fields, in their order.
    let p = problem(
        app.post("/completions", &admin, &new("", "juggling", "soon"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let named: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(named, ["staff_ref", "competency_id", "completed_on"]);
    assert_nothing_written(app).await;
}

async fn unreadable_bodies_are_refused_and_write_nothing(app: &TestApp) {
    let trainer = user(Role::Trainer);
    let json = "application/json";
    let valid = json!({
        "staff_ref": "PC-1",
        "competency_id": "ace-awareness",
        "completed_on": days_ago(1),
    });
    let mut with_extra = valid.clone();
    with_extra["staff_name"] = json!("Someone");
    let mut without_date = valid.clone();
    without_date
        .as_object_mut()
        .expect("an object")
        .remove("completed_on");
    let mut wrong_type = valid.clone();
    wrong_type["staff_ref"] = json!(1234);

    for body in [
        "{\"staff_ref\": ".to_owned(),
        "not json".to_owned(),
        with_extra.to_string(),
        without_date.to_string(),
        wrong_type.to_string(),
    ] {
        let p = problem(
            app.post_raw("/completions", &trainer, json, &body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(p.detail.is_some(), "{body}: {p:?}");
    }
    let p = problem(
        app.post_raw("/completions", &trainer, json, &with_extra.to_string())
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        p.detail
            .as_deref()
            .unwrap_or_default()
            .contains("staff_name"),
        "{p:?}"
    );
    problem(
        app.post_raw("/completions", &trainer, "text/plain", &valid.to_string())
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem(
        app.get("/completions?staff=PC-1", &trainer).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_nothing_written(app).await;
}

async fn lists_filter_by_staff_member_newest_first(app: &TestApp) {
    let trainer = user(Role::Trainer);
    let old = record(app, &trainer, &new("PC-1", "ace-awareness", &days_ago(30))).await;
    let newest = record(
        app,
        &trainer,
        &new("PC-1", "restorative-practice", &days_ago(2)),
    )
    .await;
    let middle = record(
        app,
        &trainer,
        &new("PC-1", "early-help-services", &days_ago(10)),
    )
    .await;
    let other = record(app, &trainer, &new("PC-2", "ace-awareness", &days_ago(1))).await;

    let ids = |list: Vec<Completion>| list.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let expected = vec![newest.id.clone(), middle.id.clone(), old.id.clone()];
    assert_eq!(ids(list(app, "?staff_ref=PC-1").await), expected);
    // Written as the trainer typed it.
    assert_eq!(ids(list(app, "?staff_ref=%20pc-1").await), expected);
    assert_eq!(
        ids(list(app, "?staff_ref=PC-2").await),
        std::slice::from_ref(&other.id)
    );
    assert!(list(app, "?staff_ref=PC-3").await.is_empty());
    assert_eq!(
        ids(list(app, "").await),
        [other.id.clone(), newest.id.clone(), middle.id, old.id]
    );
    assert_eq!(ids(list(app, "?limit=2").await), [other.id, newest.id]);
}

async fn a_recorded_completion_is_published_without_the_staff_reference(app: &TestApp) {
    app.bus
        .ensure_group("training", "it")
        .await
        .expect("group created");
    let trainer = user(Role::Trainer);
    let refused = new("PC-1", "juggling", &days_ago(1));
    assert_eq!(
        app.post("/completions", &trainer, &refused).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let c = record(
        app,
        &trainer,
        &new("PC-4321", "restorative-practice", &days_ago(5)),
    )
    .await;
    let expected = TrainingEvent::CompletionRecorded {
        completion_id: c.id.clone(),
        competency_id: "restorative-practice".into(),
        completed_on: c.completed_on,
    };

    // The feed serves it, as the only event.
    assert_eq!(events(app).await.head, 1);
    let served = app.events().await;
    assert_eq!(served.len(), 1);
    let env = &served[0];
    assert_eq!(env.source, "training");
    assert_eq!(env.kind, "training.completion_recorded");
    assert_eq!(
        env.payload,
        json!({
            "completion_id": c.id,
            "competency_id": "restorative-practice",
            "completed_on": days_ago(5),
        })
    );
    assert_eq!(TrainingEvent::from_envelope(env).as_ref(), Some(&expected));
    let whole = serde_json::to_string(env).expect("serialises");
    assert!(!whole.contains("4321"), "{whole}");
    assert!(!whole.contains(&trainer.user_id), "{whole}");

    // The relay publishes it to the bus.
    let delivered = app
        .bus
        .read("training", "it", "test", 10, Duration::from_secs(5))
        .await
        .expect("read from the bus");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].envelope.id, env.id);
    assert_eq!(
        TrainingEvent::from_envelope(&delivered[0].envelope),
        Some(expected)
    );
}

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
