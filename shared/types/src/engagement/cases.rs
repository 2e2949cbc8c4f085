//! Problem-solving cases, worked through scanning, analysis, response and
//! assessment.

use super::*;

/// Where a problem-solving case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
}

/// Scanning: the problem in the community's words and in the data's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Scanning {
    #[serde(default)]
    pub community_view: String,
    #[serde(default)]
    pub data_view: String,
    /// Repeat-demand flags the case works on.
    #[serde(default)]
    pub flag_ids: Vec<String>,
    /// Community priorities the case serves.
    #[serde(default)]
    pub priority_ids: Vec<String>,
}

/// Analysis by the problem analysis triangle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TriangleAnalysis {
    /// Victim, and the guardian who could protect them.
    #[serde(default)]
    pub victim_guardian: String,
    /// Offender, and the handler who could influence them.
    #[serde(default)]
    pub offender_handler: String,
    /// Place, and the manager responsible for it.
    #[serde(default)]
    pub place_manager: String,
}

/// One response: an action, its owner, the partners in it, and its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseResponse {
    pub action: String,
    pub owner: String,
    #[serde(default)]
    pub partner_agencies: Vec<String>,
    pub due_on: String,
    #[serde(default)]
    pub done_on: Option<String>,
    /// What a restorative process in this response achieved, once held.
    /// Recording it may need a current restorative-practice competency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restorative_outcome: Option<String>,
}

/// The assessment a person gives; the demand measure is computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// The period before the response, `YYYY-MM-DD` both ends.
    pub before_from: String,
    pub before_to: String,
    /// The period after it, of the same length or not.
    pub after_from: String,
    pub after_to: String,
    /// Process evaluation: was the response delivered as planned?
    pub delivered_as_planned: bool,
    #[serde(default)]
    pub process_notes: String,
    pub learning: String,
}

/// What the before/after measure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssessmentResult {
    Reduced,
    NoChange,
    Increased,
}

impl AssessmentResult {
    /// Compares daily rates, so periods of different lengths compare
    /// fairly; within ±10% is no change.
    pub fn from_rates(before: f64, after: f64) -> Self {
        if before == 0.0 && after == 0.0 {
            return AssessmentResult::NoChange;
        }
        if after < before * 0.9 {
            AssessmentResult::Reduced
        } else if after > before * 1.1 {
            AssessmentResult::Increased
        } else {
            AssessmentResult::NoChange
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub before_from: String,
    pub before_to: String,
    pub after_from: String,
    pub after_to: String,
    /// Calls for service in the case's wards in each period.
    pub before_calls: i64,
    pub after_calls: i64,
    /// Calls a day in each period.
    pub before_rate: f64,
    pub after_rate: f64,
    pub result: AssessmentResult,
    pub delivered_as_planned: bool,
    pub process_notes: String,
    pub learning: String,
}

/// A problem-solving case, worked through scanning, analysis, response and
/// assessment. It cannot close without its assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemCase {
    pub id: String,
    pub title: String,
    pub area_id: String,
    pub place_ids: Vec<String>,
    pub status: CaseStatus,
    pub objective: String,
    pub scanning: Scanning,
    pub analysis: TriangleAnalysis,
    pub responses: Vec<CaseResponse>,
    pub assessment: Option<Assessment>,
    pub opened_at: String,
    pub closed_at: Option<String>,
}

/// Opening a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub title: String,
    /// Wards, all in one local authority area.
    pub place_ids: Vec<String>,
    pub objective: String,
}
