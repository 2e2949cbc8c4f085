//! Places: local authority areas and the wards inside them. The strategy's
//! five priority areas are wards flagged `priority`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    LocalAuthority,
    Ward,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 2] = [PlaceKind::LocalAuthority, PlaceKind::Ward];

    /// The name used on the wire and in storage, such as `local_authority`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::LocalAuthority => "local_authority",
            PlaceKind::Ward => "ward",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the kind is named to a person.
    pub fn label(self) -> &'static str {
        match self {
            PlaceKind::LocalAuthority => "Local authority area",
            PlaceKind::Ward => "Ward",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    /// A stable slug such as `hull` or `west-marsh`.
    pub id: String,
    pub name: String,
    pub kind: PlaceKind,
    /// The local authority a ward lies in.
    pub parent_id: Option<String>,
    /// The ward's code in the imported reference data (an ONS code such as
    /// `E05001234` for real wards).
    #[serde(default)]
    pub code: Option<String>,
    /// One of the strategy's priority areas.
    #[serde(default)]
    pub priority: bool,
    /// Demonstration data, not a real ward: shown as such wherever listed.
    #[serde(default)]
    pub demo: bool,
}

/// The four local authority areas, in display order: `(id, name)`.
/// Services that name an area validate it against this list.
pub const LOCAL_AUTHORITIES: [(&str, &str); 4] = [
    ("hull", "Hull"),
    ("east-riding", "East Riding"),
    ("north-lincolnshire", "North Lincolnshire"),
    ("north-east-lincolnshire", "North East Lincolnshire"),
];

/// The strategy's five priority areas, each a ward: `(id, name, authority)`.
pub const PRIORITY_WARDS: [(&str, &str, &str); 5] = [
    ("west-marsh", "West Marsh", "north-east-lincolnshire"),
    ("east-marsh", "East Marsh", "north-east-lincolnshire"),
    ("town", "Town", "north-lincolnshire"),
    ("bridlington-south", "Bridlington South", "east-riding"),
    ("myton", "Myton", "hull"),
];

pub fn local_authority_name(id: &str) -> Option<&'static str> {
    LOCAL_AUTHORITIES
        .iter()
        .find(|(a, _)| *a == id)
        .map(|(_, name)| *name)
}

/// Finds a local authority by its id or its name, in any case: ward
/// reference files name the authority either way.
pub fn local_authority_id(id_or_name: &str) -> Option<&'static str> {
    let wanted = id_or_name.trim();
    LOCAL_AUTHORITIES
        .iter()
        .find(|(id, name)| id.eq_ignore_ascii_case(wanted) || name.eq_ignore_ascii_case(wanted))
        .map(|(id, _)| *id)
}

/// The slug a place name becomes: lower case, runs of anything but letters
/// and digits turned into one hyphen.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_kinds_round_trip_through_their_names() {
        for kind in PlaceKind::ALL {
            assert_eq!(PlaceKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(PlaceKind::parse("priority_area"), None);
    }

    #[test]
    fn authorities_are_found_by_id_or_name() {
        assert_eq!(local_authority_id("Hull"), Some("hull"));
        assert_eq!(
            local_authority_id(" north east lincolnshire "),
            Some("north-east-lincolnshire")
        );
        assert_eq!(local_authority_id("east-riding"), Some("east-riding"));
        assert_eq!(local_authority_id("Lincoln"), None);
    }

    #[test]
    fn slugs_are_stable_and_tidy() {
        assert_eq!(slug("West Marsh"), "west-marsh");
        assert_eq!(slug("  St. Andrew's & Docks "), "st-andrew-s-docks");
        assert_eq!(slug("Bridlington South"), "bridlington-south");
        assert_eq!(slug("***"), "");
    }
}
