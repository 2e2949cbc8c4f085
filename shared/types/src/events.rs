//! Domain events as they travel between services.
//!
//! Events that leave the referrals service carry ids, areas, categories and
//! dates: never a name or free text.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::referral::{AceBand, FollowUpResult, Outcome, Pathway, Priority};

/// A domain event with the metadata every consumer needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventEnvelope {
    /// Unique id: consumers process each id at most once.
    pub id: Uuid,
    /// The service that wrote the event, such as `referrals`.
    pub source: String,
    /// Position in the source's outbox; increases with every event.
    pub seq: i64,
    /// Event type, such as `referral.submitted`.
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    /// W3C trace context (`traceparent`, `tracestate`) of the change.
    #[serde(default)]
    pub trace: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// Events published by the referrals service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReferralEvent {
    #[serde(rename = "referral.submitted")]
    Submitted {
        referral_id: String,
        area_id: String,
        submitted_on: NaiveDate,
        /// Absent from events written before screening existed.
        #[serde(default)]
        ace_band: Option<AceBand>,
        /// The person's id: a pseudonym, never a name.
        #[serde(default)]
        person_ref: Option<String>,
    },
    #[serde(rename = "referral.triaged")]
    Triaged {
        referral_id: String,
        area_id: String,
        priority: Priority,
        pathway: Pathway,
        #[serde(default)]
        ace_band: Option<AceBand>,
        at: DateTime<Utc>,
    },
    #[serde(rename = "referral.shared")]
    Shared {
        referral_id: String,
        area_id: String,
        agency_id: String,
        /// Absent from events written before they carried it.
        #[serde(default)]
        pathway: Option<Pathway>,
        #[serde(default)]
        ace_band: Option<AceBand>,
        at: DateTime<Utc>,
    },
    #[serde(rename = "referral.accepted")]
    Accepted {
        referral_id: String,
        area_id: String,
        agency_id: String,
        /// Absent from events written before they carried it.
        #[serde(default)]
        pathway: Option<Pathway>,
        #[serde(default)]
        ace_band: Option<AceBand>,
        at: DateTime<Utc>,
    },
    /// The reason stays in the referrals service: it is free text.
    #[serde(rename = "referral.declined")]
    Declined {
        referral_id: String,
        area_id: String,
        agency_id: String,
        /// Absent from events written before they carried it.
        #[serde(default)]
        pathway: Option<Pathway>,
        #[serde(default)]
        ace_band: Option<AceBand>,
        at: DateTime<Utc>,
    },
    #[serde(rename = "referral.started")]
    Started {
        referral_id: String,
        area_id: String,
        agency_id: String,
        at: DateTime<Utc>,
    },
    #[serde(rename = "referral.closed")]
    Closed {
        referral_id: String,
        area_id: String,
        agency_id: Option<String>,
        outcome: Outcome,
        /// Absent from events written before they carried it.
        #[serde(default)]
        pathway: Option<Pathway>,
        #[serde(default)]
        ace_band: Option<AceBand>,
        at: DateTime<Utc>,
    },
    /// The check six months after closure: was the outcome sustained?
    #[serde(rename = "referral.followed_up")]
    FollowedUp {
        referral_id: String,
        area_id: String,
        agency_id: Option<String>,
        pathway: Option<Pathway>,
        ace_band: Option<AceBand>,
        outcome: Option<Outcome>,
        result: FollowUpResult,
        /// When the referral was closed, so the interval can be reported.
        closed_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    },
    #[serde(rename = "referral.withdrawn")]
    Withdrawn {
        referral_id: String,
        area_id: String,
        at: DateTime<Utc>,
    },
}

impl ReferralEvent {
    pub const SOURCE: &'static str = "referrals";

    pub fn kind(&self) -> &'static str {
        match self {
            ReferralEvent::Submitted { .. } => "referral.submitted",
            ReferralEvent::Triaged { .. } => "referral.triaged",
            ReferralEvent::Shared { .. } => "referral.shared",
            ReferralEvent::Accepted { .. } => "referral.accepted",
            ReferralEvent::Declined { .. } => "referral.declined",
            ReferralEvent::Started { .. } => "referral.started",
            ReferralEvent::Closed { .. } => "referral.closed",
            ReferralEvent::Withdrawn { .. } => "referral.withdrawn",
            ReferralEvent::FollowedUp { .. } => "referral.followed_up",
        }
    }

    /// Reads a referral event back from its envelope.
    pub fn from_envelope(env: &EventEnvelope) -> Option<Self> {
        let mut value = env.payload.clone();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("kind".into(), serde_json::Value::String(env.kind.clone()));
        }
        serde_json::from_value(value).ok()
    }

    /// The payload stored in the outbox: the event without its tag.
    pub fn payload(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            map.remove("kind");
        }
        value
    }
}

/// Events published by the training service. They carry staff ids,
/// competency ids, states and dates: never a name or staff number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrainingEvent {
    #[serde(rename = "training.completion_recorded")]
    CompletionRecorded {
        completion_id: String,
        competency_id: String,
        completed_on: NaiveDate,
    },
    /// A session's register was first taken.
    #[serde(rename = "training.session_held")]
    SessionHeld {
        session_id: String,
        competency_id: String,
        held_on: NaiveDate,
    },
    /// A staff member first holds a competency, or a higher level of it.
    #[serde(rename = "training.competency_achieved")]
    CompetencyAchieved {
        staff_id: String,
        competency_id: String,
        level: Option<crate::training::Level>,
        on: NaiveDate,
        /// When it lapses unless renewed (`None`: it does not expire).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lapses_on: Option<NaiveDate>,
    },
    /// New evidence moved a held competency's lapse date.
    #[serde(rename = "training.competency_renewed")]
    CompetencyRenewed {
        staff_id: String,
        competency_id: String,
        lapses_on: Option<NaiveDate>,
    },
    /// A pause for long leave moved a held competency's lapse date on: a
    /// paused record does not lapse. Not a renewal, so no evidence is implied.
    #[serde(rename = "training.lapse_deferred")]
    LapseDeferred {
        staff_id: String,
        competency_id: String,
        lapses_on: NaiveDate,
    },
    /// A competency reached its lapse date.
    #[serde(rename = "training.competency_lapsed")]
    CompetencyLapsed {
        staff_id: String,
        competency_id: String,
        lapsed_on: NaiveDate,
    },
    /// A staff record was linked to (or unlinked from) the account its
    /// holder signs in with, so that services which gate work on a current
    /// competency can tell whose competency a signed-in user holds. The
    /// account is named by a key derived from its id (a SHA-256 digest, see
    /// `eip-skills`), never by the id itself or a name.
    #[serde(rename = "training.staff_linked")]
    StaffLinked {
        staff_id: String,
        account: Option<String>,
    },
    /// Coverage of one team or area for a month (`YYYY-MM`), all required
    /// competencies together.
    #[serde(rename = "training.coverage_measured")]
    CoverageMeasured {
        month: String,
        /// `team` or `area`.
        scope: String,
        scope_id: String,
        required: u32,
        current: u32,
    },
}

impl TrainingEvent {
    pub const SOURCE: &'static str = "training";

    pub fn kind(&self) -> &'static str {
        match self {
            TrainingEvent::CompletionRecorded { .. } => "training.completion_recorded",
            TrainingEvent::SessionHeld { .. } => "training.session_held",
            TrainingEvent::CompetencyAchieved { .. } => "training.competency_achieved",
            TrainingEvent::CompetencyRenewed { .. } => "training.competency_renewed",
            TrainingEvent::LapseDeferred { .. } => "training.lapse_deferred",
            TrainingEvent::CompetencyLapsed { .. } => "training.competency_lapsed",
            TrainingEvent::StaffLinked { .. } => "training.staff_linked",
            TrainingEvent::CoverageMeasured { .. } => "training.coverage_measured",
        }
    }

    /// Reads a training event back from its envelope.
    pub fn from_envelope(env: &EventEnvelope) -> Option<Self> {
        let mut value = env.payload.clone();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("kind".into(), serde_json::Value::String(env.kind.clone()));
        }
        serde_json::from_value(value).ok()
    }

    /// The payload stored in the outbox: the event without its tag.
    pub fn payload(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            map.remove("kind");
        }
        value
    }
}

/// Events published by the engagement service: places, months and
/// categories with counts, never a caller or address reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngagementEvent {
    /// The calls for service now on record for one ward, month and NSIR
    /// category, written after each import that touched them. The count
    /// replaces any earlier one for the same ward, month and category.
    #[serde(rename = "engagement.demand_recorded")]
    DemandRecorded {
        place_id: String,
        area_id: String,
        /// `YYYY-MM`.
        month: String,
        category: crate::engagement::Category,
        calls: i64,
    },
    /// Repeat demand now on record for one ward, month and preset
    /// repeat-demand rule, written shortly after each import and each run of
    /// a preset rule that changed it (by a worker, once the import or run has
    /// finished). Like `DemandRecorded` it is a level: it replaces any
    /// earlier one for the same ward, month and rule.
    ///
    /// An incident is a *repeat* under a rule when, on the day it was
    /// opened, its subject (caller, address or ward) met the rule counting
    /// that day's contacts: the rule run as of that day would have flagged
    /// it. `subjects` is the number of distinct subjects with at least one
    /// repeat incident in the month, each counted once, in the ward that
    /// had most of its repeat incidents that month (the ward a flag names),
    /// so a sum over wards counts no one twice. `incidents` is the number
    /// of repeat incidents opened in the ward in the month. Counts only:
    /// never a caller or address reference.
    #[serde(rename = "engagement.repeat_demand_recorded")]
    RepeatDemandRecorded {
        place_id: String,
        area_id: String,
        /// `YYYY-MM`.
        month: String,
        /// The preset rule's id, such as `more-than-5-in-30-days`.
        rule_id: String,
        /// The version of the rule the figures were evaluated with.
        rule_version: i64,
        subject: crate::engagement::RepeatSubject,
        subjects: i64,
        incidents: i64,
    },
    /// An engagement with a community was held.
    #[serde(rename = "engagement.held")]
    EngagementHeld {
        engagement_id: String,
        place_id: String,
        area_id: String,
        engagement_kind: crate::engagement::EngagementKind,
        held_on: NaiveDate,
        attendance: i64,
        /// Under-represented or seldom-heard groups were reached.
        seldom_heard: bool,
    },
    #[serde(rename = "engagement.priority_agreed")]
    PriorityAgreed {
        priority_id: String,
        place_id: String,
        area_id: String,
        period: String,
        at: DateTime<Utc>,
    },
    #[serde(rename = "engagement.priority_resolved")]
    PriorityResolved {
        priority_id: String,
        place_id: String,
        area_id: String,
        period: String,
        at: DateTime<Utc>,
    },
    #[serde(rename = "engagement.case_opened")]
    CaseOpened {
        case_id: String,
        area_id: String,
        place_ids: Vec<String>,
        /// Opened from a repeat-demand flag.
        from_flag: bool,
        at: DateTime<Utc>,
    },
    #[serde(rename = "engagement.case_closed")]
    CaseClosed {
        case_id: String,
        area_id: String,
        place_ids: Vec<String>,
        result: crate::engagement::AssessmentResult,
        delivered_as_planned: bool,
        before_calls: i64,
        after_calls: i64,
        at: DateTime<Utc>,
    },
}

impl EngagementEvent {
    pub const SOURCE: &'static str = "engagement";

    pub fn kind(&self) -> &'static str {
        match self {
            EngagementEvent::DemandRecorded { .. } => "engagement.demand_recorded",
            EngagementEvent::RepeatDemandRecorded { .. } => "engagement.repeat_demand_recorded",
            EngagementEvent::EngagementHeld { .. } => "engagement.held",
            EngagementEvent::PriorityAgreed { .. } => "engagement.priority_agreed",
            EngagementEvent::PriorityResolved { .. } => "engagement.priority_resolved",
            EngagementEvent::CaseOpened { .. } => "engagement.case_opened",
            EngagementEvent::CaseClosed { .. } => "engagement.case_closed",
        }
    }

    /// Reads an engagement event back from its envelope.
    pub fn from_envelope(env: &EventEnvelope) -> Option<Self> {
        let mut value = env.payload.clone();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("kind".into(), serde_json::Value::String(env.kind.clone()));
        }
        serde_json::from_value(value).ok()
    }

    /// The payload stored in the outbox: the event without its tag.
    pub fn payload(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            map.remove("kind");
        }
        value
    }
}

/// A page of a source's event feed (`GET /events?after_tx=T&after=S`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    pub events: Vec<EventEnvelope>,
    /// The highest `seq` in the source's outbox when the page was read.
    pub head: i64,
    /// Where to ask for the next page: past the last event of this one, or
    /// where the request started when it is empty.
    #[serde(default)]
    pub next: FeedPosition,
}

/// A place in a source's event feed. The feed runs in commit order, which
/// on PostgreSQL is not `seq` order (transactions commit out of sequence),
/// so a position is the writing transaction's id (`tx`, always 0 on SQLite,
/// whose writers take turns) and the `seq` within it. The feed serves an
/// event only once every transaction that could still commit before it has
/// ended, so a consumer that has read up to a position never finds an event
/// behind it later.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPosition {
    pub tx: i64,
    pub seq: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referral_events_round_trip_through_an_envelope_without_personal_data() {
        let event = ReferralEvent::Submitted {
            referral_id: "r1".into(),
            area_id: "hull".into(),
            submitted_on: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default(),
            ace_band: Some(AceBand::FourOrMore),
            person_ref: Some("p1".into()),
        };
        let env = EventEnvelope {
            id: Uuid::nil(),
            source: ReferralEvent::SOURCE.into(),
            seq: 1,
            kind: event.kind().into(),
            occurred_at: DateTime::<Utc>::MIN_UTC,
            trace: BTreeMap::new(),
            payload: event.payload(),
        };
        let mut keys: Vec<&String> = env
            .payload
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        keys.sort();
        assert_eq!(
            keys,
            [
                "ace_band",
                "area_id",
                "person_ref",
                "referral_id",
                "submitted_on"
            ]
        );
        assert_eq!(ReferralEvent::from_envelope(&env), Some(event));
    }

    #[test]
    fn engagement_events_carry_counts_not_references() {
        let event = EngagementEvent::DemandRecorded {
            place_id: "myton".into(),
            area_id: "hull".into(),
            month: "2026-10".into(),
            category: crate::engagement::Category::AntiSocialBehaviour,
            calls: 42,
        };
        let env = EventEnvelope {
            id: Uuid::nil(),
            source: EngagementEvent::SOURCE.into(),
            seq: 1,
            kind: event.kind().into(),
            occurred_at: DateTime::<Utc>::MIN_UTC,
            trace: BTreeMap::new(),
            payload: event.payload(),
        };
        let mut keys: Vec<&String> = env
            .payload
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        keys.sort();
        assert_eq!(keys, ["area_id", "calls", "category", "month", "place_id"]);
        assert_eq!(EngagementEvent::from_envelope(&env), Some(event));
    }

    #[test]
    fn repeat_demand_carries_counts_per_ward_and_rule_not_references() {
        let event = EngagementEvent::RepeatDemandRecorded {
            place_id: "myton".into(),
            area_id: "hull".into(),
            month: "2026-10".into(),
            rule_id: "more-than-5-in-30-days".into(),
            rule_version: 2,
            subject: crate::engagement::RepeatSubject::Caller,
            subjects: 3,
            incidents: 27,
        };
        let env = EventEnvelope {
            id: Uuid::nil(),
            source: EngagementEvent::SOURCE.into(),
            seq: 1,
            kind: event.kind().into(),
            occurred_at: DateTime::<Utc>::MIN_UTC,
            trace: BTreeMap::new(),
            payload: event.payload(),
        };
        let mut keys: Vec<&String> = env
            .payload
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        keys.sort();
        assert_eq!(
            keys,
            [
                "area_id",
                "incidents",
                "month",
                "place_id",
                "rule_id",
                "rule_version",
                "subject",
                "subjects"
            ]
        );
        assert_eq!(env.kind, "engagement.repeat_demand_recorded");
        assert_eq!(EngagementEvent::from_envelope(&env), Some(event));
    }

    #[test]
    fn training_events_round_trip_without_a_staff_reference() {
        let event = TrainingEvent::CompletionRecorded {
            completion_id: "c1".into(),
            competency_id: "restorative-practice".into(),
            completed_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
        };
        let env = EventEnvelope {
            id: Uuid::nil(),
            source: TrainingEvent::SOURCE.into(),
            seq: 1,
            kind: event.kind().into(),
            occurred_at: DateTime::<Utc>::MIN_UTC,
            trace: BTreeMap::new(),
            payload: event.payload(),
        };
        let mut keys: Vec<&String> = env
            .payload
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        keys.sort();
        assert_eq!(keys, ["competency_id", "completed_on", "completion_id"]);
        assert_eq!(TrainingEvent::from_envelope(&env), Some(event));
        assert_eq!(ReferralEvent::from_envelope(&env), None);
    }

    #[test]
    fn workforce_events_carry_ids_and_states_only() {
        let events = [
            TrainingEvent::SessionHeld {
                session_id: "s1".into(),
                competency_id: "restorative-practice".into(),
                held_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            },
            TrainingEvent::CompetencyAchieved {
                staff_id: "st1".into(),
                competency_id: "restorative-practice".into(),
                level: Some(crate::training::Level::Intermediate),
                on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
                lapses_on: NaiveDate::from_ymd_opt(2027, 11, 1),
            },
            TrainingEvent::CompetencyRenewed {
                staff_id: "st1".into(),
                competency_id: "restorative-practice".into(),
                lapses_on: NaiveDate::from_ymd_opt(2027, 11, 1),
            },
            TrainingEvent::LapseDeferred {
                staff_id: "st1".into(),
                competency_id: "restorative-practice".into(),
                lapses_on: NaiveDate::from_ymd_opt(2028, 1, 31).unwrap_or_default(),
            },
            TrainingEvent::CompetencyLapsed {
                staff_id: "st1".into(),
                competency_id: "restorative-practice".into(),
                lapsed_on: NaiveDate::from_ymd_opt(2027, 11, 1).unwrap_or_default(),
            },
            TrainingEvent::CoverageMeasured {
                month: "2026-11".into(),
                scope: "team".into(),
                scope_id: "hull-north".into(),
                required: 10,
                current: 7,
            },
        ];
        for event in events {
            let env = EventEnvelope {
                id: Uuid::nil(),
                source: TrainingEvent::SOURCE.into(),
                seq: 1,
                kind: event.kind().into(),
                occurred_at: DateTime::<Utc>::MIN_UTC,
                trace: BTreeMap::new(),
                payload: event.payload(),
            };
            assert!(env.kind.starts_with("training."));
            let keys: Vec<&String> = env
                .payload
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            for key in keys {
                assert!(
                    !["name", "staff_number", "user_id", "note"].contains(&key.as_str()),
                    "{key}"
                );
            }
            assert_eq!(TrainingEvent::from_envelope(&env), Some(event));
        }
    }

    #[test]
    fn the_account_link_carries_two_ids_and_nothing_else() {
        let event = TrainingEvent::StaffLinked {
            staff_id: "st1".into(),
            account: Some("5e1f".into()),
        };
        let payload = event.payload();
        let mut keys: Vec<&String> = payload
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        keys.sort();
        assert_eq!(keys, ["account", "staff_id"]);
        assert_eq!(event.kind(), "training.staff_linked");
    }

    #[test]
    fn an_achievement_from_before_lapse_dates_still_reads() {
        let env = EventEnvelope {
            id: Uuid::nil(),
            source: TrainingEvent::SOURCE.into(),
            seq: 1,
            kind: "training.competency_achieved".into(),
            occurred_at: DateTime::<Utc>::MIN_UTC,
            trace: BTreeMap::new(),
            payload: serde_json::json!({"staff_id": "st1", "competency_id": "ace-awareness",
                "level": null, "on": "2026-11-01"}),
        };
        assert!(matches!(
            TrainingEvent::from_envelope(&env),
            Some(TrainingEvent::CompetencyAchieved {
                lapses_on: None,
                ..
            })
        ));
    }
}
