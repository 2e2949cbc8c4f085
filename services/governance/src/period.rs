//! Months as requests give them: one month, or a range of at most
//! [`MAX_MONTHS`], each problem against the field that has it.

use crate::compute;
use eip_types::FieldError;

/// Longest range a dashboard shows, in months.
pub const MAX_MONTHS: usize = 36;

/// A month, or a field error naming `field`.
pub fn parse_period(field: &str, value: Option<&str>) -> Result<String, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Err(FieldError::new(
            field,
            "Choose a period (a month, such as 2026-11).",
        )),
        Some(p) if compute::months(p, p).is_some() => Ok(p.to_owned()),
        Some(_) => Err(FieldError::new(
            field,
            "A period is a month written as YYYY-MM, such as 2026-11.",
        )),
    }
}

/// The months of a range, or the first problem with it.
pub fn parse_range(from: Option<&str>, to: Option<&str>) -> Result<Vec<String>, FieldError> {
    let from = parse_period("from", from)?;
    let to = parse_period("to", to)?;
    match compute::months(&from, &to) {
        Some(m) if m.len() <= MAX_MONTHS => Ok(m),
        Some(_) => Err(FieldError::new(
            "from",
            format!("Show at most {MAX_MONTHS} months at once."),
        )),
        None => Err(FieldError::new(
            "to",
            "The last month must not be before the first.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<Vec<String>, FieldError>) -> String {
        r.err().map(|e| e.field).unwrap_or_default()
    }

    #[test]
    fn a_range_is_checked_field_by_field() {
        assert_eq!(
            parse_range(Some(" 2026-11 "), Some("2027-01")).ok(),
            Some(vec!["2026-11".into(), "2026-12".into(), "2027-01".into()])
        );
        assert_eq!(field(parse_range(None, Some("2026-11"))), "from");
        assert_eq!(field(parse_range(Some("2026-11"), Some("2026-13"))), "to");
        assert_eq!(field(parse_range(Some("2026-11"), Some("2026-10"))), "to");
        assert_eq!(field(parse_range(Some("2020-01"), Some("2026-10"))), "from");
        assert_eq!(
            parse_period("period", Some("")).err().map(|e| e.field),
            Some("period".to_owned())
        );
    }
}
