//! Referral pages' data.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::{Fields, FormOutcome};
#[cfg(feature = "ssr")]
use crate::kit::{ids::Reference, keys};
use eip_types::referral::{
    Agency, HistoryEntry, ReferralDetail, ReferralSummary, RetentionDue, SharingAgreement,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The name of agency `id`, or the id itself when it is not listed.
pub fn agency_name(agencies: &[Agency], id: &str) -> String {
    agencies
        .iter()
        .find(|a| a.id == id)
        .map_or_else(|| id.to_owned(), |a| a.name.clone())
}

/// The referral form as the user last submitted it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralValues {
    pub child_name: String,
    pub date_of_birth: String,
    pub area_id: String,
    pub reason: String,
    /// The risk factor ids ticked.
    pub risk_factors: Vec<String>,
    pub gender: String,
    pub school: String,
    /// A candidate's id, `new`, or empty when not yet asked.
    pub person_choice: String,
    /// Records that may be this child, offered before a new one is made.
    pub candidates: Vec<eip_types::person::PersonMatch>,
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
    /// Agreements in force today, for the share form.
    pub agreements: Vec<SharingAgreement>,
    /// The step refused last: its form is the step's name, its values the
    /// text typed.
    pub outcome: Option<FormOutcome<Fields>>,
    pub flash: Option<String>,
    /// Whether the user may withdraw the standing share (a coordinator of
    /// the area, while the agency holds it).
    pub can_withdraw_share: bool,
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
    pub form: FormOutcome<ReferralValues>,
    /// The areas the user may raise referrals in: `(id, name)`.
    pub areas: Vec<(String, String)>,
}

#[server]
pub async fn load_referrals() -> Result<Loaded<ReferralListPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let flash = ssr::flash().await;
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
                can_raise: user.has_role(eip_types::Role::Frontline)
                    || user.has_role(eip_types::Role::Coordinator),
            }),
    ))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionPage {
    pub due: Vec<RetentionDue>,
    /// The last decision, when it was refused.
    pub outcome: Option<FormOutcome<()>>,
    pub flash: Option<String>,
}

#[server]
pub async fn load_retention() -> Result<Loaded<RetentionPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let outcome = ssr::take(keys::RETENTION).await;
    let flash = ssr::flash().await;
    Ok(ssr::loaded(
        ctx.referrals
            .get::<Vec<RetentionDue>>("/retention/due", &user.principal())
            .await
            .map(|due| RetentionPage {
                due,
                outcome,
                flash,
            }),
    ))
}

/// Rows on the worklist page: the work that has waited longest, overdue first.
pub const WORKLIST_ROWS: usize = 50;

#[server]
pub async fn load_worklist() -> Result<Loaded<Vec<ReferralSummary>>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.referrals
            .get::<Vec<ReferralSummary>>(
                &format!("/referrals?view=worklist&limit={WORKLIST_ROWS}"),
                &user.principal(),
            )
            .await,
    ))
}

#[server]
pub async fn load_referral(id: String) -> Result<Loaded<ReferralPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let Some(id) = Reference::parse(&id) else {
        return Ok(Loaded::NotFound);
    };
    let id = id.as_str();
    let ctx = ssr::ctx()?;
    let me = user.principal();
    // The reason given this session for this referral, if any: posted in a
    // form body, kept in the session, sent in a header.
    let record = keys::view_reason_key(keys::RecordKind::Referral, id);
    let detail = match ssr::get_record::<ReferralDetail>(
        &ctx.referrals,
        &format!("/referrals/{id}"),
        &record,
        &me,
    )
    .await
    {
        Ok(d) => d,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let history = match ssr::get_record::<Vec<HistoryEntry>>(
        &ctx.referrals,
        &format!("/referrals/{id}/history"),
        &record,
        &me,
    )
    .await
    {
        Ok(h) => h,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let agencies = match ctx.referrals.get::<Vec<Agency>>("/agencies", &me).await {
        Ok(a) => a,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    // The share form's agreements: those in force today.
    let agreements = if detail.allowed_actions.iter().any(|a| a == "share") {
        let today = chrono::Utc::now().date_naive();
        match ctx
            .referrals
            .get::<Vec<SharingAgreement>>("/agreements", &me)
            .await
        {
            Ok(list) => list.into_iter().filter(|a| a.in_force_on(today)).collect(),
            Err(e) => return Ok(ssr::loaded(Err(e))),
        }
    } else {
        Vec::new()
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
    let can_withdraw_share = user.has_role(eip_types::Role::Coordinator)
        && user.areas.contains(&detail.referral.area_id)
        && detail.share.as_ref().is_some_and(|s| s.withdrawn.is_none());
    Ok(Loaded::Ready(ReferralPage {
        can_withdraw_share,
        detail,
        timeline,
        agencies,
        agreements,
        outcome: ssr::take(keys::REFERRAL_STEP).await,
        flash: ssr::flash().await,
    }))
}

#[server]
pub async fn load_referral_form() -> Result<Loaded<ReferralFormPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !(user.has_role(eip_types::Role::Frontline) || user.has_role(eip_types::Role::Coordinator)) {
        return Ok(Loaded::Denied(
            "Only frontline staff and coordinators raise referrals.".into(),
        ));
    }
    let mut form = ssr::take(keys::REFERRAL_FORM).await.unwrap_or_default();
    let areas: Vec<(String, String)> = eip_types::place::LOCAL_AUTHORITIES
        .iter()
        .filter(|(id, _)| user.areas.iter().any(|a| a == id))
        .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
        .collect();
    if form.values.area_id.is_empty()
        && let Some((first, _)) = areas.first()
    {
        form.values.area_id = first.clone();
    }
    Ok(Loaded::Ready(ReferralFormPage { form, areas }))
}
