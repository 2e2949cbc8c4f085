//! Small pieces the harness shares: temporary folders and bounded polling.

use anyhow::{Context, anyhow};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A folder of this test's own under the system temp folder, removed when
/// dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Calls `probe` every `interval` until it answers `Some`, and fails once
/// `timeout` has passed. An error from the probe counts as "not yet" (pages
/// re-render under the test's feet); the last one is reported on timeout.
pub async fn poll_until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut probe: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match probe().await {
            Ok(Some(found)) => return Ok(found),
            Ok(None) => "condition not met".to_owned(),
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() >= deadline {
            return Err(anyhow!(
                "timed out after {timeout:?} waiting for {what} (last: {last})"
            ));
        }
        tokio::time::sleep(interval).await;
    }
}

/// Asks `GET {base}/health/ready` until it answers 200, for at most `timeout`.
/// `still_running` is asked between tries so a process that died is reported
/// at once instead of after the timeout.
pub(crate) async fn wait_ready(
    base: &str,
    timeout: Duration,
    mut still_running: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let url = format!("{base}/health/ready");
    poll_until(
        &format!("{url} to answer 200"),
        timeout,
        Duration::from_millis(100),
        || {
            let request = client.get(&url).send();
            let alive = still_running();
            async move {
                if let Err(e) = alive {
                    // Not worth polling further: make the loop end now.
                    return Ok(Some(Err(e)));
                }
                let status = request.await?.status();
                anyhow::ensure!(status.is_success(), "answered {status}");
                Ok(Some(Ok(())))
            }
        },
    )
    .await?
}
