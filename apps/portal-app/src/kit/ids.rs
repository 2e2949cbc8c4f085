//! The ids the portal puts into a service's path, one check per kind. An
//! id from a URL or a form is checked before use; anything else is not a
//! record of that kind.

use std::fmt;

macro_rules! checked_id {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The id, if `raw` has this kind's form.
            pub fn parse(raw: &str) -> Option<Self> {
                let check: fn(&str) -> bool = $check;
                check(raw).then(|| Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

checked_id!(
    /// A referral's or a person's reference: a UUID's hex digits and hyphens.
    Reference,
    eip_types::referral::is_reference
);

checked_id!(
    /// A record id a service made as a UUID (report packs).
    Uuid,
    |raw| uuid_like(raw)
);

checked_id!(
    /// A slug of lower-case letters, digits and hyphens: agencies,
    /// agreements, boards and measures.
    Slug,
    |raw| within(raw, 80, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
);

checked_id!(
    /// A record id of letters, digits, hyphens and underscores: training
    /// staff and sessions, places, cases, priorities, flags, rules and
    /// directory entries.
    RecordId,
    |raw| within(raw, 80, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
);

checked_id!(
    /// A gated action's id, such as `referral.triage`: dotted words.
    ActionId,
    |raw| within(raw, 80, |c| c.is_ascii_lowercase() || c == '.' || c == '_')
        && raw.split('.').all(|word| !word.is_empty())
);

/// Non-empty, at most `max` characters, each allowed.
fn within(raw: &str, max: usize, allowed: fn(char) -> bool) -> bool {
    !raw.is_empty() && raw.len() <= max && raw.chars().all(allowed)
}

/// The hyphenated form: 8-4-4-4-12 hex digits.
fn uuid_like(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_takes_its_own_form_only() {
        let uuid = "0b7c3a52-9f3e-4c1a-8d2e-6f1a2b3c4d5e";
        assert!(Reference::parse(uuid).is_some());
        assert!(Reference::parse("0000-0000").is_some());
        assert!(Reference::parse("not-hex").is_none());
        assert!(Uuid::parse(uuid).is_some());
        assert!(Uuid::parse("0000-0000").is_none());
        assert!(Uuid::parse(&uuid.replace('b', "g")).is_none());
        assert!(Slug::parse("isa-rock-challenge-2023").is_some());
        assert!(Slug::parse("Rock").is_none());
        assert!(RecordId::parse("demo-staff-01").is_some());
        assert!(RecordId::parse("svc_old_Club").is_some());
        assert!(ActionId::parse("referral.triage").is_some());
        assert!(ActionId::parse("referral-triage").is_none());
    }

    #[test]
    fn nothing_that_could_leave_a_path_segment_passes() {
        for raw in [
            "",
            "a/b",
            "..",
            "a.b/../c",
            "a?b=c",
            "a b",
            "é",
            &"a".repeat(81),
        ] {
            assert!(Reference::parse(raw).is_none(), "{raw:?}");
            assert!(Uuid::parse(raw).is_none(), "{raw:?}");
            assert!(Slug::parse(raw).is_none(), "{raw:?}");
            assert!(RecordId::parse(raw).is_none(), "{raw:?}");
        }
        for raw in ["", "a/b", "..", "referral..triage", ".triage", "referral."] {
            assert!(ActionId::parse(raw).is_none(), "{raw:?}");
        }
    }

    #[test]
    fn an_id_reads_back_as_given() {
        let id = RecordId::parse("myton").expect("a place id");
        assert_eq!(id.as_str(), "myton");
        assert_eq!(id.to_string(), "myton");
        assert_eq!(format!("/places/{id}"), "/places/myton");
    }
}
