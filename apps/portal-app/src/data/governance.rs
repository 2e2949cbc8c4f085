//! Governance reports' data: the per-area report, the board dashboard,
//! report packs.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::FormOutcome;
#[cfg(feature = "ssr")]
use crate::kit::{ids::Uuid, keys};
use eip_types::FieldError;
#[cfg(feature = "ssr")]
use eip_types::Role;
use eip_types::governance::{Board, Dashboard, Pack, PackView, SubmittedPerArea};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The new-pack form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackValues {
    pub board_id: String,
    pub from: String,
    pub to: String,
    pub commentary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardPage {
    pub dashboard: Option<Dashboard>,
    pub from: String,
    pub to: String,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacksPage {
    pub packs: Vec<Pack>,
    pub boards: Vec<Board>,
    pub can_write: bool,
    /// The pack form refused last (new pack or approvers).
    pub outcome: FormOutcome<PackValues>,
    pub flash: Option<String>,
    pub default_from: String,
    pub default_to: String,
    /// For administrators: board members who could be named approvers,
    /// as `(user id, display name)`.
    pub board_members: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackPage {
    pub view: PackView,
    pub can_review: bool,
    /// The review or sign-off, when it was refused.
    pub outcome: FormOutcome<PackValues>,
    pub flash: Option<String>,
    /// Display names of the people who wrote, reviewed and signed it.
    pub names: std::collections::HashMap<String, String>,
}

impl PackPage {
    /// A user's display name, or their id when the directory lacks them.
    pub fn name(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
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

/// The twelve months up to this one, as `(from, to)`.
#[cfg(feature = "ssr")]
fn last_year() -> (String, String) {
    use chrono::Datelike;
    let now = chrono::Utc::now().date_naive();
    let (y, m) = (now.year(), now.month());
    let (fy, fm) = if m == 12 { (y, 1) } else { (y - 1, m + 1) };
    (format!("{fy:04}-{fm:02}"), format!("{y:04}-{m:02}"))
}

#[server]
pub async fn load_dashboard(
    from: Option<String>,
    to: Option<String>,
) -> Result<Loaded<DashboardPage>, ServerFnError> {
    use eip_platform::client::ClientError;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let (dfrom, dto) = last_year();
    let from = from.filter(|s| !s.is_empty()).unwrap_or(dfrom);
    let to = to.filter(|s| !s.is_empty()).unwrap_or(dto);
    let result = ctx
        .governance
        .get_query::<Dashboard>(
            "/reports/dashboard",
            &[("from", &from), ("to", &to)],
            &user.principal(),
        )
        .await;
    Ok(match result {
        Ok(d) => Loaded::Ready(DashboardPage {
            dashboard: Some(d),
            from,
            to,
            errors: Vec::new(),
        }),
        Err(ClientError::Problem(p)) if p.status == 422 => Loaded::Ready(DashboardPage {
            dashboard: None,
            from,
            to,
            errors: p.errors,
        }),
        Err(other) => ssr::loaded::<Dashboard>(Err(other)).map_never(),
    })
}

#[server]
pub async fn load_packs() -> Result<Loaded<PacksPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let p = user.principal();
    let packs = match ssr::loaded(ctx.governance.get::<Vec<Pack>>("/packs", &p).await) {
        Loaded::Ready(v) => v,
        other => return Ok(other.map_never()),
    };
    let boards = match ssr::loaded(ctx.governance.get::<Vec<Board>>("/boards", &p).await) {
        Loaded::Ready(v) => v,
        other => return Ok(other.map_never()),
    };
    let outcome = ssr::take(keys::PACK).await.unwrap_or_default();
    let (default_from, default_to) = last_year();
    let board_members = if user.has_role(Role::Admin) {
        ctx.users.holding(Role::Board).await
    } else {
        Vec::new()
    };
    Ok(Loaded::Ready(PacksPage {
        board_members,
        packs,
        boards,
        can_write: user.has_role(Role::Analyst) || user.has_role(Role::Admin),
        outcome,
        flash: ssr::flash().await,
        default_from,
        default_to,
    }))
}

#[server]
pub async fn load_pack(id: String) -> Result<Loaded<PackPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let Some(id) = Uuid::parse(&id) else {
        return Ok(ssr::not_found());
    };
    let ctx = ssr::ctx()?;
    let view = match ssr::loaded(
        ctx.governance
            .get::<PackView>(&format!("/packs/{id}"), &user.principal())
            .await,
    ) {
        Loaded::Ready(v) => v,
        other => return Ok(other.map_never()),
    };
    let outcome = ssr::take(keys::PACK).await.unwrap_or_default();
    let people: Vec<String> = view
        .history
        .iter()
        .flat_map(|p| {
            [
                Some(p.created_by.clone()),
                p.reviewed_by.clone(),
                p.signed_by.clone(),
            ]
            .into_iter()
            .flatten()
        })
        .collect();
    let names = ssr::display_names(people).await;
    Ok(Loaded::Ready(PackPage {
        names,
        can_review: (user.has_role(Role::Analyst) || user.has_role(Role::Admin))
            && view.pack.status == eip_types::governance::PackStatus::Draft
            && view.pack.created_by != user.user_id,
        view,
        outcome,
        flash: ssr::flash().await,
    }))
}

impl<T> Loaded<T> {
    /// A non-ready answer, re-typed for another page.
    pub fn map_never<U>(self) -> Loaded<U> {
        match self {
            Loaded::Ready(_) | Loaded::Unavailable => Loaded::Unavailable,
            Loaded::SignedOut => Loaded::SignedOut,
            Loaded::Denied(why) => Loaded::Denied(why),
            Loaded::NotFound => Loaded::NotFound,
            Loaded::NeedsReason(why) => Loaded::NeedsReason(why),
        }
    }
}
