//! What a change of standing tells others: the events other services and
//! governance hear, and the reminders the daily job leaves for people and
//! their line managers. Pure: the caller loads the standings and stores
//! what is decided here.

use crate::currency;
use crate::standing::Facts;
use chrono::NaiveDate;
use eip_types::events::TrainingEvent;
use eip_types::training::{Staff, Standing, Status};

/// What appending evidence changed, from the standing (requirements
/// ignored) before and after it: achieved (first held, or held at a higher
/// level) or renewed (a later lapse date), or nothing worth saying.
pub fn on_evidence(
    staff_id: &str,
    competency_id: &str,
    occurred_on: NaiveDate,
    before: Option<&Standing>,
    after: Option<&Standing>,
) -> Option<TrainingEvent> {
    let (before, after) = (before?, after?);
    let was_held = before.status != Status::None;
    let now_held = after.status != Status::None;
    if now_held && (!was_held || after.held_level > before.held_level) {
        Some(TrainingEvent::CompetencyAchieved {
            staff_id: staff_id.into(),
            competency_id: competency_id.into(),
            level: after.held_level,
            on: occurred_on,
            lapses_on: after.lapses_on,
        })
    } else if now_held && after.lapses_on > before.lapses_on {
        Some(TrainingEvent::CompetencyRenewed {
            staff_id: staff_id.into(),
            competency_id: competency_id.into(),
            lapses_on: after.lapses_on,
        })
    } else {
        None
    }
}

/// The later lapse dates a pause brings one person, so that services which
/// gate work on a competency do not refuse a paused record on the date it
/// no longer lapses.
pub fn on_pause(
    today: NaiveDate,
    staff_id: &str,
    before: &Facts,
    after: &Facts,
) -> Vec<TrainingEvent> {
    let lapse = |f: &Facts, competency_id: &str| {
        f.held(today, staff_id, competency_id)
            .and_then(|s| s.lapses_on)
    };
    after
        .rules
        .iter()
        .filter_map(|rule| {
            let (old, new) = (lapse(before, &rule.id)?, lapse(after, &rule.id)?);
            (new > old).then(|| TrainingEvent::LapseDeferred {
                staff_id: staff_id.into(),
                competency_id: rule.id.clone(),
                lapses_on: new,
            })
        })
        .collect()
}

/// What gating services and governance would have heard had every record
/// been entered through the API: each link to a sign-in account and each
/// competency held (with the day it was last achieved and its lapse date).
pub fn held(today: NaiveDate, staff: &[Staff], facts: &Facts) -> Vec<TrainingEvent> {
    let mut events = Vec::new();
    for s in staff {
        if let Some(user_id) = &s.user_id {
            events.push(TrainingEvent::StaffLinked {
                staff_id: s.id.clone(),
                account: Some(eip_skills::account_key(user_id)),
            });
        }
        let mine = facts.of(&s.id);
        for rule in &facts.rules {
            let Some(held) = facts.held(today, &s.id, &rule.id) else {
                continue;
            };
            let achieved_on = mine
                .iter()
                .filter(|f| f.competency_id == rule.id && f.achieves() && f.last <= today)
                .map(|f| f.last)
                .max();
            if let (Some(on), true) = (achieved_on, held.status != Status::None) {
                events.push(TrainingEvent::CompetencyAchieved {
                    staff_id: s.id.clone(),
                    competency_id: rule.id.clone(),
                    level: held.held_level,
                    on,
                    lapses_on: held.lapses_on,
                });
            }
        }
    }
    events
}

/// A reminder due: to `recipient_id`, about `subject_id`'s competency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due<'a> {
    pub recipient_id: &'a str,
    pub subject_id: &'a str,
    pub competency_id: &'a str,
    pub lapse_on: NaiveDate,
    /// `90`, `60`, `30`, `7` (days before the lapse) or `lapsed`.
    pub stage: &'static str,
}

impl Due<'_> {
    /// A person's own reminder that a competency has lapsed is also the
    /// lapse event.
    pub fn lapse_event(&self) -> Option<TrainingEvent> {
        (self.stage == "lapsed" && self.recipient_id == self.subject_id).then(|| {
            TrainingEvent::CompetencyLapsed {
                staff_id: self.subject_id.into(),
                competency_id: self.competency_id.into(),
                lapsed_on: self.lapse_on,
            }
        })
    }
}

/// The reminders due on `today` about one person's standings: to them at
/// 90, 60, 30 and 7 days before a lapse and on it, and to their line
/// manager at 30 days and on it. Paused records, and competencies neither
/// required nor held, are left alone.
pub fn reminders_due<'a>(
    today: NaiveDate,
    person: &'a Staff,
    standings: &'a [Standing],
) -> Vec<Due<'a>> {
    let mut due = Vec::new();
    for st in standings {
        let (Some(lapse), false) = (st.lapses_on, st.status == Status::Paused) else {
            continue;
        };
        if !st.required && st.held_level.is_none() && st.status == Status::None {
            continue;
        }
        let days_left = (lapse - today).num_days();
        let mut to = |recipient_id: &'a str, stage: &'static str| {
            due.push(Due {
                recipient_id,
                subject_id: &person.id,
                competency_id: &st.competency_id,
                lapse_on: lapse,
                stage,
            });
        };
        if let Some(stage) = currency::staff_stage(days_left) {
            to(&person.id, stage);
        }
        if days_left <= 0 {
            to(&person.id, "lapsed");
        }
        if let (Some(m), Some(stage)) = (
            person.manager_id.as_deref(),
            currency::manager_stage(days_left),
        ) {
            to(m, stage);
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standing::{Fact, Rule};
    use eip_types::training::Level;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn held_standing(level: Option<Level>, lapses_on: Option<&str>) -> Standing {
        Standing {
            competency_id: "rp".into(),
            status: Status::Green,
            required: true,
            required_level: None,
            held_level: level,
            lapses_on: lapses_on.map(d),
        }
    }

    fn none() -> Standing {
        Standing {
            status: Status::None,
            ..held_standing(None, None)
        }
    }

    fn person(manager: Option<&str>) -> Staff {
        Staff {
            id: "pc".into(),
            staff_number: None,
            user_id: Some("u-pc".into()),
            name: "PC".into(),
            team: "t".into(),
            area: "hull".into(),
            role_id: "police-constable".into(),
            manager_id: manager.map(str::to_owned),
            agency: None,
        }
    }

    #[test]
    fn evidence_achieves_renews_or_says_nothing() {
        let on = d("2026-01-10");
        let first = on_evidence(
            "pc",
            "rp",
            on,
            Some(&none()),
            Some(&held_standing(Some(Level::Foundation), Some("2027-01-10"))),
        );
        assert!(matches!(
            first,
            Some(TrainingEvent::CompetencyAchieved {
                level: Some(Level::Foundation),
                ..
            })
        ));
        let higher = on_evidence(
            "pc",
            "rp",
            on,
            Some(&held_standing(Some(Level::Foundation), Some("2027-01-10"))),
            Some(&held_standing(Some(Level::Advanced), Some("2027-01-10"))),
        );
        assert!(matches!(
            higher,
            Some(TrainingEvent::CompetencyAchieved { .. })
        ));
        let later = on_evidence(
            "pc",
            "rp",
            on,
            Some(&held_standing(None, Some("2026-06-01"))),
            Some(&held_standing(None, Some("2027-01-10"))),
        );
        assert!(matches!(
            later,
            Some(TrainingEvent::CompetencyRenewed { .. })
        ));
        let same = held_standing(None, Some("2027-01-10"));
        assert_eq!(on_evidence("pc", "rp", on, Some(&same), Some(&same)), None);
        assert_eq!(on_evidence("pc", "rp", on, None, Some(&same)), None);
    }

    #[test]
    fn a_pause_defers_only_lapses_it_moves() {
        let rule = Rule {
            id: "rp".into(),
            name: "RP".into(),
            description: String::new(),
            validity_months: Some(12),
            warning_days: 60,
            levelled: false,
            practice_checks: false,
        };
        let fact = Fact {
            competency_id: "rp".into(),
            kind: "completed".into(),
            activity: "training".into(),
            level: None,
            last: d("2025-06-01"),
        };
        let before = Facts {
            rules: vec![rule],
            by_staff: [("pc".to_owned(), vec![fact])].into(),
            ..Facts::default()
        };
        let after = Facts {
            pauses: [("pc".to_owned(), vec![(d("2026-01-01"), d("2026-01-31"))])].into(),
            ..before.clone()
        };
        let today = d("2026-01-05");
        assert_eq!(
            on_pause(today, "pc", &before, &after),
            [TrainingEvent::LapseDeferred {
                staff_id: "pc".into(),
                competency_id: "rp".into(),
                lapses_on: d("2026-07-02"),
            }]
        );
        assert!(on_pause(today, "pc", &before, &before).is_empty());
        // Someone holding nothing has nothing deferred.
        assert!(on_pause(today, "other", &before, &after).is_empty());
    }

    #[test]
    fn reminders_go_to_the_person_and_at_thirty_days_their_manager() {
        let today = d("2026-02-13");
        let sergeant = person(Some("sgt"));
        let at_30 = [held_standing(None, Some("2026-03-15"))];
        let due = reminders_due(today, &sergeant, &at_30);
        let who: Vec<(&str, &str)> = due.iter().map(|r| (r.recipient_id, r.stage)).collect();
        assert_eq!(who, [("pc", "30"), ("sgt", "30")]);
        assert!(due.iter().all(|r| r.lapse_event().is_none()));

        let lapsed = [held_standing(None, Some("2026-02-13"))];
        let due = reminders_due(today, &sergeant, &lapsed);
        let who: Vec<(&str, &str)> = due.iter().map(|r| (r.recipient_id, r.stage)).collect();
        assert_eq!(who, [("pc", "lapsed"), ("sgt", "lapsed")]);
        let events: Vec<TrainingEvent> = due.iter().filter_map(Due::lapse_event).collect();
        assert_eq!(
            events,
            [TrainingEvent::CompetencyLapsed {
                staff_id: "pc".into(),
                competency_id: "rp".into(),
                lapsed_on: today,
            }]
        );

        let paused = [Standing {
            status: Status::Paused,
            ..held_standing(None, Some("2026-03-15"))
        }];
        assert!(reminders_due(today, &sergeant, &paused).is_empty());
        let far = [held_standing(None, Some("2027-03-15"))];
        assert!(reminders_due(today, &person(None), &far).is_empty());
    }
}
