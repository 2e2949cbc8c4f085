//! Typed, layered configuration: built-in defaults, then an optional TOML file
//! (`EIP_CONFIG`), then `EIP_`-prefixed environment variables with `__`
//! separating nested keys (`EIP_DATABASE__URL`). A bad value fails start-up
//! with a message naming the key.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Loads `T` from `defaults`, the file named by `EIP_CONFIG` and the
/// environment.
pub fn load<T>(defaults: T) -> Result<T, Box<figment::Error>>
where
    T: Serialize + DeserializeOwned,
{
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Ok(path) = std::env::var("EIP_CONFIG") {
        figment = figment.merge(Toml::file_exact(path));
    }
    figment
        .merge(Env::prefixed("EIP_").split("__").ignore(&["config"]))
        .extract()
        .map_err(Box::new)
}

/// Where a service keeps its data: `sqlite://data/referrals.db` or
/// `postgres://user:pass@host/db`. The password never appears in `Debug`.
#[derive(Clone, Serialize, Deserialize)]
pub struct DatabaseUrl(#[serde(serialize_with = "expose")] SecretString);

fn expose<S: serde::Serializer>(s: &SecretString, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose_secret())
}

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(SecretString::from(url.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with any password replaced, fit for a log line.
    pub fn redacted(&self) -> String {
        redact_url(self.expose())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Replaces the password of a `scheme://user:password@host` URL with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((creds, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Which event bus to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusKind {
    /// In this process only: the embedded mode.
    #[default]
    InProcess,
    /// Redis Streams: the distributed mode.
    Redis,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusConfig {
    pub kind: BusKind,
    pub redis_url: String,
    /// Prepended to every Redis key, so several platforms can share a Redis.
    pub key_prefix: String,
}

impl Default for BusConfig {
    fn default() -> Self {
        Self {
            kind: BusKind::InProcess,
            redis_url: "redis://127.0.0.1:6379".into(),
            key_prefix: "eip:".into(),
        }
    }
}

/// The keys a program signs and verifies identity assertions with (see
/// [`crate::identity`]).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// This program's own Ed25519 signing key: its 32-byte seed, base64url.
    #[serde(serialize_with = "expose")]
    pub signing_key: SecretString,
    /// The id its public key is published under.
    pub key_id: String,
    /// The public keys it accepts assertions from: `issuer:key-id:key`
    /// entries separated by spaces or commas.
    pub trusted: String,
    /// How long an assertion it signs is valid, in seconds.
    pub ttl_seconds: u64,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            signing_key: SecretString::from(String::new()),
            key_id: "k1".into(),
            trusted: String::new(),
            ttl_seconds: 60,
        }
    }
}

impl fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityConfig")
            .field("signing_key", &"[redacted]")
            .field("key_id", &self.key_id)
            .field("trusted", &self.trusted)
            .field("ttl_seconds", &self.ttl_seconds)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// OTLP/HTTP endpoint, such as `http://127.0.0.1:4318`; none means logs only.
    pub otlp_endpoint: Option<String>,
    pub log_format: LogFormat,
    /// `tracing` filter directives; `RUST_LOG` wins when set.
    pub filter: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_hide_their_password() {
        let url = DatabaseUrl::new("postgres://eip:s3cret@db:5432/referrals");
        assert_eq!(format!("{url:?}"), "postgres://eip:***@db:5432/referrals");
        assert_eq!(url.expose(), "postgres://eip:s3cret@db:5432/referrals");
        assert_eq!(redact_url("sqlite://data/a.db"), "sqlite://data/a.db");
    }

    #[derive(Debug, Default, Serialize, Deserialize)]
    struct Sample {
        bus: BusConfig,
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail returns its own error type"
    )]
    fn environment_overrides_defaults_and_bad_values_name_their_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("EIP_BUS__KIND", "redis");
            let cfg: Sample = load(Sample::default()).map_err(|e| e.to_string())?;
            assert_eq!(cfg.bus.kind, BusKind::Redis);
            jail.set_env("EIP_BUS__KIND", "carrier-pigeon");
            let err = load(Sample::default()).expect_err("bad value").to_string();
            assert!(err.to_lowercase().contains("bus.kind"), "{err}");
            Ok(())
        });
    }
}

/// The platform's parts, and where each listens by default: the one place
/// the default ports are written, so every part finds the others there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Portal,
    Engagement,
    Referrals,
    Training,
    Governance,
}

impl Part {
    /// The part's name: its event source and stream, its consumer group, the
    /// stem of its SQLite file.
    pub const fn name(self) -> &'static str {
        match self {
            Part::Portal => "portal",
            Part::Engagement => "engagement",
            Part::Referrals => "referrals",
            Part::Training => "training",
            Part::Governance => "governance",
        }
    }

    pub const fn default_port(self) -> u16 {
        match self {
            Part::Portal => 3000,
            Part::Engagement => 3101,
            Part::Referrals => 3102,
            Part::Training => 3103,
            Part::Governance => 3104,
        }
    }

    /// `127.0.0.1:<default port>`.
    pub fn default_bind(self) -> String {
        format!("127.0.0.1:{}", self.default_port())
    }

    /// `http://127.0.0.1:<default port>`: where the others look for it.
    pub fn default_url(self) -> String {
        format!("http://{}", self.default_bind())
    }

    /// `sqlite://data/<name>.db`.
    pub fn default_database(self) -> DatabaseUrl {
        DatabaseUrl::new(format!("sqlite://data/{}.db", self.name()))
    }
}

/// What every service reads: where it listens, its database, the bus, the
/// identity key, telemetry, and whether to load demo data. A service's own
/// `Config` holds this flattened beside its own settings, so the variables
/// stay `EIP_BIND`, `EIP_DATABASE_URL` and so on; the service's defaults
/// fill whatever the file and the environment leave out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceConfig {
    /// `host:port` to listen on.
    pub bind: String,
    pub database_url: DatabaseUrl,
    pub bus: BusConfig,
    pub identity: IdentityConfig,
    pub telemetry: TelemetryConfig,
    /// Load demonstration data into an empty database.
    pub demo: bool,
}

impl ServiceConfig {
    /// Defaults for `part`: its port on the loopback interface, a SQLite
    /// file under `data/`.
    pub fn defaults(part: Part) -> Self {
        Self {
            bind: part.default_bind(),
            database_url: part.default_database(),
            bus: BusConfig::default(),
            identity: IdentityConfig::default(),
            telemetry: TelemetryConfig::default(),
            demo: false,
        }
    }
}

impl AsRef<ServiceConfig> for ServiceConfig {
    fn as_ref(&self) -> &ServiceConfig {
        self
    }
}
