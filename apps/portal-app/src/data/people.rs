//! A person's page: their record, household, referrals and merges.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::FormOutcome;
#[cfg(feature = "ssr")]
use crate::kit::{ids::Reference, keys};
use eip_types::person::PersonDetail;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonPage {
    pub detail: PersonDetail,
    /// The last merge or undo, when it was refused.
    pub outcome: Option<FormOutcome<()>>,
    pub flash: Option<String>,
    pub can_merge: bool,
    pub can_undo: bool,
}

#[server]
pub async fn load_person(id: String) -> Result<Loaded<PersonPage>, ServerFnError> {
    use eip_types::Role;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let Some(id) = Reference::parse(&id) else {
        return Ok(Loaded::NotFound);
    };
    let ctx = ssr::ctx()?;
    let detail = match ctx
        .referrals
        .get::<PersonDetail>(&format!("/people/{id}"), &user.principal())
        .await
    {
        Ok(d) => d,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    Ok(Loaded::Ready(PersonPage {
        detail,
        outcome: ssr::take(keys::PERSON).await,
        flash: ssr::flash().await,
        can_merge: user.has_role(Role::Coordinator),
        can_undo: user.has_role(Role::Admin),
    }))
}
