//! People the referrals service knows: children and young people, and the
//! family members in their households. Only the referrals service holds
//! names; everything else sees a person's id, a pseudonym.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::problem::FieldError;
use crate::referral::{
    MAX_NAME_CHARS, MAX_NOTE_CHARS, ReferralSummary, labelled_enum, parse_date_of_birth,
};

labelled_enum!(
    Gender {
        Female = ("female", "Female"),
        Male = ("male", "Male"),
        NonBinary = ("non_binary", "Non-binary"),
        NotKnown = ("not_known", "Not known"),
    }
);

labelled_enum!(
    /// How a household member is related to the person.
    Relationship {
        Parent = ("parent", "Parent"),
        Carer = ("carer", "Carer"),
        Sibling = ("sibling", "Sibling"),
        HouseholdMember = ("household_member", "Other household member"),
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub gender: Option<Gender>,
    pub area_id: String,
    pub ward: Option<String>,
    pub school: Option<String>,
    /// Set when this record was merged into another as a duplicate.
    pub merged_into: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Person {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_owned()
    }
}

/// The body of `POST /people/search`: a data protection officer looking
/// for a child by name (and date of birth, when known) to answer "who has
/// seen this child's record". In a body, not a query string, so the name
/// never lands in a URL or a request log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonSearch {
    pub name: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub date_of_birth: String,
}

impl PersonSearch {
    /// The date of birth to narrow by, if one was given; or what is wrong.
    pub fn validate(&self, today: NaiveDate) -> Result<Option<NaiveDate>, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "Enter the child's name."));
        } else if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "name",
                format!("Use at most {MAX_NAME_CHARS} characters, without line breaks."),
            ));
        }
        let dob = if self.date_of_birth.trim().is_empty() {
            None
        } else {
            parse_date_of_birth(self.date_of_birth.trim(), today)
                .map_err(|m| errors.push(FieldError::new("date_of_birth", m)))
                .ok()
        };
        if errors.is_empty() {
            Ok(dob)
        } else {
            Err(errors)
        }
    }
}

/// One person a search found, with the referrals about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonFound {
    pub person: Person,
    /// Ids of the referrals about this person, oldest first.
    pub referral_ids: Vec<String>,
}

/// The body of `POST /people/matches`: who the officer is about to enter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub area_id: String,
}

impl MatchQuery {
    pub fn validate(&self, today: NaiveDate) -> Result<NaiveDate, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new("name", "Enter the child's name."));
        }
        let dob = parse_date_of_birth(&self.date_of_birth, today)
            .map_err(|m| errors.push(FieldError::new("date_of_birth", m)))
            .ok();
        match dob {
            Some(d) if errors.is_empty() => Ok(d),
            _ => Err(errors),
        }
    }
}

/// A record that may be the same person, and why it was offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonMatch {
    pub person: Person,
    /// 0–100: how alike the two are.
    pub score: u8,
    pub reasons: Vec<String>,
}

/// The body of `POST /people/{id}/links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    pub related_id: String,
    pub relationship: Option<Relationship>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedPerson {
    pub person: Person,
    pub relationship: Relationship,
}

/// The body of `POST /people/{id}/merge`: fold a duplicate into this record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    pub duplicate_id: String,
    pub reason: String,
}

/// The body of `POST /merges/{id}/undo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UndoMerge {
    pub reason: String,
}

/// A reason for a merge or its undoing: present and not too long.
pub fn check_reason(reason: &str) -> Result<&str, FieldError> {
    let text = reason.trim();
    if text.is_empty() {
        Err(FieldError::new("reason", "Say why."))
    } else if text.chars().count() > MAX_NOTE_CHARS {
        Err(FieldError::new(
            "reason",
            format!("Keep it to at most {MAX_NOTE_CHARS} characters."),
        ))
    } else {
        Ok(text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeRecord {
    pub id: String,
    pub kept_id: String,
    pub merged_id: String,
    /// The referrals moved from the duplicate, so an undo can move them back.
    pub referral_ids: Vec<String>,
    pub reason: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub undone_at: Option<DateTime<Utc>>,
}

/// A person with their household and referrals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDetail {
    pub person: Person,
    pub household: Vec<LinkedPerson>,
    pub referrals: Vec<ReferralSummary>,
    pub merges: Vec<MergeRecord>,
}
