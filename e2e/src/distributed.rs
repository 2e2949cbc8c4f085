//! The platform as separate processes: four services and the portal, each
//! with a PostgreSQL database of its own, talking over one private Redis.

use crate::browser::tail;
use crate::support::{TempDir, wait_ready};
use anyhow::{Context, anyhow};
use eip_platform::identity::generated_configs;
use eip_test_support::{RedisServer, TestDb, free_port};
use secrecy::ExposeSecret;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long one process may take to answer `/health/ready`: it migrates a
/// fresh database and loads demo data first.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The services the portal calls, in start order, with the variable that
/// tells the portal where each one is.
const SERVICES: [(&str, &str); 4] = [
    ("eip-engagement", "EIP_SERVICES__ENGAGEMENT"),
    ("eip-referrals", "EIP_SERVICES__REFERRALS"),
    ("eip-training", "EIP_SERVICES__TRAINING"),
    ("eip-governance", "EIP_SERVICES__GOVERNANCE"),
];

/// A process of the platform, killed when the platform is dropped.
struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

/// The platform in separate processes on PostgreSQL and Redis; every process
/// is killed and every database dropped when this is dropped.
pub struct DistributedPlatform {
    base_url: String,
    processes: Vec<Process>,
    logs: TempDir,
    databases: Vec<TestDb>,
    redis: RedisServer,
}

impl DistributedPlatform {
    /// Starts the services, waits for each to be ready, then the portal.
    pub async fn start() -> anyhow::Result<Self> {
        let bin_dir = bin_dir()?;
        for (name, _) in SERVICES {
            binary(&bin_dir, name)?;
        }
        binary(&bin_dir, "eip-portal")?;

        let redis = RedisServer::start().await;
        // Each program its own private key; all trust every public key.
        let identities = generated_configs(
            &[
                "portal",
                "engagement",
                "referrals",
                "training",
                "governance",
            ],
            Duration::from_secs(60),
        );
        let identity = |program: &str| -> anyhow::Result<[(&'static str, String); 3]> {
            let part = program.trim_start_matches("eip-");
            let (_, cfg) = identities
                .iter()
                .find(|(name, _)| name == part)
                .with_context(|| format!("no keys for {part}"))?;
            Ok([
                (
                    "EIP_IDENTITY__SIGNING_KEY",
                    cfg.signing_key.expose_secret().to_owned(),
                ),
                ("EIP_IDENTITY__KEY_ID", cfg.key_id.clone()),
                ("EIP_IDENTITY__TRUSTED", cfg.trusted.clone()),
            ])
        };
        let common = [
            ("EIP_BUS__KIND", "redis".to_owned()),
            ("EIP_BUS__REDIS_URL", redis.url.clone()),
            ("EIP_BUS__KEY_PREFIX", "eip-e2e:".to_owned()),
            ("EIP_DEMO", "true".to_owned()),
        ];
        let mut platform = Self {
            base_url: String::new(),
            processes: Vec::new(),
            logs: TempDir::new("eip-e2e-logs")?,
            databases: Vec::new(),
            redis,
        };

        let mut portal_env: Vec<(&str, String)> = Vec::new();
        // Every service's address is chosen first: referrals and engagement
        // read training's event feed, governance reads referrals',
        // training's and engagement's.
        let urls: Vec<String> = SERVICES
            .iter()
            .map(|_| format!("http://127.0.0.1:{}", free_port()))
            .collect();
        let url_of = |service: &str| {
            SERVICES
                .iter()
                .position(|(name, _)| *name == service)
                .map(|i| urls[i].clone())
                .with_context(|| format!("{service} is not among the services"))
        };
        let referrals_url = url_of("eip-referrals")?;
        let training_url = url_of("eip-training")?;
        let engagement_url = url_of("eip-engagement")?;
        for ((name, portal_var), url) in SERVICES.into_iter().zip(urls.iter().cloned()) {
            let mut env = common.to_vec();
            env.extend(identity(name)?);
            if name == "eip-governance" {
                env.push(("EIP_REFERRALS_URL", referrals_url.clone()));
                env.push(("EIP_ENGAGEMENT_URL", engagement_url.clone()));
            }
            if matches!(name, "eip-governance" | "eip-referrals" | "eip-engagement") {
                env.push(("EIP_TRAINING_URL", training_url.clone()));
            }
            platform.spawn(&bin_dir, name, &url, env).await?;
            portal_env.push((portal_var, url));
        }

        let url = format!("http://127.0.0.1:{}", free_port());
        // The portal ignores the bus settings it shares with the services.
        let mut env = common.to_vec();
        env.extend(identity("eip-portal")?);
        env.extend(portal_env);
        env.extend([
            (
                "EIP_SITE_ROOT",
                crate::embedded::site_root().display().to_string(),
            ),
            ("EIP_SESSIONS__STORE", "redis".to_owned()),
            ("EIP_SESSIONS__REDIS_URL", platform.redis.url.clone()),
            ("EIP_SESSIONS__SECURE_COOKIE", "false".to_owned()),
        ]);
        platform.spawn(&bin_dir, "eip-portal", &url, env).await?;
        platform.base_url = url;
        Ok(platform)
    }

    /// Starts `name` listening at `url` with a fresh database and `env`, and
    /// waits until it is ready.
    async fn spawn(
        &mut self,
        bin_dir: &Path,
        name: &'static str,
        url: &str,
        env: Vec<(&str, String)>,
    ) -> anyhow::Result<()> {
        let database = TestDb::postgres().await;
        let log = self.logs.path().join(format!("{name}.log"));
        let out = File::create(&log)?;
        let mut command = Command::new(binary(bin_dir, name)?);
        // Only what this test sets: nothing inherited may reconfigure it.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("EIP_") {
                command.env_remove(key);
            }
        }
        command
            .env("EIP_BIND", url.trim_start_matches("http://"))
            .env("EIP_DATABASE_URL", database.url.expose())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        self.databases.push(database);
        self.processes.push(Process { name, child, log });
        let process = self
            .processes
            .last_mut()
            .context("the process just pushed")?;
        wait_ready(url, START_TIMEOUT, || match process.child.try_wait() {
            Ok(Some(status)) => Err(anyhow!("{name} exited: {status}")),
            Ok(None) => Ok(()),
            Err(e) => Err(e.into()),
        })
        .await
        .with_context(|| format!("{name} did not become ready; its log:\n{}", process.tail()))
    }

    /// The portal's address, such as `http://127.0.0.1:38211`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Process {
    fn tail(&self) -> String {
        std::fs::read_to_string(&self.log)
            .map(|text| tail(&text, 30))
            .unwrap_or_else(|e| format!("(no log: {e})"))
    }
}

impl Drop for DistributedPlatform {
    fn drop(&mut self) {
        // The portal first, then the services, before their databases go.
        for process in self.processes.iter_mut().rev() {
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
        if std::thread::panicking() {
            for process in &self.processes {
                eprintln!("--- {} log (tail) ---\n{}", process.name, process.tail());
            }
        }
    }
}

/// Where the platform's binaries are: `EIP_BIN_DIR`, else the profile folder
/// this test binary was built into (`target/debug/deps/x` -> `target/debug`).
fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("EIP_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe()?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("the test binary has no grandparent folder")
}

/// The path of binary `name` in `dir`, failing with what to build if missing.
fn binary(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    anyhow::ensure!(
        path.is_file(),
        "{} is missing: build the binaries first (cargo build -p {name}) or set EIP_BIN_DIR",
        path.display()
    );
    Ok(path)
}
