//! The event kinds governance reads and the facts each one contributes.
//!
//! Almost every event becomes at most one fact: a count of one in a cell
//! keyed by source, kind, area, month and category, optionally with the time
//! elapsed since the referral was submitted. A few sources publish a level
//! rather than an occurrence (the calls on record for a ward and month): such
//! a fact replaces the level it last set, so the cell holds the sum of the
//! latest levels. The repeat-demand aggregate carries two levels (subjects
//! flagged and repeat incidents) and so becomes two facts of two kinds. Measures are formulas over these cells, so a new measure
//! over existing events is data, not code.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use eip_types::engagement::AssessmentResult;
use eip_types::events::{EngagementEvent, EventEnvelope, ReferralEvent, TrainingEvent};
use eip_types::governance::EventKindInfo;

/// One event's contribution to the fact table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub source: &'static str,
    pub kind: &'static str,
    /// Empty for events that carry no area.
    pub area_id: String,
    /// `YYYY-MM`.
    pub period: String,
    /// Empty when the kind has no category.
    pub category: String,
    /// What else the event does to the case clock.
    pub clock: Clock,
    /// What the fact adds to its cell.
    pub count: Count,
}

/// What a fact adds to its cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    /// One occurrence.
    One,
    /// The latest level for `key` (a ward, month and category, say): the
    /// cell moves by the difference from the level `key` last set.
    Level { key: String, value: i64 },
}

/// The per-referral state needed to time a step from submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clock {
    None,
    /// Start timing the referral from this day.
    Start {
        case: String,
        on: NaiveDate,
    },
    /// Record the time since the start against this fact.
    Lap {
        case: String,
        at: DateTime<Utc>,
    },
    /// Record the time since the start, then forget the referral.
    Stop {
        case: String,
        at: DateTime<Utc>,
    },
}

pub fn period_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

struct KindSpec {
    kind: &'static str,
    source: &'static str,
    has_area: bool,
    has_duration: bool,
    category: Option<&'static str>,
}

const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "referral.submitted",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("ACE band (none, one to three, four or more, unknown)"),
    },
    KindSpec {
        kind: "referral.triaged",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: true,
        category: Some("pathway chosen at triage"),
    },
    KindSpec {
        kind: "referral.shared",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("receiving agency"),
    },
    KindSpec {
        kind: "referral.accepted",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("receiving agency"),
    },
    KindSpec {
        kind: "referral.declined",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("receiving agency"),
    },
    KindSpec {
        kind: "referral.started",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("receiving agency"),
    },
    KindSpec {
        kind: "referral.closed",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: true,
        category: Some("closure outcome"),
    },
    KindSpec {
        kind: "referral.followed_up",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("follow-up result (sustained, not sustained, unknown)"),
    },
    KindSpec {
        kind: "referral.withdrawn",
        source: ReferralEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: None,
    },
    KindSpec {
        kind: "engagement.demand_recorded",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("NSIR category of the calls for service (a count of calls, not of events)"),
    },
    KindSpec {
        kind: "engagement.repeat_flagged",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some(
            "preset repeat-demand rule (more-than-5-in-30-days, more-than-20-in-365-days, \
             asb-case-review): callers, addresses or wards that met it on a day in the month, \
             each once, in its busiest ward (a count of subjects, not of events)",
        ),
    },
    KindSpec {
        kind: "engagement.repeat_incidents",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some(
            "preset repeat-demand rule: incidents opened on a day their subject met it \
             (a count of incidents, not of events)",
        ),
    },
    KindSpec {
        kind: "engagement.held",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("groups reached (seldom_heard, general)"),
    },
    KindSpec {
        kind: "engagement.priority_agreed",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: None,
    },
    KindSpec {
        kind: "engagement.priority_resolved",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: None,
    },
    KindSpec {
        kind: "engagement.case_opened",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("how it was opened (repeat_demand_flag, direct)"),
    },
    KindSpec {
        kind: "engagement.case_closed",
        source: EngagementEvent::SOURCE,
        has_area: true,
        has_duration: false,
        category: Some("assessment of demand after the work (reduced, no_change, increased)"),
    },
    KindSpec {
        kind: "training.completion_recorded",
        source: TrainingEvent::SOURCE,
        has_area: false,
        has_duration: false,
        category: Some("competency"),
    },
];

/// The event kinds a measure may be computed from.
pub fn known_kinds() -> Vec<EventKindInfo> {
    KINDS
        .iter()
        .map(|k| EventKindInfo {
            kind: k.kind.into(),
            source: k.source.into(),
            has_area: k.has_area,
            has_duration: k.has_duration,
            category: k.category.map(Into::into),
        })
        .collect()
}

/// The names of the event kinds a measure may be computed from.
pub fn kind_names() -> Vec<String> {
    KINDS.iter().map(|k| k.kind.to_owned()).collect()
}

pub fn kind_info(kind: &str) -> Option<EventKindInfo> {
    known_kinds().into_iter().find(|k| k.kind == kind)
}

/// A stable key for a referral that is not its id: governance never needs to
/// name a case, only to match its submission with its later steps.
pub fn case_key(referral_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("eip-governance-case:{referral_id}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The facts one event contributes: none when governance does not model
/// its kind.
pub fn facts_of(event: &EventEnvelope) -> Vec<Fact> {
    if event.source == EngagementEvent::SOURCE
        && let Some(EngagementEvent::RepeatDemandRecorded {
            place_id,
            area_id,
            month,
            rule_id,
            subjects,
            incidents,
            ..
        }) = EngagementEvent::from_envelope(event)
    {
        // A month that is not `YYYY-MM` cannot be placed in a table.
        let Ok(day) = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d") else {
            return Vec::new();
        };
        return [
            ("engagement.repeat_flagged", subjects),
            ("engagement.repeat_incidents", incidents),
        ]
        .into_iter()
        .map(|(kind, value)| Fact {
            source: EngagementEvent::SOURCE,
            kind,
            area_id: area_id.clone(),
            period: period_of(day),
            category: rule_id.clone(),
            clock: Clock::None,
            count: Count::Level {
                key: format!("{kind}:{place_id}:{month}:{rule_id}"),
                value: value.max(0),
            },
        })
        .collect();
    }
    fact_of(event).into_iter().collect()
}

/// The fact an event of a single-fact kind contributes.
fn fact_of(event: &EventEnvelope) -> Option<Fact> {
    if event.source == ReferralEvent::SOURCE {
        return ReferralEvent::from_envelope(event).map(referral_fact);
    }
    if event.source == TrainingEvent::SOURCE {
        return TrainingEvent::from_envelope(event).and_then(|e| match e {
            TrainingEvent::CompletionRecorded {
                competency_id,
                completed_on,
                ..
            } => Some(Fact {
                source: TrainingEvent::SOURCE,
                kind: "training.completion_recorded",
                area_id: String::new(),
                period: period_of(completed_on),
                category: competency_id,
                clock: Clock::None,
                count: Count::One,
            }),
            // Sessions, achievements, renewals, lapses and coverage are not
            // modelled yet: a measure over them is data once they are.
            _ => None,
        });
    }
    if event.source == EngagementEvent::SOURCE {
        return EngagementEvent::from_envelope(event).and_then(engagement_fact);
    }
    None
}

fn engagement_fact(e: EngagementEvent) -> Option<Fact> {
    let kind = e.kind();
    let fact = |area_id: String, period: String, category: &str, count: Count| Fact {
        source: EngagementEvent::SOURCE,
        kind,
        area_id,
        period,
        category: category.to_owned(),
        clock: Clock::None,
        count,
    };
    Some(match e {
        EngagementEvent::DemandRecorded {
            place_id,
            area_id,
            month,
            category,
            calls,
        } => {
            // A month that is not `YYYY-MM` cannot be placed in a table.
            let day = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
            let key = format!("{kind}:{place_id}:{month}:{}", category.as_str());
            fact(
                area_id,
                period_of(day),
                category.as_str(),
                Count::Level {
                    key,
                    value: calls.max(0),
                },
            )
        }
        // Two facts: see `facts_of`.
        EngagementEvent::RepeatDemandRecorded { .. } => return None,
        EngagementEvent::EngagementHeld {
            area_id,
            held_on,
            seldom_heard,
            ..
        } => fact(
            area_id,
            period_of(held_on),
            if seldom_heard {
                "seldom_heard"
            } else {
                "general"
            },
            Count::One,
        ),
        EngagementEvent::PriorityAgreed { area_id, at, .. }
        | EngagementEvent::PriorityResolved { area_id, at, .. } => {
            fact(area_id, period_of(at.date_naive()), "", Count::One)
        }
        EngagementEvent::CaseOpened {
            area_id,
            from_flag,
            at,
            ..
        } => fact(
            area_id,
            period_of(at.date_naive()),
            if from_flag {
                "repeat_demand_flag"
            } else {
                "direct"
            },
            Count::One,
        ),
        EngagementEvent::CaseClosed {
            area_id,
            result,
            at,
            ..
        } => fact(
            area_id,
            period_of(at.date_naive()),
            match result {
                AssessmentResult::Reduced => "reduced",
                AssessmentResult::NoChange => "no_change",
                AssessmentResult::Increased => "increased",
            },
            Count::One,
        ),
    })
}

fn referral_fact(e: ReferralEvent) -> Fact {
    let kind = e.kind();
    let fact = |area_id: String, day: NaiveDate, category: String, clock: Clock| Fact {
        source: ReferralEvent::SOURCE,
        kind,
        area_id,
        period: period_of(day),
        category,
        clock,
        count: Count::One,
    };
    match e {
        ReferralEvent::Submitted {
            referral_id,
            area_id,
            submitted_on,
            ace_band,
            ..
        } => fact(
            area_id,
            submitted_on,
            ace_band.map_or("unknown".into(), |b| b.as_str().to_owned()),
            Clock::Start {
                case: case_key(&referral_id),
                on: submitted_on,
            },
        ),
        ReferralEvent::Triaged {
            referral_id,
            area_id,
            pathway,
            at,
            ..
        } => fact(
            area_id,
            at.date_naive(),
            pathway.as_str().to_owned(),
            Clock::Lap {
                case: case_key(&referral_id),
                at,
            },
        ),
        ReferralEvent::Shared {
            area_id,
            agency_id,
            at,
            ..
        }
        | ReferralEvent::Accepted {
            area_id,
            agency_id,
            at,
            ..
        }
        | ReferralEvent::Declined {
            area_id,
            agency_id,
            at,
            ..
        }
        | ReferralEvent::Started {
            area_id,
            agency_id,
            at,
            ..
        } => fact(area_id, at.date_naive(), agency_id, Clock::None),
        ReferralEvent::Closed {
            referral_id,
            area_id,
            outcome,
            at,
            ..
        } => fact(
            area_id,
            at.date_naive(),
            outcome.as_str().to_owned(),
            Clock::Stop {
                case: case_key(&referral_id),
                at,
            },
        ),
        ReferralEvent::Withdrawn {
            referral_id,
            area_id,
            at,
        } => fact(
            area_id,
            at.date_naive(),
            String::new(),
            Clock::Stop {
                case: case_key(&referral_id),
                at,
            },
        ),

        ReferralEvent::FollowedUp {
            area_id,
            result,
            at,
            ..
        } => fact(
            area_id,
            at.date_naive(),
            result.as_str().to_owned(),
            Clock::None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::referral::Outcome;
    use std::collections::BTreeMap;

    fn envelope(source: &str, kind: &str, payload: serde_json::Value) -> EventEnvelope {
        EventEnvelope {
            id: uuid::Uuid::new_v4(),
            source: source.into(),
            seq: 1,
            kind: kind.into(),
            occurred_at: Utc::now(),
            trace: BTreeMap::new(),
            payload,
        }
    }

    #[test]
    fn every_referral_event_kind_is_known() {
        let at = DateTime::parse_from_rfc3339("2026-10-31T23:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let closed = ReferralEvent::Closed {
            referral_id: "r1".into(),
            area_id: "hull".into(),
            agency_id: None,
            outcome: Outcome::SupportCompleted,
            pathway: None,
            ace_band: None,
            at,
        };
        let fact = fact_of(&envelope("referrals", closed.kind(), closed.payload()))
            .unwrap_or_else(|| panic!("closed is modelled"));
        assert_eq!(fact.period, "2026-10");
        assert_eq!(fact.category, "support_completed");
        assert_eq!(
            fact.clock,
            Clock::Stop {
                case: case_key("r1"),
                at
            }
        );
        assert!(kind_info(fact.kind).is_some());
        assert!(!fact.clock_case_contains("r1"));
    }

    #[test]
    fn training_completions_are_force_wide_by_competency() {
        let e = TrainingEvent::CompletionRecorded {
            completion_id: "c1".into(),
            competency_id: "ace-awareness".into(),
            completed_on: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap_or_default(),
        };
        let fact = fact_of(&envelope("training", e.kind(), e.payload()))
            .unwrap_or_else(|| panic!("modelled"));
        assert_eq!(
            (
                fact.area_id.as_str(),
                fact.period.as_str(),
                fact.category.as_str()
            ),
            ("", "2026-03", "ace-awareness")
        );
    }

    #[test]
    fn every_engagement_event_kind_is_known_and_carries_no_names() {
        use eip_types::engagement::{Category, EngagementKind};
        let at = DateTime::parse_from_rfc3339("2026-10-31T23:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let held_on = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap_or_default();
        let events = [
            EngagementEvent::DemandRecorded {
                place_id: "myton".into(),
                area_id: "hull".into(),
                month: "2026-08".into(),
                category: Category::Crime,
                calls: 41,
            },
            EngagementEvent::EngagementHeld {
                engagement_id: "e1".into(),
                place_id: "myton".into(),
                area_id: "hull".into(),
                engagement_kind: EngagementKind::PublicMeeting,
                held_on,
                attendance: 30,
                seldom_heard: true,
            },
            EngagementEvent::PriorityAgreed {
                priority_id: "p1".into(),
                place_id: "myton".into(),
                area_id: "hull".into(),
                period: "2026-Q4".into(),
                at,
            },
            EngagementEvent::PriorityResolved {
                priority_id: "p1".into(),
                place_id: "myton".into(),
                area_id: "hull".into(),
                period: "2026-Q4".into(),
                at,
            },
            EngagementEvent::CaseOpened {
                case_id: "c1".into(),
                area_id: "hull".into(),
                place_ids: vec!["myton".into()],
                from_flag: true,
                at,
            },
            EngagementEvent::CaseClosed {
                case_id: "c1".into(),
                area_id: "hull".into(),
                place_ids: vec!["myton".into()],
                result: AssessmentResult::Reduced,
                delivered_as_planned: true,
                before_calls: 40,
                after_calls: 20,
                at,
            },
        ];
        let facts: Vec<(String, String, String, Count)> = events
            .iter()
            .map(|e| {
                let f = fact_of(&envelope("engagement", e.kind(), e.payload()))
                    .unwrap_or_else(|| panic!("{} is modelled", e.kind()));
                assert!(kind_info(f.kind).is_some(), "{}", f.kind);
                assert_eq!((f.area_id.as_str(), &f.clock), ("hull", &Clock::None));
                (f.kind.to_owned(), f.period, f.category, f.count)
            })
            .collect();
        let plain = |kind: &str, period: &str, category: &str| {
            (kind.into(), period.into(), category.into(), Count::One)
        };
        assert_eq!(
            facts,
            [
                (
                    "engagement.demand_recorded".into(),
                    "2026-08".into(),
                    "crime".into(),
                    Count::Level {
                        key: "engagement.demand_recorded:myton:2026-08:crime".into(),
                        value: 41
                    }
                ),
                plain("engagement.held", "2026-09", "seldom_heard"),
                plain("engagement.priority_agreed", "2026-10", ""),
                plain("engagement.priority_resolved", "2026-10", ""),
                plain("engagement.case_opened", "2026-10", "repeat_demand_flag"),
                plain("engagement.case_closed", "2026-10", "reduced"),
            ]
        );
    }

    #[test]
    fn repeat_demand_becomes_two_levels_by_rule_for_the_ward_and_month() {
        use eip_types::engagement::RepeatSubject;
        let e = EngagementEvent::RepeatDemandRecorded {
            place_id: "myton".into(),
            area_id: "hull".into(),
            month: "2026-08".into(),
            rule_id: "more-than-5-in-30-days".into(),
            rule_version: 1,
            subject: RepeatSubject::Caller,
            subjects: 3,
            incidents: 22,
        };
        let facts = facts_of(&envelope("engagement", e.kind(), e.payload()));
        let got: Vec<(&str, &str, &str, &str, Count)> = facts
            .iter()
            .map(|f| {
                assert!(kind_info(f.kind).is_some(), "{}", f.kind);
                (
                    f.kind,
                    f.area_id.as_str(),
                    f.period.as_str(),
                    f.category.as_str(),
                    f.count.clone(),
                )
            })
            .collect();
        let level = |kind: &str, value| Count::Level {
            key: format!("{kind}:myton:2026-08:more-than-5-in-30-days"),
            value,
        };
        assert_eq!(
            got,
            [
                (
                    "engagement.repeat_flagged",
                    "hull",
                    "2026-08",
                    "more-than-5-in-30-days",
                    level("engagement.repeat_flagged", 3)
                ),
                (
                    "engagement.repeat_incidents",
                    "hull",
                    "2026-08",
                    "more-than-5-in-30-days",
                    level("engagement.repeat_incidents", 22)
                ),
            ]
        );
        // Single-fact kinds still give one fact.
        let held = EngagementEvent::PriorityAgreed {
            priority_id: "p1".into(),
            place_id: "myton".into(),
            area_id: "hull".into(),
            period: "2026-Q4".into(),
            at: Utc::now(),
        };
        assert_eq!(
            facts_of(&envelope("engagement", held.kind(), held.payload())).len(),
            1
        );
    }

    #[test]
    fn unknown_kinds_contribute_nothing() {
        assert_eq!(
            fact_of(&envelope(
                "referrals",
                "referral.renamed",
                serde_json::json!({})
            )),
            None
        );
    }

    impl Fact {
        fn clock_case_contains(&self, text: &str) -> bool {
            match &self.clock {
                Clock::Start { case, .. } | Clock::Lap { case, .. } | Clock::Stop { case, .. } => {
                    case.contains(text)
                }
                Clock::None => false,
            }
        }
    }
}
