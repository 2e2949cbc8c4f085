//! Skills that unlock work.
//!
//! An administrator can say that an action (leading a referral's triage,
//! recording a restorative outcome on a problem-solving response) needs a
//! current competency. The service that owns the action enforces it from
//! its own read model of competency states, kept current by the training
//! service's events through the platform's consumer: no service reads the
//! training database, and the events carry staff ids, competency ids,
//! states and dates only (plus a key derived from the account a staff
//! record is linked to, so a signed-in user can be matched to their record
//! without the account id travelling).
//!
//! Someone refused is told why (never held, or lapsed on a date) and who
//! can help, not silently blocked.
//!
//! A service using this crate includes [`migrations`] in its own, starts the
//! gate with [`start`] (which runs the read model's consumer), merges
//! [`SkillGate::router`] into its routes, and calls [`SkillGate::require`]
//! in the handler of each gated action.

mod api;
mod read_model;
#[cfg(feature = "testing")]
pub mod testing;

pub use api::{
    __path_clear_requirement, __path_list_requirements, __path_set_requirement, SkillsDoc,
};
pub use api::{clear_requirement, list_requirements, set_requirement};
pub use read_model::{TrainingEvents, consumer};

use chrono::NaiveDate;
use eip_platform::db::{Db, Migrations, parse_date, parse_time};
use eip_platform::error::ApiError;
use eip_platform::identity::IdentityKeys;
use eip_platform::service::Launch;
use eip_types::Principal;
use eip_types::training::{GatedAction, SkillRequirement};
use sqlx::Row;

/// The gate's tables (requirements, competency states, linked accounts)
/// and the event consumer's, for a gating service's migration set.
pub fn migrations() -> Migrations {
    eip_platform::migrations!().including(eip_platform::consumer::migrations())
}

/// The settings of a service that gates work on competencies.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct GateSettings {
    /// The training service, whose event feed the gate's read model
    /// catches up from when the bus lost events (`EIP_TRAINING_URL`).
    pub training_url: String,
}

impl Default for GateSettings {
    fn default() -> Self {
        Self {
            training_url: eip_platform::config::Part::Training.default_url(),
        }
    }
}

/// Starts the gate of the service being launched: its read model follows
/// training's events (catching up from `training_url` when the bus lost
/// some) until the service stops.
pub fn start(launch: &mut Launch, actions: &'static [Action], training_url: &str) -> SkillGate {
    let gate = SkillGate::new(launch.db.clone(), launch.keys(), actions);
    let consumer = consumer(
        launch.db.clone(),
        &launch.shared,
        launch.name(),
        training_url,
    );
    launch.keep(consumer.spawn(launch.shutdown.clone()));
    gate
}

/// The key training's link events name an account by: the hex SHA-256
/// digest of the account id under a fixed label, so the event stream
/// carries no account id. (A pseudonym, not anonymity: anyone holding a
/// candidate id can compute its key.)
pub fn account_key(user_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"eip-skills-account:")
        .chain_update(user_id.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An action a service can gate: its id and what it is, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    pub id: &'static str,
    pub label: &'static str,
}

/// What help to suggest when an administrator gave none.
pub const DEFAULT_HELP: &str = "Your line manager or a trainer can help you renew it: \
     book a refresher session, or ask your manager to arrange one. \
     Your training record shows what is due.";

/// A person's state in one competency, as the training events last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// `current` or `lapsed`.
    pub state: String,
    pub lapses_on: Option<NaiveDate>,
}

/// Why someone may not do a gated action, or `None` when they may.
/// `linked` says whether their account is linked to a staff record at all.
pub fn refusal(
    action: &Action,
    requirement: &SkillRequirement,
    linked: bool,
    held: Option<&Held>,
    today: NaiveDate,
) -> Option<String> {
    let name = &requirement.competency_name;
    let why = match held {
        _ if !linked => format!(
            "No training record is linked to your account, so it does not show {name} as current."
        ),
        None => format!("Your training record does not show {name} as held."),
        Some(h) => {
            let lapsed_on = match (h.state.as_str(), h.lapses_on) {
                (_, Some(on)) if on <= today => Some(on),
                ("lapsed", on) => Some(on.unwrap_or(today)),
                _ => None,
            };
            match lapsed_on {
                None => return None,
                Some(on) => format!("Your {name} lapsed on {}.", on.format("%-d %B %Y")),
            }
        }
    };
    let help = if requirement.help.trim().is_empty() {
        DEFAULT_HELP
    } else {
        requirement.help.trim()
    };
    Some(format!(
        "{} needs a current {name}. {why} {help}",
        action.label
    ))
}

/// One service's gate: the actions it owns, where their requirements and
/// the competency read model live, and the keys its admin API checks.
#[derive(Clone, Debug)]
pub struct SkillGate {
    pub db: Db,
    pub keys: IdentityKeys,
    pub actions: &'static [Action],
}

impl SkillGate {
    pub fn new(db: Db, keys: IdentityKeys, actions: &'static [Action]) -> Self {
        SkillGate { db, keys, actions }
    }

    fn action(&self, id: &str) -> Option<&'static Action> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// Every action of this service with its requirement, if any.
    pub async fn list(&self, conn: &mut sqlx::AnyConnection) -> Result<Vec<GatedAction>, ApiError> {
        let mut out = Vec::with_capacity(self.actions.len());
        for a in self.actions {
            out.push(GatedAction {
                action: a.id.into(),
                label: a.label.into(),
                requirement: requirement(conn, a.id).await?,
            });
        }
        Ok(out)
    }

    /// Refuses (403, saying why and who can help) unless `who` holds the
    /// competency `action` needs, current on `today`. Allowed when no
    /// requirement is set. Call it inside the action's transaction.
    pub async fn require(
        &self,
        conn: &mut sqlx::AnyConnection,
        action: &str,
        who: &Principal,
        today: NaiveDate,
    ) -> Result<(), ApiError> {
        let Some(action) = self.action(action) else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "no gated action {action}"
            )));
        };
        let Some(req) = requirement(conn, action.id).await? else {
            return Ok(());
        };
        let staff: Option<String> =
            sqlx::query("SELECT staff_id FROM skill_accounts WHERE account = $1")
                .bind(account_key(&who.user_id))
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get("staff_id"))
                .transpose()?;
        let held = match &staff {
            Some(staff_id) => held(conn, staff_id, &req.competency_id).await?,
            None => None,
        };
        match refusal(action, &req, staff.is_some(), held.as_ref(), today) {
            None => Ok(()),
            Some(why) => {
                tracing::info!(
                    action = action.id,
                    "gated action refused: competency not current"
                );
                Err(ApiError::Forbidden(why))
            }
        }
    }
}

async fn requirement(
    conn: &mut sqlx::AnyConnection,
    action: &str,
) -> Result<Option<SkillRequirement>, ApiError> {
    let Some(row) = sqlx::query(
        "SELECT competency_id, competency_name, help, set_by, set_at \
         FROM skill_requirements WHERE action = $1",
    )
    .bind(action)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(SkillRequirement {
        competency_id: row.try_get("competency_id")?,
        competency_name: row.try_get("competency_name")?,
        help: row.try_get("help")?,
        set_by: row.try_get("set_by")?,
        set_at: parse_time(&row.try_get::<String, _>("set_at")?)?,
    }))
}

async fn held(
    conn: &mut sqlx::AnyConnection,
    staff_id: &str,
    competency_id: &str,
) -> Result<Option<Held>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT state, lapses_on FROM skill_states WHERE staff_id = $1 AND competency_id = $2",
    )
    .bind(staff_id)
    .bind(competency_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let lapses_on: Option<String> = row.try_get("lapses_on")?;
    Ok(Some(Held {
        state: row.try_get("state")?,
        lapses_on: lapses_on.as_deref().map(parse_date).transpose()?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRIAGE: Action = Action {
        id: "referral.triage",
        label: "Leading a referral's triage",
    };

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn req(help: &str) -> SkillRequirement {
        SkillRequirement {
            competency_id: "restorative-practice".into(),
            competency_name: "Restorative practice".into(),
            help: help.into(),
            set_by: "admin".into(),
            set_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        }
    }

    fn held(state: &str, lapses_on: Option<&str>) -> Held {
        Held {
            state: state.into(),
            lapses_on: lapses_on.map(d),
        }
    }

    #[test]
    fn current_until_the_day_before_the_lapse() {
        let h = held("current", Some("2026-03-15"));
        assert_eq!(
            refusal(&TRIAGE, &req(""), true, Some(&h), d("2026-03-14")),
            None
        );
        let why = refusal(&TRIAGE, &req(""), true, Some(&h), d("2026-03-15"));
        assert_eq!(
            why.as_deref(),
            Some(
                "Leading a referral's triage needs a current Restorative practice. \
                 Your Restorative practice lapsed on 15 March 2026. \
                 Your line manager or a trainer can help you renew it: book a refresher \
                 session, or ask your manager to arrange one. Your training record shows \
                 what is due."
            )
        );
    }

    #[test]
    fn a_competency_that_does_not_expire_stays_current() {
        let h = held("current", None);
        assert_eq!(
            refusal(&TRIAGE, &req(""), true, Some(&h), d("2040-01-01")),
            None
        );
    }

    #[test]
    fn a_lapse_event_refuses_even_before_the_recorded_date() {
        let h = held("lapsed", Some("2026-03-15"));
        let why = refusal(
            &TRIAGE,
            &req("Call the training school on 01234."),
            true,
            Some(&h),
            d("2026-03-01"),
        );
        let why = why.unwrap_or_default();
        assert!(why.contains("lapsed on 15 March 2026"), "{why}");
        assert!(why.ends_with("Call the training school on 01234."), "{why}");
    }

    #[test]
    fn never_held_and_unlinked_are_told_apart() {
        let never = refusal(&TRIAGE, &req(""), true, None, d("2026-03-01")).unwrap_or_default();
        assert!(
            never.contains("does not show Restorative practice as held"),
            "{never}"
        );
        let unlinked = refusal(&TRIAGE, &req(""), false, None, d("2026-03-01")).unwrap_or_default();
        assert!(
            unlinked.contains("No training record is linked"),
            "{unlinked}"
        );
    }
}
