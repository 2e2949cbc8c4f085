//! What the pages load, and the server functions that load it for the
//! signed-in user from the services.

mod admin;
mod audit;
mod casework;
mod engagement;
mod governance;
mod people;
mod referrals;
mod sign_in;
mod training;

pub use admin::*;
pub use audit::*;
pub use casework::*;
pub use engagement::*;
pub use governance::*;
pub use people::*;
pub use referrals::*;
pub use sign_in::*;
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

#[server]
pub async fn current_user() -> Result<Option<SessionUser>, ServerFnError> {
    Ok(ssr::user().await)
}

/// Server-side plumbing: the session, the service clients, the user
/// directory, error mapping.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Loaded, SessionUser};
    use crate::kit::{SessionKey, keys};
    use eip_platform::client::{ClientError, ServiceClient};
    use eip_types::Role;
    use leptos::prelude::*;
    use serde::de::DeserializeOwned;
    use std::collections::HashMap;
    use std::sync::Arc;
    use tower_sessions::Session;

    /// The portal's own directory of users, which the portal server keeps:
    /// the pages name people through it and never read its tables.
    #[async_trait::async_trait]
    pub trait UserDirectory: Send + Sync + std::fmt::Debug {
        /// Display names of the users `ids` names, by id; unknown ids are
        /// left out.
        async fn display_names(&self, ids: &[String]) -> HashMap<String, String>;

        /// `(id, display name)` of every user holding `role`, by name.
        async fn holding(&self, role: Role) -> Vec<(String, String)>;
    }

    /// The service clients pages load data through, and the portal's user
    /// directory (to name who took each step).
    #[derive(Debug, Clone)]
    pub struct PortalCtx {
        pub users: Arc<dyn UserDirectory>,
        pub engagement: ServiceClient,
        pub referrals: ServiceClient,
        pub training: ServiceClient,
        pub governance: ServiceClient,
    }

    pub fn ctx() -> Result<Arc<PortalCtx>, ServerFnError> {
        use_context::<Arc<PortalCtx>>().ok_or_else(|| ServerFnError::new("portal context missing"))
    }

    /// Display names of the given user ids, from the portal's directory.
    pub async fn display_names(mut ids: Vec<String>) -> HashMap<String, String> {
        let Ok(ctx) = ctx() else {
            return HashMap::new();
        };
        ids.sort();
        ids.dedup();
        ctx.users.display_names(&ids).await
    }

    fn session() -> Option<Session> {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Session>().cloned())
    }

    /// The signed-in user, as the account says now (the portal's sign-in
    /// layer reads it for each request).
    pub async fn user() -> Option<SessionUser> {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<SessionUser>().cloned())
    }

    /// `GET path` for a child's record, with the reason for viewing it
    /// given this session, if any: the reason is kept in the session and
    /// sent in the service's reason header, never in a URL.
    pub async fn get_record<T: DeserializeOwned>(
        client: &ServiceClient,
        path: &str,
        record: &str,
        me: &eip_types::Principal,
    ) -> Result<T, ClientError> {
        use eip_types::audit::{VIEW_REASON_HEADER, encode_reason};
        let reasons = get(keys::VIEW_REASONS).await.unwrap_or_default();
        match reasons.get(record) {
            Some(reason) => {
                let encoded = encode_reason(reason);
                client
                    .get_with_headers(path, &[(VIEW_REASON_HEADER, encoded.as_str())], me)
                    .await
            }
            None => client.get(path, me).await,
        }
    }

    /// Reads a value from the session.
    pub async fn get<T: DeserializeOwned>(key: SessionKey<T>) -> Option<T> {
        crate::kit::ssr::read(&session()?, key).await
    }

    /// Keeps a value in the session.
    pub async fn put<T: serde::Serialize>(key: SessionKey<T>, value: &T) {
        if let Some(s) = session() {
            crate::kit::ssr::keep(&s, key, value).await;
        }
    }

    /// Reads and forgets a one-time value from the session.
    pub async fn take<T: DeserializeOwned>(key: SessionKey<T>) -> Option<T> {
        crate::kit::ssr::take(&session()?, key).await
    }

    /// The flash message a form post left for this page, once.
    pub async fn flash() -> Option<String> {
        take(keys::FLASH).await
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

    /// A record the URL cannot name, answered with 404 as the service
    /// would.
    pub fn not_found<T>() -> Loaded<T> {
        set_status(http::StatusCode::NOT_FOUND);
        Loaded::NotFound
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
