//! Calls-for-service data and the analysis done on it: incident categories
//! after the National Standard for Incident Recording (NSIR), import jobs with
//! their per-row errors, and the demand figures the strategy asks for.
//!
//! No personal data: callers and addresses appear only as pseudonyms the force
//! makes before export (see [`Pseudonym`]).

use serde::{Deserialize, Serialize};

/// The NSIR chapter an incident is opened or closed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    PublicSafetyWelfare,
    Crime,
    AntiSocialBehaviour,
    Transport,
    Administration,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::PublicSafetyWelfare,
        Category::Crime,
        Category::AntiSocialBehaviour,
        Category::Transport,
        Category::Administration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::PublicSafetyWelfare => "public_safety_welfare",
            Category::Crime => "crime",
            Category::AntiSocialBehaviour => "anti_social_behaviour",
            Category::Transport => "transport",
            Category::Administration => "administration",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::PublicSafetyWelfare => "Public safety and welfare",
            Category::Crime => "Crime",
            Category::AntiSocialBehaviour => "Anti-social behaviour",
            Category::Transport => "Transport",
            Category::Administration => "Administration",
        }
    }

    /// Accepts the stored name or the chapter's label, in any case, so
    /// exports from different command-and-control systems read alike.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s) || c.label().eq_ignore_ascii_case(s))
    }
}

/// NSIR qualifiers an incident may carry alongside its category.
pub const QUALIFIERS: [&str; 10] = [
    "domestic",
    "mental_health",
    "missing_person",
    "alcohol",
    "drugs",
    "child_protection",
    "hate",
    "vulnerable_adult",
    "youth",
    "road_related",
];

/// Reads a qualifier list separated by `;` or `|` (as `mental health` or
/// `mental_health`). Returns the unknown one on failure.
pub fn parse_qualifiers(s: &str) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for part in s.split([';', '|']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        // `Mental Health`, `mental-health` and `mental_health` are one qualifier.
        let same = |q: &str| {
            q.len() == part.len()
                && q.bytes().zip(part.bytes()).all(|(a, b)| {
                    a == match b {
                        b' ' | b'-' => b'_',
                        b => b.to_ascii_lowercase(),
                    }
                })
        };
        match QUALIFIERS.iter().find(|q| same(q)) {
            Some(q) if !out.contains(q) => out.push(*q),
            Some(_) => {}
            None => return Err(part.to_owned()),
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The response grade given when the incident was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Immediate,
    Priority,
    Scheduled,
    Resolution,
}

impl Grade {
    pub const ALL: [Grade; 4] = [
        Grade::Immediate,
        Grade::Priority,
        Grade::Scheduled,
        Grade::Resolution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Immediate => "immediate",
            Grade::Priority => "priority",
            Grade::Scheduled => "scheduled",
            Grade::Resolution => "resolution",
        }
    }

    /// Accepts the name or the grade number (`1`–`4`, or `G1`–`G4`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let n = s.strip_prefix(['G', 'g']).unwrap_or(s);
        match n {
            "1" => return Some(Grade::Immediate),
            "2" => return Some(Grade::Priority),
            "3" => return Some(Grade::Scheduled),
            "4" => return Some(Grade::Resolution),
            _ => {}
        }
        Self::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(s))
    }
}

/// A pseudonymous caller or address reference, as the force makes it before
/// export: a one-letter prefix (`c` for a caller, `a` for an address), a
/// colon, and 16 to 64 lower-case hexadecimal digits — for instance the
/// HMAC-SHA-256 of the telephone number or the UPRN under a key that only the
/// force holds, truncated to at least 64 bits. Anything else (a name, a phone
/// number, an address) is refused, so personal data cannot slip in.
pub struct Pseudonym;

impl Pseudonym {
    pub const CALLER: char = 'c';
    pub const ADDRESS: char = 'a';

    /// Whether `s` is a well-formed reference with the given prefix.
    pub fn is_valid(prefix: char, s: &str) -> bool {
        let Some(hex) = s
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(':'))
        else {
            return false;
        };
        (16..=64).contains(&hex.len())
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// What an import job reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Ward reference data: `code,name,authority`.
    Wards,
    /// Census areas (LSOAs) to wards: `area_code,ward` (a ward id or code).
    AreaLookup,
    /// Command-and-control incidents.
    Incidents,
    /// The public street-level crime format (12 columns).
    StreetCrime,
}

impl ImportKind {
    pub const ALL: [ImportKind; 4] = [
        ImportKind::Wards,
        ImportKind::AreaLookup,
        ImportKind::Incidents,
        ImportKind::StreetCrime,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Wards => "wards",
            ImportKind::AreaLookup => "area_lookup",
            ImportKind::Incidents => "incidents",
            ImportKind::StreetCrime => "street_crime",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Wards => "Ward reference data",
            ImportKind::AreaLookup => "Census area to ward lookup",
            ImportKind::Incidents => "Command-and-control incidents",
            ImportKind::StreetCrime => "Street-level crime",
        }
    }

    /// Reference data is the administrator's; demand data the analyst's.
    pub fn is_reference_data(self) -> bool {
        matches!(self, ImportKind::Wards | ImportKind::AreaLookup)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Created; the file has not been sent yet.
    AwaitingData,
    Running,
    Completed,
    /// Stopped part way (the file could not be read, or the database failed):
    /// batches committed before the failure stay, and re-importing the file
    /// is safe because rows are keyed.
    Failed,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::AwaitingData => "awaiting_data",
            ImportStatus::Running => "running",
            ImportStatus::Completed => "completed",
            ImportStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ImportStatus::AwaitingData,
            ImportStatus::Running,
            ImportStatus::Completed,
            ImportStatus::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Starting an import: `POST /imports`, then send the file to
/// `PUT /imports/{id}/data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewImport {
    pub kind: ImportKind,
    /// For an area lookup: the version the rows are recorded under, such as
    /// `2021-census`. Required for that kind only.
    #[serde(default)]
    pub lookup_version: Option<String>,
}

/// An import job and its progress, pollable while the file streams in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportJob {
    pub id: String,
    pub kind: ImportKind,
    pub status: ImportStatus,
    pub lookup_version: Option<String>,
    /// Data rows read so far (the header is not counted).
    pub rows_read: i64,
    pub rows_imported: i64,
    pub rows_rejected: i64,
    /// Why the job failed, if it did (never a database message).
    pub failure: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// A rejected row: its line in the file (the header is line 1), the column
/// at fault when there is one, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

/// Calls in one ward and month, and how many were crime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrimeShare {
    pub place_id: String,
    /// `YYYY-MM`.
    pub month: String,
    pub calls: i64,
    pub crime_calls: i64,
    /// `crime_calls / calls`, between 0 and 1.
    pub crime_share: f64,
}

/// One ward or category's demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Demand {
    pub key: String,
    pub calls: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopShare {
    pub k: usize,
    /// The share of all calls the `k` busiest account for.
    pub share: f64,
}

/// A point of the Lorenz curve: the least busy `population` share of units
/// account for `demand` share of the calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LorenzPoint {
    pub population: f64,
    pub demand: f64,
}

/// "The top N account for more than the bottom M combined", with M the
/// largest count for which it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopVersusBottom {
    pub top_n: usize,
    pub bottom_m: usize,
    pub top_calls: i64,
    pub bottom_calls: i64,
    pub statement: String,
}

/// How concentrated demand is across wards or categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Concentration {
    /// `ward` or `category`.
    pub by: String,
    /// Busiest first.
    pub units: Vec<Demand>,
    pub total: i64,
    pub top: Vec<TopShare>,
    /// From (0, 0) to (1, 1), least busy first.
    pub lorenz: Vec<LorenzPoint>,
    /// 0 when demand is spread evenly; towards 1 when one unit has it all.
    pub gini: f64,
    pub top_versus_bottom: Option<TopVersusBottom>,
}

/// A ward ranked by demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hotspot {
    pub place_id: String,
    pub calls: i64,
    /// Distinct pseudonymous callers.
    pub callers: i64,
    pub addresses: i64,
}

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

/// The kinds of engagement with communities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EngagementKind {
    PublicMeeting,
    SchoolVisit,
    DoorKnocking,
    YouthSession,
    OnlineSurvey,
    PartnerEvent,
}

impl EngagementKind {
    pub const ALL: [EngagementKind; 6] = [
        EngagementKind::PublicMeeting,
        EngagementKind::SchoolVisit,
        EngagementKind::DoorKnocking,
        EngagementKind::YouthSession,
        EngagementKind::OnlineSurvey,
        EngagementKind::PartnerEvent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EngagementKind::PublicMeeting => "public_meeting",
            EngagementKind::SchoolVisit => "school_visit",
            EngagementKind::DoorKnocking => "door_knocking",
            EngagementKind::YouthSession => "youth_session",
            EngagementKind::OnlineSurvey => "online_survey",
            EngagementKind::PartnerEvent => "partner_event",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            EngagementKind::PublicMeeting => "Public meeting",
            EngagementKind::SchoolVisit => "School visit",
            EngagementKind::DoorKnocking => "Door-knocking",
            EngagementKind::YouthSession => "Youth session",
            EngagementKind::OnlineSurvey => "Online survey",
            EngagementKind::PartnerEvent => "Partner event",
        }
    }
}

/// An engagement with a community, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEngagement {
    pub kind: EngagementKind,
    /// A ward or local authority area.
    pub place_id: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub attendance: i64,
    /// Groups reached, such as `young people` or `Polish community`.
    #[serde(default)]
    pub groups_reached: Vec<String>,
    /// Whether under-represented or seldom-heard groups were reached.
    pub seldom_heard: bool,
    /// The issues people raised, one per entry.
    #[serde(default)]
    pub issues_raised: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    pub id: String,
    pub kind: EngagementKind,
    pub place_id: String,
    pub area_id: String,
    pub held_on: String,
    pub attendance: i64,
    pub groups_reached: Vec<String>,
    pub seldom_heard: bool,
    pub issues_raised: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriorityStatus {
    Agreed,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
        }
    }
}

/// "You said, we did": what was done about a priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeDid {
    pub we_did: String,
    pub status: ActionStatus,
    #[serde(default)]
    pub at: Option<String>,
}

/// A community priority agreed for a place and period (at most three each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityPriority {
    pub id: String,
    pub place_id: String,
    pub area_id: String,
    /// Such as `2026-Q4`.
    pub period: String,
    pub title: String,
    /// What people said, in their words.
    pub you_said: String,
    pub engagement_ids: Vec<String>,
    pub status: PriorityStatus,
    pub responses: Vec<WeDid>,
    pub agreed_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPriority {
    pub place_id: String,
    pub period: String,
    pub title: String,
    pub you_said: String,
    #[serde(default)]
    pub engagement_ids: Vec<String>,
}

/// A period such as `2026-Q4`.
pub fn valid_period(s: &str) -> bool {
    let Some((year, q)) = s.split_once("-Q") else {
        return false;
    };
    year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && ["1", "2", "3", "4"].contains(&q)
}

/// The kind of organisation in the partner directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Statutory,
    Voluntary,
    Business,
    Community,
}

impl Sector {
    /// The sector as stored and as shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Statutory => "statutory",
            Sector::Voluntary => "voluntary",
            Sector::Business => "business",
            Sector::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Sector::Statutory,
            Sector::Voluntary,
            Sector::Business,
            Sector::Community,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Read from an Open Referral UK organisation's `legal_status`, which is
    /// free text such as `Registered charity` or `Local authority`.
    pub fn from_legal_status(status: &str) -> Self {
        let s = status.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
        if has(&[
            "council",
            "authority",
            "nhs",
            "statutory",
            "police",
            "school",
            "government",
        ]) {
            Sector::Statutory
        } else if has(&[
            "charit",
            "voluntary",
            "cio",
            "trust",
            "not for profit",
            "non-profit",
        ]) {
            Sector::Voluntary
        } else if has(&["ltd", "limited", "plc", "company", "business", "llp"]) {
            Sector::Business
        } else {
            Sector::Community
        }
    }
}

/// A directory entry as listed: the service, its organisation, and whether
/// its review is overdue. The full Open Referral UK record is served as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryEntry {
    pub id: String,
    pub name: String,
    pub organization_id: String,
    pub organization_name: String,
    pub sector: Sector,
    pub status: String,
    pub reviewed_at: String,
    /// Not reviewed within the directory's review period.
    pub stale: bool,
    /// The places (wards or local authorities) the service covers, read
    /// from its Open Referral UK service areas.
    #[serde(default)]
    pub place_ids: Vec<String>,
}

/// How often directory entries must be reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DirectorySettings {
    pub review_after_days: i64,
}

/// An Early Intervention Hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hub {
    pub id: String,
    pub name: String,
    pub place_id: String,
    pub area_id: String,
    /// The building's public address.
    pub address: String,
    pub opening_times: String,
    /// Partner teams co-located at the hub.
    pub partner_teams: Vec<String>,
    /// Joint points of access, such as a front desk or a phone line.
    pub access_points: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HubInput {
    pub name: String,
    pub place_id: String,
    pub address: String,
    pub opening_times: String,
    #[serde(default)]
    pub partner_teams: Vec<String>,
    #[serde(default)]
    pub access_points: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_from_names_and_labels() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(Category::parse(&c.label().to_uppercase()), Some(c));
        }
        assert_eq!(Category::parse("burglary"), None);
    }

    #[test]
    fn grades_parse_from_numbers_and_names() {
        assert_eq!(Grade::parse("1"), Some(Grade::Immediate));
        assert_eq!(Grade::parse("G3"), Some(Grade::Scheduled));
        assert_eq!(Grade::parse("Resolution"), Some(Grade::Resolution));
        assert_eq!(Grade::parse("5"), None);
    }

    #[test]
    fn qualifiers_are_normalised_and_checked() {
        assert_eq!(
            parse_qualifiers("Mental Health; domestic|domestic"),
            Ok(vec!["domestic", "mental_health"])
        );
        assert_eq!(parse_qualifiers(""), Ok(vec![]));
        assert_eq!(parse_qualifiers("domestic;weather"), Err("weather".into()));
    }

    #[test]
    fn only_well_formed_pseudonyms_pass() {
        assert!(Pseudonym::is_valid('c', "c:9f86d081884c7d65"));
        assert!(Pseudonym::is_valid('a', &format!("a:{}", "0".repeat(64))));
        assert!(!Pseudonym::is_valid('a', "c:9f86d081884c7d65"));
        assert!(!Pseudonym::is_valid('c', "c:07700900123"));
        assert!(!Pseudonym::is_valid('c', "c:9F86D081884C7D65"));
        assert!(!Pseudonym::is_valid('c', "John Smith"));
        assert!(!Pseudonym::is_valid('c', &format!("c:{}", "a".repeat(65))));
    }
}
