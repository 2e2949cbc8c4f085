//! How long referrals are kept and how fast they must move: retention
//! reviews and their decisions, retention periods and timeliness targets.

use super::*;

/// The body of `POST /referrals/{id}/retention`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionDecision {
    pub decision: RetentionChoice,
    /// Why: the continuing policing purpose, or why none remains.
    pub reason: String,
    /// `YYYY-MM-DD`: the next review, when retaining.
    #[serde(default)]
    pub next_review_on: Option<String>,
}

/// A referral due for a retention review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionDue {
    pub id: String,
    pub child_name: String,
    pub area_id: String,
    pub status: ReferralStatus,
    pub outcome: Option<Outcome>,
    pub created_at: DateTime<Utc>,
    pub review_on: NaiveDate,
}

/// How long the hub has to triage, and an agency to answer a share by
/// priority, in hours (administrators set them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimelinessTargets {
    pub triage_hours: u32,
    pub urgent_hours: u32,
    pub high_hours: u32,
    pub routine_hours: u32,
}

impl Default for TimelinessTargets {
    fn default() -> Self {
        TimelinessTargets {
            triage_hours: 48,
            urgent_hours: 24,
            high_hours: 72,
            routine_hours: 120,
        }
    }
}

/// The longest target accepted: thirty days.
pub const MAX_TARGET_HOURS: u32 = 720;

impl TimelinessTargets {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors: Vec<FieldError> = [
            ("triage_hours", self.triage_hours),
            ("urgent_hours", self.urgent_hours),
            ("high_hours", self.high_hours),
            ("routine_hours", self.routine_hours),
        ]
        .into_iter()
        .filter(|(_, h)| !(1..=MAX_TARGET_HOURS).contains(h))
        .map(|(field, _)| {
            FieldError::new(
                field,
                format!("Use a whole number of hours from 1 to {MAX_TARGET_HOURS}."),
            )
        })
        .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// How long after its last step a referral is kept before someone must
/// decide to retain or dispose of it, in months, by where it ended
/// (administrators set them; new review dates use them at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionPeriods {
    /// Work still open (draft to in progress) that has gone nowhere.
    pub open_months: u32,
    pub withdrawn_months: u32,
    pub support_completed_months: u32,
    pub partly_met_months: u32,
    pub disengaged_months: u32,
    pub escalated_months: u32,
    pub no_longer_needed_months: u32,
}

impl Default for RetentionPeriods {
    fn default() -> Self {
        RetentionPeriods {
            open_months: 36,
            withdrawn_months: 12,
            support_completed_months: 24,
            partly_met_months: 36,
            disengaged_months: 36,
            escalated_months: 72,
            no_longer_needed_months: 24,
        }
    }
}

/// The longest retention period accepted: twenty-five years.
pub const MAX_RETENTION_MONTHS: u32 = 300;

impl RetentionPeriods {
    /// The period for a referral that reached `status` (closed with
    /// `outcome`).
    pub fn months_for(&self, status: ReferralStatus, outcome: Option<Outcome>) -> u32 {
        match (status, outcome) {
            (ReferralStatus::Withdrawn, _) => self.withdrawn_months,
            (ReferralStatus::Closed, Some(o)) => match o {
                Outcome::SupportCompleted => self.support_completed_months,
                Outcome::PartlyMet => self.partly_met_months,
                Outcome::Disengaged => self.disengaged_months,
                Outcome::Escalated => self.escalated_months,
                Outcome::NoLongerNeeded => self.no_longer_needed_months,
            },
            (ReferralStatus::Closed, None) => self.support_completed_months,
            _ => self.open_months,
        }
    }

    /// Each field with its name, for forms and storage.
    pub fn fields(&self) -> [(&'static str, u32); 7] {
        [
            ("open_months", self.open_months),
            ("withdrawn_months", self.withdrawn_months),
            ("support_completed_months", self.support_completed_months),
            ("partly_met_months", self.partly_met_months),
            ("disengaged_months", self.disengaged_months),
            ("escalated_months", self.escalated_months),
            ("no_longer_needed_months", self.no_longer_needed_months),
        ]
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors: Vec<FieldError> = self
            .fields()
            .into_iter()
            .filter(|(_, m)| !(1..=MAX_RETENTION_MONTHS).contains(m))
            .map(|(field, _)| {
                FieldError::new(
                    field,
                    format!("Use a whole number of months from 1 to {MAX_RETENTION_MONTHS}."),
                )
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
