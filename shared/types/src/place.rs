//! Places: local authority areas and the strategy's priority areas.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    LocalAuthority,
    PriorityArea,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 2] = [PlaceKind::LocalAuthority, PlaceKind::PriorityArea];

    /// The name used on the wire and in storage, such as `local_authority`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::LocalAuthority => "local_authority",
            PlaceKind::PriorityArea => "priority_area",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the kind is named to a person.
    pub fn label(self) -> &'static str {
        match self {
            PlaceKind::LocalAuthority => "Local authority area",
            PlaceKind::PriorityArea => "Priority area",
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
    /// The local authority a priority area lies in.
    pub parent_id: Option<String>,
}

/// The four local authority areas, in display order: `(id, name)`.
/// Services that name an area validate it against this list.
pub const LOCAL_AUTHORITIES: [(&str, &str); 4] = [
    ("hull", "Hull"),
    ("east-riding", "East Riding"),
    ("north-lincolnshire", "North Lincolnshire"),
    ("north-east-lincolnshire", "North East Lincolnshire"),
];

pub fn local_authority_name(id: &str) -> Option<&'static str> {
    LOCAL_AUTHORITIES
        .iter()
        .find(|(a, _)| *a == id)
        .map(|(_, name)| *name)
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
        assert_eq!(PlaceKind::parse("ward"), None);
    }
}
