//! The partner directory (Open Referral UK) and the hubs.

use crate::helpers::{TestApp, problem, spawn_app, user};
use eip_test_support::Backend;
use eip_types::Role;
use eip_types::engagement::{DirectoryEntry, DirectorySettings, Hub, HubInput, Sector};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    open_referral_records_round_trip_losslessly,
    entries_not_reviewed_in_time_are_flagged,
    partners_read_the_directory_and_board_members_do_not,
    hubs_list_their_partners_and_access_points,
    services_are_found_by_the_places_their_areas_cover,
);

/// Services stored before their coverage was read on import get it read
/// when the service starts.
mod coverage_read_at_start_up {
    use eip_test_support::Backend;

    #[tokio::test]
    async fn sqlite() {
        super::coverage_of_older_services_is_read_at_start_up(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::coverage_of_older_services_is_read_at_start_up(Backend::Postgres).await;
    }
}

fn records() -> Value {
    json!([
        {
            "id": "svc-family-hub",
            "name": "Family support drop-in",
            "description": "Help for parents, with a crèche — “no referral needed”.",
            "url": "https://example.org/family",
            "email": "hub@example.org",
            "status": "active",
            "fees": "",
            "accreditations": "Ofsted registered",
            "assured_date": "2026-11-01",
            "attending_type": "In person",
            "attending_access": "drop-in",
            "deliverable_type": "Advice",
            "organization": {
                "id": "org-hull-cc",
                "name": "Hull City Council",
                "description": "Local authority",
                "legal_status": "Local authority",
                "url": "https://example.org",
                "logo": null
            },
            "service_at_locations": [{
                "id": "sal-1",
                "location": {
                    "id": "loc-1",
                    "name": "Myton Hub",
                    "latitude": 53.7404,
                    "longitude": -0.3421,
                    "physical_addresses": [{"id": "pa-1", "address_1": "1 Demo Street", "city": "Hull", "postal_code": "HU1 1AA", "country": "GB"}]
                }
            }],
            "regular_schedules": [{"id": "rs-1", "opens_at": "09:00", "closes_at": "17:00", "byday": "MO,TU,WE,TH,FR", "freq": "WEEKLY"}],
            "eligibilitys": [{"id": "el-1", "eligibility": "adult", "minimum_age": 18, "maximum_age": null}],
            "service_taxonomys": [{"id": "st-1", "taxonomy": {"id": "tx-1", "name": "Parenting", "vocabulary": "esdServiceTypes"}}],
            "x-local-note": {"kept": [1, 2.5, true, null]}
        },
        {
            "id": "svc-boxing",
            "name": "Youth boxing club",
            "status": "active",
            "organization": {"id": "org-boxing", "name": "Docks Boxing CIO", "legal_status": "Registered charity (CIO)"}
        }
    ])
}

async fn import(app: &TestApp, body: &Value) -> reqwest::Response {
    app.post("/directory/import", &user(Role::Coordinator), body)
        .await
}

async fn open_referral_records_round_trip_losslessly(app: &TestApp) {
    let res = import(app, &records()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let entries: Vec<DirectoryEntry> = res.json().await.expect("entries");
    assert_eq!(entries.len(), 2);
    let exported: Value = app
        .get("/directory/export", &user(Role::Partner))
        .await
        .json()
        .await
        .expect("export");
    let mut expected = records().as_array().cloned().unwrap_or_default();
    expected.sort_by_key(|v| v["id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(exported, Value::Array(expected));
    // Importing the export changes nothing.
    import(app, &exported).await;
    let again: Value = app
        .get("/directory/export", &user(Role::Partner))
        .await
        .json()
        .await
        .expect("export");
    assert_eq!(again, exported);

    let one: Value = app
        .get("/directory/services/svc-family-hub", &user(Role::Frontline))
        .await
        .json()
        .await
        .expect("record");
    assert_eq!(one, records()[0]);
    let sectors: Vec<(String, Sector)> = entries.iter().map(|e| (e.id.clone(), e.sector)).collect();
    assert!(sectors.contains(&("svc-family-hub".into(), Sector::Statutory)));
    assert!(sectors.contains(&("svc-boxing".into(), Sector::Voluntary)));

    // One bad record refuses the lot, naming it.
    let bad = json!([records()[1], {"id": "x", "name": "No org", "status": "open"}]);
    let p = problem(import(app, &bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        p.field("services[1].status").is_some() && p.field("services[1].organization").is_some(),
        "{p:?}"
    );
    problem(
        app.get("/directory/services/x", &user(Role::Partner)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn entries_not_reviewed_in_time_are_flagged(app: &TestApp) {
    let mut old = records();
    old[1]["assured_date"] = json!("2020-01-01");
    import(app, &old).await;
    let list: Vec<DirectoryEntry> = app
        .get("/directory/services", &user(Role::Partner))
        .await
        .json()
        .await
        .expect("list");
    let stale: Vec<&str> = list
        .iter()
        .filter(|e| e.stale)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(stale, ["svc-boxing"]);

    // A shorter period makes the other stale too; a review clears the flag.
    let admin = user(Role::Admin);
    let res = app
        .client
        .put(app.url("/directory/settings"))
        .bearer_auth(app.token(&admin))
        .json(&DirectorySettings {
            review_after_days: 1,
        })
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    let list: Vec<DirectoryEntry> = app
        .get("/directory/services", &admin)
        .await
        .json()
        .await
        .expect("list");
    assert!(list.iter().all(|e| e.stale), "{list:?}");
    let reviewed: DirectoryEntry = app
        .post(
            "/directory/services/svc-boxing/review",
            &user(Role::Coordinator),
            &(),
        )
        .await
        .json()
        .await
        .expect("entry");
    assert!(!reviewed.stale);
    let res = app
        .client
        .put(app.url("/directory/settings"))
        .bearer_auth(app.token(&user(Role::Coordinator)))
        .json(&DirectorySettings {
            review_after_days: 30,
        })
        .send()
        .await
        .expect("sent");
    problem(res, StatusCode::FORBIDDEN).await;
    let res = app
        .client
        .put(app.url("/directory/settings"))
        .bearer_auth(app.token(&admin))
        .json(&DirectorySettings {
            review_after_days: 0,
        })
        .send()
        .await
        .expect("sent");
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

async fn partners_read_the_directory_and_board_members_do_not(app: &TestApp) {
    for role in Role::ALL {
        let read = app.get("/directory/services", &user(role)).await;
        let write = app.post("/directory/import", &user(role), &records()).await;
        if role == Role::Board {
            problem(read, StatusCode::FORBIDDEN).await;
        } else {
            assert_eq!(read.status(), StatusCode::OK, "{role}");
        }
        if matches!(role, Role::Coordinator | Role::Admin) {
            assert_eq!(write.status(), StatusCode::OK, "{role}");
        } else {
            problem(write, StatusCode::FORBIDDEN).await;
        }
    }
}

fn hub_input() -> HubInput {
    HubInput {
        name: "Myton Early Intervention Hub".into(),
        place_id: "myton".into(),
        address: "1 Demo Street, Hull".into(),
        opening_times: "Monday to Friday 9:00–17:00".into(),
        partner_teams: vec!["Early help".into(), "Youth justice".into()],
        access_points: vec!["Front desk".into()],
    }
}

async fn hubs_list_their_partners_and_access_points(app: &TestApp) {
    let res = app
        .post("/hubs", &user(Role::Coordinator), &hub_input())
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let hub: Hub = res.json().await.expect("a hub");
    assert_eq!(hub.area_id, "hull");
    let east = eip_test_support::principal(Role::Coordinator, &["east-riding"]);
    problem(
        app.post("/hubs", &east, &hub_input()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post("/hubs", &user(Role::Partner), &hub_input()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let p = problem(
        app.post(
            "/hubs",
            &user(Role::Admin),
            &HubInput {
                place_id: "atlantis".into(),
                name: String::new(),
                ..hub_input()
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("place_id").is_some() && p.field("name").is_some());
    let mut changed = hub_input();
    changed.opening_times = "Weekdays 8:30–18:00".into();
    let res = app
        .client
        .put(app.url(&format!("/hubs/{}", hub.id)))
        .bearer_auth(app.token(&user(Role::Coordinator)))
        .json(&changed)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    let hubs: Vec<Hub> = app
        .get("/hubs", &user(Role::Partner))
        .await
        .json()
        .await
        .expect("hubs");
    assert_eq!(hubs.len(), 1);
    assert_eq!(hubs[0].opening_times, "Weekdays 8:30–18:00");
    assert_eq!(hubs[0].partner_teams, ["Early help", "Youth justice"]);
}

async fn services_are_found_by_the_places_their_areas_cover(app: &TestApp) {
    crate::imports::load_wards(app).await;
    let area = |id: &str, name: &str, uri: Option<&str>| {
        let mut a = json!({"id": id, "service_area": name});
        if let Some(u) = uri {
            a["uri"] = json!(u);
        }
        a
    };
    let mut services = records();
    // The family hub covers Myton by its ONS code (whatever the area is
    // called) and somewhere unknown; the boxing club all of Hull by name.
    services[0]["service_areas"] = json!([
        area(
            "sa-1",
            "Myton and the docks",
            Some("http://statistics.data.gov.uk/id/statistical-geography/E05000002")
        ),
        area("sa-2", "Atlantis", None),
    ]);
    services[1]["service_areas"] = json!([area("sa-3", " hull ", None)]);
    let res = import(app, &services).await;
    assert_eq!(res.status(), StatusCode::OK);
    let entries: Vec<DirectoryEntry> = res.json().await.expect("entries");
    let covers = |id: &str| {
        entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.place_ids.clone())
            .unwrap_or_default()
    };
    assert_eq!(covers("svc-family-hub"), ["myton"]);
    assert_eq!(covers("svc-boxing"), ["hull"]);
    // The records themselves are kept whole, unknown areas included.
    let exported: Value = app
        .get("/directory/export", &user(Role::Partner))
        .await
        .json()
        .await
        .expect("export");
    let hub = exported
        .as_array()
        .and_then(|all| all.iter().find(|r| r["id"] == "svc-family-hub"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(hub["service_areas"][1]["service_area"], "Atlantis");

    // A ward is served by what covers it and by what covers its authority.
    assert_eq!(
        serving(app, "myton").await,
        ["svc-boxing", "svc-family-hub"]
    );
    assert_eq!(serving(app, "avenue").await, ["svc-boxing"]);
    assert_eq!(serving(app, "hull").await, ["svc-boxing"]);
    assert!(serving(app, "west-marsh").await.is_empty());
    problem(
        app.get("/directory/services?place=atlantis", &user(Role::Frontline))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // A new import replaces what a service covers.
    services[1]["service_areas"] = json!([area("sa-3", "West Marsh", None)]);
    import(app, &services).await;
    assert_eq!(serving(app, "west-marsh").await, ["svc-boxing"]);
    assert_eq!(serving(app, "avenue").await, Vec::<String>::new());
}

/// The ids of the services serving `place`, in order.
async fn serving(app: &TestApp, place: &str) -> Vec<String> {
    let res = app
        .get(
            &format!("/directory/services?place={place}"),
            &user(Role::Frontline),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{place}");
    let list: Vec<DirectoryEntry> = res.json().await.expect("entries");
    let mut ids: Vec<String> = list.into_iter().map(|e| e.id).collect();
    ids.sort();
    ids
}

async fn coverage_of_older_services_is_read_at_start_up(backend: Backend) {
    let app = spawn_app(backend).await;
    crate::imports::load_wards(&app).await;
    let mut services = records();
    services[0]["service_areas"] = json!([{"id": "sa-1", "service_area": "Myton"}]);
    services[1]["service_areas"] = json!([{"id": "sa-2", "service_area": "Hull"}]);
    assert_eq!(import(&app, &services).await.status(), StatusCode::OK);
    assert_eq!(
        serving(&app, "myton").await,
        ["svc-boxing", "svc-family-hub"]
    );

    // As a release before coverage was read would have left them.
    app.exec("DELETE FROM directory_coverage", &[]).await;
    app.exec("UPDATE directory_services SET areas_read = 0", &[])
        .await;
    assert!(serving(&app, "myton").await.is_empty());

    let app = app.restart().await;
    assert_eq!(
        serving(&app, "myton").await,
        ["svc-boxing", "svc-family-hub"]
    );
    assert_eq!(serving(&app, "avenue").await, ["svc-boxing"]);
    app.stop().await;
}
