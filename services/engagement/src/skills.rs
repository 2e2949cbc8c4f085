//! Skills that unlock work in engagement: the actions an administrator may
//! gate on a current competency (see `eip-skills`).

use eip_skills::Action;
use eip_types::engagement::CaseResponse;

/// Recording a restorative outcome on a problem-solving response.
pub const RESTORATIVE_OUTCOME: &str = "case.restorative_outcome";

pub const ACTIONS: &[Action] = &[Action {
    id: RESTORATIVE_OUTCOME,
    label: "Recording a restorative outcome on a problem-solving response",
}];

fn outcome(r: &CaseResponse) -> Option<&str> {
    r.restorative_outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
}

/// Whether `new` records a restorative outcome that `old` did not hold for
/// the same action: editing the rest of a plan whose outcome was recorded
/// earlier is not gated.
pub fn records_restorative_outcome(old: &[CaseResponse], new: &[CaseResponse]) -> bool {
    new.iter()
        .filter_map(|r| outcome(r).map(|o| (r, o)))
        .any(|(r, o)| {
            !old.iter()
                .any(|before| before.action == r.action && outcome(before) == Some(o))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(action: &str, outcome: Option<&str>) -> CaseResponse {
        CaseResponse {
            action: action.into(),
            owner: "PCSO".into(),
            partner_agencies: vec![],
            due_on: "2026-10-01".into(),
            done_on: None,
            restorative_outcome: outcome.map(Into::into),
        }
    }

    #[test]
    fn only_a_new_or_changed_outcome_is_gated() {
        let conference = response("Restorative conference", Some("Apology and repair agreed"));
        let plain = response("Repair the CCTV", None);
        assert!(records_restorative_outcome(
            &[],
            std::slice::from_ref(&conference)
        ));
        assert!(!records_restorative_outcome(
            &[],
            std::slice::from_ref(&plain)
        ));
        assert!(!records_restorative_outcome(
            std::slice::from_ref(&conference),
            &[conference.clone(), plain.clone()]
        ));
        let changed = response("Restorative conference", Some("No agreement"));
        assert!(records_restorative_outcome(
            std::slice::from_ref(&conference),
            &[changed]
        ));
        let blank = response("Restorative conference", Some("  "));
        assert!(!records_restorative_outcome(&[], &[blank]));
    }
}
