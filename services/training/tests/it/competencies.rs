//! `GET /competencies`.

use crate::helpers::{TestApp, problem, user};
use eip_types::Role;
use eip_types::training::Competency;
use reqwest::StatusCode;

on_both_backends!(
    every_role_sees_the_seeded_competencies,
    competencies_need_an_assertion,
);

async fn every_role_sees_the_seeded_competencies(app: &TestApp) {
    for role in Role::ALL {
        let res = app.get("/competencies", &user(role)).await;
        assert_eq!(res.status(), StatusCode::OK, "{role}");
        let list: Vec<Competency> = res.json().await.expect("competencies");
        let named: Vec<(&str, &str)> = list
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("restorative-practice", "Restorative practice"),
                ("ace-awareness", "ACE and trauma-informed awareness"),
                ("early-help-services", "Early-help services knowledge"),
                (
                    "prevention-mecc",
                    "Prevention and making every contact count"
                ),
                (
                    "long-term-risk",
                    "Identifying long-term risk factors for children"
                ),
            ],
            "{role}"
        );
        for c in &list {
            assert!(
                c.description.len() > 20 && c.description.ends_with('.'),
                "{} has a sentence: {:?}",
                c.id,
                c.description
            );
        }
    }
}

async fn competencies_need_an_assertion(app: &TestApp) {
    problem(
        app.get_anonymous("/competencies").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let send = async |token: &str| {
        app.client
            .get(app.url("/competencies"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    };
    // Signed with a key this service does not trust.
    let forged =
        eip_test_support::assertion(&eip_test_support::keys(), "training", &user(Role::Trainer));
    problem(send(&forged).await, StatusCode::UNAUTHORIZED).await;
    // Genuine, but for another service.
    let for_referrals = eip_test_support::assertion(&app.keys, "referrals", &user(Role::Trainer));
    problem(send(&for_referrals).await, StatusCode::UNAUTHORIZED).await;
    // Genuine and for this service: accepted once, refused when replayed.
    let genuine = app.token(&user(Role::Trainer));
    assert_eq!(send(&genuine).await.status(), StatusCode::OK);
    problem(send(&genuine).await, StatusCode::UNAUTHORIZED).await;
}
