//! A service under test on a loopback port of its own, with a database of
//! its own, and the HTTP calls tests make to it as a given user.

use crate::{Backend, RunningService, TestDb, keys};
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::config::DatabaseUrl;
use eip_platform::identity::{Keyring, PORTAL};
use eip_platform::service::{Config, Service};
use eip_platform::{CancellationToken, Shared};
use eip_types::events::{EventEnvelope, EventPage, FeedPosition};
use eip_types::{Principal, Problem};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

type Launched = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
type Launcher =
    Arc<dyn Fn(DatabaseUrl, Shared, TcpListener, CancellationToken) -> Launched + Send + Sync>;

/// One service running for a test. Dropping it stops the service; its
/// database goes when the service has stopped.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub client: reqwest::Client,
    /// Every part's keys: the test signs as the portal, or as a service.
    pub keys: Keyring,
    /// The part under test: the audience of every assertion sent to it.
    pub part: &'static str,
    pub bus: Bus,
    service: RunningService,
    launcher: Launcher,
    // Declared last: dropped after the service.
    db: TestDb,
}

impl TestApp {
    /// Service `S` on a fresh `backend` database, the in-process bus and
    /// fresh keys, with its default configuration as `configure` adjusts it.
    pub async fn service<S: Service>(
        backend: Backend,
        configure: impl Fn(&mut Config<S::Settings>) + Send + Sync + 'static,
    ) -> Self {
        let bus = Bus::InProcess(InProcessBus::default());
        Self::service_on::<S>(TestDb::new(backend).await, bus, keys(), configure).await
    }

    /// As [`TestApp::service`], on a given database, bus and keys: for a
    /// test that starts other parts beside it.
    pub async fn service_on<S: Service>(
        db: TestDb,
        bus: Bus,
        keys: Keyring,
        configure: impl Fn(&mut Config<S::Settings>) + Send + Sync + 'static,
    ) -> Self {
        let part = S::PART.name();
        Self::start_with(
            db,
            bus,
            keys,
            part,
            move |url, shared, listener, shutdown| {
                let mut config = S::default_config();
                config.service.database_url = url;
                configure(&mut config);
                eip_platform::service::launch::<S>(config, shared, listener, shutdown)
            },
        )
        .await
    }

    async fn start_with<F, Fut>(
        db: TestDb,
        bus: Bus,
        keys: Keyring,
        part: &'static str,
        launch: F,
    ) -> Self
    where
        F: Fn(DatabaseUrl, Shared, TcpListener, CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let launcher: Launcher = Arc::new(move |url, shared, listener, shutdown| -> Launched {
            Box::pin(launch(url, shared, listener, shutdown))
        });
        Self::launch(db, bus, keys, part, launcher).await
    }

    async fn launch(
        db: TestDb,
        bus: Bus,
        keys: Keyring,
        part: &'static str,
        launcher: Launcher,
    ) -> Self {
        let shared = Shared {
            bus: bus.clone(),
            keys: keys.clone(),
        };
        let url = db.url.clone();
        let service = RunningService::start({
            let launcher = launcher.clone();
            move |listener, shutdown| launcher(url, shared, listener, shutdown)
        })
        .await;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|e| panic!("no HTTP client: {e}"));
        Self {
            base: service.base.clone(),
            client,
            keys,
            part,
            bus,
            service,
            launcher,
            db,
        }
    }

    /// Stops the service and checks that it shut down cleanly.
    pub async fn stop(self) {
        self.service
            .stop()
            .await
            .unwrap_or_else(|e| panic!("the service did not shut down cleanly: {e:#}"));
    }

    /// Stops the service and starts it again on the same database, as a
    /// new release would be.
    pub async fn restart(self) -> Self {
        self.service
            .stop()
            .await
            .unwrap_or_else(|e| panic!("the service did not shut down cleanly: {e:#}"));
        Self::launch(self.db, self.bus, self.keys, self.part, self.launcher).await
    }

    /// The service's database URL, for checks no API shows.
    pub fn database_url(&self) -> &str {
        self.db.url.expose()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An assertion of `who` for the part under test, as the portal would
    /// sign it.
    pub fn token(&self, who: &Principal) -> String {
        self.keys
            .part(PORTAL)
            .sign(self.part, who)
            .unwrap_or_else(|e| panic!("cannot sign an assertion: {e}"))
    }

    async fn send(&self, request: RequestBuilder) -> Response {
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("the request was not answered: {e}"))
    }

    /// `GET path` as `who`.
    pub async fn get(&self, path: &str, who: &Principal) -> Response {
        self.send(self.client.get(self.url(path)).bearer_auth(self.token(who)))
            .await
    }

    /// `GET path` with no assertion.
    pub async fn get_anonymous(&self, path: &str) -> Response {
        self.send(self.client.get(self.url(path))).await
    }

    /// `GET path` as the platform service `service` acting for itself.
    pub async fn get_as_service(&self, path: &str, service: &str) -> Response {
        let token = self
            .keys
            .part(service)
            .sign_service(self.part)
            .unwrap_or_else(|e| panic!("cannot sign an assertion: {e}"));
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    /// `POST path` as `who` with a JSON body.
    pub async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        who: &Principal,
        body: &B,
    ) -> Response {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(self.token(who))
                .json(body),
        )
        .await
    }

    /// `PUT path` as `who` with a JSON body.
    pub async fn put<B: Serialize + ?Sized>(
        &self,
        path: &str,
        who: &Principal,
        body: &B,
    ) -> Response {
        self.send(
            self.client
                .put(self.url(path))
                .bearer_auth(self.token(who))
                .json(body),
        )
        .await
    }

    /// `DELETE path` as `who`.
    pub async fn delete(&self, path: &str, who: &Principal) -> Response {
        self.send(
            self.client
                .delete(self.url(path))
                .bearer_auth(self.token(who)),
        )
        .await
    }

    /// `POST path` as `who` with a body of the given media type, as sent.
    pub async fn post_raw(
        &self,
        path: &str,
        who: &Principal,
        media: &str,
        body: impl AsRef<[u8]>,
    ) -> Response {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(self.token(who))
                .header(reqwest::header::CONTENT_TYPE, media)
                .body(body.as_ref().to_vec()),
        )
        .await
    }

    /// `PUT path` as `who` with a body of the given media type, as sent.
    pub async fn put_raw(
        &self,
        path: &str,
        who: &Principal,
        media: &str,
        body: impl AsRef<[u8]>,
    ) -> Response {
        self.send(
            self.client
                .put(self.url(path))
                .bearer_auth(self.token(who))
                .header(reqwest::header::CONTENT_TYPE, media)
                .body(body.as_ref().to_vec()),
        )
        .await
    }

    /// Every event in the service's outbox, read from its feed as
    /// governance would. The feed serves an event only once every older
    /// transaction on the database server has ended (other tests' included),
    /// so this reads until it has served as many events as the outbox holds.
    pub async fn events(&self) -> Vec<EventEnvelope> {
        let stored = self.count("SELECT COUNT(*) FROM outbox").await;
        crate::eventually(
            "the feed serving every stored event",
            Duration::from_secs(30),
            async || {
                let events = self.feed_from_start().await;
                (events.len() as i64 >= stored).then_some(events)
            },
        )
        .await
    }

    async fn feed_from_start(&self) -> Vec<EventEnvelope> {
        let mut events = Vec::new();
        let mut next = FeedPosition::default();
        loop {
            let res = self
                .get_as_service(
                    &format!("/events?after_tx={}&after={}&limit=1000", next.tx, next.seq),
                    "governance",
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK, "reading the event feed");
            let mut page: EventPage = res
                .json()
                .await
                .unwrap_or_else(|e| panic!("not an event page: {e}"));
            if page.events.is_empty() {
                return events;
            }
            next = page.next;
            events.append(&mut page.events);
        }
    }

    /// A count (`SELECT COUNT(*) …`) read straight from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(self.db.url.expose())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
        n
    }

    /// Runs one statement on the service's database: a test's way to move
    /// dates into the past or to break what no API would.
    pub async fn exec(&self, sql: &str, binds: &[&str]) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(self.db.url.expose())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
    }
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
    let problem: Problem = res
        .json()
        .await
        .unwrap_or_else(|e| panic!("not a problem body: {e}"));
    assert_eq!(problem.status, status.as_u16());
    problem
}
