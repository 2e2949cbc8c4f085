//! What administrators keep for sharing: agencies and programmes, the
//! data-sharing agreements shares rely on, and the timeliness targets the
//! worklists are judged by, and how long referrals are kept before review.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use chrono::NaiveDate;
use eip_types::FieldError;
use eip_types::referral::{Agency, RetentionPeriods, SharingAgreement, TimelinessTargets};
use eip_types::training::GatedAction;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Session key for what the last administration form did.
pub const ADMIN_OUTCOME: &str = "admin_outcome";

/// What an administration form post did, shown once on the next page. When
/// refused, the values typed are kept for the form that sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOutcome {
    pub done: Option<String>,
    pub error: Option<String>,
    pub errors: Vec<FieldError>,
    /// Which form was sent: `agency-new`, `agency-<id>`, `agreement-new`,
    /// `agreement-<id>`, `targets`, `periods` or `skill-<action>`.
    pub form: String,
    pub values: Vec<(String, String)>,
}

impl AdminOutcome {
    /// The message for `field` when `form` was the one refused.
    pub fn error(&self, form: &str, field: &str) -> Option<String> {
        (self.form == form)
            .then(|| self.errors.iter().find(|e| e.field == field))
            .flatten()
            .map(|e| e.message.clone())
    }

    /// What was typed into `field` of `form`, when it was refused.
    pub fn typed(&self, form: &str, field: &str) -> Option<String> {
        (self.form == form)
            .then(|| self.values.iter().find(|(k, _)| k == field))
            .flatten()
            .map(|(_, v)| v.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingAdminPage {
    pub agencies: Vec<Agency>,
    pub agreements: Vec<SharingAgreement>,
    pub targets: TimelinessTargets,
    pub periods: RetentionPeriods,
    pub outcome: AdminOutcome,
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
            outcome: AdminOutcome::default(),
            today: chrono::Utc::now().date_naive(),
        })
    }
    .await;
    let mut loaded = ssr::loaded(page);
    if let Loaded::Ready(page) = &mut loaded {
        page.outcome = ssr::take(ADMIN_OUTCOME).await.unwrap_or_default();
    }
    Ok(loaded)
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
    pub outcome: AdminOutcome,
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
            outcome: AdminOutcome::default(),
        })
    }
    .await;
    let mut loaded = ssr::loaded(page);
    if let Loaded::Ready(page) = &mut loaded {
        page.outcome = ssr::take(ADMIN_OUTCOME).await.unwrap_or_default();
    }
    Ok(loaded)
}
