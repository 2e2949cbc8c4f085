//! Person records: who referrals are about and who may see or merge them.
//! Duplicate candidates are scored in [`crate::matching`]; the records,
//! their links and merges are kept by `store::people`.

use chrono::NaiveDate;
use eip_types::person::{Gender, Person, Relationship};
use eip_types::{Principal, Role};

/// What a new person record holds.
#[derive(Debug, Clone)]
pub struct NewPerson<'a> {
    pub name: &'a str,
    pub date_of_birth: NaiveDate,
    pub gender: Option<Gender>,
    pub area_id: &'a str,
    pub school: Option<&'a str>,
}

/// Splits a name as typed into given and family names: the last word is
/// the family name.
pub fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.rsplit_once(char::is_whitespace) {
        Some((given, family)) => (given.trim().to_owned(), family.trim().to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

/// Who may see a person record: raisers in the person's area, or who made
/// it. Administrators do no casework and see no one; partners, board
/// members and others see people only through the referrals shared with
/// them.
pub fn may_view(p: &Principal, person: &Person, created_by: &str) -> bool {
    p.has_any_role(&crate::access::RAISERS)
        && (p.works_in(&person.area_id) || p.user_id == created_by)
}

/// Merging: a coordinator of both records' areas.
pub fn may_merge(p: &Principal, kept: &Person, duplicate: &Person) -> bool {
    p.has_role(Role::Coordinator) && p.works_in(&kept.area_id) && p.works_in(&duplicate.area_id)
}

/// How a link reads back from the related person: a sibling's is a
/// sibling; anyone else's (a parent of a child, say) reads back as the
/// child being their household member.
pub fn reciprocal(relationship: Relationship) -> Relationship {
    match relationship {
        Relationship::Sibling => relationship,
        _ => Relationship::HouseholdMember,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_word_is_the_family_name() {
        assert_eq!(
            split_name(" Sam  Example "),
            ("Sam".into(), "Example".into())
        );
        assert_eq!(
            split_name("Mary Jane Watson"),
            ("Mary Jane".into(), "Watson".into())
        );
        assert_eq!(split_name("Cher"), ("Cher".into(), String::new()));
    }

    #[test]
    fn administrators_and_partners_see_no_person_records() {
        let person = Person {
            id: "p".into(),
            given_name: "Sam".into(),
            family_name: "Example".into(),
            date_of_birth: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default(),
            gender: None,
            area_id: "hull".into(),
            ward: None,
            school: None,
            merged_into: None,
            created_at: chrono::Utc::now(),
        };
        let who = |role: Role| Principal {
            user_id: "u".into(),
            roles: vec![role],
            areas: vec!["hull".into()],
            agency: None,
        };
        assert!(may_view(&who(Role::Frontline), &person, "someone"));
        assert!(may_view(&who(Role::Coordinator), &person, "someone"));
        for role in [Role::Admin, Role::Dpo, Role::Partner, Role::Board] {
            assert!(!may_view(&who(role), &person, "u"), "{role}");
        }
    }

    #[test]
    fn a_link_reads_back_as_a_sibling_or_a_household_member() {
        assert_eq!(reciprocal(Relationship::Sibling), Relationship::Sibling);
        for r in [
            Relationship::Parent,
            Relationship::Carer,
            Relationship::HouseholdMember,
        ] {
            assert_eq!(reciprocal(r), Relationship::HouseholdMember);
        }
    }
}
