//! Early-help referrals as the referrals service accepts and returns them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::place::local_authority_name;
use crate::problem::FieldError;

mod retention;
mod sharing;

pub use retention::*;
pub use sharing::*;

/// Longest child name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 4000;
/// Referrals are for children and young people up to this age.
pub const MAX_AGE_YEARS: u32 = 25;

/// Whether `id` has the form of a record reference (a UUID's hex digits and
/// hyphens): what the portal checks before putting one in a service path.
pub fn is_reference(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// A closed set of values with a stable id (`as_str`, the wire and database
/// form) and a label for people.
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($id:literal, $label:literal)),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $id)] $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id),* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($id => Some($name::$variant),)* _ => None }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }
        }
    };
}

pub(crate) use labelled_enum;

labelled_enum!(
    /// Where a referral is in its lifecycle.
    ReferralStatus {
        Draft = ("draft", "Draft"),
        Submitted = ("submitted", "Submitted"),
        Triaged = ("triaged", "Triaged"),
        Shared = ("shared", "Shared"),
        Accepted = ("accepted", "Accepted"),
        Declined = ("declined", "Declined"),
        InProgress = ("in_progress", "In progress"),
        Closed = ("closed", "Closed"),
        Withdrawn = ("withdrawn", "Withdrawn"),
    }
);

impl ReferralStatus {
    /// Nothing more happens to a referral in this state.
    pub fn is_final(self) -> bool {
        matches!(self, ReferralStatus::Closed | ReferralStatus::Withdrawn)
    }
}

labelled_enum!(
    /// How soon the hub should act, set at triage.
    Priority {
        Urgent = ("urgent", "Urgent"),
        High = ("high", "High"),
        Routine = ("routine", "Routine"),
    }
);

labelled_enum!(
    /// The route a coordinator chooses at triage.
    Pathway {
        EarlyHelp = ("early_help", "Early help (family support)"),
        Programme = ("programme", "Diversionary programme"),
        Safeguarding = ("safeguarding", "Safeguarding (PVPU)"),
        Education = ("education", "School and education support"),
    }
);

labelled_enum!(
    /// What became of a referral when it closed.
    Outcome {
        SupportCompleted = ("support_completed", "Support completed, needs met"),
        PartlyMet = ("partly_met", "Support completed, needs partly met"),
        Disengaged = ("disengaged", "Family disengaged"),
        Escalated = ("escalated", "Escalated to statutory services"),
        NoLongerNeeded = ("no_longer_needed", "Support no longer needed"),
    }
);

labelled_enum!(
    /// What the officer noticed: the ten adverse childhood experiences, then
    /// the other risk factors the strategy names.
    RiskFactor {
        PhysicalAbuse = ("physical_abuse", "Physical abuse"),
        SexualAbuse = ("sexual_abuse", "Sexual abuse"),
        EmotionalAbuse = ("emotional_abuse", "Emotional abuse"),
        PhysicalNeglect = ("physical_neglect", "Physical neglect"),
        EmotionalNeglect = ("emotional_neglect", "Emotional neglect"),
        DomesticAbuse = ("domestic_abuse", "Domestic abuse in the household"),
        ParentalSubstanceMisuse = ("parental_substance_misuse", "Parental substance misuse"),
        ParentalMentalIllHealth = ("parental_mental_ill_health", "Parental mental ill-health"),
        ParentalSeparation = ("parental_separation", "Parental separation"),
        HouseholdMemberInPrison = ("household_member_in_prison", "Household member in prison"),
        Bereavement = ("bereavement", "Bereavement"),
        MissingEpisodes = ("missing_episodes", "Missing episodes"),
        SchoolAbsenceOrExclusion = ("school_absence_or_exclusion", "School absence or exclusion risk"),
        SexualExploitation = ("sexual_exploitation", "Child sexual exploitation indicators"),
        CriminalExploitation = ("criminal_exploitation", "Child criminal exploitation indicators"),
        ModernSlavery = ("modern_slavery", "Modern slavery or trafficking indicators"),
        RepeatVictimisation = ("repeat_victimisation", "Repeat victimisation"),
        LookedAfterChild = ("looked_after_child", "Looked-after child"),
        UnderFiveProlificOffenderParent = ("under_five_prolific_offender_parent", "Child under 5 with a prolific-offender parent"),
    }
);

impl RiskFactor {
    /// One of the ten adverse childhood experiences.
    pub fn is_ace(self) -> bool {
        use RiskFactor::*;
        matches!(
            self,
            PhysicalAbuse
                | SexualAbuse
                | EmotionalAbuse
                | PhysicalNeglect
                | EmotionalNeglect
                | DomesticAbuse
                | ParentalSubstanceMisuse
                | ParentalMentalIllHealth
                | ParentalSeparation
                | HouseholdMemberInPrison
        )
    }
}

/// Four or more ACEs sharply raise later risk: such referrals are flagged.
pub const ACE_FLAG_AT: usize = 4;

/// How many of `factors` are ACEs.
pub fn ace_count(factors: &[RiskFactor]) -> usize {
    factors.iter().filter(|f| f.is_ace()).count()
}

labelled_enum!(
    /// The ACE count as events carry it: a band, never the detail.
    AceBand {
        None = ("none", "No ACEs"),
        OneToThree = ("one_to_three", "1–3 ACEs"),
        FourOrMore = ("four_or_more", "4 or more ACEs"),
    }
);

impl AceBand {
    pub fn of(count: usize) -> Self {
        match count {
            0 => AceBand::None,
            n if n < ACE_FLAG_AT => AceBand::OneToThree,
            _ => AceBand::FourOrMore,
        }
    }
}

labelled_enum!(
    /// The check six months after closure: did the outcome last?
    FollowUpResult {
        Sustained = ("sustained", "Outcome sustained"),
        NotSustained = ("not_sustained", "Outcome not sustained: needs have returned"),
        Unknown = ("unknown", "Could not be established"),
    }
);

/// Months after closure when the follow-up check falls due.
pub const FOLLOW_UP_MONTHS: u32 = 6;

labelled_enum!(
    /// The lawful basis a share relies on.
    LawfulBasis {
        PublicTask = ("public_task", "Public task (UK GDPR art. 6(1)(e)): safeguarding and early-help duties"),
        LegalObligation = ("legal_obligation", "Legal obligation (UK GDPR art. 6(1)(c))"),
        VitalInterests = ("vital_interests", "Vital interests (UK GDPR art. 6(1)(d)): risk to life or serious harm"),
        Consent = ("consent", "Consent (UK GDPR art. 6(1)(a))"),
        LawEnforcement = ("law_enforcement", "Law enforcement purposes (DPA 2018 Part 3)"),
    }
);

labelled_enum!(
    /// Where the family's consent to a share stands.
    ConsentStatus {
        Given = ("given", "Consent given"),
        Refused = ("refused", "Consent refused"),
        NotSought = ("not_sought", "Consent not sought"),
        Withdrawn = ("withdrawn", "Consent withdrawn"),
    }
);

labelled_enum!(
    /// Why a share was withdrawn before its work was done.
    ShareEnd {
        ConsentWithdrawn = ("consent_withdrawn", "The family withdrew consent"),
        NoLongerNeeded = ("no_longer_needed", "The agency no longer needs it"),
    }
);

labelled_enum!(
    /// Parts of a referral a share may disclose beyond the child's name and
    /// area, which every share carries.
    SharedField {
        DateOfBirth = ("date_of_birth", "Date of birth"),
        Reason = ("reason", "Why early help is needed"),
        Screening = ("screening", "Screening (ACEs and other risk factors)"),
    }
);

/// Longest decline or withdrawal reason accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A step in a referral's lifecycle, as asked for by a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transition {
    /// Draft → submitted (the raising officer or a coordinator).
    // Steps without fields are empty structs so that unknown fields are
    // refused for them too.
    Submit {},
    /// Submitted → triaged (a coordinator of the area).
    Triage {
        priority: Priority,
        pathway: Pathway,
    },
    /// Triaged or declined → shared with an agency or programme (a
    /// coordinator), under a lawful basis and a data-sharing agreement in
    /// force, with the consent position recorded.
    Share {
        agency_id: String,
        #[serde(default)]
        lawful_basis: Option<LawfulBasis>,
        #[serde(default)]
        consent: Option<ConsentStatus>,
        /// Why it is shared without consent (required unless consent was given).
        #[serde(default)]
        consent_note: String,
        /// The data-sharing agreement the share relies on.
        #[serde(default)]
        agreement_id: String,
        /// What is disclosed beyond the name and area.
        #[serde(default)]
        fields: Vec<SharedField>,
    },
    /// Shared → accepted (the receiving agency).
    Accept {},
    /// Shared → declined, with the reason (the receiving agency).
    Decline { reason: String },
    /// Accepted → in progress (the receiving agency).
    Start {},
    /// In progress → closed with an outcome (the agency or a coordinator).
    Close { outcome: Outcome },
    /// Any open state → withdrawn, with the reason.
    Withdraw { reason: String },
    /// Closed → closed with the follow-up result, once it is due (the
    /// agency that closed it or a coordinator).
    FollowUp { result: FollowUpResult },
}

impl Transition {
    /// A share with the family's consent, under public task, disclosing the
    /// whole referral: the common case.
    pub fn share_with_consent(agency_id: &str, agreement_id: &str) -> Self {
        Transition::Share {
            agency_id: agency_id.to_owned(),
            lawful_basis: Some(LawfulBasis::PublicTask),
            consent: Some(ConsentStatus::Given),
            consent_note: String::new(),
            agreement_id: agreement_id.to_owned(),
            fields: SharedField::ALL.to_vec(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Transition::Submit {} => "submit",
            Transition::Triage { .. } => "triage",
            Transition::Share { .. } => "share",
            Transition::Accept {} => "accept",
            Transition::Decline { .. } => "decline",
            Transition::Start {} => "start",
            Transition::Close { .. } => "close",
            Transition::Withdraw { .. } => "withdraw",
            Transition::FollowUp { .. } => "follow_up",
        }
    }

    /// Problems with what the user typed, by field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let note = |field: &str, text: &str, missing: &str| {
            let text = text.trim();
            if text.is_empty() {
                Some(FieldError::new(field, missing))
            } else if text.chars().count() > MAX_NOTE_CHARS {
                Some(FieldError::new(
                    field,
                    format!("Keep it to at most {MAX_NOTE_CHARS} characters."),
                ))
            } else {
                None
            }
        };
        let errors: Vec<FieldError> = match self {
            Transition::Decline { reason } => {
                note("reason", reason, "Say why the referral is declined.")
                    .into_iter()
                    .collect()
            }
            Transition::Withdraw { reason } => {
                note("reason", reason, "Say why the referral is withdrawn.")
                    .into_iter()
                    .collect()
            }
            Transition::Share {
                agency_id,
                lawful_basis,
                consent,
                consent_note,
                agreement_id,
                ..
            } => {
                let mut errors = Vec::new();
                if agency_id.trim().is_empty() {
                    errors.push(FieldError::new(
                        "agency_id",
                        "Choose an agency or programme.",
                    ));
                }
                if lawful_basis.is_none() {
                    errors.push(FieldError::new(
                        "lawful_basis",
                        "Choose the lawful basis for sharing.",
                    ));
                }
                match consent {
                    None => errors.push(FieldError::new(
                        "consent",
                        "Record whether consent was given, refused or not sought.",
                    )),
                    Some(ConsentStatus::Given) => {}
                    Some(c) if *lawful_basis == Some(LawfulBasis::Consent) => {
                        errors.push(FieldError::new(
                            "consent",
                            format!(
                                "Consent cannot be the lawful basis when it is {}.",
                                c.label().to_lowercase()
                            ),
                        ));
                    }
                    Some(_) => errors.extend(note(
                        "consent_note",
                        consent_note,
                        "Say why it is shared without consent.",
                    )),
                }
                if agreement_id.trim().is_empty() {
                    errors.push(FieldError::new(
                        "agreement_id",
                        "Choose the data-sharing agreement the share relies on.",
                    ));
                }
                errors
            }
            _ => Vec::new(),
        };
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The body of `POST /referrals/{id}/transitions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The version the user saw; a newer one means someone else changed it.
    pub version: i64,
    pub transition: Transition,
}

/// One step of a referral's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub action: String,
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    pub actor: String,
    pub at: DateTime<Utc>,
    /// The reason given, for a decline or a withdrawal.
    pub note: Option<String>,
}

/// The body of `POST /referrals`. Fields arrive as text so that a bad date is
/// reported against its field rather than as an unreadable body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReferral {
    pub child_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// A local authority area id, such as `hull`.
    pub area_id: String,
    pub reason: String,
    /// Screening: [`RiskFactor`] ids, such as `domestic_abuse`.
    #[serde(default)]
    pub risk_factors: Vec<String>,
    /// Submit at once instead of keeping a draft.
    #[serde(default)]
    pub submit: bool,
    /// The person record it is about, when the officer chose an existing
    /// one; otherwise a new record is made from the fields above.
    #[serde(default)]
    pub person_id: Option<String>,
    /// [`crate::person::Gender`] id, if known.
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub school: String,
}

/// A [`NewReferral`] that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReferral {
    pub child_name: String,
    pub date_of_birth: NaiveDate,
    pub gender: Option<crate::person::Gender>,
    pub school: Option<String>,
    pub person_id: Option<String>,
    pub area_id: String,
    pub reason: String,
    /// Each factor once, in the checklist's order.
    pub risk_factors: Vec<RiskFactor>,
    pub submit: bool,
}

impl NewReferral {
    /// Checks every field and reports each problem against its field.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidReferral, Vec<FieldError>> {
        let mut errors = Vec::new();

        let child_name = self.child_name.trim();
        if child_name.is_empty() {
            errors.push(FieldError::new("child_name", "Enter the child's name."));
        } else if child_name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "child_name",
                format!("The name must be at most {MAX_NAME_CHARS} characters."),
            ));
        } else if child_name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "child_name",
                "The name contains characters that are not allowed.",
            ));
        }

        let date_of_birth = match parse_date_of_birth(&self.date_of_birth, today) {
            Ok(d) => Some(d),
            Err(message) => {
                errors.push(FieldError::new("date_of_birth", message));
                None
            }
        };

        if local_authority_name(&self.area_id).is_none() {
            errors.push(FieldError::new("area_id", "Choose the child's area."));
        }

        let reason = self.reason.trim();
        if reason.is_empty() {
            errors.push(FieldError::new(
                "reason",
                "Describe why the child needs early help.",
            ));
        } else if reason.chars().count() > MAX_REASON_CHARS {
            errors.push(FieldError::new(
                "reason",
                format!("The reason must be at most {MAX_REASON_CHARS} characters."),
            ));
        }

        let mut risk_factors = Vec::new();
        for id in &self.risk_factors {
            match RiskFactor::parse(id) {
                Some(f) => risk_factors.push(f),
                None => {
                    errors.push(FieldError::new(
                        "risk_factors",
                        "Choose risk factors from the checklist.",
                    ));
                    break;
                }
            }
        }
        risk_factors.sort_by_key(|f| RiskFactor::ALL.iter().position(|a| a == f));
        risk_factors.dedup();

        let gender = match self.gender.trim() {
            "" => None,
            id => {
                let g = crate::person::Gender::parse(id);
                if g.is_none() {
                    errors.push(FieldError::new(
                        "gender",
                        "Choose one of the listed options.",
                    ));
                }
                g
            }
        };
        let school = self.school.trim();
        if school.chars().count() > MAX_NAME_CHARS || school.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "school",
                format!("Keep the school's name to at most {MAX_NAME_CHARS} characters."),
            ));
        }
        let person_id = self
            .person_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty());
        if person_id.is_some_and(|id| id.len() > 64) {
            errors.push(FieldError::new(
                "person_id",
                "Choose one of the records shown.",
            ));
        }

        match (errors.is_empty(), date_of_birth) {
            (true, Some(date_of_birth)) => Ok(ValidReferral {
                child_name: child_name.to_owned(),
                date_of_birth,
                gender,
                school: (!school.is_empty()).then(|| school.to_owned()),
                person_id: person_id.map(str::to_owned),
                area_id: self.area_id.clone(),
                reason: reason.to_owned(),
                risk_factors,
                submit: self.submit,
            }),
            _ => Err(errors),
        }
    }
}

/// A date of birth in `YYYY-MM-DD`, not in the future and within the age range
/// early help covers.
pub fn parse_date_of_birth(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter the date of birth.".into());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| "Enter a real date of birth as YYYY-MM-DD.".to_string())?;
    if date > today {
        return Err("The date of birth cannot be in the future.".into());
    }
    let oldest = today
        .checked_sub_months(chrono::Months::new(12 * MAX_AGE_YEARS))
        .unwrap_or(NaiveDate::MIN);
    if date <= oldest {
        return Err(format!(
            "Early help referrals are for people under {MAX_AGE_YEARS}."
        ));
    }
    Ok(date)
}

/// A referral as the service shows it to someone allowed to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Referral {
    pub id: String,
    /// The person record it is about (absent on records from before people
    /// were kept).
    #[serde(default)]
    pub person_id: Option<String>,
    pub child_name: String,
    /// Absent only where it was not shared with the viewer's agency.
    pub date_of_birth: Option<NaiveDate>,
    pub area_id: String,
    pub reason: String,
    pub risk_factors: Vec<RiskFactor>,
    pub status: ReferralStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub priority: Option<Priority>,
    pub pathway: Option<Pathway>,
    /// The agency or programme it is (or was last) shared with.
    pub agency_id: Option<String>,
    pub outcome: Option<Outcome>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub shared_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When the record is next reviewed for retention.
    pub review_on: Option<NaiveDate>,
    /// Set once the personal data was erased after a retention review.
    pub disposed_at: Option<DateTime<Utc>>,
    /// When the follow-up check falls due (set at closure).
    pub follow_up_due_on: Option<NaiveDate>,
    pub follow_up: Option<FollowUpResult>,
    pub followed_up_at: Option<DateTime<Utc>>,
    /// Incremented on every change; a stale version is refused.
    pub version: i64,
}

/// A referral with the steps the asking user may take on it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralDetail {
    #[serde(flatten)]
    pub referral: Referral,
    /// Transition names (`triage`, `share`, …) allowed to this user now.
    pub allowed_actions: Vec<String>,
    /// The latest share, when there is one.
    #[serde(default)]
    pub share: Option<ShareRecord>,
    /// Parts of the record this user's agency was not sent: their values
    /// are left empty.
    #[serde(default)]
    pub withheld: Vec<SharedField>,
}

labelled_enum!(
    /// What a retention review decided.
    RetentionChoice {
        Retain = ("retain", "Retain for a further period"),
        Dispose = ("dispose", "Dispose of the personal data"),
    }
);

/// A line in a referral list: no reason text, to keep lists light.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralSummary {
    pub id: String,
    pub child_name: String,
    pub area_id: String,
    pub status: ReferralStatus,
    pub priority: Option<Priority>,
    pub agency_id: Option<String>,
    /// How many ACEs screening found (the factors themselves stay on the
    /// record); absent where screening was not shared with the viewer's
    /// agency.
    pub ace_count: Option<usize>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub shared_at: Option<DateTime<Utc>>,
    /// When the running timeliness clock (triage, or acceptance by the
    /// agency) runs out; none when no clock runs.
    pub due_at: Option<DateTime<Utc>>,
    /// The running clock has run out.
    pub overdue: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default()
    }

    fn good() -> NewReferral {
        NewReferral {
            child_name: "  Sam Example ".into(),
            date_of_birth: "2015-04-02".into(),
            area_id: "hull".into(),
            reason: "Missing from home twice this month.".into(),
            risk_factors: Vec::new(),
            submit: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_referral_is_valid_and_trimmed() {
        let valid = good().validate(today()).expect("valid");
        assert_eq!(valid.child_name, "Sam Example");
        assert_eq!(valid.area_id, "hull");
        assert!(valid.submit);
    }

    #[test]
    fn every_bad_field_is_reported_against_its_name() {
        let bad = NewReferral {
            child_name: " ".into(),
            date_of_birth: "2015-02-30".into(),
            area_id: "atlantis".into(),
            reason: String::new(),
            risk_factors: Vec::new(),
            submit: false,
            ..Default::default()
        };
        let errors = bad.validate(today()).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["child_name", "date_of_birth", "area_id", "reason"]);
    }

    #[test]
    fn dates_of_birth_must_be_real_past_and_within_range() {
        assert!(parse_date_of_birth("2027-01-01", today()).is_err());
        assert!(parse_date_of_birth("27/11/2015", today()).is_err());
        assert!(parse_date_of_birth("1990-01-01", today()).is_err());
        assert!(parse_date_of_birth("2026-11-27", today()).is_ok());
        assert!(parse_date_of_birth("2001-11-28", today()).is_ok());
        assert!(parse_date_of_birth("2001-11-27", today()).is_err());
    }

    #[test]
    fn overlong_text_is_refused() {
        let mut r = good();
        r.child_name = "x".repeat(MAX_NAME_CHARS + 1);
        r.reason = "y".repeat(MAX_REASON_CHARS + 1);
        let errors = r.validate(today()).expect_err("invalid");
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn transitions_read_as_tagged_json_and_check_their_notes() {
        let t: Transition = serde_json::from_str(
            r#"{"action":"triage","priority":"urgent","pathway":"early_help"}"#,
        )
        .expect("parses");
        assert_eq!(
            t,
            Transition::Triage {
                priority: Priority::Urgent,
                pathway: Pathway::EarlyHelp
            }
        );
        assert!(serde_json::from_str::<Transition>(r#"{"action":"teleport"}"#).is_err());
        assert!(serde_json::from_str::<Transition>(r#"{"action":"accept","x":1}"#).is_err());
        let blank = Transition::Decline {
            reason: "  ".into(),
        };
        assert_eq!(
            blank.validate().map_err(|e| e[0].field.clone()),
            Err("reason".into())
        );
        let long = Transition::Withdraw {
            reason: "x".repeat(MAX_NOTE_CHARS + 1),
        };
        assert!(long.validate().is_err());
        assert!(Transition::Accept {}.validate().is_ok());
    }

    #[test]
    fn labelled_values_round_trip_through_their_ids() {
        for s in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::parse(s.as_str()), Some(*s));
            assert_eq!(
                serde_json::to_string(s).unwrap_or_default(),
                format!("\"{}\"", s.as_str())
            );
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(*o));
        }
    }

    #[test]
    fn screening_counts_aces_and_bands_them() {
        let mut r = good();
        r.risk_factors = vec![
            "missing_episodes".into(),
            "domestic_abuse".into(),
            "physical_abuse".into(),
            "domestic_abuse".into(),
        ];
        let v = r.validate(today()).expect("valid");
        assert_eq!(
            v.risk_factors,
            [
                RiskFactor::PhysicalAbuse,
                RiskFactor::DomesticAbuse,
                RiskFactor::MissingEpisodes
            ]
        );
        assert_eq!(ace_count(&v.risk_factors), 2);
        assert_eq!(AceBand::of(0), AceBand::None);
        assert_eq!(AceBand::of(3), AceBand::OneToThree);
        assert_eq!(AceBand::of(4), AceBand::FourOrMore);
        assert_eq!(RiskFactor::ALL.iter().filter(|f| f.is_ace()).count(), 10);
        r.risk_factors = vec!["alien_abduction".into()];
        let errors = r.validate(today()).expect_err("invalid");
        assert_eq!(errors[0].field, "risk_factors");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let body = r#"{"child_name":"A","date_of_birth":"2015-01-01","area_id":"hull","reason":"r","admin":true}"#;
        assert!(serde_json::from_str::<NewReferral>(body).is_err());
    }
}
