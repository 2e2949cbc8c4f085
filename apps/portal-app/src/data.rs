//! What the pages load, and the server functions that load it for the
//! signed-in user from the services.

use eip_types::governance::SubmittedPerArea;
use eip_types::place::Place;
use eip_types::referral::{Agency, HistoryEntry, ReferralDetail, ReferralSummary, RetentionDue};
use eip_types::training::Competency;
use eip_types::{FieldError, Principal, Role};
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

/// The name of agency `id`, or the id itself when it is not listed.
pub fn agency_name(agencies: &[Agency], id: &str) -> String {
    agencies
        .iter()
        .find(|a| a.id == id)
        .map_or_else(|| id.to_owned(), |a| a.name.clone())
}

/// What the sign-in page shows after a failed attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInForm {
    pub username: String,
    pub error: Option<String>,
}

/// The referral form as the user last submitted it, with what was wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralForm {
    pub child_name: String,
    pub date_of_birth: String,
    pub area_id: String,
    pub reason: String,
    /// The risk factor ids ticked.
    pub risk_factors: Vec<String>,
    pub errors: Vec<FieldError>,
    pub message: Option<String>,
}

impl ReferralForm {
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }
}

/// What the last step a user tried on a referral came to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    /// The action tried, such as `decline`.
    pub action: String,
    /// Set when it worked.
    pub done: Option<String>,
    /// Set when it was refused.
    pub error: Option<String>,
    pub errors: Vec<FieldError>,
    /// The reason typed, kept when the step was refused.
    pub reason: String,
}

/// A step in a referral's timeline, with the actor's name when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineStep {
    pub entry: HistoryEntry,
    pub actor_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralPage {
    pub detail: ReferralDetail,
    pub timeline: Vec<TimelineStep>,
    /// Agencies and programmes: the share form's choices, and names for ids.
    pub agencies: Vec<Agency>,
    pub outcome: Option<ActionOutcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralListPage {
    pub referrals: Vec<ReferralSummary>,
    pub agencies: Vec<Agency>,
    pub flash: Option<String>,
    pub can_raise: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralFormPage {
    pub form: ReferralForm,
    /// The areas the user may raise referrals in: `(id, name)`.
    pub areas: Vec<(String, String)>,
}

#[server]
pub async fn current_user() -> Result<Option<SessionUser>, ServerFnError> {
    Ok(ssr::user().await)
}

#[server]
pub async fn load_sign_in() -> Result<SignInForm, ServerFnError> {
    Ok(ssr::take(keys::SIGN_IN_FORM).await.unwrap_or_default())
}

#[server]
pub async fn load_referrals() -> Result<Loaded<ReferralListPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let flash: Option<String> = ssr::take(keys::FLASH).await;
    let me = user.principal();
    let agencies = match ctx.referrals.get::<Vec<Agency>>("/agencies", &me).await {
        Ok(a) => a,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    Ok(ssr::loaded(
        ctx.referrals
            .get::<Vec<ReferralSummary>>("/referrals?limit=100", &me)
            .await
            .map(|referrals| ReferralListPage {
                referrals,
                agencies,
                flash,
                can_raise: user.has_role(Role::Frontline) || user.has_role(Role::Coordinator),
            }),
    ))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionPage {
    pub due: Vec<RetentionDue>,
    /// What the last decision came to: `(done, message)`.
    pub outcome: Option<(bool, String)>,
}

#[server]
pub async fn load_retention() -> Result<Loaded<RetentionPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let outcome: Option<(bool, String)> = ssr::take(keys::RETENTION_OUTCOME).await;
    Ok(ssr::loaded(
        ctx.referrals
            .get::<Vec<RetentionDue>>("/retention/due", &user.principal())
            .await
            .map(|due| RetentionPage { due, outcome }),
    ))
}

#[server]
pub async fn load_worklist() -> Result<Loaded<Vec<ReferralSummary>>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.referrals
            .get::<Vec<ReferralSummary>>("/referrals?view=worklist&limit=200", &user.principal())
            .await,
    ))
}

#[server]
pub async fn load_referral(
    id: String,
    reason: Option<String>,
) -> Result<Loaded<ReferralPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(Loaded::NotFound);
    }
    let ctx = ssr::ctx()?;
    let me = user.principal();
    // A reason given now, or earlier this session for this referral.
    let mut reasons: std::collections::HashMap<String, String> =
        ssr::get(keys::VIEW_REASONS).await.unwrap_or_default();
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .or_else(|| reasons.get(&id).cloned());
    let query: Vec<(&str, &str)> = reason.iter().map(|r| ("reason", r.as_str())).collect();
    let detail = match ctx
        .referrals
        .get_query::<ReferralDetail>(&format!("/referrals/{id}"), &query, &me)
        .await
    {
        Ok(d) => d,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    if let Some(r) = &reason {
        reasons.insert(id.clone(), r.clone());
        ssr::put(keys::VIEW_REASONS, &reasons).await;
    }
    let history = match ctx
        .referrals
        .get_query::<Vec<HistoryEntry>>(&format!("/referrals/{id}/history"), &query, &me)
        .await
    {
        Ok(h) => h,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let agencies = match ctx.referrals.get::<Vec<Agency>>("/agencies", &me).await {
        Ok(a) => a,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let names = ssr::display_names(history.iter().map(|h| h.actor.clone()).collect()).await;
    let timeline = history
        .into_iter()
        .map(|entry| TimelineStep {
            actor_name: names
                .get(&entry.actor)
                .cloned()
                .unwrap_or_else(|| "Another user".into()),
            entry,
        })
        .collect();
    let outcome: Option<ActionOutcome> = ssr::take(keys::REFERRAL_ACTION).await;
    Ok(Loaded::Ready(ReferralPage {
        detail,
        timeline,
        agencies,
        outcome,
    }))
}

#[server]
pub async fn load_referral_form() -> Result<Loaded<ReferralFormPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !(user.has_role(Role::Frontline) || user.has_role(Role::Coordinator)) {
        return Ok(Loaded::Denied(
            "Only frontline staff and coordinators raise referrals.".into(),
        ));
    }
    let mut form: ReferralForm = ssr::take(keys::REFERRAL_FORM).await.unwrap_or_default();
    let areas: Vec<(String, String)> = eip_types::place::LOCAL_AUTHORITIES
        .iter()
        .filter(|(id, _)| user.areas.iter().any(|a| a == id))
        .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
        .collect();
    if form.area_id.is_empty()
        && let Some((first, _)) = areas.first()
    {
        form.area_id = first.clone();
    }
    Ok(Loaded::Ready(ReferralFormPage { form, areas }))
}

#[server]
pub async fn load_report() -> Result<Loaded<SubmittedPerArea>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.governance
            .get::<SubmittedPerArea>("/reports/referrals-submitted-per-area", &user.principal())
            .await,
    ))
}

#[server]
pub async fn load_competencies() -> Result<Loaded<Vec<Competency>>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.training
            .get::<Vec<Competency>>("/competencies", &user.principal())
            .await,
    ))
}

#[server]
pub async fn load_places() -> Result<Loaded<Vec<Place>>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.engagement
            .get::<Vec<Place>>("/places", &user.principal())
            .await,
    ))
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
