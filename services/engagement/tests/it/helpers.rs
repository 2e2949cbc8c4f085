//! Spawning the service on a port of its own and talking to it.

use eip_platform::Shared;
use eip_platform::bus::Bus;
use eip_platform::identity::IdentityKeys;
use eip_test_support::{Backend, RunningService, TestDb};
use eip_types::engagement::{ImportJob, ImportKind, ImportStatus, NewImport, RowError};
use eip_types::events::{EventEnvelope, EventPage};
use eip_types::{Principal, Problem, Role};
use reqwest::{Response, StatusCode};
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub keys: IdentityKeys,
    service: RunningService,
    /// Kept alive for the test; dropped (and removed) after the service stops.
    _db: TestDb,
}

/// Spawns a service on its own database, runs `scenario` against it, then
/// stops the service and removes the database.
pub async fn run(backend: Backend, scenario: impl AsyncFnOnce(&TestApp)) {
    let app = spawn_app(backend).await;
    scenario(&app).await;
    app.stop().await;
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    start_on(TestDb::new(backend).await).await
}

/// A service on `db` as it stands.
async fn start_on(db: TestDb) -> TestApp {
    let mut config = eip_engagement::default_config();
    config.database_url = db.url.clone();
    let keys = eip_test_support::keys();
    let shared = Shared {
        bus: Bus::InProcess(Default::default()),
        keys: keys.clone(),
    };
    let service = RunningService::start(|listener, shutdown| {
        eip_engagement::launch(config, shared, listener, shutdown)
    })
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("builds a client");
    TestApp {
        base: service.base.clone(),
        client,
        keys,
        service,
        _db: db,
    }
}

/// The service with a stand-in training service beside it on the same bus,
/// for the actions gated on a current competency; also the database's URL.
pub async fn spawn_gated_app(
    backend: Backend,
) -> (TestApp, eip_skills::testing::FakeTraining, String) {
    let db = TestDb::new(backend).await;
    let bus = Bus::InProcess(Default::default());
    let training = eip_skills::testing::FakeTraining::start(bus.clone())
        .await
        .expect("stand-in training service");
    let mut config = eip_engagement::default_config();
    config.database_url = db.url.clone();
    config.training_url = training.url.clone();
    let keys = eip_test_support::keys();
    let shared = Shared {
        bus,
        keys: keys.clone(),
    };
    let service = RunningService::start(|listener, shutdown| {
        eip_engagement::launch(config, shared, listener, shutdown)
    })
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("builds a client");
    let url = db.url.expose().to_owned();
    let app = TestApp {
        base: service.base.clone(),
        client,
        keys,
        service,
        _db: db,
    };
    (app, training, url)
}

impl TestApp {
    /// The service's database, for checks no API shows.
    pub fn database_url(&self) -> String {
        self._db.url.expose().to_owned()
    }

    pub async fn stop(self) {
        self.service
            .stop()
            .await
            .expect("the service shut down cleanly");
    }

    /// Stops the service and starts it again on the same database, as a
    /// new release would be.
    pub async fn restart(self) -> TestApp {
        self.service
            .stop()
            .await
            .expect("the service shut down cleanly");
        start_on(self._db).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token(&self, who: &Principal) -> String {
        self.keys.sign(who).expect("signs an assertion")
    }

    /// `GET path` with no assertion.
    pub async fn get_anonymous(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// `GET path` as `who`.
    pub async fn get(&self, path: &str, who: &Principal) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(self.token(who))
            .send()
            .await
            .expect("request sent")
    }
}

impl TestApp {
    /// `POST path` with a JSON body as `who`.
    pub async fn post<T: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        who: &Principal,
        body: &T,
    ) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(self.token(who))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `PUT path` with a CSV body as `who`.
    pub async fn put_csv(&self, path: &str, who: &Principal, csv: impl Into<String>) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(self.token(who))
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(csv.into())
            .send()
            .await
            .expect("request sent")
    }

    /// Runs a whole import as `who` and returns the finished job.
    pub async fn import(
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

    /// The rows a job refused.
    pub async fn import_errors(&self, who: &Principal, job: &ImportJob) -> Vec<RowError> {
        let res = self.get(&format!("/imports/{}/errors", job.id), who).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("row errors")
    }

    /// Waits (up to 20 s) until the worker has published every repeat-demand
    /// level due from earlier imports and rule runs.
    pub async fn levels_published(&self) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url())
            .await
            .expect("connects");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let due: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM repeat_levels_due")
                .fetch_one(&pool)
                .await
                .expect("due levels");
            if due == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "repeat-demand levels still due after 20 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        pool.close().await;
    }

    /// Every event in the service's feed.
    pub async fn events(&self) -> Vec<EventEnvelope> {
        let token = self.keys.sign_service("governance").expect("signs");
        let res = self
            .client
            .get(self.url("/events?limit=10000"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), StatusCode::OK);
        let page: EventPage = res.json().await.expect("an event page");
        page.events
    }
}

/// A user holding only `role`, working in Hull.
pub fn user(role: Role) -> Principal {
    eip_test_support::principal(role, &["hull"])
}

/// The problem body of an error response, after checking its status and
/// media type.
pub async fn problem(res: Response, status: StatusCode) -> Problem {
    assert_eq!(res.status(), status, "status");
    let media = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(media, "application/problem+json");
    let problem: Problem = res.json().await.expect("a problem body");
    assert_eq!(problem.status, status.as_u16());
    problem
}
