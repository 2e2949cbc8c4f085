//! Repeat demand: the rules that find recurring callers and addresses, the
//! flags they raise, the support paths a flag opens, and the hidden-demand
//! worklist.

use super::*;

/// What a repeat-demand rule counts contacts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RepeatSubject {
    /// The pseudonymous caller reference.
    Caller,
    /// The pseudonymous address reference.
    Address,
    /// The ward.
    Place,
}

impl RepeatSubject {
    pub const ALL: [RepeatSubject; 3] = [
        RepeatSubject::Caller,
        RepeatSubject::Address,
        RepeatSubject::Place,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RepeatSubject::Caller => "caller",
            RepeatSubject::Address => "address",
            RepeatSubject::Place => "place",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A rule "at least N contacts in M days", one version of it. Changing a
/// rule makes a new version; flags name the version that raised them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepeatRule {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub subject: RepeatSubject,
    /// N: flagged at this many contacts or more.
    pub min_contacts: i64,
    /// M: the window, in days, ending on the day the rule is run.
    pub window_days: i64,
    /// Only incidents in this category count.
    pub category: Option<Category>,
    /// Only incidents with this qualifier count.
    pub qualifier: Option<String>,
    /// The lawful basis every flag the rule raises carries.
    pub lawful_basis: String,
    pub preset: bool,
    pub created_at: String,
}

/// A new rule, or a new version of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub name: String,
    pub subject: RepeatSubject,
    pub min_contacts: i64,
    pub window_days: i64,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub qualifier: Option<String>,
    pub lawful_basis: String,
}

impl RuleInput {
    /// Field-level problems, if any.
    pub fn problems(&self) -> Vec<crate::FieldError> {
        use crate::FieldError;
        let mut out = Vec::new();
        if self.name.trim().is_empty() || self.name.len() > 100 {
            out.push(FieldError::new(
                "name",
                "Name the rule (up to 100 characters).",
            ));
        }
        if !(2..=10_000).contains(&self.min_contacts) {
            out.push(FieldError::new(
                "min_contacts",
                "The number of contacts must be between 2 and 10,000.",
            ));
        }
        if !(1..=3_660).contains(&self.window_days) {
            out.push(FieldError::new(
                "window_days",
                "The window must be between 1 and 3,660 days.",
            ));
        }
        if let Some(q) = &self.qualifier
            && !QUALIFIERS.contains(&q.as_str())
        {
            out.push(FieldError::new("qualifier", "Choose a known qualifier."));
        }
        if self.lawful_basis.trim().len() < 10 || self.lawful_basis.len() > 500 {
            out.push(FieldError::new(
                "lawful_basis",
                "Record the lawful basis for flagging (10 to 500 characters).",
            ));
        }
        out
    }
}

/// The path a flag may open: support, never a punitive marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupportPath {
    ProblemSolvingCase,
    ReferralSuggestion,
}

impl SupportPath {
    pub fn as_str(self) -> &'static str {
        match self {
            SupportPath::ProblemSolvingCase => "problem_solving_case",
            SupportPath::ReferralSuggestion => "referral_suggestion",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            SupportPath::ProblemSolvingCase,
            SupportPath::ReferralSuggestion,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A subject a rule flagged, for a person to review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepeatFlag {
    pub id: String,
    pub rule_id: String,
    pub rule_version: i64,
    pub subject: RepeatSubject,
    /// The pseudonym, or the ward id for a place rule.
    pub subject_ref: String,
    pub area_id: String,
    /// The ward most of the contacts came from.
    pub place_id: String,
    pub contacts: i64,
    pub first_contact: String,
    pub last_contact: String,
    /// The day the window ended.
    pub as_of: String,
    pub lawful_basis: String,
    /// The support path opened from the flag, once one is.
    pub support_path: Option<SupportPath>,
    /// The problem-solving case opened from the flag.
    pub case_id: Option<String>,
    pub raised_at: String,
}

/// Running a rule: the window ends on `as_of` (today when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RunRule {
    #[serde(default)]
    pub as_of: Option<String>,
    /// One of the runner's areas; all of them when absent.
    #[serde(default)]
    pub area: Option<String>,
}

/// Opening a support path from a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenSupport {
    pub path: SupportPath,
}

/// Opening a support path from a row of the hidden-demand worklist: the
/// service checks the reference still meets the row's rule, records a flag
/// of that rule and opens the path from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenHiddenSupport {
    /// The worklist rule the row fell under.
    pub rule_id: String,
    pub subject_ref: String,
    pub path: SupportPath,
}

/// A place or pseudonymous reference that recurs in demand with no support
/// path open, for a person to review: nothing is decided automatically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HiddenDemand {
    /// The worklist rule the reference meets, at its latest version.
    pub rule_id: String,
    pub rule_version: i64,
    pub subject: RepeatSubject,
    pub subject_ref: String,
    /// The qualifier the incidents share, such as `domestic`.
    pub qualifier: String,
    pub incidents: i64,
    pub first_contact: String,
    pub last_contact: String,
    pub area_id: String,
}
