//! The referral lifecycle as a state machine: who may move a referral from
//! which state to which, what changes, and the event it raises. Plain
//! functions over plain values; the handlers only load, call and store.
//!
//! ```text
//! draft → submitted → triaged → shared → accepted → in progress → closed
//!                                  ↑  ↘ declined ─┘(shared again)
//! any open state → withdrawn
//! ```

use crate::access::{Denied, RAISERS};
use chrono::{DateTime, Utc};
use eip_types::events::ReferralEvent;
use eip_types::referral::{
    AceBand, FOLLOW_UP_MONTHS, Referral, ReferralStatus, RetentionPeriods, Transition, ace_count,
};
use eip_types::{Principal, Role};

use ReferralStatus as S;

fn coordinator_of_area(p: &Principal, r: &Referral) -> bool {
    p.has_role(Role::Coordinator) && p.works_in(&r.area_id)
}

fn member_of_receiving_agency(p: &Principal, r: &Referral) -> bool {
    p.has_role(Role::Partner) && p.agency.is_some() && p.agency == r.agency_id
}

/// Who may take a step, given their roles and relation to the referral.
fn actor_allowed(p: &Principal, r: &Referral, t: &Transition) -> Result<(), Denied> {
    let (roles, related): (&[Role], bool) = match t {
        Transition::Submit {} => (
            &RAISERS,
            p.has_any_role(&RAISERS) && (r.created_by == p.user_id || p.works_in(&r.area_id)),
        ),
        Transition::Triage { .. } | Transition::Share { .. } => {
            (&[Role::Coordinator], coordinator_of_area(p, r))
        }
        Transition::Accept {} | Transition::Decline { .. } | Transition::Start {} => {
            (&[Role::Partner], member_of_receiving_agency(p, r))
        }
        Transition::Close { .. } | Transition::FollowUp { .. } => (
            &[Role::Partner, Role::Coordinator],
            member_of_receiving_agency(p, r) || coordinator_of_area(p, r),
        ),
        Transition::Withdraw { .. } => (
            &RAISERS,
            coordinator_of_area(p, r) || (p.has_role(Role::Frontline) && r.created_by == p.user_id),
        ),
    };
    if !p.has_any_role(roles) {
        Err(Denied::Role)
    } else if !related {
        Err(Denied::Area)
    } else {
        Ok(())
    }
}

/// The state `t` leads to from `r`'s, or why `p` may not take it now.
pub fn next_status(p: &Principal, r: &Referral, t: &Transition) -> Result<ReferralStatus, Denied> {
    actor_allowed(p, r, t)?;
    let (from, to, refusal): (&[ReferralStatus], ReferralStatus, &'static str) = match t {
        Transition::Submit {} => (&[S::Draft], S::Submitted, "Only a draft can be submitted."),
        Transition::Triage { .. } => (
            &[S::Submitted],
            S::Triaged,
            "Only a submitted referral can be triaged.",
        ),
        Transition::Share { .. } => (
            &[S::Triaged, S::Declined],
            S::Shared,
            "Only a triaged or declined referral can be shared.",
        ),
        Transition::Accept {} => (
            &[S::Shared],
            S::Accepted,
            "Only a shared referral can be accepted.",
        ),
        Transition::Decline { .. } => (
            &[S::Shared],
            S::Declined,
            "Only a shared referral can be declined.",
        ),
        Transition::Start {} => (
            &[S::Accepted],
            S::InProgress,
            "Work starts on an accepted referral.",
        ),
        Transition::Close { .. } => (
            &[S::InProgress],
            S::Closed,
            "Only a referral in progress can be closed.",
        ),
        Transition::FollowUp { .. } if r.follow_up.is_some() => {
            return Err(Denied::State("The follow-up check was already recorded."));
        }
        Transition::FollowUp { .. }
            if r.follow_up_due_on
                .is_some_and(|due| due > Utc::now().date_naive()) =>
        {
            return Err(Denied::State(
                "The follow-up check falls due six months after closure.",
            ));
        }
        Transition::FollowUp { .. } => (
            &[S::Closed],
            S::Closed,
            "Only a closed referral is followed up.",
        ),
        Transition::Withdraw { .. } if !coordinator_of_area(p, r) => (
            &[S::Draft, S::Submitted],
            S::Withdrawn,
            "Once triaged, only a coordinator can withdraw a referral.",
        ),
        Transition::Withdraw { .. } => (
            &[
                S::Draft,
                S::Submitted,
                S::Triaged,
                S::Shared,
                S::Accepted,
                S::Declined,
                S::InProgress,
            ],
            S::Withdrawn,
            "A closed or withdrawn referral cannot be withdrawn.",
        ),
    };
    if from.contains(&r.status) {
        Ok(to)
    } else {
        Err(Denied::State(refusal))
    }
}

/// The steps `p` may take on `r` now, by name.
pub fn allowed_actions(p: &Principal, r: &Referral) -> Vec<String> {
    use eip_types::referral::{FollowUpResult, Outcome, Pathway, Priority};
    let candidates = [
        Transition::Submit {},
        Transition::Triage {
            priority: Priority::Routine,
            pathway: Pathway::EarlyHelp,
        },
        Transition::share_with_consent("", ""),
        Transition::Accept {},
        Transition::Decline {
            reason: String::new(),
        },
        Transition::Start {},
        Transition::Close {
            outcome: Outcome::SupportCompleted,
        },
        Transition::Withdraw {
            reason: String::new(),
        },
        Transition::FollowUp {
            result: FollowUpResult::Sustained,
        },
    ];
    candidates
        .iter()
        .filter(|t| next_status(p, r, t).is_ok())
        .map(|t| t.name().to_owned())
        .collect()
}

/// The referral after `t`, taken at `now` (the version is the store's job).
pub fn apply(
    r: &Referral,
    to: ReferralStatus,
    t: &Transition,
    now: DateTime<Utc>,
    periods: &RetentionPeriods,
) -> Referral {
    let mut next = r.clone();
    next.status = to;
    next.review_on = Some(crate::retention::review_on(
        periods,
        to,
        None,
        now.date_naive(),
    ));
    match t {
        Transition::Submit {} => next.submitted_at = Some(now),
        Transition::Triage { priority, pathway } => {
            next.priority = Some(*priority);
            next.pathway = Some(*pathway);
            next.triaged_at = Some(now);
        }
        Transition::Share { agency_id, .. } => {
            next.agency_id = Some(agency_id.trim().to_owned());
            next.shared_at = Some(now);
            next.accepted_at = None;
        }
        Transition::Accept {} => next.accepted_at = Some(now),
        Transition::Close { outcome } => {
            next.outcome = Some(*outcome);
            next.closed_at = Some(now);
            next.follow_up_due_on = now
                .date_naive()
                .checked_add_months(chrono::Months::new(FOLLOW_UP_MONTHS));
            next.review_on = Some(crate::retention::review_on(
                periods,
                to,
                Some(*outcome),
                now.date_naive(),
            ));
        }
        Transition::Withdraw { .. } => next.closed_at = Some(now),
        Transition::FollowUp { result } => {
            next.follow_up = Some(*result);
            next.followed_up_at = Some(now);
            // Retention runs from closure, not from the follow-up.
            next.review_on = r.review_on;
        }
        Transition::Decline { .. } | Transition::Start {} => {}
    }
    next
}

/// The event a step raises: ids, area, categories and times only.
pub fn event(after: &Referral, t: &Transition, now: DateTime<Utc>) -> ReferralEvent {
    let referral_id = after.id.clone();
    let area_id = after.area_id.clone();
    let agency_id = after.agency_id.clone().unwrap_or_default();
    let pathway = after.pathway;
    let ace_band = Some(AceBand::of(ace_count(&after.risk_factors)));
    match t {
        Transition::Submit {} => ReferralEvent::Submitted {
            referral_id,
            area_id,
            submitted_on: now.date_naive(),
            ace_band,
            person_ref: after.person_id.clone(),
        },
        Transition::Triage { priority, pathway } => ReferralEvent::Triaged {
            referral_id,
            area_id,
            priority: *priority,
            pathway: *pathway,
            ace_band,
            at: now,
        },
        Transition::Share { .. } => ReferralEvent::Shared {
            referral_id,
            area_id,
            agency_id,
            pathway,
            ace_band,
            at: now,
        },
        Transition::Accept {} => ReferralEvent::Accepted {
            referral_id,
            area_id,
            agency_id,
            pathway,
            ace_band,
            at: now,
        },
        Transition::Decline { .. } => ReferralEvent::Declined {
            referral_id,
            area_id,
            agency_id,
            pathway,
            ace_band,
            at: now,
        },
        Transition::Start {} => ReferralEvent::Started {
            referral_id,
            area_id,
            agency_id,
            at: now,
        },
        Transition::Close { outcome } => ReferralEvent::Closed {
            referral_id,
            area_id,
            agency_id: after.agency_id.clone(),
            outcome: *outcome,
            pathway,
            ace_band,
            at: now,
        },
        Transition::Withdraw { .. } => ReferralEvent::Withdrawn {
            referral_id,
            area_id,
            at: now,
        },
        Transition::FollowUp { result } => ReferralEvent::FollowedUp {
            referral_id,
            area_id,
            agency_id: after.agency_id.clone(),
            pathway,
            ace_band,
            outcome: after.outcome,
            result: *result,
            closed_at: after.closed_at,
            at: now,
        },
    }
}

/// The reason a user typed for this step, kept in the timeline only.
pub fn note(t: &Transition) -> Option<String> {
    match t {
        Transition::Decline { reason } | Transition::Withdraw { reason } => {
            Some(reason.trim().to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::referral::{FollowUpResult, Outcome, Pathway, Priority};
    use proptest::prelude::*;

    fn who(id: &str, role: Role, area: &str, agency: Option<&str>) -> Principal {
        Principal {
            user_id: id.into(),
            roles: vec![role],
            areas: vec![area.into()],
            agency: agency.map(Into::into),
        }
    }

    /// Everyone who might try something: the raising officer, a colleague in
    /// the area, the area's and another area's coordinator, the receiving and
    /// another agency, and roles that never act on referrals.
    fn cast() -> Vec<Principal> {
        vec![
            who("officer", Role::Frontline, "hull", None),
            who("colleague", Role::Frontline, "hull", None),
            who("coordinator", Role::Coordinator, "hull", None),
            who("far-coordinator", Role::Coordinator, "east-riding", None),
            who("cfs-worker", Role::Partner, "hull", Some("cfs")),
            who("school-worker", Role::Partner, "hull", Some("schools")),
            who("board", Role::Board, "hull", None),
            who("admin", Role::Admin, "hull", None),
        ]
    }

    fn draft() -> Referral {
        crate::fixtures::referral("hull", "officer", S::Draft)
    }

    fn transitions() -> Vec<Transition> {
        vec![
            Transition::Submit {},
            Transition::Triage {
                priority: Priority::High,
                pathway: Pathway::EarlyHelp,
            },
            Transition::share_with_consent("cfs", "isa"),
            Transition::share_with_consent("schools", "isa"),
            Transition::Accept {},
            Transition::Decline {
                reason: "full".into(),
            },
            Transition::Start {},
            Transition::Close {
                outcome: Outcome::SupportCompleted,
            },
            Transition::Withdraw {
                reason: "moved away".into(),
            },
            Transition::FollowUp {
                result: FollowUpResult::Sustained,
            },
        ]
    }

    /// Steps are taken a year ago, so a follow-up is already due.
    fn step(r: &Referral, p: &Principal, t: &Transition) -> Result<Referral, Denied> {
        let then = Utc::now() - chrono::Duration::days(365);
        next_status(p, r, t).map(|to| apply(r, to, t, then, &RetentionPeriods::default()))
    }

    #[test]
    fn the_happy_path_runs_from_draft_to_closed() {
        let c = cast();
        let (officer, coordinator, cfs) = (&c[0], &c[2], &c[4]);
        let mut r = draft();
        for (p, t, want) in [
            (officer, Transition::Submit {}, S::Submitted),
            (
                coordinator,
                Transition::Triage {
                    priority: Priority::Urgent,
                    pathway: Pathway::Safeguarding,
                },
                S::Triaged,
            ),
            (
                coordinator,
                Transition::share_with_consent("cfs", "isa"),
                S::Shared,
            ),
            (cfs, Transition::Accept {}, S::Accepted),
            (cfs, Transition::Start {}, S::InProgress),
            (
                cfs,
                Transition::Close {
                    outcome: Outcome::PartlyMet,
                },
                S::Closed,
            ),
        ] {
            r = step(&r, p, &t).unwrap_or_else(|d| panic!("{} refused: {d:?}", t.name()));
            assert_eq!(r.status, want);
        }
        assert_eq!(r.outcome, Some(Outcome::PartlyMet));
        assert_eq!(r.priority, Some(Priority::Urgent));
    }

    #[test]
    fn each_user_is_offered_the_steps_they_may_take() {
        let c = cast();
        let submitted = step(&draft(), &c[0], &Transition::Submit {}).expect("submits");
        assert_eq!(allowed_actions(&c[0], &submitted), ["withdraw"]);
        assert_eq!(allowed_actions(&c[2], &submitted), ["triage", "withdraw"]);
        assert!(allowed_actions(&c[3], &submitted).is_empty());
        assert!(allowed_actions(&c[6], &submitted).is_empty());
    }

    #[test]
    fn refusals_say_whether_role_relation_or_state_is_wrong() {
        let c = cast();
        let submitted = step(&draft(), &c[0], &Transition::Submit {}).expect("submits");
        let triage = Transition::Triage {
            priority: Priority::Routine,
            pathway: Pathway::Programme,
        };
        assert_eq!(next_status(&c[0], &submitted, &triage), Err(Denied::Role));
        assert_eq!(next_status(&c[3], &submitted, &triage), Err(Denied::Area));
        assert!(matches!(
            next_status(
                &c[2],
                &submitted,
                &Transition::share_with_consent("cfs", "isa")
            ),
            Err(Denied::State(_))
        ));
        // The officer may withdraw their own submitted referral, not once triaged.
        let withdraw = Transition::Withdraw { reason: "x".into() };
        assert_eq!(next_status(&c[0], &submitted, &withdraw), Ok(S::Withdrawn));
        let triaged = step(&submitted, &c[2], &triage).expect("triages");
        assert!(matches!(
            next_status(&c[0], &triaged, &withdraw),
            Err(Denied::State(_))
        ));
        // Only the agency it was shared with may accept.
        let shared = step(
            &triaged,
            &c[2],
            &Transition::share_with_consent("cfs", "isa"),
        )
        .expect("shares");
        assert_eq!(
            next_status(&c[5], &shared, &Transition::Accept {}),
            Err(Denied::Area)
        );
        assert_eq!(
            next_status(&c[4], &shared, &Transition::Accept {}),
            Ok(S::Accepted)
        );
    }

    /// The edges the lifecycle allows; anything else is a bug.
    fn legal(from: S, to: S) -> bool {
        matches!(
            (from, to),
            (S::Draft, S::Submitted)
                | (S::Submitted, S::Triaged)
                | (S::Triaged | S::Declined, S::Shared)
                | (S::Shared, S::Accepted | S::Declined)
                | (S::Accepted, S::InProgress)
                | (S::InProgress, S::Closed)
                | (S::Closed, S::Closed)
        ) || (to == S::Withdrawn && !from.is_final())
    }

    proptest! {
        /// Random steps by random people never reach an illegal state, never
        /// move a closed or withdrawn referral, and every step taken raises
        /// exactly one event of its kind.
        #[test]
        fn random_steps_stay_within_the_lifecycle(
            steps in prop::collection::vec((0usize..8, 0usize..10), 0..60)
        ) {
            let cast = cast();
            let transitions = transitions();
            let mut r = draft();
            let mut events = Vec::new();
            let mut taken = 0;
            for (who, what) in steps {
                let t = &transitions[what];
                let before = r.status;
                let followed_up = r.follow_up.is_some();
                match step(&r, &cast[who], t) {
                    Ok(after) => {
                        prop_assert!(legal(before, after.status), "{before:?} -> {:?}", after.status);
                        // A closed referral changes only by its one follow-up.
                        if before == S::Closed {
                            prop_assert!(!followed_up && after.follow_up.is_some());
                            prop_assert_eq!(after.outcome, r.outcome);
                        }
                        events.push(event(&after, t, Utc::now()));
                        taken += 1;
                        r = after;
                    }
                    Err(_) => prop_assert_eq!(r.status, before),
                }
                if before.is_final() {
                    prop_assert_eq!(r.status, before);
                }
            }
            prop_assert_eq!(events.len(), taken);
            for e in &events {
                let text = e.payload().to_string();
                prop_assert!(!text.contains("moved away") && !text.contains("full"), "{text}");
            }
        }
    }
}
