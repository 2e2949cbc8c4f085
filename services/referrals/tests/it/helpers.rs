use eip_platform::bus::Bus;
use eip_platform::identity::IdentityKeys;
use eip_platform::{CancellationToken, Shared};
use eip_test_support::{Backend, TestDb, keys};
use eip_types::Principal;
use serde::Serialize;
use std::time::{Duration, Instant};

pub struct TestApp {
    pub url: String,
    pub keys: IdentityKeys,
    pub http: reqwest::Client,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let db = TestDb::new(backend).await;
    let mut config = eip_referrals::default_config();
    config.database_url = db.url.clone();
    let bus = eip_platform::bus::InProcessBus::default();
    let keys = keys();
    let shared = Shared {
        bus: Bus::InProcess(bus),
        keys: keys.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(eip_referrals::launch(
        config,
        shared,
        listener,
        shutdown.clone(),
    ));
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http.get(format!("{url}/health/ready")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(!task.is_finished(), "the service stopped during start-up");
        assert!(Instant::now() < deadline, "the service never became ready");
        tokio::task::yield_now().await;
    }
    TestApp {
        url,
        keys,
        http,
        shutdown,
        task: Some(task),
        _db: db,
    }
}

impl TestApp {
    pub fn token(&self, p: &Principal) -> String {
        self.keys.sign(p).expect("sign")
    }

    pub async fn post<B: Serialize>(
        &self,
        path: &str,
        p: &Principal,
        body: &B,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(self.token(p))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        p: &Principal,
        body: &'static str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(self.token(p))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, p: &Principal) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(self.token(p))
            .send()
            .await
            .expect("request")
    }
}

/// Runs each scenario once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(eip_test_support::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(eip_test_support::Backend::Postgres).await })*
        }
    };
}
