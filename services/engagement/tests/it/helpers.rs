//! Spawning the service on a port of its own, and the calls many tests make.

use eip_engagement::Engagement;
use eip_platform::bus::Bus;
use eip_test_support::{Backend, TestDb};
pub use eip_test_support::{TestApp, problem, user};
use eip_types::Principal;
use eip_types::engagement::{ImportJob, ImportKind, ImportStatus, NewImport, RowError};
use reqwest::{Response, StatusCode};
use std::time::Duration;

/// Spawns a service on its own database, runs `scenario` against it, then
/// stops the service and removes the database.
pub async fn run(backend: Backend, scenario: impl AsyncFnOnce(&TestApp)) {
    let app = spawn_app(backend).await;
    scenario(&app).await;
    app.stop().await;
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    TestApp::service::<Engagement>(backend, |_| {}).await
}

/// The service with a stand-in training service beside it on the same bus,
/// for the actions gated on a current competency; also the database's URL.
pub async fn spawn_gated_app(
    backend: Backend,
) -> (TestApp, eip_skills::testing::FakeTraining, String) {
    let bus = Bus::InProcess(Default::default());
    let training = eip_skills::testing::FakeTraining::start(bus.clone())
        .await
        .expect("stand-in training service");
    let training_url = training.url.clone();
    let app = TestApp::service_on::<Engagement>(
        TestDb::new(backend).await,
        bus,
        eip_test_support::keys(),
        move |config| config.own.training_url = training_url.clone(),
    )
    .await;
    let url = app.database_url().to_owned();
    (app, training, url)
}

/// A pool on the service's database, for what no API shows.
pub async fn pool(app: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(app.database_url())
        .await
        .expect("connects to the service's database")
}

/// What engagement's tests do often: uploads and whole imports.
pub trait Imports {
    /// `PUT path` with a CSV body as `who`.
    async fn put_csv(&self, path: &str, who: &Principal, csv: impl Into<String>) -> Response;
    /// Runs a whole import as `who` and returns the finished job.
    async fn import(
        &self,
        who: &Principal,
        kind: ImportKind,
        version: Option<&str>,
        csv: impl Into<String>,
    ) -> ImportJob;
    /// The rows a job refused.
    async fn import_errors(&self, who: &Principal, job: &ImportJob) -> Vec<RowError>;
    /// Waits (up to 20 s) until the worker has published every
    /// repeat-demand level due from earlier imports and rule runs.
    async fn levels_published(&self);
}

impl Imports for TestApp {
    async fn put_csv(&self, path: &str, who: &Principal, csv: impl Into<String>) -> Response {
        self.put_raw(path, who, "text/csv", csv.into()).await
    }

    async fn import(
        &self,
        who: &Principal,
        kind: ImportKind,
        version: Option<&str>,
        csv: impl Into<String>,
    ) -> ImportJob {
        let res = self
            .post(
                "/imports",
                who,
                &NewImport {
                    kind,
                    lookup_version: version.map(Into::into),
                },
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "creating a {kind:?} import"
        );
        let job: ImportJob = res.json().await.expect("a job");
        assert_eq!(job.status, ImportStatus::AwaitingData);
        let res = self
            .put_csv(&format!("/imports/{}/data", job.id), who, csv)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "uploading a {kind:?} file");
        res.json().await.expect("a finished job")
    }

    async fn import_errors(&self, who: &Principal, job: &ImportJob) -> Vec<RowError> {
        let res = self.get(&format!("/imports/{}/errors", job.id), who).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("row errors")
    }

    async fn levels_published(&self) {
        let pool = pool(self).await;
        eip_test_support::eventually(
            "repeat-demand levels published",
            Duration::from_secs(20),
            async || {
                let due: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM repeat_levels_due")
                    .fetch_one(&pool)
                    .await
                    .expect("due levels");
                (due == 0).then_some(())
            },
        )
        .await;
        pool.close().await;
    }
}
