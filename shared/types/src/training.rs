//! Workforce competencies and completions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::problem::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Competency {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// The body of `POST /completions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCompletion {
    /// The staff member's reference (force staff number or partner reference).
    pub staff_ref: String,
    pub competency_id: String,
    /// `YYYY-MM-DD`.
    pub completed_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCompletion {
    pub staff_ref: String,
    pub competency_id: String,
    pub completed_on: NaiveDate,
}

impl NewCompletion {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidCompletion, Vec<FieldError>> {
        let mut errors = Vec::new();
        let staff_ref = self.staff_ref.trim();
        if staff_ref.is_empty() {
            errors.push(FieldError::new("staff_ref", "Enter the staff reference."));
        } else if staff_ref.len() > 32
            || !staff_ref
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errors.push(FieldError::new(
                "staff_ref",
                "Use letters, digits and hyphens only (at most 32).",
            ));
        }
        if self.competency_id.trim().is_empty() {
            errors.push(FieldError::new("competency_id", "Choose a competency."));
        }
        let completed_on = match NaiveDate::parse_from_str(self.completed_on.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                errors.push(FieldError::new(
                    "completed_on",
                    "The completion date cannot be in the future.",
                ));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new(
                    "completed_on",
                    "Enter a real date as YYYY-MM-DD.",
                ));
                None
            }
        };
        match (errors.is_empty(), completed_on) {
            (true, Some(completed_on)) => Ok(ValidCompletion {
                staff_ref: staff_ref.to_uppercase(),
                competency_id: self.competency_id.trim().to_owned(),
                completed_on,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completion {
    pub id: String,
    pub staff_ref: String,
    pub competency_id: String,
    pub completed_on: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A level of a levelled competency; each satisfies the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Foundation,
    Intermediate,
    Advanced,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Foundation, Level::Intermediate, Level::Advanced];

    /// The number it is stored as (1–3).
    pub fn rank(self) -> i64 {
        match self {
            Level::Foundation => 1,
            Level::Intermediate => 2,
            Level::Advanced => 3,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.rank() == rank)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Foundation => "foundation",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Foundation => "Foundation",
            Level::Intermediate => "Intermediate",
            Level::Advanced => "Advanced",
        }
    }
}

/// A person's standing in one competency on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Current, and not yet in the warning window.
    Green,
    /// Current, inside the warning window before the lapse date.
    Amber,
    /// Lapsed.
    Red,
    /// Required but never held (at the required level).
    Grey,
    /// The record is paused (long leave): it does not lapse and is left out
    /// of coverage.
    Paused,
    /// Neither required nor held.
    None,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Amber => "amber",
            Status::Red => "red",
            Status::Grey => "grey",
            Status::Paused => "paused",
            Status::None => "none",
        }
    }

    /// Current counts towards coverage.
    pub fn is_current(self) -> bool {
        matches!(self, Status::Green | Status::Amber)
    }
}

/// A competency with the rules its currency follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FrameworkCompetency {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Months it stays current after the latest evidence; none: no expiry.
    pub validity_months: Option<u32>,
    /// Days before the lapse date the status turns amber.
    pub warning_days: u32,
    /// Whether it has the levels Foundation, Intermediate and Advanced.
    pub levelled: bool,
    /// Whether supervision, observed practice and CPD are checked.
    pub practice_checks: bool,
    pub standards: Vec<Standard>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standard {
    pub code: String,
    pub indicator: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirement {
    pub competency_id: String,
    /// The level required, for a levelled competency.
    pub level: Option<Level>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRole {
    pub id: String,
    pub name: String,
    pub requirements: Vec<Requirement>,
}

/// The whole framework: competencies and what each job role requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Framework {
    pub competencies: Vec<FrameworkCompetency>,
    pub roles: Vec<JobRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Staff {
    pub id: String,
    pub staff_number: Option<String>,
    pub user_id: Option<String>,
    pub name: String,
    pub team: String,
    pub area: String,
    pub role_id: String,
    pub manager_id: Option<String>,
    /// Partner staff: their agency (and no staff number).
    pub agency: Option<String>,
}

/// One cell of the skills matrix, or one line of a person's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standing {
    pub competency_id: String,
    pub status: Status,
    /// Whether the person's job role requires it.
    pub required: bool,
    pub required_level: Option<Level>,
    pub held_level: Option<Level>,
    /// The first day it is no longer current.
    pub lapses_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixRow {
    pub staff_id: String,
    pub name: String,
    pub team: String,
    pub area: String,
    pub role_id: String,
    pub agency: Option<String>,
    pub paused: bool,
    /// One per competency, in framework order.
    pub cells: Vec<Standing>,
}

/// Coverage: people current in a required competency ÷ people it is
/// required for (paused records left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    /// `team` or `area`.
    pub scope: String,
    pub scope_id: String,
    /// One competency's coverage, or all required competencies together
    /// when absent.
    pub competency_id: Option<String>,
    pub required: u32,
    pub current: u32,
    /// Rounded to a whole percent; none when nothing is required.
    pub percent: Option<u32>,
}

impl Coverage {
    /// The percentage as every view shows it: `70%`, or `–` when nothing
    /// is required.
    pub fn display(&self) -> String {
        match self.percent {
            Some(p) => format!("{p}%"),
            None => "–".into(),
        }
    }
}

/// A whole-percent share, rounded half up; none of nothing.
pub fn percent(current: u32, required: u32) -> Option<u32> {
    (required > 0).then(|| {
        let (c, r) = (u64::from(current), u64::from(required));
        u32::try_from((c * 200 + r) / (2 * r)).unwrap_or(100)
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Matrix {
    pub as_of: NaiveDate,
    pub competencies: Vec<Competency>,
    pub rows: Vec<MatrixRow>,
    pub coverage: Vec<Coverage>,
}

/// An entry of the append-only evidence log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    pub id: String,
    pub staff_id: String,
    pub competency_id: String,
    /// `logged`, `completed` or `override`.
    pub kind: String,
    /// `training`, `process`, `supervision`, `observation` or `cpd`.
    pub activity: String,
    pub level: Option<Level>,
    /// `session`, `manual`, `assessment` or `external`.
    pub source: String,
    pub occurred_on: NaiveDate,
    pub hours: Option<f64>,
    pub approved: bool,
    pub note: Option<String>,
    /// The entry this one corrects, which then no longer counts.
    pub corrects: Option<String>,
    pub actor: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reason: String,
    pub actor: String,
}

/// Supervision, observed practice and CPD for a practice-checked competency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeChecks {
    pub competency_id: String,
    pub last_supervision: Option<NaiveDate>,
    /// green, amber (70 days on) or red (after 84 days, or never).
    pub supervision: Status,
    pub last_observation: Option<NaiveDate>,
    /// Whether an observed practice is due (none in the last 12 months).
    pub observation_due: bool,
    pub cpd_hours: f64,
    pub cpd_approved_hours: f64,
    pub cpd_required_hours: f64,
    /// Whether CPD in the last 12 months is short (total or approved half).
    pub cpd_short: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRecord {
    pub as_of: NaiveDate,
    pub staff: Staff,
    pub standings: Vec<Standing>,
    pub practice: Vec<PracticeChecks>,
    pub pauses: Vec<Pause>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminder {
    pub id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub competency_id: String,
    pub lapse_on: NaiveDate,
    /// `90`, `60`, `30`, `7` (days before the lapse) or `lapsed`.
    pub stage: String,
    pub created_on: NaiveDate,
}

/// The body of `POST /competencies`: a new competency of the framework.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCompetency {
    /// A stable slug such as `missing-children-awareness`.
    pub id: String,
    pub name: String,
    pub description: String,
    /// Months it stays current; none: no expiry.
    #[serde(default)]
    pub validity_months: Option<u32>,
    pub warning_days: u32,
    #[serde(default)]
    pub levelled: bool,
    #[serde(default)]
    pub practice_checks: bool,
    #[serde(default)]
    pub standards: Vec<Standard>,
}

/// One refused row of a staff import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportError {
    /// The line of the file, counting the header as line 1.
    pub line: u64,
    /// The column at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub imported: u32,
    pub errors: Vec<ImportError>,
}

/// The body of `POST /staff/{id}/evidence`: a new entry of the log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEvidence {
    pub competency_id: String,
    /// `logged`, `completed` or `override` (an override needs a note).
    pub kind: String,
    /// `training`, `process`, `supervision`, `observation` or `cpd`.
    pub activity: String,
    /// `foundation`, `intermediate` or `advanced`, for a levelled competency.
    #[serde(default)]
    pub level: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub occurred_on: String,
    /// CPD hours (CPD only).
    #[serde(default)]
    pub hours: Option<f64>,
    /// CPD from an approved source.
    #[serde(default)]
    pub approved: bool,
    /// `manual` (the default) or `external` (an external import).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The id of an earlier entry of the same person and competency this
    /// one corrects (a note is then required).
    #[serde(default)]
    pub corrects: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPause {
    pub starts_on: String,
    pub ends_on: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    pub title: String,
    pub competency_id: String,
    #[serde(default)]
    pub level: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: String,
    pub title: String,
    pub competency_id: String,
    pub level: Option<Level>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub course_id: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub place: String,
    pub capacity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterLine {
    pub staff_id: String,
    pub attended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: String,
    pub course: Course,
    /// The user id of the trainer who runs it.
    pub trainer: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub capacity: i64,
    pub register: Vec<RegisterLine>,
}

/// The body of `POST /sessions/{id}/attendance`: lines to add to the
/// register, all or none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    pub entries: Vec<RegisterLine>,
}

/// The body of `POST /staff/{id}/assessments` (trainers only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    pub competency_id: String,
    pub assessed_on: String,
    /// `competent` or `not_yet_competent`.
    pub outcome: String,
    /// The proficiency observed, for a levelled competency.
    #[serde(default)]
    pub level: Option<String>,
    /// Codes of the standards met.
    #[serde(default)]
    pub standards_met: Vec<String>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessed {
    pub id: String,
    pub evidence_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompetencyRuleUpdate {
    /// Months it stays current; none: no expiry.
    #[serde(default)]
    pub validity_months: Option<u32>,
    pub warning_days: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobReport {
    pub as_of: NaiveDate,
    /// Reminders created by this run (none when it already ran today).
    pub reminders: u32,
    pub lapsed: u32,
    pub coverage_published: u32,
    /// Reminders sent by email by this run (none without an SMTP server,
    /// and none twice).
    #[serde(default)]
    pub emailed: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_validation_names_each_field() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        let ok = NewCompletion {
            staff_ref: "pc-1234".into(),
            competency_id: "restorative-practice".into(),
            completed_on: "2026-11-01".into(),
        };
        assert_eq!(
            ok.validate(today).map(|v| v.staff_ref),
            Ok("PC-1234".into())
        );
        let bad = NewCompletion {
            staff_ref: "a b".into(),
            competency_id: String::new(),
            completed_on: "2026-12-01".into(),
        };
        let fields: Vec<String> = bad
            .validate(today)
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["staff_ref", "competency_id", "completed_on"]);
    }
}

// ---- skills that unlock work ----

/// An action a service may gate on a current competency, and the
/// competency it needs now (none: anyone allowed may do it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatedAction {
    /// Such as `referral.triage`.
    pub action: String,
    /// What the action is, in words: "Lead a referral's triage".
    pub label: String,
    pub requirement: Option<SkillRequirement>,
}

/// What an administrator set: the competency an action needs, and who can
/// help someone whose competency has lapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillRequirement {
    pub competency_id: String,
    /// Shown to the person refused, as the framework names it.
    pub competency_name: String,
    /// Who can help, shown to the person refused.
    pub help: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// The body of `PUT /skill-requirements/{action}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SkillRequirementChange {
    pub competency_id: String,
    pub competency_name: String,
    /// Who can help; blank for the standard text (line manager or trainer).
    #[serde(default)]
    pub help: String,
}
