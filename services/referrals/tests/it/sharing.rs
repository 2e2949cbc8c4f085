//! Lawful sharing over HTTP: lawful basis, consent and agreement rules, what
//! the receiving agency sees, the administrators' reference data, and the
//! follow-up check after closure.

use crate::helpers::{TestApp, admin, share, spawn_app};
use crate::lifecycle::{ok_step, raise};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::referral::{
    Agency, Referral, ReferralDetail, ReferralStatus, SharedField, SharingAgreement,
};
use eip_types::{Principal, Problem, Role};
use serde_json::{Value, json};

fn cfs_worker() -> Principal {
    principal(Role::Partner, &["hull"])
}

async fn triaged(app: &TestApp, coordinator: &Principal) -> Referral {
    let officer = principal(Role::Frontline, &["hull"]);
    let r = raise(app, &officer, true).await;
    ok_step(
        app,
        coordinator,
        &r,
        json!({"action": "triage", "priority": "routine", "pathway": "early_help"}),
    )
    .await
}

async fn try_share(app: &TestApp, who: &Principal, r: &Referral, body: Value) -> reqwest::Response {
    app.post(
        &format!("/referrals/{}/transitions", r.id),
        who,
        &json!({"version": r.version, "transition": body}),
    )
    .await
}

async fn problem(res: reqwest::Response, status: u16) -> Problem {
    assert_eq!(res.status(), status);
    res.json().await.expect("problem")
}

fn with(mut body: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("object") {
        body[k] = v.clone();
    }
    body
}

async fn unchanged(app: &TestApp, coordinator: &Principal, r: &Referral) {
    let now: ReferralDetail = app
        .get(&format!("/referrals/{}", r.id), coordinator)
        .await
        .json()
        .await
        .expect("detail");
    assert_eq!(now.referral.status, ReferralStatus::Triaged);
    assert_eq!(now.referral.version, r.version);
    assert!(now.share.is_none());
}

async fn a_share_needs_a_basis_a_consent_position_and_an_agreement_in_force(backend: Backend) {
    let app = spawn_app(backend).await;
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let r = triaged(&app, &coordinator).await;
    let cfs = "childrens-family-services";

    let bare = json!({"action": "share", "agency_id": cfs});
    let p = problem(try_share(&app, &coordinator, &r, bare).await, 422).await;
    for field in ["lawful_basis", "consent", "agreement_id"] {
        assert!(p.field(field).is_some(), "{field}: {p:?}");
    }

    // Without consent, the reason is required.
    let refused = with(share(cfs), json!({"consent": "refused"}));
    let p = problem(
        try_share(&app, &coordinator, &r, refused.clone()).await,
        422,
    )
    .await;
    assert!(p.field("consent_note").is_some(), "{p:?}");
    // Consent cannot be the basis when it was withdrawn.
    let withdrawn = with(
        share(cfs),
        json!({"consent": "withdrawn", "lawful_basis": "consent", "consent_note": "x"}),
    );
    let p = problem(try_share(&app, &coordinator, &r, withdrawn).await, 422).await;
    assert!(p.field("consent").is_some(), "{p:?}");

    // An agreement for another agency, or one that has lapsed, is refused.
    let other = with(share(cfs), json!({"agreement_id": "isa-schools"}));
    let p = problem(try_share(&app, &coordinator, &r, other).await, 422).await;
    assert!(p.field("agreement_id").is_some(), "{p:?}");
    let lapsed: SharingAgreement = app
        .post(
            "/agreements",
            &admin(),
            &json!({"name": "Old agreement", "agency_id": cfs,
                    "starts_on": "2020-01-01", "ends_on": "2021-12-31"}),
        )
        .await
        .json()
        .await
        .expect("agreement");
    let on_lapsed = with(share(cfs), json!({"agreement_id": lapsed.id}));
    let p = problem(
        try_share(&app, &coordinator, &r, on_lapsed.clone()).await,
        422,
    )
    .await;
    let message = p.field("agreement_id").expect("agreement error");
    assert!(message.contains("lapsed on 2021-12-31"), "{message}");
    unchanged(&app, &coordinator, &r).await;

    // Renewed, it can be relied on; shared without consent, with the reason.
    let today = chrono::Utc::now().date_naive();
    let res = app
        .put(
            &format!("/agreements/{}", lapsed.id),
            &admin(),
            &json!({"name": "Old agreement, renewed", "agency_id": cfs,
                    "starts_on": "2020-01-01", "ends_on": (today + chrono::Days::new(30)).to_string()}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = with(
        on_lapsed,
        json!({"consent": "not_sought", "consent_note": "Telling the parent would put the child at risk"}),
    );
    let res = try_share(&app, &coordinator, &r, body).await;
    assert_eq!(res.status(), 200);
    let detail: ReferralDetail = app
        .get(&format!("/referrals/{}", r.id), &coordinator)
        .await
        .json()
        .await
        .expect("detail");
    let share = detail.share.expect("share recorded");
    assert_eq!(share.agreement_id, lapsed.id);
    assert_eq!(
        share.consent_note.as_deref(),
        Some("Telling the parent would put the child at risk")
    );
}

async fn the_receiving_agency_sees_only_the_fields_shared(backend: Backend) {
    let app = spawn_app(backend).await;
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let r = triaged(&app, &coordinator).await;
    let body = with(
        share("childrens-family-services"),
        json!({"fields": ["reason"], "consent": "refused", "consent_note": "Parent refused; risk of harm"}),
    );
    assert_eq!(try_share(&app, &coordinator, &r, body).await.status(), 200);

    let seen: ReferralDetail = crate::helpers::get_with_reason(
        &app,
        &format!("/referrals/{}", r.id),
        &cfs_worker(),
        "Assessing the referral",
    )
    .await
    .json()
    .await
    .expect("detail");
    assert_eq!(
        seen.withheld,
        [SharedField::DateOfBirth, SharedField::Screening]
    );
    assert_eq!(seen.referral.date_of_birth, None);
    assert_eq!(seen.referral.reason, "Repeated missing episodes");
    assert_eq!(seen.referral.child_name, "Lifecycle Child");
    let share = seen.share.expect("share");
    assert_eq!(
        share.consent_note, None,
        "the consent note stays with the police"
    );
    assert_eq!(seen.allowed_actions, ["accept", "decline"]);

    let full: ReferralDetail = app
        .get(&format!("/referrals/{}", r.id), &coordinator)
        .await
        .json()
        .await
        .expect("detail");
    assert!(full.withheld.is_empty());
    assert!(full.referral.date_of_birth.is_some());
}

async fn administrators_keep_agencies_and_agreements(backend: Backend) {
    let app = spawn_app(backend).await;
    let new = json!({"name": "Youth Offending Service", "kind": "agency"});
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let who = principal(role, &["hull"]);
        assert_eq!(
            app.post("/agencies", &who, &new).await.status(),
            403,
            "{role}"
        );
    }
    let res = app.post("/agencies", &admin(), &new).await;
    assert_eq!(res.status(), 201);
    let added: Agency = res.json().await.expect("agency");
    assert_eq!(added.id, "youth-offending-service");
    assert_eq!(app.post("/agencies", &admin(), &new).await.status(), 409);
    let bad = json!({"name": " ", "kind": "club"});
    let p = problem(app.post("/agencies", &admin(), &bad).await, 422).await;
    assert!(p.field("name").is_some() && p.field("kind").is_some());

    // Deactivated, it takes no new shares and leaves the choices.
    let res = app
        .put(
            "/agencies/youth-offending-service",
            &admin(),
            &json!({"name": "Youth Offending Service", "kind": "agency", "active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let listed: Vec<Agency> = app
        .get("/agencies", &coordinator)
        .await
        .json()
        .await
        .expect("agencies");
    assert!(!listed.iter().any(|a| a.id == "youth-offending-service"));
    let all: Vec<Agency> = app
        .get("/agencies", &admin())
        .await
        .json()
        .await
        .expect("all");
    assert!(
        all.iter()
            .any(|a| a.id == "youth-offending-service" && !a.active)
    );

    // Agreements: read by those who share or answer for sharing.
    for role in Role::ALL {
        let status = app
            .get("/agreements", &principal(role, &["hull"]))
            .await
            .status();
        let may = matches!(role, Role::Coordinator | Role::Admin | Role::Dpo);
        assert_eq!(status, if may { 200 } else { 403 }, "{role}");
    }
    let bad = json!({"name": "X", "agency_id": "nowhere", "starts_on": "2026-05-01", "ends_on": "2026-04-01"});
    let p = problem(app.post("/agreements", &admin(), &bad).await, 422).await;
    assert!(
        p.field("agency_id").is_some() && p.field("ends_on").is_some(),
        "{p:?}"
    );
    assert_eq!(
        app.put(
            "/agreements/isa-none",
            &admin(),
            &json!({"name": "X", "agency_id": "pvpu",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
        )
        .await
        .status(),
        404
    );
}

/// Closes a shared referral and moves its closure back by `days`.
async fn closed(app: &TestApp, coordinator: &Principal, days_ago: i64) -> Referral {
    let r = triaged(app, coordinator).await;
    let worker = cfs_worker();
    let r = ok_step(app, coordinator, &r, share("childrens-family-services")).await;
    let r = ok_step(app, &worker, &r, json!({"action": "accept"})).await;
    let r = ok_step(app, &worker, &r, json!({"action": "start"})).await;
    let r = ok_step(
        app,
        &worker,
        &r,
        json!({"action": "close", "outcome": "partly_met"}),
    )
    .await;
    let due = r.follow_up_due_on.expect("follow-up due date");
    assert!(due > chrono::Utc::now().date_naive() + chrono::Days::new(150));
    let moved = due - chrono::Days::new(u64::try_from(days_ago).unwrap_or(0));
    app.exec(
        "UPDATE referrals SET follow_up_due_on = $1 WHERE id = $2",
        &[&moved.to_string(), &r.id],
    )
    .await;
    Referral {
        follow_up_due_on: Some(moved),
        ..r
    }
}

async fn the_follow_up_check_falls_due_six_months_after_closure(backend: Backend) {
    let app = spawn_app(backend).await;
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let follow_up = json!({"action": "follow_up", "result": "sustained"});

    let not_yet = closed(&app, &coordinator, 0).await;
    let res = try_share(&app, &coordinator, &not_yet, follow_up.clone()).await;
    let p = problem(res, 409).await;
    assert!(p.detail.unwrap_or_default().contains("six months"));

    let due = closed(&app, &coordinator, 190).await;
    // Someone outside the area, or a frontline officer, may not record it.
    for who in [
        principal(Role::Coordinator, &["east-riding"]),
        principal(Role::Frontline, &["hull"]),
    ] {
        let status = try_share(&app, &who, &due, follow_up.clone())
            .await
            .status();
        assert_eq!(status, 403);
    }
    let done = ok_step(&app, &cfs_worker(), &due, follow_up.clone()).await;
    assert_eq!(done.status, ReferralStatus::Closed);
    assert_eq!(
        done.follow_up,
        Some(eip_types::referral::FollowUpResult::Sustained)
    );
    assert_eq!(
        try_share(&app, &coordinator, &done, follow_up)
            .await
            .status(),
        409,
        "recorded once only"
    );

    let events = app.events().await;
    let followed: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "referral.followed_up")
        .collect();
    assert_eq!(followed.len(), 1);
    let payload = &followed[0].payload;
    assert_eq!(payload["result"], "sustained");
    assert_eq!(payload["outcome"], "partly_met");
    assert_eq!(payload["pathway"], "early_help");
    assert!(!payload.to_string().contains("Lifecycle Child"));
}

async fn administrators_set_the_timeliness_targets_worklists_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let r = raise(&app, &officer, true).await;
    let work: Vec<eip_types::referral::ReferralSummary> = app
        .get("/referrals?view=worklist", &coordinator)
        .await
        .json()
        .await
        .expect("worklist");
    let due = work[0].due_at.expect("a clock");
    let submitted = r.submitted_at.expect("submitted");
    assert_eq!((due - submitted).num_hours(), 48);

    let shorter =
        json!({"triage_hours": 4, "urgent_hours": 12, "high_hours": 48, "routine_hours": 96});
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let res = app
            .put("/timeliness-targets", &principal(role, &["hull"]), &shorter)
            .await;
        assert_eq!(res.status(), 403, "{role}");
    }
    let bad =
        json!({"triage_hours": 0, "urgent_hours": 12, "high_hours": 48, "routine_hours": 100000});
    let p = problem(app.put("/timeliness-targets", &admin(), &bad).await, 422).await;
    assert!(p.field("triage_hours").is_some() && p.field("routine_hours").is_some());
    assert_eq!(
        app.put("/timeliness-targets", &admin(), &shorter)
            .await
            .status(),
        200
    );
    let work: Vec<eip_types::referral::ReferralSummary> = app
        .get("/referrals?view=worklist", &coordinator)
        .await
        .json()
        .await
        .expect("worklist");
    assert_eq!((work[0].due_at.expect("clock") - submitted).num_hours(), 4);
    let shown: Value = app
        .get("/timeliness-targets", &coordinator)
        .await
        .json()
        .await
        .expect("targets");
    assert_eq!(shown["triage_hours"], 4);
}

on_both_backends!(
    administrators_set_the_timeliness_targets_worklists_use,
    a_share_needs_a_basis_a_consent_position_and_an_agreement_in_force,
    the_receiving_agency_sees_only_the_fields_shared,
    administrators_keep_agencies_and_agreements,
    the_follow_up_check_falls_due_six_months_after_closure,
);
