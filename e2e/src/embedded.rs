//! The whole platform inside the test's process: `eip_allinone::run` on a
//! free port, with demo data in a fresh data folder.

use crate::support::{TempDir, wait_ready};
use anyhow::anyhow;
use eip_platform::CancellationToken;
use std::path::PathBuf;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long the platform may take to answer `/health/ready`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The all-in-one platform running in a task of the test's runtime; stopped
/// when dropped.
pub struct EmbeddedPlatform {
    base_url: String,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    _data: TempDir,
}

impl EmbeddedPlatform {
    /// Starts the platform with demo data and waits until it is ready.
    pub async fn start() -> anyhow::Result<Self> {
        let data = TempDir::new("eip-e2e-data")?;
        let port = eip_test_support::free_port();
        let config = eip_allinone::Config {
            bind: format!("127.0.0.1:{port}"),
            data_dir: data.path().to_owned(),
            demo: true,
            site_root: site_root(),
            ..Default::default()
        };
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(eip_allinone::run(config, shutdown.clone()));
        let base_url = format!("http://127.0.0.1:{port}");
        let ready = wait_ready(&base_url, START_TIMEOUT, || {
            anyhow::ensure!(!task.is_finished(), "the platform stopped while starting");
            Ok(())
        })
        .await;
        if let Err(waiting) = ready {
            shutdown.cancel();
            if task.is_finished() {
                let ended = match task.await {
                    Ok(Ok(())) => "it returned Ok before serving".to_owned(),
                    Ok(Err(e)) => format!("{e:#}"),
                    Err(e) => format!("it panicked: {e}"),
                };
                return Err(anyhow!("the platform stopped while starting: {ended}"));
            }
            task.abort();
            return Err(waiting);
        }
        Ok(Self {
            base_url,
            shutdown,
            task,
            _data: data,
        })
    }

    /// The portal's address, such as `http://127.0.0.1:38211`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for EmbeddedPlatform {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.task.abort();
    }
}

/// Where the browser bundle was built: `EIP_SITE_ROOT` when set, else the
/// `site` folder of the cargo target folder in use (`CARGO_TARGET_DIR`, or
/// the workspace's `target`), where `infra/build-site.sh` puts it.
pub(crate) fn site_root() -> PathBuf {
    if let Some(root) = std::env::var_os("EIP_SITE_ROOT") {
        return PathBuf::from(root);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(target) => PathBuf::from(target).join("site"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("target")
            .join("site"),
    }
}
