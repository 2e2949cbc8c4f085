//! What every service does around its own routes. A service says what it
//! is by implementing [`Service`] (its part, its own settings, its schema,
//! and how it starts: state, seeds, background work, routes); the platform
//! does the rest. [`run`] is a service's whole `main`; [`launch`] connects
//! and migrates, calls [`Service::start`], and serves with health endpoints
//! and the shared layers (and the event feed when the service produces
//! events) until shutdown, then waits for the background tasks and closes
//! the database.

use crate::config::{self, Part, ServiceConfig};
use crate::db::{Db, Migrations};
use crate::http::{self, Readiness};
use crate::identity::IdentityKeys;
use crate::outbox::{self, Outbox};
use crate::{Shared, telemetry};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::future::Future;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One service of the platform.
pub trait Service: 'static {
    /// Which part it is: its name (event source and stream, consumer
    /// group) and its default port.
    const PART: Part;
    /// Its own settings, read beside the shared ones.
    type Settings: Default + Clone + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// Whether it publishes events: if so its schema includes the outbox,
    /// and it serves the event feed.
    const PUBLISHES_EVENTS: bool;

    /// Its own migrations and those of the components it uses (the event
    /// consumer's, the skill gate's); see [`schema`] for the whole set.
    fn migrations() -> Migrations;

    /// Builds the service once its database is ready: seeds, state,
    /// background work (`launch.keep`), the outbox (`launch.outbox()`), and
    /// the routes to serve.
    fn start(
        launch: &mut Launch,
        config: &Config<Self::Settings>,
    ) -> impl Future<Output = anyhow::Result<Routes>> + Send;

    /// The configuration it runs with when nothing overrides it.
    fn default_config() -> Config<Self::Settings> {
        Config::defaults(Self::PART)
    }
}

/// The whole schema of service `S`: its migrations, and the outbox's when it
/// publishes events.
pub fn schema<S: Service>() -> Migrations {
    if S::PUBLISHES_EVENTS {
        S::migrations().including(outbox::migrations())
    } else {
        S::migrations()
    }
}

/// A service's configuration: the settings every service reads, and its
/// own, flattened together (so the variables are `EIP_BIND`,
/// `EIP_TRAINING_URL` and so on).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config<T> {
    #[serde(flatten)]
    pub service: ServiceConfig,
    #[serde(flatten)]
    pub own: T,
}

impl<T: Default> Config<T> {
    /// The defaults for `part`, with the service's own defaults.
    pub fn defaults(part: Part) -> Self {
        Self {
            service: ServiceConfig::defaults(part),
            own: T::default(),
        }
    }
}

/// What a service serves: its API (under the shared 64 KiB body limit) and
/// the routes that take files, already wrapped by [`http::uploads`].
#[derive(Default)]
pub struct Routes {
    pub api: Router,
    pub uploads: Router,
}

impl Routes {
    pub fn api(api: Router) -> Self {
        Self {
            api,
            uploads: Router::new(),
        }
    }
}

/// Runs service `S` as its own program (`eip-<name>`): loads its
/// configuration (defaults, `EIP_CONFIG`, `EIP_` variables), starts
/// telemetry, builds the bus and identity keys, binds, and serves until
/// Ctrl-C or SIGTERM.
pub async fn run<S: Service>() -> anyhow::Result<()> {
    let config = config::load(S::default_config())?;
    let _telemetry = telemetry::init(
        &format!("eip-{}", S::PART.name()),
        &config.service.telemetry,
    )?;
    let shared = Shared::from_config(S::PART.name(), &config.service).await?;
    let listener = bind(&config.service.bind).await?;
    launch::<S>(config, shared, listener, shutdown_on_signal()).await
}

/// Connects service `S` to its database and brings the schema up to date,
/// starts it, and serves it on `listener` until `shutdown`, sharing the bus
/// and keys of `shared` (the embedded mode hosts all four in one process).
pub async fn launch<S: Service>(
    config: Config<S::Settings>,
    shared: Shared,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut launch = Launch::connect(
        S::PART.name(),
        &config.service,
        &schema::<S>(),
        shared,
        shutdown,
    )
    .await?;
    let routes = S::start(&mut launch, &config).await?;
    launch.serve(listener, routes).await
}

/// Listens on `addr`, saying which address failed.
pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}

/// A token cancelled on Ctrl-C or SIGTERM.
pub fn shutdown_on_signal() -> CancellationToken {
    let shutdown = CancellationToken::new();
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            http::shutdown_signal().await;
            shutdown.cancel();
        }
    });
    shutdown
}

/// A service being launched: its database, what the process shares, the
/// shutdown token, and the background work to wait for when it stops.
pub struct Launch {
    name: &'static str,
    pub db: Db,
    pub shared: Shared,
    pub shutdown: CancellationToken,
    outbox: Option<Outbox>,
    tasks: Vec<JoinHandle<()>>,
}

impl Launch {
    /// Connects to the service's database and brings its schema up to date.
    async fn connect(
        name: &'static str,
        config: &ServiceConfig,
        migrations: &Migrations,
        shared: Shared,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url, migrations).await?;
        Ok(Self {
            name,
            db,
            shared,
            shutdown,
            outbox: None,
            tasks: Vec::new(),
        })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The identity keys of this service: it signs as itself and accepts
    /// only assertions addressed to it.
    pub fn keys(&self) -> IdentityKeys {
        self.shared.keys.part(self.name)
    }

    /// The service's outbox, its relay publishing to the bus until shutdown;
    /// the service then also serves its event feed.
    pub fn outbox(&mut self) -> Outbox {
        if let Some(outbox) = &self.outbox {
            return outbox.clone();
        }
        let outbox = Outbox::new(self.name);
        self.tasks.push(outbox.spawn_relay(
            self.db.clone(),
            self.shared.bus.clone(),
            self.shutdown.clone(),
        ));
        self.outbox = Some(outbox.clone());
        outbox
    }

    /// Keeps a background task, to be waited for after the server stops.
    pub fn keep(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Serves `routes` with the health endpoints and shared layers (and the
    /// event feed, if the service has an outbox) until shutdown.
    async fn serve(self, listener: TcpListener, routes: Routes) -> anyhow::Result<()> {
        let Routes { api, uploads } = routes;
        let api = match &self.outbox {
            Some(outbox) => api.merge(outbox::feed_router(
                self.db.clone(),
                outbox.clone(),
                self.keys(),
            )),
            None => api,
        };
        let app = http::service_app(
            api,
            Readiness {
                db: self.db.clone(),
                bus: self.shared.bus.clone(),
            },
        )
        .merge(uploads);
        tracing::info!(
            service = self.name,
            addr = %listener.local_addr()?,
            "service listening"
        );
        let served = http::serve(listener, app, self.shutdown.clone()).await;
        // The background work stops with the server, however it stopped.
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
        self.db.close().await;
        Ok(served?)
    }
}
