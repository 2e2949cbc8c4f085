//! A person's standing in each competency, the skills matrix and coverage,
//! worked out from the framework, their job role's requirements and their
//! evidence. Pure: the store loads the facts, this decides.

use crate::currency;
use chrono::NaiveDate;
use eip_types::training::{Coverage, Level, Staff, Standing, Status, percent};
use std::collections::{BTreeMap, HashMap};

/// A competency's currency rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub validity_months: Option<u32>,
    pub warning_days: u32,
    pub levelled: bool,
    pub practice_checks: bool,
}

/// The latest evidence of one kind, activity and level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub competency_id: String,
    pub kind: String,
    pub activity: String,
    pub level: Option<Level>,
    pub last: NaiveDate,
}

impl Fact {
    /// Completed training, a passed assessment or an override: the
    /// competency is held at this level.
    pub fn achieves(&self) -> bool {
        self.kind == "completed" || self.kind == "override"
    }
}

/// The standing in `rule` on `today`. `required` is the required level
/// when the job role requires the competency (`Some(None)` for one without
/// levels); `facts` are the person's, of any competency.
pub fn standing(
    today: NaiveDate,
    rule: &Rule,
    required: Option<Option<Level>>,
    facts: &[Fact],
    pauses: &[(NaiveDate, NaiveDate)],
) -> Standing {
    let mine = || {
        facts
            .iter()
            .filter(|f| f.competency_id == rule.id && f.last <= today)
    };
    let level_of = |f: &Fact| {
        if rule.levelled {
            Some(f.level.unwrap_or(Level::Foundation))
        } else {
            None
        }
    };
    let held_level = mine().filter(|f| f.achieves()).filter_map(level_of).max();
    let needed = required.flatten();
    let held = mine()
        .filter(|f| f.achieves())
        .any(|f| needed.is_none_or(|n| level_of(f).is_some_and(|l| l >= n)));
    let last_achieved = mine().filter(|f| f.achieves()).map(|f| f.last).max();
    // For practice-checked competencies a delivered process renews too.
    let last_process = mine()
        .filter(|f| rule.practice_checks && f.activity == "process")
        .map(|f| f.last)
        .max();
    let lapses_on = match (held, last_achieved) {
        (true, Some(trained)) => {
            let anchor = last_process.map_or(trained, |p| p.max(trained));
            currency::lapse_on(anchor, rule.validity_months, pauses)
        }
        _ => None,
    };
    let status = currency::status(
        today,
        held,
        required.is_some(),
        lapses_on,
        rule.warning_days,
        currency::paused_on(today, pauses),
    );
    Standing {
        competency_id: rule.id.clone(),
        status,
        required: required.is_some(),
        required_level: needed,
        held_level,
        lapses_on,
    }
}

/// Required competencies by job role: `(competency, level)`.
pub type Requirements = HashMap<String, Vec<(String, Option<Level>)>>;

/// Each person's pauses by staff id: `(starts_on, ends_on)`.
pub type Pauses = HashMap<String, Vec<(NaiveDate, NaiveDate)>>;

/// Everything the standings of a set of people are worked out from: the
/// framework's rules and requirements, and each person's facts and pauses
/// by staff id.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub rules: Vec<Rule>,
    pub requirements: Requirements,
    pub by_staff: HashMap<String, Vec<Fact>>,
    pub pauses: Pauses,
}

impl Facts {
    /// One person's facts, of any competency.
    pub fn of(&self, staff_id: &str) -> &[Fact] {
        self.by_staff
            .get(staff_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn pauses_of(&self, staff_id: &str) -> &[(NaiveDate, NaiveDate)] {
        self.pauses
            .get(staff_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Whether `role_id` requires `competency_id`, and at which level.
    pub fn required(&self, role_id: &str, competency_id: &str) -> Option<Option<Level>> {
        self.requirements
            .get(role_id)?
            .iter()
            .find(|(c, _)| c == competency_id)
            .map(|(_, l)| *l)
    }

    /// A person's standing in every competency, in framework order.
    pub fn standings(&self, today: NaiveDate, s: &Staff) -> Vec<Standing> {
        let facts = self.of(&s.id);
        let pauses = self.pauses_of(&s.id);
        self.rules
            .iter()
            .map(|r| standing(today, r, self.required(&s.role_id, &r.id), facts, pauses))
            .collect()
    }

    /// Coverage of `people` in every competency of the framework.
    pub fn coverage(&self, people: &[Counted<'_>]) -> Vec<Coverage> {
        let ids: Vec<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        coverage(people, &ids)
    }

    /// The standing ignoring requirements: whether and how it is held.
    pub fn held(&self, today: NaiveDate, staff_id: &str, competency_id: &str) -> Option<Standing> {
        let rule = self.rules.iter().find(|r| r.id == competency_id)?;
        Some(standing(
            today,
            rule,
            None,
            self.of(staff_id),
            self.pauses_of(staff_id),
        ))
    }
}

/// A person as coverage sees them.
pub struct Counted<'a> {
    pub team: &'a str,
    pub area: &'a str,
    pub standings: &'a [Standing],
}

impl<'a> Counted<'a> {
    /// A person on record with their standings.
    pub fn of(person: &'a Staff, standings: &'a [Standing]) -> Self {
        Counted {
            team: &person.team,
            area: &person.area,
            standings,
        }
    }
}

/// Coverage per team and per area: for every competency and for all
/// together. Paused records are left out; amber still counts as current.
pub fn coverage(people: &[Counted<'_>], competencies: &[String]) -> Vec<Coverage> {
    // (scope, id, competency or "") → (required, current)
    let mut sums: BTreeMap<(&str, &str, &str), (u32, u32)> = BTreeMap::new();
    for p in people {
        for s in p.standings.iter().filter(|s| s.required) {
            if s.status == Status::Paused {
                continue;
            }
            let current = u32::from(s.status.is_current());
            for (scope, id) in [("team", p.team), ("area", p.area)] {
                for key in [(scope, id, ""), (scope, id, s.competency_id.as_str())] {
                    let e = sums.entry(key).or_default();
                    e.0 += 1;
                    e.1 += current;
                }
            }
        }
    }
    let position = |c: &str| {
        if c.is_empty() {
            0
        } else {
            competencies
                .iter()
                .position(|x| x == c)
                .map_or(usize::MAX, |i| i + 1)
        }
    };
    let mut keys: Vec<_> = sums.keys().copied().collect();
    keys.sort_by(|a, b| {
        let scope_rank = |s: &str| usize::from(s != "team");
        (scope_rank(a.0), a.1, position(a.2)).cmp(&(scope_rank(b.0), b.1, position(b.2)))
    });
    keys.into_iter()
        .map(|(scope, id, competency)| {
            let (required, current) = sums[&(scope, id, competency)];
            Coverage {
                scope: scope.into(),
                scope_id: id.into(),
                competency_id: (!competency.is_empty()).then(|| competency.to_owned()),
                required,
                current,
                percent: percent(current, required),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn rp() -> Rule {
        Rule {
            id: "restorative-practice".into(),
            name: "Restorative practice".into(),
            description: String::new(),
            validity_months: Some(12),
            warning_days: 60,
            levelled: true,
            practice_checks: true,
        }
    }

    fn fact(kind: &str, activity: &str, level: Option<Level>, last: &str) -> Fact {
        Fact {
            competency_id: "restorative-practice".into(),
            kind: kind.into(),
            activity: activity.into(),
            level,
            last: d(last),
        }
    }

    #[test]
    fn training_then_a_process_slides_the_lapse() {
        let facts = [
            fact(
                "completed",
                "training",
                Some(Level::Foundation),
                "2025-03-15",
            ),
            fact("logged", "process", None, "2025-09-01"),
        ];
        let s = standing(
            d("2026-03-15"),
            &rp(),
            Some(Some(Level::Foundation)),
            &facts,
            &[],
        );
        assert_eq!(s.lapses_on, Some(d("2026-09-01")));
        assert_eq!(s.status, Status::Green);
        // Before the process was delivered the old date stood.
        let s = standing(
            d("2025-08-31"),
            &rp(),
            Some(Some(Level::Foundation)),
            &facts,
            &[],
        );
        assert_eq!(s.lapses_on, Some(d("2026-03-15")));
    }

    #[test]
    fn a_lower_level_does_not_satisfy_a_higher_requirement() {
        let facts = [fact(
            "completed",
            "training",
            Some(Level::Foundation),
            "2026-01-01",
        )];
        let s = standing(
            d("2026-02-01"),
            &rp(),
            Some(Some(Level::Intermediate)),
            &facts,
            &[],
        );
        assert_eq!(s.status, Status::Grey);
        assert_eq!(s.held_level, Some(Level::Foundation));
        // Advanced satisfies everything below it.
        let facts = [fact(
            "override",
            "training",
            Some(Level::Advanced),
            "2026-01-01",
        )];
        let s = standing(
            d("2026-02-01"),
            &rp(),
            Some(Some(Level::Intermediate)),
            &facts,
            &[],
        );
        assert_eq!(s.status, Status::Green);
    }

    #[test]
    fn logged_training_and_future_evidence_do_not_count() {
        let facts = [
            fact("logged", "training", Some(Level::Advanced), "2026-01-01"),
            fact(
                "completed",
                "training",
                Some(Level::Foundation),
                "2026-03-01",
            ),
        ];
        let s = standing(d("2026-02-01"), &rp(), Some(None), &facts, &[]);
        assert_eq!(s.status, Status::Grey);
        assert_eq!(s.held_level, None);
    }

    fn required(id: &str, status: Status) -> Standing {
        Standing {
            competency_id: id.into(),
            status,
            required: true,
            required_level: None,
            held_level: None,
            lapses_on: None,
        }
    }

    #[test]
    fn a_team_of_ten_with_seven_current_is_seventy_percent() {
        let statuses = [
            Status::Green,
            Status::Green,
            Status::Green,
            Status::Green,
            Status::Green,
            Status::Amber,
            Status::Amber,
            Status::Red,
            Status::Grey,
            Status::Red,
            Status::Paused,
        ];
        let cells: Vec<Vec<Standing>> = statuses
            .iter()
            .map(|s| vec![required("ace-awareness", *s)])
            .collect();
        let people: Vec<Counted> = cells
            .iter()
            .map(|c| Counted {
                team: "hull-north",
                area: "hull",
                standings: c,
            })
            .collect();
        let cov = coverage(&people, &["ace-awareness".into()]);
        let team_total = cov
            .iter()
            .find(|c| c.scope == "team" && c.competency_id.is_none())
            .cloned();
        assert_eq!(
            team_total.as_ref().map(|c| (c.required, c.current)),
            Some((10, 7))
        );
        assert_eq!(team_total.map(|c| c.display()), Some("70%".into()));
        assert_eq!(cov.len(), 4);
        assert_eq!(cov[0].scope, "team");
        assert_eq!(cov[2].scope, "area");
    }

    #[test]
    fn percentages_round_half_up() {
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(1, 8), Some(13));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(5, 5), Some(100));
    }
}
