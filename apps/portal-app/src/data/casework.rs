//! Casework pages' data: the priority board, problem-solving cases and the
//! partner directory.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::{engagement::my_places, ssr};
use crate::kit::{Fields, FormOutcome};
#[cfg(feature = "ssr")]
use crate::kit::{fields, ids::RecordId, keys};
use eip_types::engagement::{CommunityPriority, DirectoryEntry, ProblemCase};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The priority board: agreed priorities with their "you said, we did".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityBoard {
    /// `(place name, priority)`, newest period first.
    pub priorities: Vec<(String, CommunityPriority)>,
    pub places: Vec<(String, String)>,
    pub can_agree: bool,
    pub form: FormOutcome<Fields>,
    /// A refused "we did" or resolve form; its record names the priority.
    pub we_did: Option<FormOutcome<Fields>>,
    pub flash: Option<String>,
}

#[server]
pub async fn load_priority_board() -> Result<Loaded<PriorityBoard>, ServerFnError> {
    use eip_types::Role;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if ![Role::Frontline, Role::Coordinator, Role::Analyst]
        .iter()
        .any(|r| user.has_role(*r))
    {
        return Ok(ssr::denied(
            "The priority board is for neighbourhood officers, coordinators and analysts.",
        ));
    }
    let ctx = ssr::ctx()?;
    let places = match my_places(&ctx, &user).await {
        Ok(p) => p,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let priorities = match ctx
        .engagement
        .get::<Vec<CommunityPriority>>("/priorities", &user.principal())
        .await
    {
        Ok(p) => p,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let name = |id: &str| {
        places
            .iter()
            .find(|(p, _)| p == id)
            .map_or_else(|| id.to_owned(), |(_, n)| n.clone())
    };
    let priorities = priorities
        .into_iter()
        .map(|p| (name(&p.place_id), p))
        .collect();
    let kept = ssr::take(keys::PRIORITY_FORM).await;
    Ok(Loaded::Ready(PriorityBoard {
        priorities,
        can_agree: user.has_role(Role::Frontline) || user.has_role(Role::Coordinator),
        places,
        form: FormOutcome::for_form(kept.clone(), fields::priority::FORM, ""),
        we_did: kept.filter(|k| k.is(fields::we_did::FORM)),
        flash: ssr::flash().await,
    }))
}

/// The case list and the form that opens a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseList {
    pub cases: Vec<ProblemCase>,
    pub places: Vec<(String, String)>,
    pub form: FormOutcome<Fields>,
    pub flash: Option<String>,
}

/// The signed-in user, when they may work cases; else what the page says.
#[cfg(feature = "ssr")]
async fn case_worker<T>() -> Result<super::SessionUser, Loaded<T>> {
    use eip_types::Role;
    let user = ssr::user().await.ok_or(Loaded::SignedOut)?;
    if [Role::Frontline, Role::Coordinator, Role::Analyst]
        .iter()
        .any(|r| user.has_role(*r))
    {
        Ok(user)
    } else {
        Err(ssr::denied(
            "Problem-solving cases are for neighbourhood officers, coordinators and analysts.",
        ))
    }
}

#[server]
pub async fn load_cases() -> Result<Loaded<CaseList>, ServerFnError> {
    let user = match case_worker().await {
        Ok(user) => user,
        Err(page) => return Ok(page),
    };
    let ctx = ssr::ctx()?;
    let places = match my_places(&ctx, &user).await {
        Ok(p) => p,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let cases = match ctx
        .engagement
        .get::<Vec<ProblemCase>>("/cases", &user.principal())
        .await
    {
        Ok(c) => c,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let kept = ssr::take(keys::CASE_FORM).await;
    Ok(Loaded::Ready(CaseList {
        cases,
        places,
        form: FormOutcome::for_form(kept, fields::case::NEW_FORM, ""),
        flash: ssr::flash().await,
    }))
}

/// One case's workspace: its stages, the form last refused, and the names
/// of its places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseWorkspace {
    pub case: ProblemCase,
    pub place_names: Vec<String>,
    /// The form refused last time, if it was one of this case's.
    pub form: Option<FormOutcome<Fields>>,
    pub flash: Option<String>,
}

#[server]
pub async fn load_case(id: String) -> Result<Loaded<CaseWorkspace>, ServerFnError> {
    let user = match case_worker().await {
        Ok(user) => user,
        Err(page) => return Ok(page),
    };
    let Some(id) = RecordId::parse(&id) else {
        return Ok(ssr::not_found());
    };
    let ctx = ssr::ctx()?;
    let case = match ctx
        .engagement
        .get::<ProblemCase>(&format!("/cases/{id}"), &user.principal())
        .await
    {
        Ok(c) => c,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let places = my_places(&ctx, &user).await.unwrap_or_default();
    let place_names = case
        .place_ids
        .iter()
        .map(|id| {
            places
                .iter()
                .find(|(p, _)| p == id)
                .map_or_else(|| id.clone(), |(_, n)| n.clone())
        })
        .collect();
    let kept = ssr::take(keys::CASE_FORM).await;
    Ok(Loaded::Ready(CaseWorkspace {
        form: kept.filter(|k| k.record == case.id),
        case,
        place_names,
        flash: ssr::flash().await,
    }))
}

/// The partner directory, and whether the reader may mark entries reviewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    pub entries: Vec<DirectoryEntry>,
    pub can_review: bool,
    pub flash: Option<String>,
}

#[server]
pub async fn load_directory() -> Result<Loaded<Directory>, ServerFnError> {
    use eip_types::Role;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let entries = ctx
        .engagement
        .get::<Vec<DirectoryEntry>>("/directory/services", &user.principal())
        .await;
    let mut loaded = ssr::loaded(entries.map(|entries| Directory {
        entries,
        can_review: user.has_role(Role::Coordinator) || user.has_role(Role::Admin),
        flash: None,
    }));
    if let Loaded::Ready(d) = &mut loaded {
        d.flash = ssr::flash().await;
    }
    Ok(loaded)
}
