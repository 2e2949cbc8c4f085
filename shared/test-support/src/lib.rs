//! What the platform's tests share: a fresh database per test on either
//! backend, a private Redis server, identity keys and a principal per role,
//! a service under test and the client that talks to it ([`TestApp`]), the
//! macros that run a scenario on each backend, and the checks every
//! service's migrations must pass ([`migrations`]).

pub mod migrations;
pub mod pdf;
mod service;

pub use eip_platform::db::Backend;
pub use service::{TestApp, problem};

use eip_platform::CancellationToken;
use eip_platform::bus::{Bus, InProcessBus, RedisBus};
use eip_platform::config::{DatabaseUrl, Part};
use eip_platform::identity::Keyring;
use eip_types::{Principal, Role};
use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// For each named scenario, a module with a `sqlite` and a `postgres` test.
/// A scenario is an `async fn(Backend)`; with `via run:` it is whatever
/// `run(backend, scenario)` takes (an `async fn(&TestApp)`, say), so a
/// crate's tests can spawn and stop the service in one place. A leading
/// `multi_thread` runs each test on a two-worker runtime, for scenarios that
/// host several services.
#[macro_export]
macro_rules! on_both_backends {
    (@tests #[$test:meta] $run:path: $($scenario:ident),*) => {
        $(
            mod $scenario {
                #[$test]
                async fn sqlite() {
                    $run($crate::Backend::Sqlite, super::$scenario).await;
                }

                #[$test]
                async fn postgres() {
                    $run($crate::Backend::Postgres, super::$scenario).await;
                }
            }
        )*
    };
    (multi_thread via $run:path: $($scenario:ident),* $(,)?) => {
        $crate::on_both_backends!(
            @tests #[tokio::test(flavor = "multi_thread", worker_threads = 2)] $run: $($scenario),*
        );
    };
    (via $run:path: $($scenario:ident),* $(,)?) => {
        $crate::on_both_backends!(@tests #[tokio::test] $run: $($scenario),*);
    };
    ($($scenario:ident),* $(,)?) => {
        $crate::on_both_backends!(@tests #[tokio::test] $crate::direct: $($scenario),*);
    };
}

/// For each named `async fn(Backend, BusChoice)` scenario, a module with a
/// test per backend and bus: SQLite and PostgreSQL, in process and Redis.
#[macro_export]
macro_rules! on_each_backend_and_bus {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use $crate::{Backend, BusChoice};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_in_process() {
                    super::$scenario(Backend::Sqlite, BusChoice::InProcess).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_redis() {
                    super::$scenario(Backend::Sqlite, BusChoice::Redis).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_in_process() {
                    super::$scenario(Backend::Postgres, BusChoice::InProcess).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_redis() {
                    super::$scenario(Backend::Postgres, BusChoice::Redis).await;
                }
            }
        )*
    };
}

/// Runs `scenario` on `backend`: what [`on_both_backends!`] calls without `via`.
pub async fn direct(backend: Backend, scenario: impl AsyncFnOnce(Backend)) {
    scenario(backend).await;
}

/// Polls `check` every 20 ms until it gives a value, failing the test with
/// `what` after `within`. Tests wait with this, never with a fixed sleep.
pub async fn eventually<T>(
    what: &str,
    within: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: still not so after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Checks that `check` holds at every poll (every 20 ms) for the whole of
/// `window`: for what must not happen, such as a count going past its mark.
pub async fn holds_for(what: &str, window: Duration, mut check: impl AsyncFnMut() -> bool) {
    let end = Instant::now() + window;
    while Instant::now() < end {
        assert!(check().await, "{what} stopped holding");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The bus a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusChoice {
    InProcess,
    Redis,
}

/// A bus for one test: in process, or a private Redis that may be flushed.
pub struct TestBus {
    pub bus: Bus,
    pub redis: Option<RedisServer>,
}

impl TestBus {
    /// The bus `choice` names; a Redis bus seals and checks events with
    /// `keys`, which must be the keys of the parts that use it.
    pub async fn new(choice: BusChoice, keys: &Keyring) -> Self {
        match choice {
            BusChoice::InProcess => Self {
                bus: Bus::InProcess(InProcessBus::default()),
                redis: None,
            },
            BusChoice::Redis => {
                let server = RedisServer::start().await;
                let bus = RedisBus::connect(&server.url, "eip-test:", keys.clone())
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to the test's Redis: {e}"));
                Self {
                    bus: Bus::Redis(bus),
                    redis: Some(server),
                }
            }
        }
    }

    /// Loses everything the bus holds, as a restart without persistence does.
    pub async fn lose_everything(&self) {
        match (&self.bus, &self.redis) {
            (Bus::InProcess(b), _) => b.clear(),
            (Bus::Redis(_), Some(server)) => server.flush().await,
            (Bus::Redis(_), None) => panic!("a Redis bus has a server"),
        }
    }
}

/// A user holding only `role`, working in Hull.
pub fn user(role: Role) -> Principal {
    principal(role, &["hull"])
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("EIP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database of its own for one test, removed when dropped.
pub struct TestDb {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres { admin: String, name: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join("eip-tests");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
        Self {
            url: DatabaseUrl::new(format!("sqlite://{}", path.display())),
            cleanup: Cleanup::File(path),
        }
    }

    pub async fn postgres() -> Self {
        sqlx::any::install_default_drivers();
        let admin = postgres_admin_url();
        let name = format!("eip_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL is needed for this test ({admin}): {e}. Start it or set EIP_TEST_POSTGRES_URL.")
            });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Self {
            url: DatabaseUrl::new(format!("{base}/{name}")),
            cleanup: Cleanup::Postgres { admin, name },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Postgres { admin, name } => {
                let (admin, name) = (admin.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread of our own.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(mut conn) =
                            <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await
                        {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A Redis server of this test's own, on a free loopback port, stopped when
/// dropped. Tests may flush it without disturbing anyone.
pub struct RedisServer {
    pub url: String,
    port: u16,
    child: Option<std::process::Child>,
}

impl RedisServer {
    pub async fn start() -> Self {
        let port = free_port();
        let mut server = Self {
            url: format!("redis://127.0.0.1:{port}"),
            port,
            child: None,
        };
        server.restart().await;
        server
    }

    /// Stops the server, as a crash would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty, and waits for it.
    pub async fn restart(&mut self) {
        self.stop();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server is needed for this test: {e}"));
        self.child = Some(child);
        let client = redis::Client::open(self.url.as_str()).unwrap_or_else(|e| panic!("{e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                let pong: Result<String, _> = redis::cmd("PING").query_async(&mut c).await;
                if pong.is_ok() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Empties the server, as a restart without persistence would.
    pub async fn flush(&self) {
        let client = redis::Client::open(self.url.as_str()).unwrap_or_else(|e| panic!("{e}"));
        let mut c = client
            .get_multiplexed_async_connection()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let _: () = redis::cmd("FLUSHALL")
            .query_async(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Fresh identity keys for every part, for one test.
pub fn keys() -> Keyring {
    let parts = [
        Part::Portal,
        Part::Engagement,
        Part::Referrals,
        Part::Training,
        Part::Governance,
    ];
    let names: Vec<&str> = parts.iter().map(|p| p.name()).collect();
    Keyring::generate(&names, Duration::from_secs(60))
}

/// An assertion that `who` is calling `audience`, signed as the portal
/// signs one.
pub fn assertion(keys: &Keyring, audience: &str, who: &Principal) -> String {
    keys.part(eip_platform::identity::PORTAL)
        .sign(audience, who)
        .unwrap_or_else(|e| panic!("cannot sign an assertion: {e}"))
}

/// A user holding `role` in `areas`.
pub fn principal(role: Role, areas: &[&str]) -> Principal {
    Principal {
        user_id: format!("{}-{}", role.as_str(), uuid::Uuid::new_v4().simple()),
        roles: vec![role],
        areas: areas.iter().map(|a| (*a).to_owned()).collect(),
        agency: (role == Role::Partner).then(|| "childrens-family-services".to_owned()),
    }
}

/// A service's `launch` running in a task of the test's runtime on a loopback
/// port of its own. Dropping it cancels the service.
pub struct RunningService {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl RunningService {
    /// Binds a free port, calls `launch(listener, shutdown)` in a task, and
    /// waits until `/health/ready` answers 200. Fails the test if the service
    /// stops or is not ready within 30 s.
    pub async fn start<F, Fut>(launch: F) -> Self
    where
        F: FnOnce(tokio::net::TcpListener, CancellationToken) -> Fut,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        Self::start_on("127.0.0.1:0", launch).await
    }

    /// As [`RunningService::start`], on a chosen address.
    pub async fn start_on<F, Fut>(addr: &str, launch: F) -> Self
    where
        F: FnOnce(tokio::net::TcpListener, CancellationToken) -> Fut,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("cannot bind {addr}: {e}"));
        let base = format!(
            "http://{}",
            listener
                .local_addr()
                .unwrap_or_else(|e| panic!("no local address: {e}"))
        );
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(launch(listener, shutdown.clone()));
        let service = Self {
            base,
            shutdown,
            task: Some(task),
        };
        service.wait_ready().await;
        service
    }

    async fn wait_ready(&self) {
        // A bound timeout: a service that accepts but never answers fails
        // the test rather than holding it.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|e| panic!("no HTTP client: {e}"));
        let url = format!("{}/health/ready", self.base);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            assert!(
                !self.task.as_ref().is_some_and(|t| t.is_finished()),
                "the service at {} stopped during start-up",
                self.base
            );
            if let Ok(res) = client.get(&url).send().await
                && res.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the service at {} never became ready",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the service and waits for it to finish; its result is returned.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        match self.task.take() {
            Some(task) => tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .map_err(|_| anyhow::anyhow!("the service did not stop within 10 s"))?
                .map_err(|e| anyhow::anyhow!("the service task failed: {e}"))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Fails unless `generated` matches the committed file at `path`, so that a
/// change to a generated document (an OpenAPI spec, say) shows in review.
/// Run the tests with `EIP_BLESS=1` to rewrite the committed copy.
pub fn assert_committed(path: &std::path::Path, generated: &str) {
    if std::env::var_os("EIP_BLESS").is_some() {
        std::fs::write(path, generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date: run the tests with EIP_BLESS=1 and commit the result",
        path.display()
    );
}
