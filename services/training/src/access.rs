//! Who sees whose training record. Plain functions over plain values.
//!
//! - Trainers and administrators: everyone.
//! - Line managers: their reports, direct and indirect.
//! - Everyone with a staff record: their own (partner staff only theirs).
//! - Board members: nothing here; they see coverage through governance.

use eip_types::training::Staff;
use eip_types::{Principal, Role};
use std::collections::{HashMap, HashSet};

/// Roles that see and record everyone's training, completions included.
pub const TRAINERS: [Role; 2] = [Role::Trainer, Role::Admin];

/// What part of the workforce a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    All,
    /// These staff ids only.
    Only(HashSet<String>),
}

impl View {
    pub fn includes(&self, staff_id: &str) -> bool {
        match self {
            View::All => true,
            View::Only(ids) => ids.contains(staff_id),
        }
    }
}

/// Everyone who reports to `manager_id`, directly or through others.
pub fn reports_of(all: &[Staff], manager_id: &str) -> HashSet<String> {
    let mut by_manager: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in all {
        if let Some(m) = s.manager_id.as_deref() {
            by_manager.entry(m).or_default().push(&s.id);
        }
    }
    let mut seen = HashSet::new();
    let mut queue = vec![manager_id];
    while let Some(next) = queue.pop() {
        for report in by_manager.get(next).into_iter().flatten() {
            if *report != manager_id && seen.insert((*report).to_owned()) {
                queue.push(report);
            }
        }
    }
    seen
}

/// The part of the workforce `who` (whose own staff record is `me`) sees.
pub fn view(who: &Principal, me: Option<&Staff>, all: &[Staff]) -> View {
    if who.has_any_role(&TRAINERS) {
        return View::All;
    }
    if who.has_role(Role::Board) {
        return View::Only(HashSet::new());
    }
    let Some(me) = me else {
        return View::Only(HashSet::new());
    };
    let mut ids = if who.has_role(Role::Partner) {
        HashSet::new()
    } else {
        reports_of(all, &me.id)
    };
    ids.insert(me.id.clone());
    View::Only(ids)
}

/// Whether `who` may see the skills matrix at all: trainers and
/// administrators, and line managers (their reports only).
pub fn sees_matrix(who: &Principal, view: &View) -> bool {
    match view {
        View::All => true,
        View::Only(ids) => !who.has_role(Role::Partner) && ids.len() > 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(id: &str, manager: Option<&str>) -> Staff {
        Staff {
            id: id.into(),
            staff_number: None,
            user_id: Some(format!("u-{id}")),
            name: id.into(),
            team: "t".into(),
            area: "hull".into(),
            role_id: "police-constable".into(),
            manager_id: manager.map(str::to_owned),
            agency: None,
        }
    }

    fn who(role: Role) -> Principal {
        Principal {
            user_id: "u".into(),
            roles: vec![role],
            areas: vec![],
            agency: None,
        }
    }

    #[test]
    fn managers_see_indirect_reports_and_nobody_else() {
        let all = [
            staff("inspector", None),
            staff("sergeant", Some("inspector")),
            staff("pc1", Some("sergeant")),
            staff("pc2", Some("sergeant")),
            staff("other", None),
        ];
        let mut r: Vec<String> = reports_of(&all, "inspector").into_iter().collect();
        r.sort();
        assert_eq!(r, ["pc1", "pc2", "sergeant"]);
        let v = view(&who(Role::Frontline), Some(&all[1]), &all);
        assert!(v.includes("pc1") && v.includes("sergeant") && !v.includes("inspector"));
        assert!(sees_matrix(&who(Role::Frontline), &v));
        let own = view(&who(Role::Frontline), Some(&all[2]), &all);
        assert!(own.includes("pc1") && !own.includes("pc2"));
        assert!(!sees_matrix(&who(Role::Frontline), &own));
    }

    #[test]
    fn each_role_sees_what_it_should() {
        let all = [staff("a", None), staff("b", Some("a"))];
        for role in Role::ALL {
            let v = view(&who(role), Some(&all[0]), &all);
            match role {
                Role::Trainer | Role::Admin => assert_eq!(v, View::All, "{role}"),
                Role::Board => assert!(!v.includes("a") && !v.includes("b"), "{role}"),
                Role::Partner => assert!(v.includes("a") && !v.includes("b"), "{role}"),
                _ => assert!(v.includes("a") && v.includes("b"), "{role}"),
            }
        }
        // Without a staff record, nothing.
        assert!(!view(&who(Role::Frontline), None, &all).includes("a"));
    }

    #[test]
    fn only_trainers_and_administrators_record() {
        for role in Role::ALL {
            assert_eq!(
                TRAINERS.contains(&role),
                matches!(role, Role::Trainer | Role::Admin),
                "{role}"
            );
        }
    }

    #[test]
    fn a_manager_cycle_does_not_loop() {
        let all = [staff("a", Some("b")), staff("b", Some("a"))];
        assert_eq!(reports_of(&all, "a").len(), 1);
    }
}
