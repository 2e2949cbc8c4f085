//! Calls-for-service data and the analysis done on it: incident categories
//! after the National Standard for Incident Recording (NSIR), import jobs with
//! their per-row errors, and the demand figures the strategy asks for.
//!
//! No personal data: callers and addresses appear only as pseudonyms the force
//! makes before export (see [`Pseudonym`]).

use serde::{Deserialize, Serialize};

mod cases;
mod community;
mod directory;
mod repeat;

pub use cases::*;
pub use community::*;
pub use directory::*;
pub use repeat::*;

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
