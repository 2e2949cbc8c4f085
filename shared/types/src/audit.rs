//! The access log as the referrals service reports it: who consulted or was
//! sent a child's record, when, and why.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::referral::ReferralStatus;

/// One recorded access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The user's id.
    pub actor: String,
    /// `view`, `view_timeline`, `list`, `disclose`, `access_report`, …
    pub action: String,
    /// The record concerned; empty for a list, whose records are in `detail`.
    pub referral_id: String,
    /// What was disclosed to whom, or the records a list showed.
    pub detail: Option<String>,
    pub reason: String,
}

/// What checking the whole hash chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    pub intact: bool,
    /// Rows checked.
    pub checked: i64,
    /// The first row (by sequence number) where the chain breaks.
    pub broken_at: Option<i64>,
}

/// The data protection officer's one-page answer to "who has seen this
/// child's record, when and why".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessReport {
    pub referral_id: String,
    /// Empty, with the date of birth, for an administrator: they answer
    /// for the log, not for casework.
    pub child_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub area_id: String,
    pub status: ReferralStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Every access to the record, oldest first, lists included.
    pub entries: Vec<AccessEntry>,
    /// The whole log's chain, checked as the report was made.
    pub chain: Verification,
}

/// The request header that carries a reason for viewing a child's record
/// to the referrals service. A reason is never put in a URL, where browser
/// history and proxy logs would keep it; the header is percent-encoded
/// UTF-8 ([`encode_reason`]).
pub const VIEW_REASON_HEADER: &str = "eip-view-reason";

/// A reason as the header carries it: every byte outside the unreserved
/// URI characters percent-encoded, so any text fits a header value.
pub fn encode_reason(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    for b in reason.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The reason a header carries, or `None` when it is not well-formed
/// percent-encoded UTF-8.
pub fn decode_reason(header: &str) -> Option<String> {
    let bytes = header.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_survives_the_header_whatever_it_says() {
        for text in [
            "Welfare check tonight",
            "Safeguarding — child’s school called; 50% chance?",
            "line\nbreak & = + / %",
            "",
        ] {
            let encoded = encode_reason(text);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b' ' || b == b'%'),
                "{encoded}"
            );
            assert_eq!(decode_reason(&encoded).as_deref(), Some(text));
        }
    }

    #[test]
    fn a_malformed_header_is_refused_not_guessed() {
        assert_eq!(decode_reason("half%2"), None);
        assert_eq!(decode_reason("%zz"), None);
        assert_eq!(decode_reason("%FF%FE"), None);
    }
}
