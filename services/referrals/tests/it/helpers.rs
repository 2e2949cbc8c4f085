//! Spawning the service on a port of its own, and what many tests share.

use eip_platform::bus::Bus;
use eip_referrals::Referrals;
pub use eip_test_support::TestApp;
use eip_test_support::{Backend, TestDb};
use eip_types::Principal;
use eip_types::referral::SharingAgreement;

/// The service on a fresh `backend` database, its sharing agreements in
/// force for a year either side of today.
pub async fn spawn_app(backend: Backend) -> TestApp {
    let app = TestApp::service::<Referrals>(backend, |_| {}).await;
    renew_agreements(&app).await;
    app
}

/// A share with consent under public task, relying on the agency's standing
/// agreement, disclosing everything.
pub fn share(agency: &str) -> serde_json::Value {
    serde_json::json!({
        "action": "share", "agency_id": agency, "lawful_basis": "public_task",
        "consent": "given", "agreement_id": format!("isa-{agency}"),
        "fields": ["date_of_birth", "reason", "screening"]
    })
}

pub fn admin() -> Principal {
    eip_test_support::principal(eip_types::Role::Admin, &[])
}

/// Keeps the standing agreements in force for a year from today, so the
/// tests do not depend on the calendar.
async fn renew_agreements(app: &TestApp) {
    let agreements: Vec<SharingAgreement> = app
        .get("/agreements", &admin())
        .await
        .json()
        .await
        .expect("agreements");
    let today = chrono::Utc::now().date_naive();
    for a in agreements {
        let res = app
            .put(
                &format!("/agreements/{}", a.id),
                &admin(),
                &serde_json::json!({
                    "name": a.name, "agency_id": a.agency_id,
                    "starts_on": (today - chrono::Days::new(365)).to_string(),
                    "ends_on": (today + chrono::Days::new(365)).to_string(),
                }),
            )
            .await;
        assert_eq!(res.status(), 200, "renewing {}", a.id);
    }
}

/// The service with a stand-in training service beside it on the same bus,
/// for the actions gated on a current competency.
pub async fn spawn_gated_app(backend: Backend) -> (TestApp, eip_skills::testing::FakeTraining) {
    let bus = Bus::InProcess(Default::default());
    let training = eip_skills::testing::FakeTraining::start(bus.clone())
        .await
        .expect("stand-in training service");
    let url = training.url.clone();
    let app = TestApp::service_on::<Referrals>(
        TestDb::new(backend).await,
        bus,
        eip_test_support::keys(),
        move |config| config.own.training_url = url.clone(),
    )
    .await;
    (app, training)
}

/// `GET path` as `who`, giving `reason` for viewing as the portal does: in
/// the `eip-view-reason` header, never in the URL.
pub async fn get_with_reason(
    app: &TestApp,
    path: &str,
    who: &Principal,
    reason: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(app.token(who))
        .header(
            eip_types::audit::VIEW_REASON_HEADER,
            eip_types::audit::encode_reason(reason),
        )
        .send()
        .await
        .expect("answered")
}
