//! A person's page: their record, household, referrals and merges.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::{keys, ssr};
use eip_types::person::PersonDetail;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonPage {
    pub detail: PersonDetail,
    /// What the last merge or undo tried came to: `(worked, message)`.
    pub outcome: Option<(bool, String)>,
    pub can_merge: bool,
    pub can_undo: bool,
}

#[server]
pub async fn load_person(id: String) -> Result<Loaded<PersonPage>, ServerFnError> {
    use eip_types::Role;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !eip_types::referral::is_reference(&id) {
        return Ok(Loaded::NotFound);
    }
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
        outcome: ssr::take(keys::PERSON_OUTCOME).await,
        can_merge: user.has_role(Role::Coordinator),
        can_undo: user.has_role(Role::Admin),
    }))
}
