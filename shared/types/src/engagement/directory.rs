//! The partner directory and the Early Intervention Hubs.

use super::*;

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
