//! Problem-solving cases: the stages, the computed assessment, and no
//! closing without it.

use crate::helpers::{Imports, TestApp, problem, user};
use crate::imports::{HEADER, load_wards};
use eip_test_support::principal;
use eip_types::Role;
use eip_types::engagement::{
    AssessmentInput, AssessmentResult, CaseResponse, CaseStatus, ImportKind, NewCase, ProblemCase,
    Scanning, TriangleAnalysis,
};
use eip_types::events::EngagementEvent;
use reqwest::StatusCode;

on_both_backends!(
    a_case_closes_only_after_its_assessment,
    cases_are_worked_in_ones_own_areas,
    bad_case_input_is_named,
);

fn new_case() -> NewCase {
    NewCase {
        title: "Street drinking near the shops".into(),
        place_ids: vec!["myton".into()],
        objective: "Halve anti-social behaviour calls about the parade.".into(),
    }
}

async fn put<T: serde::Serialize>(
    app: &TestApp,
    path: &str,
    who: &eip_types::Principal,
    body: &T,
) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(app.token(who))
        .json(body)
        .send()
        .await
        .expect("sent")
}

fn assessment() -> AssessmentInput {
    AssessmentInput {
        before_from: "2026-09-01".into(),
        before_to: "2026-09-30".into(),
        after_from: "2026-10-01".into(),
        after_to: "2026-10-30".into(),
        delivered_as_planned: true,
        process_notes: "Licensing visits happened as planned.".into(),
        learning: "Involving the shop owners early helped.".into(),
    }
}

async fn a_case_closes_only_after_its_assessment(app: &TestApp) {
    load_wards(app).await;
    // Ten calls in September, four in October, in Myton; others elsewhere.
    let mut csv = HEADER.to_owned();
    for i in 0..10 {
        csv.push_str(&format!(
            "B-{i},2026-09-{:02}T20:00:00Z,,anti-social behaviour,,,3,myton,,\n",
            1 + i * 2
        ));
    }
    for i in 0..4 {
        csv.push_str(&format!(
            "A-{i},2026-10-{:02}T20:00:00Z,,anti-social behaviour,,,3,myton,,\n",
            1 + i * 5
        ));
    }
    csv.push_str("X-1,2026-10-02T20:00:00Z,,crime,,,3,avenue,,\n");
    app.import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;

    let who = user(Role::Coordinator);
    let res = app.post("/cases", &who, &new_case()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let case: ProblemCase = res.json().await.expect("a case");
    assert_eq!(
        (case.status, case.area_id.as_str()),
        (CaseStatus::Open, "hull")
    );
    let path = |s: &str| format!("/cases/{}{s}", case.id);

    let refused = problem(
        app.post(&path("/close"), &who, &()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        refused
            .field("assessment")
            .unwrap_or_default()
            .contains("cannot close without its assessment"),
        "{refused:?}"
    );

    let scanning = Scanning {
        community_view: "Residents feel unsafe walking past the parade at night.".into(),
        data_view: "ASB calls doubled over the summer.".into(),
        flag_ids: vec![],
        priority_ids: vec![],
    };
    assert_eq!(
        put(app, &path("/scanning"), &who, &scanning).await.status(),
        StatusCode::OK
    );
    let analysis = TriangleAnalysis {
        victim_guardian: "Shop staff; the parade's CCTV is broken.".into(),
        offender_handler: "A small group; outreach workers know them.".into(),
        place_manager: "The parade's landlord.".into(),
    };
    assert_eq!(
        put(app, &path("/analysis"), &who, &analysis).await.status(),
        StatusCode::OK
    );
    let responses = vec![CaseResponse {
        action: "Repair the CCTV".into(),
        owner: "Neighbourhood sergeant".into(),
        partner_agencies: vec!["Hull City Council".into()],
        due_on: "2026-10-01".into(),
        done_on: Some("2026-09-29".into()),
        restorative_outcome: None,
    }];
    assert_eq!(
        put(app, &path("/responses"), &who, &responses)
            .await
            .status(),
        StatusCode::OK
    );

    let res = put(app, &path("/assessment"), &who, &assessment()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let assessed: ProblemCase = res.json().await.expect("a case");
    let a = assessed.assessment.expect("an assessment");
    assert_eq!((a.before_calls, a.after_calls), (10, 4));
    assert_eq!(a.result, AssessmentResult::Reduced);
    assert!((a.before_rate - 10.0 / 30.0).abs() < 1e-9);

    let res = app.post(&path("/close"), &who, &()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let closed: ProblemCase = res.json().await.expect("a case");
    assert_eq!(closed.status, CaseStatus::Closed);
    assert!(closed.closed_at.is_some());
    problem(
        put(app, &path("/analysis"), &who, &analysis).await,
        StatusCode::CONFLICT,
    )
    .await;
    problem(
        app.post(&path("/close"), &who, &()).await,
        StatusCode::CONFLICT,
    )
    .await;

    let summary = app.get(&path("/summary"), &who).await;
    assert_eq!(summary.status(), StatusCode::OK);
    let text = summary.text().await.expect("text");
    assert!(text.starts_with("# Street drinking near the shops"));
    assert!(
        text.contains("Repair the CCTV") && text.contains("demand reduced"),
        "{text}"
    );

    let events: Vec<EngagementEvent> = app
        .events()
        .await
        .iter()
        .filter_map(EngagementEvent::from_envelope)
        .collect();
    assert!(events.iter().any(|e| matches!(e, EngagementEvent::CaseOpened { case_id, from_flag: false, .. } if *case_id == case.id)));
    assert!(events.iter().any(|e| matches!(e,
        EngagementEvent::CaseClosed { case_id, result: AssessmentResult::Reduced, before_calls: 10, after_calls: 4, .. }
        if *case_id == case.id)));

    let open: Vec<ProblemCase> = app
        .get("/cases?place=myton&status=open", &who)
        .await
        .json()
        .await
        .expect("cases");
    assert!(open.is_empty());
    let all: Vec<ProblemCase> = app
        .get("/cases?place=myton", &who)
        .await
        .json()
        .await
        .expect("cases");
    assert_eq!(all.len(), 1);
}

async fn cases_are_worked_in_ones_own_areas(app: &TestApp) {
    for role in Role::ALL {
        let res = app.post("/cases", &user(role), &new_case()).await;
        if matches!(role, Role::Frontline | Role::Coordinator | Role::Analyst) {
            assert_eq!(res.status(), StatusCode::CREATED, "{role}");
        } else {
            problem(res, StatusCode::FORBIDDEN).await;
            problem(app.get("/cases", &user(role)).await, StatusCode::FORBIDDEN).await;
        }
    }
    let east = principal(Role::Coordinator, &["east-riding"]);
    problem(
        app.post("/cases", &east, &new_case()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let mine: Vec<ProblemCase> = app
        .get("/cases", &user(Role::Frontline))
        .await
        .json()
        .await
        .expect("cases");
    assert_eq!(mine.len(), 3);
    let theirs: Vec<ProblemCase> = app.get("/cases", &east).await.json().await.expect("cases");
    assert!(theirs.is_empty());
    problem(
        app.get(&format!("/cases/{}", mine[0].id), &east).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn bad_case_input_is_named(app: &TestApp) {
    let who = user(Role::Coordinator);
    let p = problem(
        app.post(
            "/cases",
            &who,
            &NewCase {
                title: " ".into(),
                place_ids: vec!["myton".into(), "west-marsh".into()],
                objective: String::new(),
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["title", "objective", "place_ids"] {
        assert!(p.field(field).is_some(), "{field}: {p:?}");
    }
    let p = problem(
        app.post(
            "/cases",
            &who,
            &NewCase {
                place_ids: vec!["hull".into()],
                ..new_case()
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("place_ids").is_some());

    let case: ProblemCase = app
        .post("/cases", &who, &new_case())
        .await
        .json()
        .await
        .expect("a case");
    let p = problem(
        put(
            app,
            &format!("/cases/{}/assessment", case.id),
            &who,
            &AssessmentInput {
                before_to: "2026-08-01".into(),
                after_from: "2026-07-15".into(),
                learning: String::new(),
                ..assessment()
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["before_to", "after_from", "learning"] {
        assert!(p.field(field).is_some(), "{field}: {p:?}");
    }
    let p = problem(
        put(
            app,
            &format!("/cases/{}/responses", case.id),
            &who,
            &vec![CaseResponse {
                action: String::new(),
                owner: "PCSO".into(),
                partner_agencies: vec![],
                due_on: "soon".into(),
                done_on: None,
                restorative_outcome: None,
            }],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("responses[0].action").is_some() && p.field("responses[0].due_on").is_some());
}
