//! The engagement log, the priority board and "you said, we did".

use crate::helpers::{TestApp, problem, user};
use eip_types::Role;
use eip_types::engagement::{
    ActionStatus, CommunityPriority, Engagement, EngagementKind, NewEngagement, NewPriority,
    PriorityStatus, WeDid,
};
use eip_types::events::EngagementEvent;
use reqwest::StatusCode;

on_both_backends!(
    engagement_leads_to_priorities_and_responses,
    at_most_three_priorities_per_place_and_period,
    the_log_and_board_are_for_neighbourhood_teams,
    bad_engagement_input_is_named,
    responses_sent_together_are_never_lost,
    a_nul_in_free_text_is_refused_on_both_backends,
);

/// PostgreSQL cannot store a NUL: it is refused, naming the field, rather
/// than reaching the database.
async fn a_nul_in_free_text_is_refused_on_both_backends(app: &TestApp) {
    let coordinator = user(Role::Coordinator);
    let mut bad = priority("Youth provision", vec![]);
    bad.you_said = "Nothing\u{0} to do".into();
    let refused = problem(
        app.post("/priorities", &coordinator, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(refused.field("you_said").is_some(), "{refused:?}");
    let mut meeting = meeting();
    meeting.issues_raised = vec!["fine".into(), "not\u{0}fine".into()];
    let refused = problem(
        app.post("/engagements", &user(Role::Frontline), &meeting)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(refused.field("issues_raised.1").is_some(), "{refused:?}");
}

fn meeting() -> NewEngagement {
    NewEngagement {
        kind: EngagementKind::YouthSession,
        place_id: "myton".into(),
        held_on: "2026-10-14".into(),
        attendance: 23,
        groups_reached: vec!["young people".into(), "care leavers".into()],
        seldom_heard: true,
        issues_raised: vec!["Nowhere to go in the evenings".into()],
    }
}

fn priority(title: &str, ids: Vec<String>) -> NewPriority {
    NewPriority {
        place_id: "myton".into(),
        period: "2026-Q4".into(),
        title: title.into(),
        you_said: "There is nothing for young people to do after school.".into(),
        engagement_ids: ids,
    }
}

async fn engagement_leads_to_priorities_and_responses(app: &TestApp) {
    let who = user(Role::Frontline);
    let res = app.post("/engagements", &who, &meeting()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let logged: Engagement = res.json().await.expect("an engagement");
    assert_eq!(logged.area_id, "hull");

    let coordinator = user(Role::Coordinator);
    let res = app
        .post(
            "/priorities",
            &coordinator,
            &priority("Youth provision", vec![logged.id.clone()]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let agreed: CommunityPriority = res.json().await.expect("a priority");
    assert_eq!(agreed.status, PriorityStatus::Agreed);

    let res = app
        .post(
            &format!("/priorities/{}/responses", agreed.id),
            &coordinator,
            &WeDid {
                we_did: "Weekly football with the youth service".into(),
                status: ActionStatus::InProgress,
                at: None,
            },
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &format!("/priorities/{}/resolve", agreed.id),
            &coordinator,
            &(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    problem(
        app.post(
            &format!("/priorities/{}/resolve", agreed.id),
            &coordinator,
            &(),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    let board: Vec<CommunityPriority> = app
        .get("/priorities?place=myton", &user(Role::Analyst))
        .await
        .json()
        .await
        .expect("board");
    assert_eq!(board.len(), 1);
    assert_eq!(board[0].status, PriorityStatus::Resolved);
    assert_eq!(
        board[0].responses[0].we_did,
        "Weekly football with the youth service"
    );
    assert!(board[0].responses[0].at.is_some());
    assert_eq!(board[0].engagement_ids, std::slice::from_ref(&logged.id));

    let log: Vec<Engagement> = app
        .get("/engagements?place=myton", &coordinator)
        .await
        .json()
        .await
        .expect("log");
    assert_eq!(log, std::slice::from_ref(&logged));

    let events = app.events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "engagement.held",
            "engagement.priority_agreed",
            "engagement.priority_resolved"
        ]
    );
    assert!(matches!(
        EngagementEvent::from_envelope(&events[0]),
        Some(EngagementEvent::EngagementHeld {
            seldom_heard: true,
            attendance: 23,
            ..
        })
    ));
    // Free text stays in the service.
    for e in &events {
        let text = e.payload.to_string();
        assert!(
            !text.contains("young people") && !text.contains("Nowhere"),
            "{text}"
        );
    }
}

async fn at_most_three_priorities_per_place_and_period(app: &TestApp) {
    let who = user(Role::Coordinator);
    for title in ["One", "Two", "Three"] {
        assert_eq!(
            app.post("/priorities", &who, &priority(title, vec![]))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let p = problem(
        app.post("/priorities", &who, &priority("Four", vec![]))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        p.field("period")
            .unwrap_or_default()
            .contains("at most three"),
        "{p:?}"
    );
    // Another period, or another place, is fine.
    let next = NewPriority {
        period: "2027-Q1".into(),
        ..priority("Four", vec![])
    };
    assert_eq!(
        app.post("/priorities", &who, &next).await.status(),
        StatusCode::CREATED
    );
    let elsewhere = NewPriority {
        place_id: "hull".into(),
        ..priority("Four", vec![])
    };
    assert_eq!(
        app.post("/priorities", &who, &elsewhere).await.status(),
        StatusCode::CREATED
    );
}

async fn the_log_and_board_are_for_neighbourhood_teams(app: &TestApp) {
    for role in Role::ALL {
        let write = app.post("/engagements", &user(role), &meeting()).await;
        let read = app.get("/priorities", &user(role)).await;
        match role {
            Role::Frontline | Role::Coordinator => {
                assert_eq!(write.status(), StatusCode::CREATED, "{role}");
                assert_eq!(read.status(), StatusCode::OK);
            }
            Role::Analyst => {
                problem(write, StatusCode::FORBIDDEN).await;
                assert_eq!(read.status(), StatusCode::OK);
            }
            _ => {
                problem(write, StatusCode::FORBIDDEN).await;
                problem(read, StatusCode::FORBIDDEN).await;
            }
        }
    }
    let east = eip_test_support::principal(Role::Coordinator, &["east-riding"]);
    problem(
        app.post("/engagements", &east, &meeting()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let none: Vec<Engagement> = app
        .get("/engagements", &east)
        .await
        .json()
        .await
        .expect("log");
    assert!(none.is_empty());
}

async fn bad_engagement_input_is_named(app: &TestApp) {
    let who = user(Role::Frontline);
    let p = problem(
        app.post(
            "/engagements",
            &who,
            &NewEngagement {
                place_id: "atlantis".into(),
                held_on: "2999-01-01".into(),
                attendance: -1,
                issues_raised: vec![String::new()],
                ..meeting()
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["place_id", "held_on", "attendance", "issues_raised"] {
        assert!(p.field(field).is_some(), "{field}: {p:?}");
    }
    let res = app
        .client
        .post(app.url("/engagements"))
        .bearer_auth(app.token(&who))
        .json(&serde_json::json!({"kind": "rave", "place_id": "myton"}))
        .send()
        .await
        .expect("sent");
    problem(res, StatusCode::BAD_REQUEST).await;
    let p = problem(
        app.post(
            "/priorities",
            &user(Role::Coordinator),
            &NewPriority {
                period: "Q4".into(),
                engagement_ids: vec!["nope".into()],
                ..priority("x", vec![])
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("period").is_some() && p.field("engagement_ids").is_some());
}

/// Eight "we did" responses sent at once: each is kept, or refused with a
/// conflict to send again. None is silently overwritten.
async fn responses_sent_together_are_never_lost(app: &TestApp) {
    let coordinator = user(Role::Coordinator);
    let res = app
        .post("/priorities", &coordinator, &priority("Lighting", vec![]))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let agreed: CommunityPriority = res.json().await.expect("a priority");
    let path = format!("/priorities/{}/responses", agreed.id);
    let sends = (0..8).map(|n| {
        let body = WeDid {
            we_did: format!("Response {n}"),
            status: ActionStatus::Planned,
            at: None,
        };
        let (path, who) = (path.clone(), coordinator.clone());
        async move { app.post(&path, &who, &body).await.status() }
    });
    let statuses = futures::future::join_all(sends).await;
    let kept = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert!(kept >= 1);
    let board: Vec<CommunityPriority> = app
        .get("/priorities?place=myton", &coordinator)
        .await
        .json()
        .await
        .expect("board");
    let mine = board
        .iter()
        .find(|p| p.id == agreed.id)
        .expect("the priority");
    assert_eq!(mine.responses.len(), kept, "{statuses:?}");
}
