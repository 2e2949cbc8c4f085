use crate::helpers::spawn_app;
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::Problem;
use eip_types::Role;
use eip_types::referral::{NewReferral, Referral, ReferralStatus, ReferralSummary};
use serde_json::json;

fn draft(area: &str) -> NewReferral {
    NewReferral {
        child_name: "Sam Example".into(),
        date_of_birth: "2015-04-02".into(),
        area_id: area.into(),
        reason: "Missing from home twice this month.".into(),
        risk_factors: Vec::new(),
        submit: false,
        ..Default::default()
    }
}

async fn a_frontline_officer_creates_lists_and_shows_a_draft(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let res = app.post("/referrals", &officer, &draft("hull")).await;
    assert_eq!(res.status(), 201);
    let created: Referral = res.json().await.expect("json");
    assert_eq!(created.status, ReferralStatus::Draft);
    assert_eq!(created.child_name, "Sam Example");

    let list: Vec<ReferralSummary> = app
        .get("/referrals", &officer)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        list.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&created.id]
    );

    let shown: Referral = app
        .get(&format!("/referrals/{}", created.id), &officer)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown, created);
    // A draft raises no event.
    assert!(app.events().await.is_empty());
}

async fn access_is_limited_to_the_area_and_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let created: Referral = app
        .post("/referrals", &officer, &draft("hull"))
        .await
        .json()
        .await
        .expect("json");
    let path = format!("/referrals/{}", created.id);

    let hull_coordinator = principal(Role::Coordinator, &["hull"]);
    assert_eq!(app.get(&path, &hull_coordinator).await.status(), 200);

    let other_coordinator = principal(Role::Coordinator, &["east-riding"]);
    assert_eq!(app.get(&path, &other_coordinator).await.status(), 403);
    let theirs: Vec<ReferralSummary> = app
        .get("/referrals", &other_coordinator)
        .await
        .json()
        .await
        .expect("json");
    assert!(theirs.is_empty());

    // Raising outside one's own areas is refused.
    assert_eq!(
        app.post("/referrals", &officer, &draft("east-riding"))
            .await
            .status(),
        403
    );
    for role in [Role::Trainer, Role::Board, Role::Analyst, Role::Admin] {
        let p = principal(role, &["hull"]);
        assert_eq!(app.get(&path, &p).await.status(), 403, "{role} viewing");
        assert_eq!(
            app.get("/referrals", &p).await.status(),
            403,
            "{role} listing"
        );
        assert_eq!(
            app.post("/referrals", &p, &draft("hull")).await.status(),
            403,
            "{role} creating"
        );
    }
    // Partners see only what was shared with their agency: nothing yet, and
    // they are not told it exists.
    let partner = principal(Role::Partner, &["hull"]);
    assert_eq!(app.get(&path, &partner).await.status(), 404);
    let shared: Vec<ReferralSummary> = app
        .get("/referrals", &partner)
        .await
        .json()
        .await
        .expect("json");
    assert!(shared.is_empty());
    // Without an assertion, nothing.
    let res = app
        .client
        .get(format!("{}/referrals", app.base))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .get(format!("{}/referrals", app.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 401);
}

async fn submitting_records_one_event_without_personal_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let created: Referral = app
        .post("/referrals", &officer, &draft("hull"))
        .await
        .json()
        .await
        .expect("json");
    let submit = format!("/referrals/{}/transitions", created.id);
    // A stale version is refused and changes nothing.
    let stale = app
        .post(
            &submit,
            &officer,
            &json!({"version": 7, "transition": {"action": "submit"}}),
        )
        .await;
    assert_eq!(stale.status(), 409);
    let res = app
        .post(
            &submit,
            &officer,
            &json!({"version": 1, "transition": {"action": "submit"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let submitted: Referral = res.json().await.expect("json");
    assert_eq!(submitted.status, ReferralStatus::Submitted);
    assert_eq!(submitted.version, 2);
    // Submitting twice is a state conflict.
    assert_eq!(
        app.post(
            &submit,
            &officer,
            &json!({"version": 2, "transition": {"action": "submit"}})
        )
        .await
        .status(),
        409
    );

    let events = app.events().await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.kind, "referral.submitted");
    let text = event.payload.to_string();
    assert!(!text.contains("Sam"), "no names in events: {text}");
    assert!(!text.contains("Missing"), "no free text in events: {text}");
    assert_eq!(event.payload["area_id"], "hull");

    // Created-and-submitted in one step raises its event too.
    let mut at_once = draft("hull");
    at_once.submit = true;
    let res = app.post("/referrals", &officer, &at_once).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.events().await.len(), 2);
}

async fn bad_input_gets_a_problem_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);

    let res = app
        .post(
            "/referrals",
            &officer,
            &json!({"child_name": "", "date_of_birth": "2015-02-30", "area_id": "hull", "reason": "x"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let problem: Problem = res.json().await.expect("problem");
    assert!(problem.field("child_name").is_some());
    assert!(problem.field("date_of_birth").is_some());

    for (body, status) in [
        ("{not json", 400),
        (
            r#"{"child_name": 5, "date_of_birth": "2015-01-01", "area_id": "hull", "reason": "r"}"#,
            400,
        ),
        (
            r#"{"child_name": "A", "date_of_birth": "2015-01-01", "area_id": "hull", "reason": "r", "admin": true}"#,
            400,
        ),
    ] {
        let res = app
            .post_raw("/referrals", &officer, "application/json", body)
            .await;
        assert_eq!(res.status(), status, "{body}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
    }
    let huge = json!({"child_name": "A", "date_of_birth": "2015-01-01", "area_id": "hull", "reason": "r".repeat(100_000)});
    assert_eq!(app.post("/referrals", &officer, &huge).await.status(), 413);

    let res = app
        .client
        .post(format!("{}/referrals", app.base))
        .bearer_auth(app.token(&officer))
        .body("child_name=A")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 415);

    assert_eq!(
        app.get("/referrals?limit=abc", &officer).await.status(),
        400
    );
    assert_eq!(app.get("/referrals?limit=0", &officer).await.status(), 422);
    assert_eq!(
        app.get("/referrals/no-such-id", &officer).await.status(),
        404
    );
    assert_eq!(app.get("/no/such/route", &officer).await.status(), 404);

    let list: Vec<ReferralSummary> = app
        .get("/referrals", &officer)
        .await
        .json()
        .await
        .expect("json");
    assert!(list.is_empty(), "nothing was written");
}

async fn cross_origin_writes_and_feed_access_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let res = app
        .client
        .post(format!("{}/referrals", app.base))
        .bearer_auth(app.token(&officer))
        .header("origin", "http://evil.example")
        .json(&draft("hull"))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 403);
    // People cannot read the event feed; services can.
    assert_eq!(app.get("/events", &officer).await.status(), 403);
    assert!(app.events().await.is_empty());
}

async fn the_openapi_document_and_health_are_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: serde_json::Value = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    for path in [
        "/referrals",
        "/referrals/{id}",
        "/referrals/{id}/transitions",
        "/referrals/{id}/history",
        "/agencies",
        "/events",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    let live = app
        .client
        .get(format!("{}/health/live", app.base))
        .send()
        .await
        .expect("req");
    assert_eq!(live.status(), 200);
}

/// A NUL (which PostgreSQL cannot store) or another control character in
/// free text is refused with the field named, on both backends, and nothing
/// is written; in a query or a path likewise.
async fn control_characters_are_refused_not_a_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let mut bad = draft("hull");
    bad.reason = "Seen at the\u{0} station".into();
    let problem = eip_test_support::problem(
        app.post("/referrals", &officer, &bad).await,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.field("reason").is_some(), "{problem:?}");
    bad.reason = "A bell\u{7} rang".into();
    assert_eq!(app.post("/referrals", &officer, &bad).await.status(), 422);
    assert!(
        app.get("/referrals", &officer)
            .await
            .json::<Vec<ReferralSummary>>()
            .await
            .expect("json")
            .is_empty(),
        "nothing written"
    );
    // Line breaks and tabs are text, not controls.
    let mut fine = draft("hull");
    fine.reason = "Line one\nline two\twith a tab".into();
    let res = app.post("/referrals", &officer, &fine).await;
    assert_eq!(res.status(), 201);
    let created: Referral = res.json().await.expect("json");

    let coordinator = principal(Role::Coordinator, &["hull"]);
    let problem = eip_test_support::problem(
        crate::helpers::get_with_reason(
            &app,
            &format!("/referrals/{}", created.id),
            &coordinator,
            "looking\u{0}again",
        )
        .await,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.field("reason").is_some(), "{problem:?}");
    assert_eq!(
        app.get("/referrals/abc%00def", &officer).await.status(),
        400
    );
}

on_both_backends!(
    a_frontline_officer_creates_lists_and_shows_a_draft,
    control_characters_are_refused_not_a_server_error,
    access_is_limited_to_the_area_and_roles,
    submitting_records_one_event_without_personal_data,
    bad_input_gets_a_problem_and_writes_nothing,
    cross_origin_writes_and_feed_access_are_refused,
    the_openapi_document_and_health_are_served,
);

mod screening {
    use crate::helpers::spawn_app;
    use eip_test_support::on_both_backends;
    use eip_test_support::{Backend, principal};
    use eip_types::Problem;
    use eip_types::Role;
    use eip_types::referral::{Referral, ReferralSummary, RiskFactor};
    use serde_json::json;

    async fn screening_is_kept_counted_and_banded(backend: Backend) {
        let app = spawn_app(backend).await;
        let officer = principal(Role::Frontline, &["hull"]);
        let res = app
            .post(
                "/referrals",
                &officer,
                &json!({"child_name": "Screened Child", "date_of_birth": "2012-12-12",
                        "area_id": "hull", "reason": "Seen at a domestic incident",
                        "risk_factors": ["modern_slavery", "domestic_abuse", "physical_abuse",
                                         "parental_separation", "household_member_in_prison"],
                        "submit": true}),
            )
            .await;
        assert_eq!(res.status(), 201);
        let created: Referral = res.json().await.expect("referral");
        assert_eq!(
            created.risk_factors,
            [
                RiskFactor::PhysicalAbuse,
                RiskFactor::DomesticAbuse,
                RiskFactor::ParentalSeparation,
                RiskFactor::HouseholdMemberInPrison,
                RiskFactor::ModernSlavery
            ]
        );
        let shown: Referral = app
            .get(&format!("/referrals/{}", created.id), &officer)
            .await
            .json()
            .await
            .expect("referral");
        assert_eq!(shown.risk_factors, created.risk_factors);
        let list: Vec<ReferralSummary> = app
            .get("/referrals", &officer)
            .await
            .json()
            .await
            .expect("list");
        assert_eq!(list[0].ace_count, Some(4));
        // The event carries the band, never the factors.
        let payloads: Vec<serde_json::Value> =
            app.events().await.into_iter().map(|e| e.payload).collect();
        assert_eq!(payloads[0]["ace_band"], "four_or_more");
        assert!(!payloads[0].to_string().contains("slavery"));

        let res = app
            .post(
                "/referrals",
                &officer,
                &json!({"child_name": "X", "date_of_birth": "2012-12-12", "area_id": "hull",
                        "reason": "r", "risk_factors": ["werewolf"]}),
            )
            .await;
        assert_eq!(res.status(), 422);
        let problem: Problem = res.json().await.expect("problem");
        assert!(problem.field("risk_factors").is_some());
    }

    on_both_backends!(screening_is_kept_counted_and_banded);
}
