//! Training pages' data: the skills matrix with coverage, a person's
//! record, a session's register.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::fields::matrix as filter;
use crate::kit::{Fields, FormOutcome};
#[cfg(feature = "ssr")]
use crate::kit::{ids::RecordId, keys};
use eip_types::training::{Competency, Framework, Matrix, Reminder, Session, StaffRecord};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The matrix filters as the page's form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixFilters {
    pub team: String,
    pub area: String,
    pub role: String,
    pub agency: String,
    pub manager: String,
    pub as_of: String,
}

impl MatrixFilters {
    /// The filters from a query, each read by `get`.
    pub fn read(get: impl Fn(&str) -> String) -> Self {
        Self {
            team: get(filter::TEAM),
            area: get(filter::AREA),
            role: get(filter::ROLE),
            agency: get(filter::AGENCY),
            manager: get(filter::MANAGER),
            as_of: get(filter::AS_OF),
        }
    }

    pub fn query(&self) -> Vec<(&'static str, String)> {
        [
            (filter::TEAM, &self.team),
            (filter::AREA, &self.area),
            (filter::ROLE, &self.role),
            (filter::AGENCY, &self.agency),
            (filter::MANAGER, &self.manager),
            (filter::AS_OF, &self.as_of),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixPage {
    pub matrix: Matrix,
    pub framework: Framework,
    pub filters: MatrixFilters,
    /// The signed-in user's reminders (their own and their reports').
    pub reminders: Vec<Reminder>,
}

#[server]
pub async fn load_matrix(filters: MatrixFilters) -> Result<Loaded<MatrixPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let me = user.principal();
    let query = filters.query();
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let matrix = match ctx
        .training
        .get_query::<Matrix>("/matrix", &query, &me)
        .await
    {
        Ok(m) => m,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let framework = match ctx.training.get::<Framework>("/framework", &me).await {
        Ok(f) => f,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let reminders = ctx
        .training
        .get::<Vec<Reminder>>("/reminders", &me)
        .await
        .unwrap_or_default();
    Ok(Loaded::Ready(MatrixPage {
        matrix,
        framework,
        filters,
        reminders,
    }))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordPage {
    pub record: StaffRecord,
    pub framework: Framework,
    pub competencies: Vec<Competency>,
    /// Trainers assess observed practice from the record.
    pub can_assess: bool,
    /// The signed-in user's own reminders, on their own record.
    pub reminders: Vec<Reminder>,
    /// The assessment, when it was refused.
    pub outcome: Option<FormOutcome<Fields>>,
    pub flash: Option<String>,
}

/// A person's record; `id` `me` is the signed-in user's own.
#[server]
pub async fn load_record(
    id: String,
    as_of: Option<String>,
) -> Result<Loaded<RecordPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    let me = user.principal();
    let query: Vec<(&str, &str)> = as_of
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| ("as_of", d))
        .into_iter()
        .collect();
    let path = if id == "me" {
        "/me".to_owned()
    } else if let Some(id) = RecordId::parse(&id) {
        format!("/staff/{id}/record")
    } else {
        return Ok(ssr::not_found());
    };
    let record = match ctx
        .training
        .get_query::<StaffRecord>(&path, &query, &me)
        .await
    {
        Ok(r) => r,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let framework = match ctx.training.get::<Framework>("/framework", &me).await {
        Ok(f) => f,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let competencies = framework
        .competencies
        .iter()
        .map(|c| Competency {
            id: c.id.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
        })
        .collect();
    let reminders = if record.staff.user_id.as_deref() == Some(&user.user_id) {
        ctx.training
            .get::<Vec<Reminder>>("/reminders", &me)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(Loaded::Ready(RecordPage {
        record,
        framework,
        competencies,
        can_assess: user.has_role(eip_types::Role::Trainer),
        reminders,
        outcome: ssr::take(keys::TRAINING).await,
        flash: ssr::flash().await,
    }))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPage {
    pub session: Session,
    /// Everyone a trainer can put on the register: `(id, name, team)`.
    pub people: Vec<(String, String, String)>,
    pub competency_name: String,
    /// The register, when it was refused.
    pub outcome: Option<FormOutcome<Fields>>,
    pub flash: Option<String>,
}

#[server]
pub async fn load_session(id: String) -> Result<Loaded<SessionPage>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let Some(id) = RecordId::parse(&id) else {
        return Ok(ssr::not_found());
    };
    let ctx = ssr::ctx()?;
    let me = user.principal();
    let session = match ctx
        .training
        .get::<Session>(&format!("/sessions/{id}"), &me)
        .await
    {
        Ok(s) => s,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let matrix = match ctx.training.get::<Matrix>("/matrix", &me).await {
        Ok(m) => m,
        Err(e) => return Ok(ssr::loaded(Err(e))),
    };
    let competency_name = matrix
        .competencies
        .iter()
        .find(|c| c.id == session.course.competency_id)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let people = matrix
        .rows
        .into_iter()
        .map(|r| (r.staff_id, r.name, r.team))
        .collect();
    Ok(Loaded::Ready(SessionPage {
        session,
        people,
        competency_name,
        outcome: ssr::take(keys::TRAINING).await,
        flash: ssr::flash().await,
    }))
}

#[server]
pub async fn load_sessions() -> Result<Loaded<Vec<Session>>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.training
            .get::<Vec<Session>>("/sessions", &user.principal())
            .await,
    ))
}
