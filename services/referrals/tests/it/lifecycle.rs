//! The referral lifecycle over HTTP: who may take which step, what each step
//! records, and that no step is half-done or loses its event.

use crate::helpers::{TestApp, spawn_app};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::referral::{HistoryEntry, Referral, ReferralStatus, ReferralSummary};
use eip_types::{Principal, Problem, Role};
use serde_json::{Value, json};

fn partner(agency: &str) -> Principal {
    Principal {
        user_id: format!("partner-{agency}"),
        roles: vec![Role::Partner],
        areas: vec!["hull".into()],
        agency: Some(agency.into()),
    }
}

pub(crate) async fn raise(app: &TestApp, officer: &Principal, submit: bool) -> Referral {
    let res = app
        .post(
            "/referrals",
            officer,
            &json!({
                "child_name": "Lifecycle Child",
                "date_of_birth": "2014-09-09",
                "area_id": "hull",
                "reason": "Repeated missing episodes",
                "submit": submit
            }),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.expect("referral")
}

async fn step(
    app: &TestApp,
    who: &Principal,
    r: &Referral,
    transition: Value,
) -> reqwest::Response {
    app.post(
        &format!("/referrals/{}/transitions", r.id),
        who,
        &json!({ "version": r.version, "transition": transition }),
    )
    .await
}

pub(crate) async fn ok_step(
    app: &TestApp,
    who: &Principal,
    r: &Referral,
    transition: Value,
) -> Referral {
    let res = step(app, who, r, transition.clone()).await;
    assert_eq!(res.status(), 200, "{transition}");
    res.json().await.expect("referral")
}

async fn a_referral_runs_from_submission_to_a_closed_outcome(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let cfs = partner("childrens-family-services");
    let r = raise(&app, &officer, true).await;
    let r = ok_step(
        &app,
        &coordinator,
        &r,
        json!({"action": "triage", "priority": "high", "pathway": "early_help"}),
    )
    .await;
    let r = ok_step(
        &app,
        &coordinator,
        &r,
        crate::helpers::share("childrens-family-services"),
    )
    .await;
    assert_eq!(r.status, ReferralStatus::Shared);

    // The agency now sees it; another agency does not.
    let theirs: Vec<ReferralSummary> = app
        .get("/referrals", &cfs)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(theirs.iter().map(|s| &s.id).collect::<Vec<_>>(), [&r.id]);
    let school = partner("schools");
    let none: Vec<ReferralSummary> = app
        .get("/referrals", &school)
        .await
        .json()
        .await
        .expect("list");
    assert!(none.is_empty());
    // Not shared with the school: for it, the referral is not there.
    assert_eq!(
        app.get(&format!("/referrals/{}", r.id), &school)
            .await
            .status(),
        404
    );

    let r = ok_step(&app, &cfs, &r, json!({"action": "accept"})).await;
    let r = ok_step(&app, &cfs, &r, json!({"action": "start"})).await;
    let r = ok_step(
        &app,
        &cfs,
        &r,
        json!({"action": "close", "outcome": "support_completed"}),
    )
    .await;
    assert_eq!(r.status, ReferralStatus::Closed);
    assert_eq!(r.version, 6);
    assert!(r.closed_at.is_some());

    let history: Vec<HistoryEntry> = app
        .get(&format!("/referrals/{}/history", r.id), &officer)
        .await
        .json()
        .await
        .expect("history");
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "triage", "share", "accept", "start", "close"]
    );

    let kinds: Vec<String> = app.events().await.into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "referral.submitted",
            "referral.triaged",
            "referral.shared",
            "referral.accepted",
            "referral.started",
            "referral.closed"
        ]
    );
    // The referring officer still sees what became of it.
    let mine: Vec<ReferralSummary> = app
        .get("/referrals", &officer)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(mine[0].status, ReferralStatus::Closed);
}

async fn refused_steps_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let r = raise(&app, &officer, true).await;
    let events_before = app.events().await.len();

    let triage = json!({"action": "triage", "priority": "urgent", "pathway": "safeguarding"});
    for (who, transition, status) in [
        (&officer, triage.clone(), 403),
        (
            &principal(Role::Coordinator, &["east-riding"]),
            triage.clone(),
            403,
        ),
        // Not shared with the agency: for it, the referral is not there.
        (
            &partner("childrens-family-services"),
            json!({"action": "accept"}),
            404,
        ),
        (&principal(Role::Board, &["hull"]), triage.clone(), 403),
        (
            &coordinator,
            crate::helpers::share("childrens-family-services"),
            409,
        ),
        (
            &coordinator,
            json!({"action": "close", "outcome": "escalated"}),
            409,
        ),
        (&coordinator, json!({"action": "teleport"}), 400),
        (
            &coordinator,
            json!({"action": "triage", "priority": "whenever", "pathway": "early_help"}),
            400,
        ),
        (
            &coordinator,
            json!({"action": "withdraw", "reason": " "}),
            422,
        ),
    ] {
        let res = step(&app, who, &r, transition.clone()).await;
        assert_eq!(res.status(), status, "{transition}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    // A stale version is refused even for an allowed step.
    let mut stale = r.clone();
    stale.version = 9;
    assert_eq!(
        step(&app, &coordinator, &stale, triage.clone())
            .await
            .status(),
        409
    );

    let r = ok_step(&app, &coordinator, &r, triage).await;
    let res = step(
        &app,
        &coordinator,
        &r,
        crate::helpers::share("no-such-agency"),
    )
    .await;
    assert_eq!(res.status(), 422);
    let problem: Problem = res.json().await.expect("problem");
    assert!(problem.field("agency_id").is_some());

    let now: Referral = app
        .get(&format!("/referrals/{}", r.id), &officer)
        .await
        .json()
        .await
        .expect("r");
    assert_eq!(now.status, ReferralStatus::Triaged);
    assert_eq!(now.version, 2);
    assert_eq!(app.events().await.len(), events_before + 1);
}

async fn a_declined_referral_is_shared_again_and_the_reason_stays_here(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let school = partner("schools");
    let r = raise(&app, &officer, true).await;
    let r = ok_step(
        &app,
        &coordinator,
        &r,
        json!({"action": "triage", "priority": "routine", "pathway": "education"}),
    )
    .await;
    let r = ok_step(&app, &coordinator, &r, crate::helpers::share("schools")).await;
    assert_eq!(
        step(
            &app,
            &school,
            &r,
            json!({"action": "decline", "reason": ""})
        )
        .await
        .status(),
        422
    );
    let r = ok_step(
        &app,
        &school,
        &r,
        json!({"action": "decline", "reason": "Pupil left the school roll"}),
    )
    .await;
    assert_eq!(r.status, ReferralStatus::Declined);
    let r = ok_step(&app, &coordinator, &r, crate::helpers::share("lifestyle")).await;
    assert_eq!(r.agency_id.as_deref(), Some("lifestyle"));
    // The school no longer sees it once it went elsewhere: for it, the
    // referral is not there.
    assert_eq!(
        app.get(&format!("/referrals/{}", r.id), &school)
            .await
            .status(),
        404
    );

    let history: Vec<HistoryEntry> = app
        .get(&format!("/referrals/{}/history", r.id), &coordinator)
        .await
        .json()
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|h| h.note.as_deref() == Some("Pupil left the school roll"))
    );
    for e in app.events().await {
        assert!(
            !e.payload.to_string().contains("school roll"),
            "{}",
            e.payload
        );
    }
    // The coordinator may withdraw it; then nothing more happens to it.
    let r = ok_step(
        &app,
        &coordinator,
        &r,
        json!({"action": "withdraw", "reason": "Family moved away"}),
    )
    .await;
    assert_eq!(
        step(
            &app,
            &coordinator,
            &r,
            json!({"action": "withdraw", "reason": "again"})
        )
        .await
        .status(),
        409
    );
}

/// Every route × every kind of user × their relation to one referral
/// (raised in Hull by `officer`, shared with Children's & Family Services).
async fn the_authorisation_matrix_holds(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let r = raise(&app, &officer, true).await;
    let r = ok_step(
        &app,
        &coordinator,
        &r,
        json!({"action": "triage", "priority": "high", "pathway": "early_help"}),
    )
    .await;
    let r = ok_step(
        &app,
        &coordinator,
        &r,
        crate::helpers::share("childrens-family-services"),
    )
    .await;

    let mut own_elsewhere = principal(Role::Frontline, &["east-riding"]);
    own_elsewhere.user_id = officer.user_id.clone();
    // (who, may list, sees it in the list, may show it / its history without
    // giving a reason (428: only with one), may raise in Hull, may open the
    // child's person page without a reason (428: only with one), may
    // withdraw the share (422: allowed, the empty body refused))
    #[expect(clippy::type_complexity, reason = "a table reads best as tuples")]
    let table: Vec<(&str, Principal, u16, bool, u16, u16, u16, u16)> = vec![
        (
            "raising officer",
            officer.clone(),
            200,
            true,
            200,
            201,
            200,
            403,
        ),
        (
            "raising officer, since moved area",
            own_elsewhere,
            200,
            true,
            200,
            403,
            200,
            403,
        ),
        (
            "frontline, same area",
            principal(Role::Frontline, &["hull"]),
            200,
            true,
            428,
            201,
            428,
            403,
        ),
        (
            "frontline, other area",
            principal(Role::Frontline, &["east-riding"]),
            200,
            false,
            403,
            403,
            403,
            403,
        ),
        (
            "coordinator, same area",
            coordinator.clone(),
            200,
            true,
            200,
            201,
            200,
            422,
        ),
        (
            "coordinator, other area",
            principal(Role::Coordinator, &["east-riding"]),
            200,
            false,
            403,
            403,
            403,
            403,
        ),
        (
            "partner, shared agency",
            partner("childrens-family-services"),
            200,
            true,
            428,
            403,
            403,
            403,
        ),
        (
            "partner, other agency",
            partner("schools"),
            200,
            false,
            404,
            403,
            403,
            403,
        ),
        (
            "trainer",
            principal(Role::Trainer, &["hull"]),
            403,
            false,
            403,
            403,
            403,
            403,
        ),
        (
            "board",
            principal(Role::Board, &["hull"]),
            403,
            false,
            403,
            403,
            403,
            403,
        ),
        (
            "analyst",
            principal(Role::Analyst, &["hull"]),
            403,
            false,
            403,
            403,
            403,
            403,
        ),
        (
            "admin",
            principal(Role::Admin, &["hull"]),
            403,
            false,
            403,
            403,
            403,
            403,
        ),
        (
            "data protection officer",
            principal(Role::Dpo, &[]),
            403,
            false,
            403,
            403,
            403,
            403,
        ),
    ];
    let person = r.person_id.clone().expect("person");
    for (label, who, list, listed, show, raise_status, person_page, withdraw) in table {
        let res = app.get("/referrals", &who).await;
        assert_eq!(res.status(), list, "{label}: list");
        if list == 200 {
            let rows: Vec<ReferralSummary> = res.json().await.expect("list");
            assert_eq!(rows.iter().any(|s| s.id == r.id), listed, "{label}: listed");
        }
        assert_eq!(
            app.get(&format!("/referrals/{}", r.id), &who)
                .await
                .status(),
            show,
            "{label}: show"
        );
        assert_eq!(
            app.get(&format!("/referrals/{}/history", r.id), &who)
                .await
                .status(),
            show,
            "{label}: history"
        );
        // With a reason, in the header: whoever may see it, does.
        let with_reason = if show == 428 { 200 } else { show };
        for path in [
            format!("/referrals/{}", r.id),
            format!("/referrals/{}/history", r.id),
        ] {
            assert_eq!(
                crate::helpers::get_with_reason(&app, &path, &who, "Checking")
                    .await
                    .status(),
                with_reason,
                "{label}: {path} with a reason"
            );
            // A reason in the URL is refused, whoever sends it.
            assert_eq!(
                app.get(&format!("{path}?reason=Checking"), &who)
                    .await
                    .status(),
                400,
                "{label}: {path} with a reason in the URL"
            );
        }
        let page = format!("/people/{person}");
        assert_eq!(
            app.get(&page, &who).await.status(),
            person_page,
            "{label}: person page"
        );
        let with_reason = if person_page == 428 { 200 } else { person_page };
        assert_eq!(
            crate::helpers::get_with_reason(&app, &page, &who, "Checking")
                .await
                .status(),
            with_reason,
            "{label}: person page with a reason"
        );
        assert_eq!(
            app.post("/people/search", &who, &json!({"name": "Lifecycle Child"}))
                .await
                .status(),
            if who.has_role(Role::Dpo) { 200 } else { 403 },
            "{label}: search by name"
        );
        assert_eq!(
            app.post(
                &format!("/referrals/{}/share/withdrawal", r.id),
                &who,
                &json!({})
            )
            .await
            .status(),
            withdraw,
            "{label}: withdraw the share"
        );
        assert_eq!(
            app.get("/agencies", &who).await.status(),
            200,
            "{label}: agencies"
        );
        let created = app
            .post(
                "/referrals",
                &who,
                &json!({"child_name": "M", "date_of_birth": "2015-01-01", "area_id": "hull", "reason": "m"}),
            )
            .await;
        assert_eq!(created.status(), raise_status, "{label}: raise");
    }
}

/// A long random run of steps by random people over HTTP: every accepted
/// step raises exactly one event, and every refused one none.
async fn random_steps_never_lose_an_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = [
        principal(Role::Frontline, &["hull"]),
        principal(Role::Coordinator, &["hull"]),
        principal(Role::Coordinator, &["east-riding"]),
        partner("childrens-family-services"),
        partner("schools"),
    ];
    let steps = [
        json!({"action": "submit"}),
        json!({"action": "triage", "priority": "high", "pathway": "programme"}),
        crate::helpers::share("childrens-family-services"),
        crate::helpers::share("schools"),
        json!({"action": "accept"}),
        json!({"action": "decline", "reason": "No capacity"}),
        json!({"action": "start"}),
        json!({"action": "close", "outcome": "partly_met"}),
        json!({"action": "withdraw", "reason": "Duplicate"}),
    ];
    let mut seed: u64 = 0x5eed_1234;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n
    };
    let mut accepted = 0;
    let mut r = raise(&app, &cast[0], false).await;
    for _ in 0..80 {
        if r.status.is_final() {
            r = raise(&app, &cast[0], false).await;
        }
        let res = step(
            &app,
            &cast[next(cast.len())],
            &r,
            steps[next(steps.len())].clone(),
        )
        .await;
        match res.status().as_u16() {
            200 => {
                accepted += 1;
                r = res.json().await.expect("referral");
            }
            // 404: a partner asking of a referral their agency does not hold.
            403 | 404 | 409 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        accepted > 5,
        "the run should move referrals along ({accepted})"
    );
    assert_eq!(app.events().await.len(), accepted);
}

on_both_backends!(
    a_referral_runs_from_submission_to_a_closed_outcome,
    refused_steps_change_nothing,
    a_declined_referral_is_shared_again_and_the_reason_stays_here,
    the_authorisation_matrix_holds,
    random_steps_never_lose_an_event,
);

mod worklist {
    use super::{ok_step, raise};
    use crate::helpers::spawn_app;
    use eip_test_support::on_both_backends;
    use eip_test_support::{Backend, principal};
    use eip_types::Role;
    use eip_types::referral::{ReferralStatus, ReferralSummary};
    use serde_json::json;

    async fn overdue_work_comes_first_in_the_coordinators_worklist(backend: Backend) {
        let app = spawn_app(backend).await;
        let officer = principal(Role::Frontline, &["hull"]);
        let coordinator = principal(Role::Coordinator, &["hull"]);
        let fresh = raise(&app, &officer, true).await;
        let late = raise(&app, &officer, true).await;
        let _draft = raise(&app, &officer, false).await;
        let triaged = raise(&app, &officer, true).await;
        ok_step(
            &app,
            &coordinator,
            &triaged,
            json!({"action": "triage", "priority": "high", "pathway": "programme"}),
        )
        .await;

        // Three days ago, as far as the clock is concerned.
        let three_days_ago =
            eip_platform::db::to_text(chrono::Utc::now() - chrono::Duration::days(3));
        app.exec(
            "UPDATE referrals SET submitted_at = $1 WHERE id = $2",
            &[&three_days_ago, &late.id],
        )
        .await;

        let work: Vec<ReferralSummary> = app
            .get("/referrals?view=worklist", &coordinator)
            .await
            .json()
            .await
            .expect("worklist");
        let ids: Vec<&str> = work.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [late.id.as_str(), fresh.id.as_str(), triaged.id.as_str()]
        );
        // However long the list, the limit never cuts off overdue work.
        let first: Vec<ReferralSummary> = app
            .get("/referrals?view=worklist&limit=1", &coordinator)
            .await
            .json()
            .await
            .expect("worklist");
        assert_eq!(first[0].id, late.id);
        assert!(work[0].overdue);
        assert!(!work[1].overdue && work[1].due_at.is_some());
        assert_eq!(work[2].status, ReferralStatus::Triaged);
        assert_eq!(work[2].due_at, None);

        assert_eq!(
            app.get("/referrals?view=everything", &coordinator)
                .await
                .status(),
            422
        );
        let all: Vec<ReferralSummary> = app
            .get("/referrals", &coordinator)
            .await
            .json()
            .await
            .expect("all");
        assert_eq!(all.len(), 4, "the full list still has the draft");
    }

    on_both_backends!(overdue_work_comes_first_in_the_coordinators_worklist);
}
