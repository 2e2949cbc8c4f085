//! Spawning the service on a port of its own, and what many tests share:
//! a small force imported, the matrix, evidence entered, the event feed.

use eip_test_support::Backend;
pub use eip_test_support::{TestApp, problem, user};
use eip_training::Training;
use eip_types::events::TrainingEvent;
use eip_types::training::{Evidence, ImportReport, Matrix, Status};
use eip_types::{Principal, Role};
use reqwest::StatusCode;

/// Spawns a service on its own database, runs `scenario` against it, then
/// stops the service and removes the database.
pub async fn run(backend: Backend, scenario: impl AsyncFnOnce(&TestApp)) {
    let app = spawn_app(backend).await;
    scenario(&app).await;
    app.stop().await;
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    TestApp::service::<Training>(backend, |_| {}).await
}

/// The service with its demonstration data.
pub async fn spawn_demo_app(backend: Backend) -> TestApp {
    TestApp::service::<Training>(backend, |config| config.service.demo = true).await
}

/// A user holding only `role` with a given user id (to match a staff record).
pub fn user_with_id(role: Role, user_id: &str) -> Principal {
    Principal {
        user_id: user_id.into(),
        ..user(role)
    }
}

/// The header row of a staff file.
pub const HEADER: &str = "staff_number,user_id,name,team,area,role,manager,agency\n";

pub async fn import(app: &TestApp, csv: &str) -> ImportReport {
    let res = app
        .post_raw("/staff/import", &user(Role::Admin), "text/csv", csv)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("an import report")
}

/// A small force: a sergeant (u-sgt) managing two constables (u-pc1,
/// u-pc2), an inspector above the sergeant, a partner worker and someone
/// in another team.
pub async fn small_force(app: &TestApp) -> Vec<(String, String)> {
    let report = import(
        app,
        &format!(
            "{HEADER}I1,u-insp,Inspector Demo,hull-north,hull,police-constable,,\n\
             S1,u-sgt,Sergeant Demo,hull-north,hull,police-constable,I1,\n\
             P1,u-pc1,Constable One,hull-north,hull,police-constable,S1,\n\
             P2,u-pc2,Constable Two,hull-north,hull,pcso,u-sgt,\n\
             ,u-cfs,Partner Demo,hull-north,hull,joint-role,S1,childrens-family-services\n\
             X1,u-other,Other Demo,east-coast,east-riding,police-staff,,\n"
        ),
    )
    .await;
    assert_eq!(report.errors, []);
    assert_eq!(report.imported, 6);
    let m = matrix(app, "").await;
    let mut ids: Vec<(String, String)> = m
        .rows
        .iter()
        .map(|r| (r.name.clone(), r.staff_id.clone()))
        .collect();
    ids.sort();
    ids
}

pub fn id_of(ids: &[(String, String)], name: &str) -> String {
    ids.iter()
        .find(|(n, _)| n == name)
        .map(|(_, id)| id.clone())
        .unwrap_or_default()
}

pub async fn matrix(app: &TestApp, query: &str) -> Matrix {
    let res = app
        .get(&format!("/matrix{query}"), &user(Role::Trainer))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    res.json().await.expect("a matrix")
}

pub async fn evidence(app: &TestApp, staff_id: &str, body: serde_json::Value) -> Evidence {
    let res = app
        .post(
            &format!("/staff/{staff_id}/evidence"),
            &user(Role::Trainer),
            &body,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    res.json().await.expect("evidence")
}

pub fn cell(m: &Matrix, staff_id: &str, competency: &str) -> Status {
    let at = m
        .competencies
        .iter()
        .position(|c| c.id == competency)
        .unwrap_or(usize::MAX);
    m.rows
        .iter()
        .find(|r| r.staff_id == staff_id)
        .and_then(|r| r.cells.get(at))
        .map_or(Status::None, |c| c.status)
}

pub async fn events(app: &TestApp) -> Vec<TrainingEvent> {
    app.events()
        .await
        .iter()
        .filter_map(TrainingEvent::from_envelope)
        .collect()
}
