//! Import jobs: who may run which kind, and what a job must say of itself
//! before its file arrives (see `jobs::import` for the pipeline).

use eip_types::engagement::ImportKind;
use eip_types::{FieldError, Principal, Role};

/// Who may run which kind of import: administrators manage reference data,
/// analysts load demand data.
pub fn may_import(p: &Principal, kind: ImportKind) -> bool {
    if kind.is_reference_data() {
        p.has_role(Role::Admin)
    } else {
        p.has_role(Role::Analyst)
    }
}

/// Checks the lookup version a new job names (trimmed), as far as it can be
/// without the versions on record: a street-level crime import's must also
/// name one imported already.
pub fn lookup_version_problem(kind: ImportKind, version: Option<&str>) -> Option<FieldError> {
    let problem = |message: &str| Some(FieldError::new("lookup_version", message));
    match (kind, version) {
        (ImportKind::AreaLookup, None | Some("")) => {
            problem("Give the version these rows are recorded under, such as 2021-census.")
        }
        (ImportKind::AreaLookup, Some(v)) if v.len() > 40 => {
            problem("Keep the version to 40 characters.")
        }
        (ImportKind::Wards | ImportKind::Incidents, Some(_)) => {
            problem("Only area lookups and street-level crime imports take a lookup version.")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lookups_and_street_crime_take_a_version() {
        let field = |kind, version| lookup_version_problem(kind, version).map(|e| e.field);
        assert_eq!(
            field(ImportKind::AreaLookup, None).as_deref(),
            Some("lookup_version")
        );
        assert!(lookup_version_problem(ImportKind::AreaLookup, Some("")).is_some());
        assert!(lookup_version_problem(ImportKind::AreaLookup, Some(&"x".repeat(41))).is_some());
        assert!(lookup_version_problem(ImportKind::AreaLookup, Some("2021-census")).is_none());
        assert!(lookup_version_problem(ImportKind::StreetCrime, Some("2021-census")).is_none());
        assert!(lookup_version_problem(ImportKind::StreetCrime, None).is_none());
        assert!(lookup_version_problem(ImportKind::Incidents, Some("2021-census")).is_some());
        assert!(lookup_version_problem(ImportKind::Wards, None).is_none());
    }
}
