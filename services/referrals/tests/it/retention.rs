//! Retention review: review dates by outcome, the due list, and decisions to
//! retain or dispose, disposal erasing personal data and keeping statistics.

use crate::helpers::{TestApp, spawn_app};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::referral::{Referral, RetentionDue, RetentionPeriods};
use eip_types::{Problem, Role};
use serde_json::json;

async fn raise(app: &TestApp) -> Referral {
    let officer = principal(Role::Frontline, &["hull"]);
    app.post(
        "/referrals",
        &officer,
        &json!({"child_name": "Kept Child", "date_of_birth": "2014-09-09", "area_id": "hull",
                "reason": "Sensitive detail", "risk_factors": ["domestic_abuse"], "submit": true}),
    )
    .await
    .json()
    .await
    .expect("referral")
}

async fn make_due(app: &TestApp, id: &str) {
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
    app.exec(
        "UPDATE referrals SET review_on = $1 WHERE id = $2",
        &[&yesterday, id],
    )
    .await;
}

async fn due(app: &TestApp) -> Vec<String> {
    let admin = principal(Role::Admin, &[]);
    let items: Vec<RetentionDue> = app
        .get("/retention/due", &admin)
        .await
        .json()
        .await
        .expect("due");
    items.into_iter().map(|i| i.id).collect()
}

async fn reviews_retain_or_dispose_and_disposal_erases_personal_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = principal(Role::Admin, &[]);
    let a = raise(&app).await;
    let b = raise(&app).await;
    let c = raise(&app).await;
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        a.review_on,
        today.checked_add_months(chrono::Months::new(36))
    );
    assert!(due(&app).await.is_empty());
    make_due(&app, &a.id).await;
    make_due(&app, &b.id).await;
    let mut listed = due(&app).await;
    listed.sort();
    let mut expected = vec![a.id.clone(), b.id.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    let decide = |id: &str| format!("/referrals/{id}/retention");
    for (body, field) in [
        (
            json!({"decision": "retain", "reason": "Ongoing case"}),
            "next_review_on",
        ),
        (
            json!({"decision": "retain", "reason": "Ongoing case", "next_review_on": "2001-01-01"}),
            "next_review_on",
        ),
        (json!({"decision": "dispose", "reason": " "}), "reason"),
    ] {
        let res = app.post(&decide(&a.id), &admin, &body).await;
        assert_eq!(res.status(), 422, "{body}");
        let problem: eip_types::Problem = res.json().await.expect("problem");
        assert!(problem.field(field).is_some(), "{body}");
    }
    // Not yet due, or not an administrator: refused.
    let dispose = json!({"decision": "dispose", "reason": "No continuing policing purpose"});
    assert_eq!(
        app.post(&decide(&c.id), &admin, &dispose).await.status(),
        409
    );
    for role in [
        Role::Frontline,
        Role::Coordinator,
        Role::Board,
        Role::Partner,
    ] {
        let p = principal(role, &["hull"]);
        assert_eq!(app.post(&decide(&a.id), &p, &dispose).await.status(), 403);
        assert_eq!(app.get("/retention/due", &p).await.status(), 403);
    }

    let next = (today + chrono::Days::new(365))
        .format("%Y-%m-%d")
        .to_string();
    let retained: Referral = app
        .post(
            &decide(&a.id),
            &admin,
            &json!({"decision": "retain", "reason": "Sibling case open", "next_review_on": next}),
        )
        .await
        .json()
        .await
        .expect("retained");
    assert_eq!(retained.review_on, Some(today + chrono::Days::new(365)));
    assert_eq!(retained.child_name, "Kept Child");

    let disposed: Referral = app
        .post(&decide(&b.id), &admin, &dispose)
        .await
        .json()
        .await
        .expect("disposed");
    assert_eq!(disposed.child_name, "[disposed]");
    assert_eq!(disposed.reason, "");
    assert!(disposed.risk_factors.is_empty());
    assert_eq!(
        disposed
            .date_of_birth
            .map(|d| d.to_string())
            .unwrap_or_default(),
        "2014-01-01"
    );
    assert!(disposed.disposed_at.is_some());
    // What statistics need stays.
    assert_eq!(disposed.area_id, "hull");
    assert_eq!(disposed.status, b.status);
    assert_eq!(disposed.submitted_at, b.submitted_at);

    assert!(due(&app).await.is_empty());
    assert_eq!(
        app.post(&decide(&b.id), &admin, &dispose).await.status(),
        409
    );
}

/// Takes a referral from submitted to closed as `escalated`.
async fn close_escalated(app: &TestApp, mut r: Referral) -> Referral {
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let partner = eip_types::Principal {
        user_id: "partner".into(),
        roles: vec![Role::Partner],
        areas: vec!["hull".into()],
        agency: Some("pvpu".into()),
    };
    for (who, t) in [
        (
            &coordinator,
            json!({"action": "triage", "priority": "urgent", "pathway": "safeguarding"}),
        ),
        (&coordinator, crate::helpers::share("pvpu")),
        (&partner, json!({"action": "accept"})),
        (&partner, json!({"action": "start"})),
        (&partner, json!({"action": "close", "outcome": "escalated"})),
    ] {
        let res = app
            .post(
                &format!("/referrals/{}/transitions", r.id),
                who,
                &json!({"version": r.version, "transition": t}),
            )
            .await;
        assert_eq!(res.status(), 200);
        r = res.json().await.expect("referral");
    }
    r
}

async fn closing_sets_the_review_date_by_outcome(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = close_escalated(&app, raise(&app).await).await;
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        r.review_on,
        today.checked_add_months(chrono::Months::new(72))
    );
}

async fn an_administrator_sets_the_retention_periods(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = principal(Role::Admin, &[]);
    let mut periods: RetentionPeriods = app
        .get("/retention-periods", &admin)
        .await
        .json()
        .await
        .expect("periods");
    assert_eq!(periods, RetentionPeriods::default());
    periods.escalated_months = 18;
    let res = app.put("/retention-periods", &admin, &periods).await;
    assert_eq!(res.status(), 200);
    let r = close_escalated(&app, raise(&app).await).await;
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        r.review_on,
        today.checked_add_months(chrono::Months::new(18))
    );

    // Out of range is refused field by field, and nothing changes.
    let mut bad = json!(periods);
    bad["open_months"] = json!(0);
    bad["withdrawn_months"] = json!(301);
    let res = app.put("/retention-periods", &admin, &bad).await;
    assert_eq!(res.status(), 422);
    let p: Problem = res.json().await.expect("problem");
    assert!(p.field("open_months").is_some() && p.field("withdrawn_months").is_some());
    let now: RetentionPeriods = app
        .get("/retention-periods", &admin)
        .await
        .json()
        .await
        .expect("periods");
    assert_eq!(now, periods);

    for role in Role::ALL {
        let who = principal(role, &["hull"]);
        let read = app.get("/retention-periods", &who).await.status();
        let write = app.put("/retention-periods", &who, &periods).await.status();
        let may_read = matches!(role, Role::Admin | Role::Dpo);
        assert_eq!(read, if may_read { 200 } else { 403 }, "{role} reads");
        assert_eq!(
            write,
            if role == Role::Admin { 200 } else { 403 },
            "{role} writes"
        );
    }
}

on_both_backends!(
    reviews_retain_or_dispose_and_disposal_erases_personal_data,
    closing_sets_the_review_date_by_outcome,
    an_administrator_sets_the_retention_periods,
);
