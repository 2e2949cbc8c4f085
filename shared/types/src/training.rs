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
