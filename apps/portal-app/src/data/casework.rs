//! Data of the engagement work pages: the file upload on the imports page,
//! the priority board, problem-solving cases and the partner directory.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use eip_types::FieldError;
use eip_types::engagement::{CommunityPriority, DirectoryEntry, ProblemCase};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Session keys of the forms on these pages, kept across a refused post.
pub const IMPORT_FORM: &str = "import_form";
pub const PRIORITY_FORM: &str = "priority_form";
pub const CASE_FORM: &str = "case_form";

/// A posted form as typed, with what was wrong: one shape for every form
/// on these pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptForm {
    /// Which form: a case stage (`scanning`, …) or `new`.
    pub form: String,
    /// The case the form belongs to, when it does.
    pub case_id: String,
    pub fields: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
    /// A refusal that is not about one field.
    pub message: Option<String>,
}

impl KeptForm {
    pub fn value(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
            .map(|e| e.message.clone())
    }

    /// The form kept for `form` (and `case_id`), or an empty one.
    pub fn for_form(kept: Option<Self>, form: &str, case_id: &str) -> Self {
        kept.filter(|k| k.form == form && k.case_id == case_id)
            .unwrap_or_else(|| Self {
                form: form.into(),
                case_id: case_id.into(),
                ..Self::default()
            })
    }
}

/// The upload form of the imports page: the kinds of file this user may send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportUpload {
    pub kinds: Vec<(String, String)>,
    pub form: KeptForm,
}

#[cfg(feature = "ssr")]
pub(crate) async fn import_upload(user: &super::SessionUser) -> ImportUpload {
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
    let kept: Option<KeptForm> = ssr::take(IMPORT_FORM).await;
    ImportUpload {
        kinds,
        form: KeptForm::for_form(kept, "import", ""),
    }
}

/// Places in the user's areas: `(id, label)`, priority wards marked.
#[cfg(feature = "ssr")]
async fn my_places(
    ctx: &ssr::PortalCtx,
    user: &super::SessionUser,
) -> Result<Vec<(String, String)>, eip_platform::client::ClientError> {
    use eip_types::place::Place;
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

/// The priority board: agreed priorities with their "you said, we did".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityBoard {
    /// `(place name, priority)`, newest period first.
    pub priorities: Vec<(String, CommunityPriority)>,
    pub places: Vec<(String, String)>,
    pub can_agree: bool,
    pub form: KeptForm,
    /// A refused "we did" or resolve form; its `case_id` names the priority.
    pub we_did: Option<KeptForm>,
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
    let kept: Option<KeptForm> = ssr::take(PRIORITY_FORM).await;
    Ok(Loaded::Ready(PriorityBoard {
        priorities,
        can_agree: user.has_role(Role::Frontline) || user.has_role(Role::Coordinator),
        places,
        form: KeptForm::for_form(kept.clone(), "priority", ""),
        we_did: kept.filter(|k| k.form == "wedid"),
        flash: ssr::take(super::keys::FLASH).await,
    }))
}

/// The case list and the form that opens a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseList {
    pub cases: Vec<ProblemCase>,
    pub places: Vec<(String, String)>,
    pub form: KeptForm,
    pub flash: Option<String>,
}

#[cfg(feature = "ssr")]
fn may_work_cases(user: &super::SessionUser) -> bool {
    use eip_types::Role;
    [Role::Frontline, Role::Coordinator, Role::Analyst]
        .iter()
        .any(|r| user.has_role(*r))
}

#[server]
pub async fn load_cases() -> Result<Loaded<CaseList>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !may_work_cases(&user) {
        return Ok(ssr::denied(
            "Problem-solving cases are for neighbourhood officers, coordinators and analysts.",
        ));
    }
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
    let kept: Option<KeptForm> = ssr::take(CASE_FORM).await;
    Ok(Loaded::Ready(CaseList {
        cases,
        places,
        form: KeptForm::for_form(kept, "new", ""),
        flash: ssr::take(super::keys::FLASH).await,
    }))
}

/// One case's workspace: its stages, the form last refused, and the names
/// of its places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseWorkspace {
    pub case: ProblemCase,
    pub place_names: Vec<String>,
    /// The form refused last time, if it was one of this case's.
    pub form: Option<KeptForm>,
    pub flash: Option<String>,
}

#[server]
pub async fn load_case(id: String) -> Result<Loaded<CaseWorkspace>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    if !may_work_cases(&user) {
        return Ok(ssr::denied(
            "Problem-solving cases are for neighbourhood officers, coordinators and analysts.",
        ));
    }
    let ctx = ssr::ctx()?;
    let id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
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
    let kept: Option<KeptForm> = ssr::take(CASE_FORM).await;
    Ok(Loaded::Ready(CaseWorkspace {
        form: kept.filter(|k| k.case_id == case.id),
        case,
        place_names,
        flash: ssr::take(super::keys::FLASH).await,
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
        d.flash = ssr::take(super::keys::FLASH).await;
    }
    Ok(loaded)
}
