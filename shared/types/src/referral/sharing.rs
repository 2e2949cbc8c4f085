//! Who referrals are shared with, and under which agreement: agencies and
//! programmes, data-sharing agreements, and the record of each share.

use super::*;

/// An agency or programme referrals are shared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agency {
    pub id: String,
    pub name: String,
    /// `agency` or `programme`.
    pub kind: String,
    /// Inactive ones keep their history but take no new shares.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// Longest agency, programme or agreement name accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 120;

/// The body of `POST /agencies` and `PUT /agencies/{id}` (administrators).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgencyChange {
    pub name: String,
    /// `agency` or `programme`.
    pub kind: String,
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn title_error(field: &str, text: &str, missing: &str) -> Option<FieldError> {
    let text = text.trim();
    if text.is_empty() {
        Some(FieldError::new(field, missing))
    } else if text.chars().count() > MAX_TITLE_CHARS || text.chars().any(char::is_control) {
        Some(FieldError::new(
            field,
            format!("Use at most {MAX_TITLE_CHARS} characters, without line breaks."),
        ))
    } else {
        None
    }
}

impl AgencyChange {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors: Vec<FieldError> = title_error(
            "name",
            &self.name,
            "Enter the agency's or programme's name.",
        )
        .into_iter()
        .collect();
        if !matches!(self.kind.as_str(), "agency" | "programme") {
            errors.push(FieldError::new("kind", "Choose agency or programme."));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A stable id made from the name: lower case, words joined by hyphens.
    pub fn slug(&self) -> String {
        let mut slug = String::new();
        for word in self
            .name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(&word.to_ascii_lowercase());
        }
        slug.truncate(60);
        slug
    }
}

/// A data-sharing agreement with an agency or programme. Shares rely on one
/// in force on the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharingAgreement {
    pub id: String,
    pub name: String,
    pub agency_id: String,
    pub starts_on: NaiveDate,
    /// The last day it can be relied on.
    pub ends_on: NaiveDate,
}

impl SharingAgreement {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// The body of `POST /agreements` and `PUT /agreements/{id}` (administrators).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgreementChange {
    pub name: String,
    pub agency_id: String,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    /// `YYYY-MM-DD`, on or after `starts_on`.
    pub ends_on: String,
}

impl AgreementChange {
    /// The dates, or what is wrong with each field.
    pub fn validate(&self) -> Result<(NaiveDate, NaiveDate), Vec<FieldError>> {
        let mut errors: Vec<FieldError> =
            title_error("name", &self.name, "Enter the agreement's name.")
                .into_iter()
                .collect();
        if self.agency_id.trim().is_empty() {
            errors.push(FieldError::new(
                "agency_id",
                "Choose an agency or programme.",
            ));
        }
        let day = |field: &str, text: &str, errors: &mut Vec<FieldError>| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| {
                    errors.push(FieldError::new(field, "Enter a real date as YYYY-MM-DD."))
                })
                .ok()
        };
        let starts = day("starts_on", &self.starts_on, &mut errors);
        let ends = day("ends_on", &self.ends_on, &mut errors);
        match (starts, ends) {
            (Some(s), Some(e)) if e < s => {
                errors.push(FieldError::new(
                    "ends_on",
                    "The agreement cannot end before it starts.",
                ));
                Err(errors)
            }
            (Some(s), Some(e)) if errors.is_empty() => Ok((s, e)),
            _ => Err(errors),
        }
    }
}

/// One share of a referral: to whom, on what basis and consent, under which
/// agreement, disclosing what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareRecord {
    pub agency_id: String,
    pub lawful_basis: LawfulBasis,
    pub consent: ConsentStatus,
    /// Why it was shared without consent; kept from the receiving agency.
    pub consent_note: Option<String>,
    pub agreement_id: String,
    pub fields: Vec<SharedField>,
    pub actor: String,
    pub at: DateTime<Utc>,
    /// When and why the share was withdrawn: the agency's access ended then.
    #[serde(default)]
    pub withdrawn: Option<ShareWithdrawn>,
}

/// A share's withdrawal, as the police side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareWithdrawn {
    pub why: ShareEnd,
    pub note: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Longest note on a share's withdrawal, in characters.
pub const MAX_WITHDRAWAL_NOTE_CHARS: usize = 500;

/// The body of `POST /referrals/{id}/share/withdrawal` (a coordinator of
/// the area): the receiving agency loses access at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WithdrawShare {
    #[serde(default)]
    pub why: Option<ShareEnd>,
    /// What happened, for the police record (never sent to the agency).
    #[serde(default)]
    pub note: String,
}

impl WithdrawShare {
    /// Why and the trimmed note, or what to correct.
    pub fn validate(&self) -> Result<(ShareEnd, &str), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.why.is_none() {
            errors.push(FieldError::new(
                "why",
                "Say whether consent was withdrawn or the share is no longer needed.",
            ));
        }
        let note = self.note.trim();
        if note.is_empty() {
            errors.push(FieldError::new("note", "Say what happened."));
        } else if note.chars().count() > MAX_WITHDRAWAL_NOTE_CHARS {
            errors.push(FieldError::new(
                "note",
                format!("Keep it to at most {MAX_WITHDRAWAL_NOTE_CHARS} characters."),
            ));
        }
        match self.why {
            Some(why) if errors.is_empty() => Ok((why, note)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withdrawal_says_why_and_what_happened() {
        let ok = WithdrawShare {
            why: Some(ShareEnd::ConsentWithdrawn),
            note: "  Mother called the hub ".into(),
        };
        assert_eq!(
            ok.validate(),
            Ok((ShareEnd::ConsentWithdrawn, "Mother called the hub"))
        );
        let errors = WithdrawShare::default().validate().expect_err("empty");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["why", "note"]);
        let long = WithdrawShare {
            why: Some(ShareEnd::NoLongerNeeded),
            note: "x".repeat(MAX_WITHDRAWAL_NOTE_CHARS + 1),
        };
        assert!(long.validate().is_err());
    }
}
