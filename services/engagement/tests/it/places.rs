//! `GET /places` and `GET /places/{id}`.

use crate::helpers::{TestApp, problem, user};
use eip_types::Role;
use eip_types::place::{LOCAL_AUTHORITIES, Place, PlaceKind};
use reqwest::StatusCode;

/// The seeded places in display order: `(id, name, parent)`.
const EXPECTED: [(&str, &str, Option<&str>); 9] = [
    ("hull", "Hull", None),
    ("east-riding", "East Riding", None),
    ("north-lincolnshire", "North Lincolnshire", None),
    ("north-east-lincolnshire", "North East Lincolnshire", None),
    ("west-marsh", "West Marsh", Some("north-east-lincolnshire")),
    ("east-marsh", "East Marsh", Some("north-east-lincolnshire")),
    ("town", "Town", Some("north-lincolnshire")),
    (
        "bridlington-south",
        "Bridlington South",
        Some("east-riding"),
    ),
    ("myton", "Myton", Some("hull")),
];

fn expected() -> Vec<Place> {
    EXPECTED
        .iter()
        .map(|(id, name, parent)| Place {
            id: (*id).into(),
            name: (*name).into(),
            kind: if parent.is_some() {
                PlaceKind::Ward
            } else {
                PlaceKind::LocalAuthority
            },
            parent_id: parent.map(Into::into),
            code: None,
            priority: parent.is_some(),
            demo: false,
        })
        .collect()
}

async fn places(app: &TestApp, path: &str, role: Role) -> Vec<Place> {
    let res = app.get(path, &user(role)).await;
    assert_eq!(res.status(), StatusCode::OK, "{path} as {role}");
    res.json().await.expect("a list of places")
}

on_both_backends!(
    every_role_sees_the_seeded_places,
    places_filter_by_kind,
    each_place_is_shown_by_its_id,
    unknown_places_and_kinds_are_refused,
    places_need_a_valid_assertion,
);

async fn every_role_sees_the_seeded_places(app: &TestApp) {
    for role in Role::ALL {
        assert_eq!(places(app, "/places", role).await, expected(), "{role}");
    }
}

async fn places_filter_by_kind(app: &TestApp) {
    let authorities = places(app, "/places?kind=local_authority", Role::Frontline).await;
    let named: Vec<(&str, &str)> = authorities
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(named, LOCAL_AUTHORITIES);
    assert!(
        authorities
            .iter()
            .all(|p| p.kind == PlaceKind::LocalAuthority)
    );

    let priority = places(app, "/places?priority=true", Role::Coordinator).await;
    assert_eq!(priority, expected()[4..]);
    let names: Vec<(&str, &str, &str)> = priority
        .iter()
        .map(|p| {
            (
                p.id.as_str(),
                p.name.as_str(),
                p.parent_id.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(names, eip_types::place::PRIORITY_WARDS);
    let east = places(
        app,
        "/places?kind=ward&authority=north-east-lincolnshire",
        Role::Analyst,
    )
    .await;
    let ids: Vec<&str> = east.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["west-marsh", "east-marsh"]);
    assert!(
        places(
            app,
            "/places?kind=local_authority&priority=true",
            Role::Admin
        )
        .await
        .is_empty()
    );
    // Every priority area lies in a seeded local authority.
    assert!(priority.iter().all(|p| {
        p.parent_id
            .as_deref()
            .is_some_and(|parent| LOCAL_AUTHORITIES.iter().any(|(id, _)| *id == parent))
    }));
}

async fn each_place_is_shown_by_its_id(app: &TestApp) {
    for place in expected() {
        let res = app
            .get(&format!("/places/{}", place.id), &user(Role::Partner))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", place.id);
        let shown: Place = res.json().await.expect("a place");
        assert_eq!(shown, place);
    }
}

async fn unknown_places_and_kinds_are_refused(app: &TestApp) {
    let who = user(Role::Analyst);
    let missing = problem(
        app.get("/places/atlantis", &who).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(missing.title, "Not found");

    let bad_kind = problem(
        app.get("/places?kind=parish", &who).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        bad_kind
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("parish"),
        "{bad_kind:?}"
    );
    problem(
        app.get("/places?colour=red", &who).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn places_need_a_valid_assertion(app: &TestApp) {
    for path in ["/places", "/places/hull", "/places?priority=true"] {
        problem(app.get_anonymous(path).await, StatusCode::UNAUTHORIZED).await;

        // Signed with someone else's key.
        let forged = eip_test_support::assertion(
            &eip_test_support::keys(),
            "engagement",
            &user(Role::Admin),
        );
        let res = app
            .client
            .get(app.url(path))
            .bearer_auth(forged)
            .send()
            .await
            .expect("request sent");
        problem(res, StatusCode::UNAUTHORIZED).await;

        let res = app
            .client
            .get(app.url(path))
            .bearer_auth("not-a-token")
            .send()
            .await
            .expect("request sent");
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
}
