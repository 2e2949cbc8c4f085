//! What administrators keep for sharing: agencies and programmes, the
//! data-sharing agreements shares rely on, and the timeliness targets the
//! worklists are judged by, and how long referrals are kept before review.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::{Fields, FormOutcome};
use chrono::NaiveDate;
use eip_types::referral::{Agency, RetentionPeriods, SharingAgreement, TimelinessTargets};
use eip_types::training::GatedAction;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingAdminPage {
    pub agencies: Vec<Agency>,
    pub agreements: Vec<SharingAgreement>,
    pub targets: TimelinessTargets,
    pub periods: RetentionPeriods,
    /// The form refused last: `agency-new`, `agency-<id>`,
    /// `agreement-new`, `agreement-<id>`, `targets` or `periods`.
    pub outcome: FormOutcome<Fields>,
    pub flash: Option<String>,
    pub today: NaiveDate,
}

impl SharingAdminPage {
    /// The agreement a share with `agency_id` could rely on today, if any.
    pub fn agreement_in_force(&self, agency_id: &str) -> Option<&SharingAgreement> {
        self.agreements
            .iter()
            .filter(|a| a.agency_id == agency_id && a.in_force_on(self.today))
            .max_by_key(|a| a.ends_on)
    }
}

#[server]
pub async fn load_sharing_admin() -> Result<Loaded<SharingAdminPage>, ServerFnError> {
    use eip_types::Role;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !user.has_role(Role::Admin) {
        return Ok(ssr::denied(
            "Agencies, agreements and timeliness targets are kept by administrators.",
        ));
    }
    let ctx = ssr::ctx()?;
    let who = user.principal();
    let page = async {
        Ok(SharingAdminPage {
            agencies: ctx.referrals.get::<Vec<Agency>>("/agencies", &who).await?,
            agreements: ctx.referrals.get("/agreements", &who).await?,
            targets: ctx.referrals.get("/timeliness-targets", &who).await?,
            periods: ctx.referrals.get("/retention-periods", &who).await?,
            outcome: FormOutcome::default(),
            flash: None,
            today: chrono::Utc::now().date_naive(),
        })
    }
    .await;
    Ok(with_outcome(ssr::loaded(page), |page| {
        (&mut page.outcome, &mut page.flash)
    })
    .await)
}

/// One action a service gates on a current competency, with the service
/// that owns it (`referrals` or `engagement`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatedActionRow {
    pub service: String,
    pub gated: GatedAction,
}

/// The administrator's page for skills that unlock work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillsAdminPage {
    pub actions: Vec<GatedActionRow>,
    /// `(id, name)` of each competency in the training framework.
    pub competencies: Vec<(String, String)>,
    /// The form refused last: `skill-<action>`.
    pub outcome: FormOutcome<Fields>,
    pub flash: Option<String>,
}

/// The services whose actions can be gated, as the portal routes name them.
pub const GATING_SERVICES: [&str; 2] = ["referrals", "engagement"];

#[server]
pub async fn load_skills_admin() -> Result<Loaded<SkillsAdminPage>, ServerFnError> {
    use eip_types::Role;
    use eip_types::training::Framework;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !user.has_role(Role::Admin) {
        return Ok(ssr::denied(
            "What an action requires is set by administrators.",
        ));
    }
    let ctx = ssr::ctx()?;
    let who = user.principal();
    let page = async {
        let framework: Framework = ctx.training.get("/framework", &who).await?;
        let mut actions = Vec::new();
        for (service, client) in [
            ("referrals", &ctx.referrals),
            ("engagement", &ctx.engagement),
        ] {
            let gated: Vec<GatedAction> = client.get("/skill-requirements", &who).await?;
            actions.extend(gated.into_iter().map(|gated| GatedActionRow {
                service: service.into(),
                gated,
            }));
        }
        Ok(SkillsAdminPage {
            actions,
            competencies: framework
                .competencies
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
            outcome: FormOutcome::default(),
            flash: None,
        })
    }
    .await;
    Ok(with_outcome(ssr::loaded(page), |page| {
        (&mut page.outcome, &mut page.flash)
    })
    .await)
}

/// A ready page with what the last administration form left: the form
/// refused, or the flash of one that worked.
#[cfg(feature = "ssr")]
async fn with_outcome<P>(
    mut loaded: Loaded<P>,
    slots: impl FnOnce(&mut P) -> (&mut FormOutcome<Fields>, &mut Option<String>),
) -> Loaded<P> {
    if let Loaded::Ready(page) = &mut loaded {
        let (outcome, flash) = slots(page);
        *outcome = ssr::take(crate::kit::keys::ADMIN).await.unwrap_or_default();
        *flash = ssr::flash().await;
    }
    loaded
}
