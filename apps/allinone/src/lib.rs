//! The whole platform in one process: the portal on its public port, the four
//! services on internal loopback ports, one SQLite file per service under the
//! data folder, and the in-process bus. The same launch functions serve the
//! distributed mode, one process each.

use eip_engagement::Engagement;
use eip_governance::Governance;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::config::{DatabaseUrl, Part, ServiceConfig, TelemetryConfig};
use eip_platform::identity::{Keyring, generated_configs};
use eip_platform::service::launch;
use eip_platform::{CancellationToken, Shared};
use eip_referrals::Referrals;
use eip_training::Training;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use tokio::net::TcpListener;

/// Unknown top-level keys are ignored: the environment may also hold the
/// distributed mode's `EIP_` variables.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where the portal listens. Any address but loopback needs demo mode
    /// off and `sessions.secure_cookie` on, or `allow_insecure_public`.
    pub bind: String,
    /// One SQLite file per service (and the portal's) goes here.
    pub data_dir: PathBuf,
    /// Load demo accounts and data into empty databases.
    pub demo: bool,
    pub demo_password: String,
    /// Where the browser bundle was built.
    pub site_root: PathBuf,
    pub suppress_up_to: u64,
    pub telemetry: TelemetryConfig,
    pub sessions: Sessions,
    /// Start with demo mode or a non-`Secure` cookie on an address other
    /// than loopback (`EIP_ALLOW_INSECURE_PUBLIC=true`).
    pub allow_insecure_public: bool,
}

/// The portal's session cookie.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sessions {
    /// `Secure`, `__Host-` cookies: on when browsers reach the portal over
    /// HTTPS (a TLS proxy in front). Off by default: plain http on the
    /// loopback interface.
    pub secure_cookie: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: Part::Portal.default_bind(),
            data_dir: PathBuf::from("data"),
            demo: true,
            demo_password: "demo-password".into(),
            site_root: PathBuf::from("target/site"),
            suppress_up_to: 4,
            telemetry: TelemetryConfig::default(),
            sessions: Sessions::default(),
            allow_insecure_public: false,
        }
    }
}

/// Every part of the platform.
pub const PARTS: [Part; 5] = [
    Part::Portal,
    Part::Engagement,
    Part::Referrals,
    Part::Training,
    Part::Governance,
];

/// How long an identity assertion lives.
const ASSERTION_LIFE: std::time::Duration = std::time::Duration::from_secs(60);

fn part_names() -> Vec<&'static str> {
    PARTS.iter().map(|p| p.name()).collect()
}

/// Fresh identity keys for a distributed installation, as shell variable
/// assignments: each program's signing key and key id, and the public keys
/// every program trusts. `infra/README.md` says where each goes.
pub fn key_file() -> String {
    let configs = generated_configs(&part_names(), ASSERTION_LIFE);
    let mut out = String::from(
        "# Identity keys for one installation of the platform. Each program gets\n\
         # its own signing key and key id as EIP_IDENTITY__SIGNING_KEY and\n\
         # EIP_IDENTITY__KEY_ID; every program gets EIP_IDENTITY__TRUSTED.\n\
         # The signing keys are secrets: keep this file out of version control.\n",
    );
    let trusted = configs
        .first()
        .map(|(_, c)| c.trusted.clone())
        .unwrap_or_default();
    out.push_str(&format!("EIP_KEYS_TRUSTED='{trusted}'\n"));
    for (part, cfg) in &configs {
        let upper = part.to_uppercase();
        out.push_str(&format!(
            "EIP_KEYS_{upper}_SIGNING_KEY='{}'\nEIP_KEYS_{upper}_KEY_ID='{}'\n",
            cfg.signing_key.expose_secret(),
            cfg.key_id
        ));
    }
    out
}

type Task = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

fn sqlite(dir: &std::path::Path, name: &str) -> DatabaseUrl {
    DatabaseUrl::new(format!(
        "sqlite://{}",
        dir.join(format!("{name}.db")).display()
    ))
}

async fn internal_listener() -> anyhow::Result<(TcpListener, String)> {
    let l = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", l.local_addr()?);
    Ok((l, url))
}

/// Runs everything until `shutdown`; the first part to fail stops the rest.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    eip_portal::exposure::check(eip_portal::exposure::Exposure {
        address: &config.bind,
        demo: config.demo,
        secure_cookie: config.sessions.secure_cookie,
        allow_insecure_public: config.allow_insecure_public,
    })
    .map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(&config.data_dir)?;
    // Every part runs here: a fresh key for each, every start.
    let keys = Keyring::generate(&part_names(), ASSERTION_LIFE);
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let service = |part: Part| ServiceConfig {
        database_url: sqlite(&config.data_dir, part.name()),
        telemetry: config.telemetry.clone(),
        demo: config.demo,
        ..ServiceConfig::defaults(part)
    };

    let (l_eng, eng_url) = internal_listener().await?;
    let (l_ref, ref_url) = internal_listener().await?;
    let (l_trn, trn_url) = internal_listener().await?;
    let (l_gov, gov_url) = internal_listener().await?;
    let portal_listener = TcpListener::bind(&config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;

    let governance = eip_governance::Config {
        service: service(Part::Governance),
        own: eip_governance::Settings {
            referrals_url: ref_url.clone(),
            training_url: trn_url.clone(),
            engagement_url: eng_url.clone(),
            suppress_up_to: config.suppress_up_to,
        },
    };
    // Referrals and engagement gate work on competencies from training's
    // events.
    let gate = eip_skills::GateSettings {
        training_url: trn_url.clone(),
    };
    let portal = eip_portal::Config {
        bind: config.bind.clone(),
        database_url: sqlite(&config.data_dir, Part::Portal.name()),
        site_root: config.site_root.clone(),
        sessions: eip_portal::SessionConfig {
            secure_cookie: config.sessions.secure_cookie,
            ..Default::default()
        },
        services: eip_portal::ServiceUrls {
            engagement: eng_url,
            referrals: ref_url,
            training: trn_url.clone(),
            governance: gov_url,
        },
        sign_in: Default::default(),
        identity: Default::default(),
        telemetry: config.telemetry.clone(),
        demo: config.demo,
        demo_password: config.demo_password.clone(),
        published_address: None,
        allow_insecure_public: config.allow_insecure_public,
    };

    let tasks: Vec<(&str, Task)> = vec![
        (
            "engagement",
            Box::pin(launch::<Engagement>(
                eip_engagement::Config {
                    service: service(Part::Engagement),
                    own: gate.clone(),
                },
                shared.clone(),
                l_eng,
                shutdown.clone(),
            )),
        ),
        (
            "referrals",
            Box::pin(launch::<Referrals>(
                eip_referrals::Config {
                    service: service(Part::Referrals),
                    own: gate,
                },
                shared.clone(),
                l_ref,
                shutdown.clone(),
            )),
        ),
        (
            "training",
            Box::pin(launch::<Training>(
                eip_training::Config {
                    service: service(Part::Training),
                    own: Default::default(),
                },
                shared.clone(),
                l_trn,
                shutdown.clone(),
            )),
        ),
        (
            "governance",
            Box::pin(launch::<Governance>(
                governance,
                shared.clone(),
                l_gov,
                shutdown.clone(),
            )),
        ),
        (
            "portal",
            Box::pin(eip_portal::launch(
                portal,
                keys.part(Part::Portal.name()),
                portal_listener,
                shutdown.clone(),
            )),
        ),
    ];
    let mut set = tokio::task::JoinSet::new();
    for (name, task) in tasks {
        set.spawn(async move { (name, task.await) });
    }
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let failure = match joined {
            Ok((_, Ok(()))) => None,
            Ok((name, Err(e))) => Some(anyhow::anyhow!("{name} stopped: {e:#}")),
            Err(e) => Some(anyhow::anyhow!("a task failed: {e}")),
        };
        if let Some(e) = failure {
            tracing::error!(error = %e, "shutting the platform down");
            shutdown.cancel();
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}
