//! Platform users and their passwords (argon2id hashes), and the user
//! directory the pages name people through.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use async_trait::async_trait;
use eip_platform::db::{Db, now_text};
use eip_portal_app::SessionUser;
use eip_portal_app::data::ssr::UserDirectory;
use eip_types::Role;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Verified against when the username is unknown, so both cases take as long.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("not-a-real-password").unwrap_or_default());

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The user, if the username exists and the password is right.
pub async fn authenticate(
    db: &Db,
    username: &str,
    password: &str,
) -> anyhow::Result<Option<SessionUser>> {
    // A disabled account is answered exactly as an unknown one.
    let row = sqlx::query(
        "SELECT id, username, display_name, password_hash, roles, areas, agency FROM users \
         WHERE username = $1 AND disabled_at IS NULL",
    )
    .bind(username.trim().to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    let stored = match &row {
        Some(r) => r.try_get::<String, _>("password_hash")?,
        None => DUMMY_HASH.clone(),
    };
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify(&password, &stored)).await?;
    let Some(row) = row.filter(|_| ok) else {
        return Ok(None);
    };
    Ok(Some(account(&row)?))
}

/// The account `id` as it stands now, unless it is gone or disabled: read
/// for every signed-in request, so nothing about a user is trusted from
/// the session but their id.
pub async fn current(db: &Db, id: &str) -> anyhow::Result<Option<SessionUser>> {
    let row = sqlx::query(
        "SELECT id, username, display_name, roles, areas, agency FROM users \
         WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(account).transpose()
}

fn account(row: &sqlx::any::AnyRow) -> anyhow::Result<SessionUser> {
    let roles = split(&row.try_get::<String, _>("roles")?)
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .collect();
    Ok(SessionUser {
        user_id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        roles,
        areas: split(&row.try_get::<String, _>("areas")?),
        agency: row.try_get("agency")?,
    })
}

/// The portal's users as the pages see them: names, and who holds a role.
/// The only reader of the users table besides sign-in.
#[derive(Debug, Clone)]
pub struct Directory {
    db: Db,
}

impl Directory {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl UserDirectory for Directory {
    async fn display_names(&self, ids: &[String]) -> HashMap<String, String> {
        let mut names = HashMap::new();
        for id in ids {
            let row = sqlx::query("SELECT display_name FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(self.db.pool())
                .await;
            match row {
                Ok(Some(row)) => {
                    if let Ok(name) = row.try_get::<String, _>("display_name") {
                        names.insert(id.clone(), name);
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "the user directory could not be read"),
            }
        }
        names
    }

    async fn holding(&self, role: Role) -> Vec<(String, String)> {
        let rows = sqlx::query("SELECT id, display_name, roles FROM users ORDER BY display_name")
            .fetch_all(self.db.pool())
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the user directory could not be read");
                Vec::new()
            });
        rows.iter()
            .filter_map(|r| {
                let roles: String = r.try_get("roles").ok()?;
                split(&roles)
                    .iter()
                    .any(|x| x == role.as_str())
                    .then(|| Some((r.try_get("id").ok()?, r.try_get("display_name").ok()?)))
                    .flatten()
            })
            .collect()
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub roles: &'a [Role],
    pub areas: &'a [&'a str],
    pub agency: Option<&'a str>,
}

/// Adds a user with the id `id` (a new UUID for real accounts).
pub async fn create(db: &Db, id: &str, user: &NewUser<'_>, password: &str) -> anyhow::Result<()> {
    let password = password.to_owned();
    let hashed = tokio::task::spawn_blocking(move || hash(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    sqlx::query(
        "INSERT INTO users (id, username, display_name, password_hash, roles, areas, agency, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(user.username)
    .bind(user.display_name)
    .bind(hashed)
    .bind(roles.join(","))
    .bind(user.areas.join(","))
    .bind(user.agency)
    .bind(now_text())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// One demo account per role (see the README), added to an empty database.
pub const DEMO_USERS: [NewUser<'static>; 9] = [
    NewUser {
        username: "frontline.hull",
        display_name: "PC Demo Frontline",
        roles: &[Role::Frontline],
        areas: &["hull"],
        agency: None,
    },
    NewUser {
        username: "coordinator.hull",
        display_name: "Hull Hub Coordinator",
        roles: &[Role::Coordinator],
        areas: &["hull"],
        agency: None,
    },
    NewUser {
        username: "coordinator.eastriding",
        display_name: "East Riding Hub Coordinator",
        roles: &[Role::Coordinator],
        areas: &["east-riding"],
        agency: None,
    },
    NewUser {
        username: "partner.cfs",
        display_name: "Children's Services Worker",
        roles: &[Role::Partner],
        areas: &["hull"],
        agency: Some("childrens-family-services"),
    },
    NewUser {
        username: "trainer",
        display_name: "Force Trainer",
        roles: &[Role::Trainer],
        areas: &[],
        agency: None,
    },
    NewUser {
        username: "board",
        display_name: "Board Member",
        roles: &[Role::Board],
        areas: &[],
        agency: None,
    },
    NewUser {
        username: "analyst",
        display_name: "Force Analyst",
        roles: &[Role::Analyst],
        areas: &[
            "hull",
            "east-riding",
            "north-lincolnshire",
            "north-east-lincolnshire",
        ],
        agency: None,
    },
    NewUser {
        username: "admin",
        display_name: "Platform Administrator",
        roles: &[Role::Admin],
        areas: &[],
        agency: None,
    },
    NewUser {
        username: "dpo",
        display_name: "Data Protection Officer",
        roles: &[Role::Dpo],
        areas: &[],
        agency: None,
    },
];

pub async fn seed_demo(db: &Db, password: &str) -> anyhow::Result<()> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    if n > 0 {
        return Ok(());
    }
    // Demo accounts' ids are their usernames, so the other services' demo
    // records (a trainer's own training record, say) can name them.
    for user in &DEMO_USERS {
        create(db, user.username, user, password).await?;
    }
    tracing::info!(users = DEMO_USERS.len(), "demo accounts created");
    Ok(())
}
