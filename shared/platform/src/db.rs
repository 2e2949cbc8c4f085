//! Database pools. Each service owns one database: a SQLite file in the
//! embedded mode, a PostgreSQL database in the distributed mode. Queries go
//! through sqlx's `Any` driver with `$n` placeholders, so one SQL text serves
//! both; DDL differs, so each service keeps a migrations folder per backend.
//!
//! A database's schema is one [`Migrations`] set: the service's own folder
//! plus the tables of each shared component it uses (the outbox, the event
//! consumer, the skill gate), each defined once by the crate that owns it.
//! Versions are disjoint by owner and the shared components come first: the
//! platform's outbox 0100–0199, its event consumer 0200–0299, the skill gate
//! 0300–0399, and a service's (or the portal's) own from 1001.

use crate::config::DatabaseUrl;
use futures::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, Migrator};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The migrations of the crate it is written in: its `migrations/sqlite`
/// and `migrations/postgres` folders, embedded at build time.
#[macro_export]
macro_rules! migrations {
    () => {
        $crate::db::Migrations::new(
            ::sqlx::migrate!("./migrations/sqlite"),
            ::sqlx::migrate!("./migrations/postgres"),
        )
    };
}

/// A database's migrations, one list per backend, in version order.
#[derive(Debug, Clone)]
pub struct Migrations {
    sqlite: Vec<Migration>,
    postgres: Vec<Migration>,
}

impl Migrations {
    /// One folder per backend, as `sqlx::migrate!` embeds them.
    pub fn new(sqlite: Migrator, postgres: Migrator) -> Self {
        Self::from_lists(
            sqlite.iter().cloned().collect(),
            postgres.iter().cloned().collect(),
        )
    }

    /// Migrations listed one by one.
    pub fn from_lists(mut sqlite: Vec<Migration>, mut postgres: Vec<Migration>) -> Self {
        sqlite.sort_by_key(|m| m.version);
        postgres.sort_by_key(|m| m.version);
        Self { sqlite, postgres }
    }

    /// These migrations and a shared component's, in version order. A
    /// migration both sets hold (the same version and checksum) is kept
    /// once, so two components may include a third.
    pub fn including(mut self, other: Migrations) -> Self {
        fn merge(into: &mut Vec<Migration>, more: Vec<Migration>) {
            for m in more {
                if !into
                    .iter()
                    .any(|have| have.version == m.version && have.checksum == m.checksum)
                {
                    into.push(m);
                }
            }
            into.sort_by_key(|m| m.version);
        }
        merge(&mut self.sqlite, other.sqlite);
        merge(&mut self.postgres, other.postgres);
        self
    }

    /// The migrations of one backend, in version order.
    pub fn of(&self, backend: Backend) -> &[Migration] {
        match backend {
            Backend::Sqlite => &self.sqlite,
            Backend::Postgres => &self.postgres,
        }
    }

    async fn migrator(&self, backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
        Migrator::new(Listed(self.of(backend).to_vec())).await
    }
}

/// Migrations already read, handed to sqlx's migrator as they are.
#[derive(Debug)]
struct Listed(Vec<Migration>);

impl<'s> MigrationSource<'s> for Listed {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { Ok(self.0) })
    }
}

#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL `{0}` is neither sqlite:// nor postgres://")]
    UnknownScheme(String),
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("migrating {url} failed: {source}{hint}")]
    Migrate {
        hint: &'static str,
        url: String,
        source: sqlx::migrate::MigrateError,
    },
}

impl Db {
    /// Connects (creating a SQLite file and its folder when missing) and
    /// brings the schema up to date.
    pub async fn connect(url: &DatabaseUrl, migrations: &Migrations) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let raw = url.expose();
        let backend = if raw.starts_with("sqlite:") {
            Backend::Sqlite
        } else if raw.starts_with("postgres:") || raw.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnknownScheme(url.redacted()));
        };
        let connect_err = |source| DbError::Connect {
            url: url.redacted(),
            source,
        };
        let pool = match backend {
            Backend::Sqlite => {
                let path = sqlite_path(raw);
                if let Some(parent) = std::path::Path::new(path).parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent).map_err(|source| DbError::DataDir {
                        path: parent.display().to_string(),
                        source,
                    })?;
                }
                let with_mode = if raw.contains('?') {
                    raw.to_owned()
                } else {
                    format!("{raw}?mode=rwc")
                };
                let opts = AnyConnectOptions::from_str(&with_mode)
                    .map_err(connect_err)?
                    .disable_statement_logging();
                // One connection: SQLite has one writer, and a single
                // connection never meets "database is locked".
                AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await
                    .map_err(connect_err)?
            }
            Backend::Postgres => {
                let opts = AnyConnectOptions::from_str(raw)
                    .map_err(connect_err)?
                    .disable_statement_logging();
                AnyPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(opts)
                    .await
                    .map_err(connect_err)?
            }
        };
        let migrate_err = |source| DbError::Migrate {
            hint: match &source {
                sqlx::migrate::MigrateError::VersionMismatch(_)
                | sqlx::migrate::MigrateError::VersionMissing(_) => {
                    " (the database was made by a pre-release schema: move it aside, \
                     or for the demo delete the data folder, and start again)"
                }
                _ => "",
            },
            url: url.redacted(),
            source,
        };
        migrations
            .migrator(backend)
            .await
            .map_err(migrate_err)?
            .run(&pool)
            .await
            .map_err(migrate_err)?;
        Ok(Self { pool, backend })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that read first and then wrote could fail
    /// with "database is locked" when another connection (an import's
    /// own, say) wrote in between, as SQLite cannot let it wait.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers: used by `/health/ready`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::query("SELECT 1").execute(&self.pool),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn sqlite_path(url: &str) -> &str {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    rest.split('?').next().unwrap_or(rest)
}

/// The current time as stored: RFC 3339 in UTC with microseconds, which sorts
/// as text on both backends.
pub fn now_text() -> String {
    to_text(chrono::Utc::now())
}

pub fn to_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, sqlx::Error> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, sqlx::Error> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_come_from_urls() {
        assert_eq!(sqlite_path("sqlite://data/a.db?mode=rwc"), "data/a.db");
        assert_eq!(sqlite_path("sqlite:data/b.db"), "data/b.db");
    }

    #[test]
    fn stored_times_round_trip() {
        let t = chrono::Utc::now();
        let back = parse_time(&to_text(t)).expect("parses");
        assert_eq!(back.timestamp_micros(), t.timestamp_micros());
    }
}
