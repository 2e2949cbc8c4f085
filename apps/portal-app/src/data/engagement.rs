//! Places and engagement pages' data.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::{Fields, FormOutcome};
#[cfg(feature = "ssr")]
use crate::kit::{ids::RecordId, keys};
use eip_types::engagement::{
    CommunityPriority, Concentration, DirectoryEntry, HiddenDemand, Hub, ImportJob, ProblemCase,
    RepeatFlag, RowError,
};
use eip_types::place::Place;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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

/// Calls in one month, and how many were crime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthDemand {
    pub month: String,
    pub calls: i64,
    pub crime_calls: i64,
}

/// A place profile: what is known of a ward or area, each part shown only
/// when the user may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceProfile {
    pub place: Place,
    pub authority_name: String,
    /// Monthly demand in the place (analysts and coordinators).
    pub demand: Option<Vec<MonthDemand>>,
    /// Concentration across the authority's wards.
    pub concentration: Option<Concentration>,
    pub priorities: Option<Vec<CommunityPriority>>,
    pub open_cases: Option<Vec<ProblemCase>>,
    pub hubs: Option<Vec<Hub>>,
    /// Partner services covering the place or its local authority.
    pub partners: Option<Vec<DirectoryEntry>>,
    pub can_log: bool,
    pub flash: Option<String>,
}

#[server]
pub async fn load_place_profile(id: String) -> Result<Loaded<PlaceProfile>, ServerFnError> {
    use eip_types::Role;
    use eip_types::engagement::CrimeShare;
    use eip_types::place::{PlaceKind, local_authority_name};
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let Some(id) = RecordId::parse(&id) else {
        return Ok(ssr::not_found());
    };
    let ctx = ssr::ctx()?;
    let me = user.principal();
    let place = match ctx
        .engagement
        .get::<Place>(&format!("/places/{id}"), &me)
        .await
    {
        Ok(p) => p,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let authority = match place.kind {
        PlaceKind::LocalAuthority => place.id.clone(),
        PlaceKind::Ward => place.parent_id.clone().unwrap_or_default(),
    };
    let mine = user.areas.contains(&authority);
    let analyses = mine && (user.has_role(Role::Analyst) || user.has_role(Role::Coordinator));
    let demand = if analyses {
        ctx.engagement
            .get_query::<Vec<CrimeShare>>("/analysis/crime-share", &[("area", &authority)], &me)
            .await
            .ok()
            .map(|rows| {
                let mut by_month = std::collections::BTreeMap::<String, (i64, i64)>::new();
                for r in rows
                    .into_iter()
                    .filter(|r| place.kind == PlaceKind::LocalAuthority || r.place_id == place.id)
                {
                    let e = by_month.entry(r.month).or_default();
                    e.0 += r.calls;
                    e.1 += r.crime_calls;
                }
                by_month
                    .into_iter()
                    .map(|(month, (calls, crime_calls))| MonthDemand {
                        month,
                        calls,
                        crime_calls,
                    })
                    .collect()
            })
    } else {
        None
    };
    let concentration = if analyses {
        ctx.engagement
            .get_query::<Concentration>(
                "/analysis/concentration",
                &[("area", &authority), ("top", "3")],
                &me,
            )
            .await
            .ok()
    } else {
        None
    };
    let priorities = if mine {
        ctx.engagement
            .get_query::<Vec<CommunityPriority>>("/priorities", &[("place", &place.id)], &me)
            .await
            .ok()
    } else {
        None
    };
    let open_cases = if mine {
        ctx.engagement
            .get_query::<Vec<ProblemCase>>(
                "/cases",
                &[("place", &place.id), ("status", "open")],
                &me,
            )
            .await
            .ok()
    } else {
        None
    };
    let hubs = ctx
        .engagement
        .get::<Vec<Hub>>("/hubs", &me)
        .await
        .ok()
        .map(|h| {
            h.into_iter()
                .filter(|h| h.place_id == place.id || h.area_id == place.id)
                .collect()
        });
    let partners = ctx
        .engagement
        .get_query::<Vec<DirectoryEntry>>("/directory/services", &[("place", &place.id)], &me)
        .await
        .ok();
    Ok(Loaded::Ready(PlaceProfile {
        authority_name: local_authority_name(&authority).unwrap_or("").to_owned(),
        can_log: mine && (user.has_role(Role::Frontline) || user.has_role(Role::Coordinator)),
        flash: ssr::flash().await,
        place,
        demand,
        concentration,
        priorities,
        open_cases,
        hubs,
        partners,
    }))
}

/// The engagement log form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementValues {
    pub kind: String,
    pub place_id: String,
    pub held_on: String,
    pub attendance: String,
    /// One group per line.
    pub groups_reached: String,
    pub seldom_heard: bool,
    /// One issue per line.
    pub issues_raised: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementFormPage {
    pub form: FormOutcome<EngagementValues>,
    /// Places in the user's areas: `(id, label)`.
    pub places: Vec<(String, String)>,
}

#[server]
pub async fn load_engagement_form() -> Result<Loaded<EngagementFormPage>, ServerFnError> {
    use eip_types::Role;
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !(user.has_role(Role::Frontline) || user.has_role(Role::Coordinator)) {
        return Ok(Loaded::Denied(
            "Logging engagement is for neighbourhood officers and coordinators.".into(),
        ));
    }
    let ctx = ssr::ctx()?;
    let places = match my_places(&ctx, &user).await {
        Ok(p) => p,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let mut form = ssr::take(keys::ENGAGEMENT_FORM).await.unwrap_or_default();
    if form.values.held_on.is_empty() && form.errors.is_empty() {
        form.values.held_on = chrono::Utc::now().date_naive().to_string();
    }
    Ok(Loaded::Ready(EngagementFormPage { form, places }))
}

/// The repeat-demand and hidden-demand lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandLists {
    pub flags: Vec<RepeatFlag>,
    pub hidden: Vec<HiddenDemand>,
    /// `(id, name)` of each repeat-demand rule at its latest version.
    pub rules: Vec<(String, String)>,
    pub flash: Option<String>,
}

#[server]
pub async fn load_demand_lists() -> Result<Loaded<DemandLists>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let me = user.principal();
    let flags = match ctx
        .engagement
        .get::<Vec<RepeatFlag>>("/repeat-flags?limit=50", &me)
        .await
    {
        Ok(f) => f,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let rules = match ctx
        .engagement
        .get::<Vec<eip_types::engagement::RepeatRule>>("/repeat-rules", &me)
        .await
    {
        Ok(r) => r.into_iter().map(|r| (r.id, r.name)).collect(),
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let mut loaded = ssr::loaded(
        ctx.engagement
            .get::<Vec<HiddenDemand>>("/hidden-demand", &me)
            .await
            .map(|hidden| DemandLists {
                flags,
                hidden,
                rules,
                flash: None,
            }),
    );
    if let Loaded::Ready(d) = &mut loaded {
        d.flash = ssr::flash().await;
    }
    Ok(loaded)
}

/// Places in the user's areas: `(id, label)`, priority wards marked.
#[cfg(feature = "ssr")]
pub(crate) async fn my_places(
    ctx: &ssr::PortalCtx,
    user: &super::SessionUser,
) -> Result<Vec<(String, String)>, eip_platform::client::ClientError> {
    let places = ctx
        .engagement
        .get::<Vec<Place>>("/places", &user.principal())
        .await?;
    Ok(places
        .into_iter()
        .filter(|p| {
            user.areas.contains(&p.id)
                || p.parent_id.as_ref().is_some_and(|a| user.areas.contains(a))
        })
        .map(|p| {
            let label = if p.priority {
                format!("{} (priority area)", p.name)
            } else {
                p.name
            };
            (p.id, label)
        })
        .collect())
}

/// The upload form of the imports page: the kinds of file this user may send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportUpload {
    pub kinds: Vec<(String, String)>,
    pub form: FormOutcome<Fields>,
}

#[cfg(feature = "ssr")]
async fn import_upload(user: &super::SessionUser) -> ImportUpload {
    use crate::kit::fields::import;
    use eip_types::Role;
    use eip_types::engagement::ImportKind;
    let kinds = ImportKind::ALL
        .into_iter()
        .filter(|k| {
            if k.is_reference_data() {
                user.has_role(Role::Admin)
            } else {
                user.has_role(Role::Analyst)
            }
        })
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect();
    let kept = ssr::take(keys::IMPORT_FORM).await;
    ImportUpload {
        kinds,
        form: FormOutcome::for_form(kept, import::FORM, ""),
    }
}

/// Import jobs, and the refused rows of one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportsPage {
    pub jobs: Vec<ImportJob>,
    pub selected: Option<ImportJob>,
    pub errors: Vec<RowError>,
    /// The file upload form.
    pub upload: ImportUpload,
}

#[server]
pub async fn load_imports(job: Option<String>) -> Result<Loaded<ImportsPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let me = user.principal();
    let jobs = match ctx.engagement.get::<Vec<ImportJob>>("/imports", &me).await {
        Ok(j) => j,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let selected = job.and_then(|id| jobs.iter().find(|j| j.id == id).cloned());
    let errors = match &selected {
        Some(j) => ctx
            .engagement
            .get::<Vec<RowError>>(&format!("/imports/{}/errors", j.id), &me)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Loaded::Ready(ImportsPage {
        jobs,
        selected,
        errors,
        upload: import_upload(&user).await,
    }))
}
