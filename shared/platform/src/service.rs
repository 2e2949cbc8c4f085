//! What every service does around its own routes: `main` ([`run`]) and the
//! frame of `launch` ([`Launch`]): connect and migrate, keep the outbox's
//! relay and any background tasks, serve with health endpoints and the
//! shared layers (and the event feed when the service produces events), and
//! on shutdown wait for the tasks and close the database.

use crate::config::{self, ServiceConfig};
use crate::db::{Db, Migrations};
use crate::http::{self, Readiness};
use crate::outbox::{self, Outbox};
use crate::{Shared, telemetry};
use axum::Router;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Runs one service as its own program: loads its configuration (defaults,
/// `EIP_CONFIG`, `EIP_` variables), starts telemetry as `program`, builds
/// the bus and identity keys, binds, and calls `launch` until Ctrl-C or
/// SIGTERM.
pub async fn run<C, F, Fut>(program: &'static str, defaults: C, launch: F) -> anyhow::Result<()>
where
    C: Serialize + DeserializeOwned + AsRef<ServiceConfig>,
    F: FnOnce(C, Shared, TcpListener, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config = config::load(defaults)?;
    let service = config.as_ref();
    let _telemetry = telemetry::init(program, &service.telemetry)?;
    let shared = Shared::from_config(service).await?;
    let listener = bind(&service.bind).await?;
    launch(config, shared, listener, shutdown_on_signal()).await
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
    pub async fn connect(
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

    /// Serves `api` with the health endpoints and shared layers (and the
    /// event feed, if the service has an outbox) until shutdown.
    pub async fn serve(self, listener: TcpListener, api: Router) -> anyhow::Result<()> {
        self.serve_with_uploads(listener, api, Router::new()).await
    }

    /// As [`Launch::serve`], with `uploads`: routes that take large bodies,
    /// wrapped by [`http::uploads`] rather than the shared 64 KiB limit.
    pub async fn serve_with_uploads(
        self,
        listener: TcpListener,
        api: Router,
        uploads: Router,
    ) -> anyhow::Result<()> {
        let api = match &self.outbox {
            Some(outbox) => api.merge(outbox::feed_router(
                self.db.clone(),
                outbox.clone(),
                self.shared.keys.clone(),
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
