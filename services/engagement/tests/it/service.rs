//! What every service has: health, the OpenAPI document and the event feed.

use crate::helpers::{TestApp, problem, user};
use eip_types::Role;
use eip_types::events::EventPage;
use reqwest::StatusCode;

on_both_backends!(
    health_endpoints_answer,
    the_openapi_document_lists_the_routes,
    the_event_feed_is_for_services_only,
    unknown_routes_are_problems,
);

async fn health_endpoints_answer(app: &TestApp) {
    let live = app.get_anonymous("/health/live").await;
    assert_eq!(live.status(), StatusCode::OK);
    let ready = app.get_anonymous("/health/ready").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["database"], "up");
    assert_eq!(body["bus"], "up");
}

async fn the_openapi_document_lists_the_routes(app: &TestApp) {
    let res = app.get_anonymous("/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = res.json().await.expect("json");
    assert_eq!(doc["info"]["title"], "Engagement service");
    let paths = doc["paths"].as_object().expect("paths");
    for path in ["/places", "/places/{id}", "/events"] {
        assert!(paths.contains_key(path), "{path} missing from {paths:?}");
    }
    assert!(doc["components"]["schemas"]["Place"].is_object());
}

async fn the_event_feed_is_for_services_only(app: &TestApp) {
    for role in Role::ALL {
        problem(app.get("/events", &user(role)).await, StatusCode::FORBIDDEN).await;
    }
    let token = app
        .keys
        .part("governance")
        .sign_service(app.part)
        .expect("signs");
    let res = app
        .client
        .get(app.url("/events"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status(), StatusCode::OK);
    let page: EventPage = res.json().await.expect("an event page");
    assert!(page.events.is_empty());
    assert_eq!(page.head, 0);
}

async fn unknown_routes_are_problems(app: &TestApp) {
    problem(
        app.get("/wards", &user(Role::Admin)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
