//! Spawning the service on a port of its own and talking to it.

use eip_platform::Shared;
use eip_platform::bus::Bus;
use eip_platform::identity::IdentityKeys;
use eip_test_support::{Backend, RunningService, TestDb};
use eip_types::{Principal, Problem, Role};
use reqwest::{Response, StatusCode};
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub keys: IdentityKeys,
    /// The bus the service's outbox relay publishes to.
    pub bus: Bus,
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
    spawn_app_with(backend, false).await
}

/// [`spawn_app`], loading the demonstration data when `demo` is set.
pub async fn spawn_app_with(backend: Backend, demo: bool) -> TestApp {
    spawn_app_mailing(backend, demo, eip_training::mail::MailConfig::default()).await
}

/// [`spawn_app_with`], emailing reminders as `mail` says.
pub async fn spawn_app_mailing(
    backend: Backend,
    demo: bool,
    mail: eip_training::mail::MailConfig,
) -> TestApp {
    let db = TestDb::new(backend).await;
    let mut config = eip_training::default_config();
    config.database_url = db.url.clone();
    config.demo = demo;
    let keys = eip_test_support::keys();
    let bus = Bus::InProcess(Default::default());
    let shared = Shared {
        bus: bus.clone(),
        keys: keys.clone(),
    };
    let service = RunningService::start(|listener, shutdown| {
        eip_training::launch_with(
            config,
            mail,
            shared,
            listener,
            shutdown,
            eip_training::Clock::system(),
        )
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
        bus,
        service,
        _db: db,
    }
}

impl TestApp {
    pub async fn stop(self) {
        self.service
            .stop()
            .await
            .expect("the service shut down cleanly");
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

    /// `POST path` as `who` with a JSON body.
    pub async fn post_json(
        &self,
        path: &str,
        who: &Principal,
        body: &impl serde::Serialize,
    ) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(self.token(who))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `PUT path` as `who` with a JSON body.
    pub async fn put_json(
        &self,
        path: &str,
        who: &Principal,
        body: &impl serde::Serialize,
    ) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(self.token(who))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `POST path` as `who` with a raw body of the given media type.
    pub async fn post_raw(&self, path: &str, who: &Principal, media: &str, body: &str) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(self.token(who))
            .header(reqwest::header::CONTENT_TYPE, media)
            .body(body.to_owned())
            .send()
            .await
            .expect("request sent")
    }

    /// `GET path` as a platform service acting for itself.
    pub async fn get_as_service(&self, path: &str) -> Response {
        let token = self.keys.sign_service("governance").expect("signs");
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }
}

/// A user holding only `role` with a given user id (to match a staff record).
pub fn user_with_id(role: Role, user_id: &str) -> Principal {
    Principal {
        user_id: user_id.into(),
        ..user(role)
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
