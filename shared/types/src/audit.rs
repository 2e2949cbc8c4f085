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
