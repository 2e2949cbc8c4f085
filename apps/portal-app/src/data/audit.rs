//! The data protection officer's access report.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::FormOutcome;
#[cfg(feature = "ssr")]
use crate::kit::{ids::Reference, keys};
use eip_types::audit::AccessReport;
use eip_types::person::PersonFound;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessReportPage {
    /// The referral reference asked about, as typed.
    pub query: String,
    pub report: Option<AccessReport>,
    /// Display names of the users in the report, by user id.
    pub names: HashMap<String, String>,
    pub error: Option<String>,
    /// The last search by name, shown once.
    pub search: FormOutcome<PersonSearchValues>,
    /// Whether the user may find a child by name (the data protection
    /// officer; administrators do no casework).
    pub can_search: bool,
}

/// A search by name as typed, and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSearchValues {
    pub name: String,
    pub date_of_birth: String,
    /// `None` until a search has run.
    pub found: Option<Vec<PersonFound>>,
}

#[server]
pub async fn load_access_report(
    referral: Option<String>,
) -> Result<Loaded<AccessReportPage>, ServerFnError> {
    use eip_platform::client::ClientError;
    use eip_types::Role;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !(user.has_role(Role::Dpo) || user.has_role(Role::Admin)) {
        return Ok(ssr::denied(
            "The access report is for the data protection officer and administrators.",
        ));
    }
    let query = referral.unwrap_or_default().trim().to_owned();
    let mut page = AccessReportPage {
        query: query.clone(),
        report: None,
        names: HashMap::new(),
        error: None,
        search: ssr::take(keys::PERSON_SEARCH).await.unwrap_or_default(),
        can_search: user.has_role(Role::Dpo),
    };
    if query.is_empty() {
        return Ok(Loaded::Ready(page));
    }
    let Some(reference) = Reference::parse(&query) else {
        page.error = Some("Enter a referral reference as shown on the record.".into());
        return Ok(Loaded::Ready(page));
    };
    let ctx = ssr::ctx()?;
    match ctx
        .referrals
        .get::<AccessReport>(
            &format!("/referrals/{reference}/access-report"),
            &user.principal(),
        )
        .await
    {
        Ok(report) => {
            let mut ids: Vec<String> = report.entries.iter().map(|e| e.actor.clone()).collect();
            ids.push(report.created_by.clone());
            page.names = ssr::display_names(ids).await;
            page.report = Some(report);
        }
        Err(ClientError::Problem(p)) if p.status == 404 => {
            page.error = Some("No referral has that reference.".into());
        }
        Err(e) => return Ok(ssr::loaded(Err(e))),
    }
    Ok(Loaded::Ready(page))
}
