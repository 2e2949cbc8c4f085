//! What a completion must be, and how lists of them are filtered. Plain
//! functions over plain values, so the rules are tested without a
//! database. Who may record and read them is [`crate::access::TRAINERS`].

use chrono::NaiveDate;
use eip_types::FieldError;
use eip_types::training::{NewCompletion, ValidCompletion};

/// The most completions one list returns, and how many without `limit`.
pub const MAX_LIMIT: i64 = 200;
pub const DEFAULT_LIMIT: i64 = 50;

/// Validates a new completion. `competency_known` says whether the named
/// competency exists; an unknown one is reported against `competency_id`,
/// in field order with the other errors.
pub fn check(
    body: &NewCompletion,
    today: NaiveDate,
    competency_known: bool,
) -> Result<ValidCompletion, Vec<FieldError>> {
    let unknown = FieldError::new("competency_id", "Choose one of the listed competencies.");
    match body.validate(today) {
        Ok(valid) if competency_known => Ok(valid),
        Ok(_) => Err(vec![unknown]),
        Err(mut errors) => {
            if !competency_known && !errors.iter().any(|e| e.field == "competency_id") {
                let at = errors
                    .iter()
                    .position(|e| e.field == "completed_on")
                    .unwrap_or(errors.len());
                errors.insert(at, unknown);
            }
            Err(errors)
        }
    }
}

/// The staff reference a list is filtered by, written as it is stored
/// (trimmed, upper case); a blank filter means none.
pub fn staff_ref_filter(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_uppercase)
}

pub fn list_limit(raw: Option<i64>) -> Result<i64, FieldError> {
    let limit = raw.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(FieldError::new(
            "limit",
            format!("Use a limit from 1 to {MAX_LIMIT}."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default()
    }

    fn body(staff_ref: &str, competency_id: &str, completed_on: &str) -> NewCompletion {
        NewCompletion {
            staff_ref: staff_ref.into(),
            competency_id: competency_id.into(),
            completed_on: completed_on.into(),
        }
    }

    fn fields(r: Result<ValidCompletion, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_known_competency_and_valid_fields_pass() {
        let valid = check(&body("pc-1", "ace-awareness", "2026-11-01"), today(), true);
        assert_eq!(valid.map(|v| v.staff_ref), Ok("PC-1".into()));
    }

    #[test]
    fn an_unknown_competency_is_reported_in_field_order() {
        assert_eq!(
            fields(check(
                &body("pc-1", "juggling", "2026-11-01"),
                today(),
                false
            )),
            ["competency_id"]
        );
        assert_eq!(
            fields(check(&body("", "juggling", "not a date"), today(), false)),
            ["staff_ref", "competency_id", "completed_on"]
        );
        // A blank id is reported once, as blank.
        assert_eq!(
            fields(check(&body("pc-1", " ", "2026-11-01"), today(), false)),
            ["competency_id"]
        );
    }

    #[test]
    fn filters_match_stored_references_and_limits_are_bounded() {
        assert_eq!(staff_ref_filter(Some(" pc-1 ")), Some("PC-1".into()));
        assert_eq!(staff_ref_filter(Some("  ")), None);
        assert_eq!(staff_ref_filter(None), None);
        assert_eq!(list_limit(None), Ok(DEFAULT_LIMIT));
        assert_eq!(list_limit(Some(MAX_LIMIT)), Ok(MAX_LIMIT));
        assert!(list_limit(Some(0)).is_err());
        assert!(list_limit(Some(MAX_LIMIT + 1)).is_err());
    }
}
