//! Repeat demand: rules of the form "at least N contacts in M days" by
//! caller, address or ward, and who meets them on a day; and the
//! repeat-demand levels governance reads.
//!
//! A flag raised by a rule is a prompt for a person to review. It can only
//! open a support path — a problem-solving case or a referral suggestion —
//! and is never a marker against anyone.
//!
//! The levels: per ward, month and preset rule, how many subjects (callers,
//! addresses or wards) the rule flags and how many incidents are repeats.
//! Counts only, never a reference. For every preset rule at its latest
//! version:
//! - an incident is a **repeat** when, on the day it was opened, its subject
//!   met the rule counting that day's contacts: the rule run as of that day
//!   would have flagged it. Under "more than 5 in 30 days" these are a
//!   caller's sixth and later contacts in any 30 days (all of a day's
//!   contacts count once the day reaches the threshold);
//! - a subject is **flagged in a month** when it has at least one repeat
//!   incident in that month. It is counted once, in the ward with most of
//!   its repeat incidents that month (ties: the first ward by id), as a
//!   flag names its busiest ward; so a sum over wards counts no one twice.
//!
//! The figures depend on the incidents alone, not on who ran a rule when,
//! so a replay or a second run gives the same numbers (see
//! `jobs::repeat_levels` for their publication).

use chrono::{Datelike, NaiveDate};
use eip_types::engagement::HiddenDemand;
use std::collections::BTreeMap;

/// The days a window of `m` days ending on `as_of` covers, both included:
/// a contact `m − 1` days before `as_of` counts, one `m` days before does not.
pub fn window(as_of: NaiveDate, m: i64) -> (NaiveDate, NaiveDate) {
    let back = u64::try_from(m.max(1) - 1).unwrap_or(0);
    (
        as_of
            .checked_sub_days(chrono::Days::new(back))
            .unwrap_or(NaiveDate::MIN),
        as_of,
    )
}

/// Contacts of one subject on one day in one ward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contacts {
    pub subject: String,
    pub day: NaiveDate,
    pub place_id: String,
    pub area_id: String,
    pub count: i64,
}

/// A subject that meets a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub subject: String,
    pub contacts: i64,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub place_id: String,
    pub area_id: String,
}

/// The subjects with at least `n` contacts in the `m` days ending `as_of`,
/// most contacts first. Contacts outside the window are ignored.
pub fn evaluate(contacts: &[Contacts], as_of: NaiveDate, n: i64, m: i64) -> Vec<Hit> {
    let (from, to) = window(as_of, m);
    struct Acc<'a> {
        total: i64,
        first: NaiveDate,
        last: NaiveDate,
        places: BTreeMap<(&'a str, &'a str), i64>,
    }
    let mut by_subject: BTreeMap<&str, Acc> = BTreeMap::new();
    for c in contacts.iter().filter(|c| c.day >= from && c.day <= to) {
        let acc = by_subject.entry(&c.subject).or_insert(Acc {
            total: 0,
            first: c.day,
            last: c.day,
            places: BTreeMap::new(),
        });
        acc.total += c.count;
        acc.first = acc.first.min(c.day);
        acc.last = acc.last.max(c.day);
        *acc.places.entry((&c.place_id, &c.area_id)).or_default() += c.count;
    }
    let mut hits: Vec<Hit> = by_subject
        .into_iter()
        .filter(|(_, a)| a.total >= n)
        .map(|(subject, a)| {
            let ((place, area), _) = a.places.iter().fold((("", ""), i64::MIN), |best, (k, v)| {
                if *v > best.1 { (*k, *v) } else { best }
            });
            Hit {
                subject: subject.to_owned(),
                contacts: a.total,
                first: a.first,
                last: a.last,
                place_id: place.to_owned(),
                area_id: area.to_owned(),
            }
        })
        .collect();
    hits.sort_by(|a, b| b.contacts.cmp(&a.contacts).then(a.subject.cmp(&b.subject)));
    hits
}

/// The rules behind the hidden-demand worklist (see migration 1042):
/// repeated domestic, missing-person or mental-health incidents at one
/// address or by one caller.
pub const HIDDEN_RULES: [&str; 6] = [
    "hidden-domestic-address",
    "hidden-domestic-caller",
    "hidden-missing-person-address",
    "hidden-missing-person-caller",
    "hidden-mental-health-address",
    "hidden-mental-health-caller",
];

/// The worklist's order: most incidents first, then by reference and rule.
pub fn sort_hidden_demand(rows: &mut [HiddenDemand]) {
    rows.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then_with(|| a.subject_ref.cmp(&b.subject_ref))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
}

/// One cell of the aggregate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Level {
    pub subjects: i64,
    pub incidents: i64,
}

/// Ward, area and month (`YYYY-MM`).
pub type Cell = (String, String, String);

fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The aggregate for the months from `since` (`YYYY-MM`, inclusive; every
/// month when `None`), evaluated over `contacts` with the rule "at least
/// `n` contacts in `m` days". Contacts before `since` only count towards
/// the windows of later days.
pub fn levels(contacts: &[Contacts], n: i64, m: i64, since: Option<&str>) -> BTreeMap<Cell, Level> {
    // Per subject, per day, the contacts in each ward.
    type Wards<'a> = BTreeMap<(&'a str, &'a str), i64>;
    let mut by_subject: BTreeMap<&str, BTreeMap<NaiveDate, Wards>> = BTreeMap::new();
    for c in contacts {
        *by_subject
            .entry(&c.subject)
            .or_default()
            .entry(c.day)
            .or_default()
            .entry((&c.place_id, &c.area_id))
            .or_default() += c.count;
    }
    let mut out: BTreeMap<Cell, Level> = BTreeMap::new();
    for days in by_subject.values() {
        let days: Vec<(NaiveDate, i64, &Wards)> = days
            .iter()
            .map(|(d, w)| (*d, w.values().sum(), w))
            .collect();
        // The repeat incidents of this subject, by month and ward.
        let mut months: BTreeMap<String, Wards> = BTreeMap::new();
        let (mut start, mut in_window) = (0usize, 0i64);
        for (day, total, wards) in &days {
            in_window += total;
            let (from, _) = window(*day, m);
            while days[start].0 < from {
                in_window -= days[start].1;
                start += 1;
            }
            let month = month_of(*day);
            if in_window < n || since.is_some_and(|s| month.as_str() < s) {
                continue;
            }
            let per_ward = months.entry(month).or_default();
            for (ward, count) in wards.iter() {
                *per_ward.entry(*ward).or_default() += count;
            }
        }
        for (month, wards) in months {
            let mut busiest: Option<((&str, &str), i64)> = None;
            for (ward, count) in &wards {
                let cell = (ward.0.to_owned(), ward.1.to_owned(), month.clone());
                out.entry(cell).or_default().incidents += count;
                if busiest.is_none_or(|(_, most)| *count > most) {
                    busiest = Some((*ward, *count));
                }
            }
            if let Some(((place, area), _)) = busiest {
                out.entry((place.to_owned(), area.to_owned(), month))
                    .or_default()
                    .subjects += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
            + chrono::Days::new(u64::try_from(n).unwrap_or(0))
    }

    fn contacts(subject: &str, days: &[i64]) -> Vec<Contacts> {
        days.iter()
            .map(|d| Contacts {
                subject: subject.into(),
                day: day(*d),
                place_id: "myton".into(),
                area_id: "hull".into(),
                count: 1,
            })
            .collect()
    }

    proptest! {
        /// N − 1 contacts in the window never flag; N and N + 1 do.
        #[test]
        fn flags_start_at_exactly_n_contacts(n in 2i64..40, m in 1i64..400, seed in 0u64..1000) {
            let as_of = day(800);
            let spread = |k: i64| -> Vec<i64> {
                (0..k).map(|i| 800 - ((seed as i64 + i * 7) % m)).collect()
            };
            for (k, flagged) in [(n - 1, false), (n, true), (n + 1, true)] {
                let hits = evaluate(&contacts("c:1", &spread(k)), as_of, n, m);
                prop_assert_eq!(!hits.is_empty(), flagged, "{} contacts, rule {} in {}", k, n, m);
                if flagged {
                    prop_assert_eq!(hits[0].contacts, k);
                }
            }
        }

        /// The M-th day back counts; the day before it does not.
        #[test]
        fn the_window_is_m_days_ending_on_the_day_run(n in 2i64..20, m in 1i64..400) {
            let as_of = day(800);
            let mut inside: Vec<i64> = vec![800; usize::try_from(n - 1).unwrap_or(0)];
            inside.push(800 - (m - 1));
            prop_assert_eq!(evaluate(&contacts("c:1", &inside), as_of, n, m).len(), 1);
            let mut outside: Vec<i64> = vec![800; usize::try_from(n - 1).unwrap_or(0)];
            outside.push(800 - m);
            prop_assert!(evaluate(&contacts("c:1", &outside), as_of, n, m).is_empty());
            // Contacts after the day run are not counted either.
            let mut later: Vec<i64> = vec![800; usize::try_from(n - 1).unwrap_or(0)];
            later.push(801);
            prop_assert!(evaluate(&contacts("c:1", &later), as_of, n, m).is_empty());
        }
    }

    #[test]
    fn hits_name_the_busiest_ward_and_sort_by_contacts() {
        let mut all = contacts("c:a", &[1, 2, 3]);
        all.extend(contacts("c:b", &[1, 2, 3, 4]));
        all.push(Contacts {
            subject: "c:a".into(),
            day: day(3),
            place_id: "avenue".into(),
            area_id: "hull".into(),
            count: 5,
        });
        let hits = evaluate(&all, day(10), 3, 30);
        let got: Vec<(&str, i64, &str)> = hits
            .iter()
            .map(|h| (h.subject.as_str(), h.contacts, h.place_id.as_str()))
            .collect();
        assert_eq!(got, [("c:a", 8, "avenue"), ("c:b", 4, "myton")]);
        assert_eq!((hits[0].first, hits[0].last), (day(1), day(3)));
    }
}

#[cfg(test)]
mod level_tests {
    use super::*;

    fn day(month: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, d).unwrap_or_default()
    }

    fn contact(subject: &str, on: NaiveDate, place: &str, count: i64) -> Contacts {
        Contacts {
            subject: subject.into(),
            day: on,
            place_id: place.into(),
            area_id: "hull".into(),
            count,
        }
    }

    fn cell(place: &str, month: &str) -> Cell {
        (place.into(), "hull".into(), month.into())
    }

    #[test]
    fn the_contact_that_reaches_the_rule_and_those_after_it_are_repeats() {
        // Six contacts on 1–6 October: the sixth meets "more than 5 in 30
        // days"; a seventh on 30 October has seven in its window (1–30
        // October), an eighth on 5 November only two (7 October on).
        let mut all: Vec<Contacts> = (1..=6)
            .map(|d| contact("c:1", day(10, d), "myton", 1))
            .collect();
        all.push(contact("c:1", day(10, 30), "myton", 1));
        all.push(contact("c:1", day(11, 5), "myton", 1));
        // Five contacts never meet it.
        all.extend((1..=5).map(|d| contact("c:2", day(10, d), "myton", 1)));
        let got = levels(&all, 6, 30, None);
        assert_eq!(
            got,
            BTreeMap::from([(
                cell("myton", "2026-10"),
                Level {
                    subjects: 1,
                    incidents: 2
                }
            )])
        );
    }

    #[test]
    fn a_subject_counts_once_in_its_busiest_ward_and_incidents_where_they_were() {
        let mut all: Vec<Contacts> = (1..=5)
            .map(|d| contact("c:1", day(10, d), "myton", 1))
            .collect();
        // The day that meets the rule has contacts in two wards.
        all.push(contact("c:1", day(10, 6), "avenue", 2));
        all.push(contact("c:1", day(10, 6), "myton", 1));
        let got = levels(&all, 6, 30, None);
        assert_eq!(
            got,
            BTreeMap::from([
                (
                    cell("avenue", "2026-10"),
                    Level {
                        subjects: 1,
                        incidents: 2
                    }
                ),
                (
                    cell("myton", "2026-10"),
                    Level {
                        subjects: 0,
                        incidents: 1
                    }
                ),
            ])
        );
    }

    #[test]
    fn earlier_months_count_towards_windows_but_are_not_reported() {
        let mut all: Vec<Contacts> = (25..=30)
            .map(|d| contact("c:1", day(9, d), "myton", 1))
            .collect();
        all.push(contact("c:1", day(10, 2), "myton", 1));
        let got = levels(&all, 6, 30, Some("2026-10"));
        assert_eq!(
            got,
            BTreeMap::from([(
                cell("myton", "2026-10"),
                Level {
                    subjects: 1,
                    incidents: 1
                }
            )])
        );
        assert_eq!(levels(&all, 6, 30, None).len(), 2);
    }

    #[test]
    fn levels_agree_with_running_the_rule_on_each_day() {
        // A subject has a repeat on a day exactly when the rule run as of
        // that day flags it.
        let mut seed = 7u64;
        let mut all = Vec::new();
        for i in 0..400 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let d = day(1, 1) + chrono::Days::new((seed >> 33) % 200);
            all.push(contact(
                &format!("c:{}", i % 9),
                d,
                if i % 3 == 0 { "a" } else { "b" },
                1,
            ));
        }
        let got = levels(&all, 6, 30, None);
        let mut expected: BTreeMap<String, i64> = BTreeMap::new();
        for c in &all {
            let hits = evaluate(&all, c.day, 6, 30);
            if hits.iter().any(|h| h.subject == c.subject) {
                *expected.entry(month_of(c.day)).or_default() += c.count;
            }
        }
        let mut incidents: BTreeMap<String, i64> = BTreeMap::new();
        for ((_, _, month), l) in &got {
            *incidents.entry(month.clone()).or_default() += l.incidents;
        }
        assert_eq!(incidents, expected);
    }
}
