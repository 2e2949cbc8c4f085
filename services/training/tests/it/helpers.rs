//! Spawning the service on a port of its own, and what many tests share.

use eip_test_support::Backend;
pub use eip_test_support::{TestApp, problem, user};
use eip_types::{Principal, Role};

/// Spawns a service on its own database, runs `scenario` against it, then
/// stops the service and removes the database.
pub async fn run(backend: Backend, scenario: impl AsyncFnOnce(&TestApp)) {
    let app = spawn_app(backend).await;
    scenario(&app).await;
    app.stop().await;
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, eip_training::Config::default()).await
}

/// The service as `config` says (demo data, a mail relay), on a fresh
/// `backend` database.
pub async fn spawn_app_with(backend: Backend, config: eip_training::Config) -> TestApp {
    TestApp::start(backend, move |url, shared, listener, shutdown| {
        let mut config = config.clone();
        config.service.database_url = url;
        eip_training::launch(config, shared, listener, shutdown)
    })
    .await
}

/// The service with its demonstration data.
pub async fn spawn_demo_app(backend: Backend) -> TestApp {
    let mut config = eip_training::Config::default();
    config.service.demo = true;
    spawn_app_with(backend, config).await
}

/// A user holding only `role` with a given user id (to match a staff record).
pub fn user_with_id(role: Role, user_id: &str) -> Principal {
    Principal {
        user_id: user_id.into(),
        ..user(role)
    }
}
