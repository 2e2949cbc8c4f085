//! What the pages load, and the server functions that load it for the
//! signed-in user from the services.

mod admin;
mod audit;
mod casework;
mod engagement;
mod governance;
mod people;
mod referrals;
mod training;

pub use admin::*;
pub use audit::*;
pub use casework::*;
pub use engagement::*;
pub use governance::*;
pub use people::*;
pub use referrals::*;
pub use training::*;

use eip_types::{Principal, Role};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user, as kept in the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub areas: Vec<String>,
    pub agency: Option<String>,
}

impl SessionUser {
    pub fn primary_role(&self) -> Role {
        self.roles.first().copied().unwrap_or(Role::Frontline)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.user_id.clone(),
            roles: self.roles.clone(),
            areas: self.areas.clone(),
            agency: self.agency.clone(),
        }
    }
}

/// Session keys shared by the pages and the portal's form handlers.
pub mod keys {
    pub const USER: &str = "user";
    pub const SIGNED_IN_AT: &str = "signed_in_at";
    pub const FLASH: &str = "flash";
    pub const SIGN_IN_FORM: &str = "sign_in_form";
    pub const REFERRAL_FORM: &str = "referral_form";
    pub const REFERRAL_ACTION: &str = "referral_action";
    pub const RETENTION_OUTCOME: &str = "retention_outcome";
    pub const PERSON_OUTCOME: &str = "person_outcome";
    /// Reasons given this session for viewing referrals, by referral id.
    pub const VIEW_REASONS: &str = "view_reasons";
}

/// A page's data, or why it cannot be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Loaded<T> {
    Ready(T),
    SignedOut,
    Denied(String),
    NotFound,
    Unavailable,
    /// The record opens only with a reason for viewing it.
    NeedsReason(String),
}

/// What the sign-in page shows after a failed attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInForm {
    pub username: String,
    pub error: Option<String>,
}

#[server]
pub async fn current_user() -> Result<Option<SessionUser>, ServerFnError> {
    Ok(ssr::user().await)
}

#[server]
pub async fn load_sign_in() -> Result<SignInForm, ServerFnError> {
    Ok(ssr::take(keys::SIGN_IN_FORM).await.unwrap_or_default())
}

/// Server-side plumbing: the session, the service clients, error mapping.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Loaded, SessionUser, keys};
    use eip_platform::client::{ClientError, ServiceClient};
    use leptos::prelude::*;
    use serde::de::DeserializeOwned;
    use std::sync::Arc;
    use tower_sessions::Session;

    /// The service clients pages load data through, and the portal's own
    /// user directory (to name who took each step).
    #[derive(Debug, Clone)]
    pub struct PortalCtx {
        pub users: eip_platform::db::Db,
        pub engagement: ServiceClient,
        pub referrals: ServiceClient,
        pub training: ServiceClient,
        pub governance: ServiceClient,
    }

    pub fn ctx() -> Result<Arc<PortalCtx>, ServerFnError> {
        use_context::<Arc<PortalCtx>>().ok_or_else(|| ServerFnError::new("portal context missing"))
    }

    /// Display names of the given user ids, from the portal's directory.
    pub async fn display_names(ids: Vec<String>) -> std::collections::HashMap<String, String> {
        use sqlx::Row;
        let mut names = std::collections::HashMap::new();
        let Ok(ctx) = ctx() else {
            return names;
        };
        for id in ids {
            if names.contains_key(&id) {
                continue;
            }
            let row = sqlx::query("SELECT display_name FROM users WHERE id = $1")
                .bind(&id)
                .fetch_optional(ctx.users.pool())
                .await;
            if let Ok(Some(row)) = row
                && let Ok(name) = row.try_get::<String, _>("display_name")
            {
                names.insert(id, name);
            }
        }
        names
    }

    fn session() -> Option<Session> {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Session>().cloned())
    }

    pub async fn user() -> Option<SessionUser> {
        session()?
            .get::<SessionUser>(keys::USER)
            .await
            .ok()
            .flatten()
    }

    /// Reads a value from the session.
    pub async fn get<T: DeserializeOwned>(key: &str) -> Option<T> {
        session()?.get::<T>(key).await.ok().flatten()
    }

    /// Keeps a value in the session.
    pub async fn put<T: serde::Serialize>(key: &str, value: &T) {
        if let Some(s) = session() {
            let _ = s.insert(key, value).await;
        }
    }

    /// Reads and forgets a one-time value from the session.
    pub async fn take<T: DeserializeOwned>(key: &str) -> Option<T> {
        session()?.remove::<T>(key).await.ok().flatten()
    }

    fn set_status(status: http::StatusCode) {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
        }
    }

    /// A page the user's roles do not open, answered with 403.
    pub fn denied<T>(why: impl Into<String>) -> Loaded<T> {
        set_status(http::StatusCode::FORBIDDEN);
        Loaded::Denied(why.into())
    }

    /// Turns a service answer into what the page shows.
    pub fn loaded<T>(result: Result<T, ClientError>) -> Loaded<T> {
        match result {
            Ok(v) => Loaded::Ready(v),
            Err(ClientError::Problem(p)) => match p.status {
                401 => Loaded::SignedOut,
                428 => Loaded::NeedsReason(p.detail.unwrap_or(p.title)),
                404 => {
                    set_status(http::StatusCode::NOT_FOUND);
                    Loaded::NotFound
                }
                _ => {
                    set_status(http::StatusCode::FORBIDDEN);
                    Loaded::Denied(p.detail.unwrap_or(p.title))
                }
            },
            Err(ClientError::Unavailable(why)) => {
                tracing::warn!(error = %why, "a service is unavailable");
                set_status(http::StatusCode::SERVICE_UNAVAILABLE);
                Loaded::Unavailable
            }
        }
    }
}
