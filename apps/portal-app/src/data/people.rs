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
    if user.has_role(Role::Admin)
        && !user.has_role(Role::Frontline)
        && !user.has_role(Role::Coordinator)
    {
        return Ok(ssr::denied(
            "Administrators do no casework: person records are for the officers and \
             coordinators working with the child.",
        ));
    }
    let ctx = ssr::ctx()?;
    let record = keys::view_reason_key(keys::RecordKind::Person, id.as_str());
    let detail = match ssr::get_record::<PersonDetail>(
        &ctx.referrals,
        &format!("/people/{id}"),
        &record,
        &user.principal(),
    )
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
    }))
}
