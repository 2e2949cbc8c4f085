//! One protection for every published count, whatever question is asked.
//!
//! Each table used to be protected on its own, so the tables of overlapping
//! windows, or a table and an export over different months, could be
//! solved together to recover what each hid. Here what may be published is
//! decided once, on the finest cells, and every table reuses the decision:
//!
//! - The unit of release is a calendar month. For each month, every count
//!   the service can publish for it (each measure's count per area, its
//!   count for all areas, a force-wide count) is protected together, in one
//!   problem per group of measures that share events, so a measure nested
//!   in another (anti-social behaviour calls within all calls) cannot be
//!   differenced from it. Counts from 1 to the threshold are hidden;
//!   further counts are hidden until, for every hidden count and every
//!   small count of events no table publishes on its own (the calls that
//!   are not anti-social behaviour), the range an attacker can solve from
//!   everything shown that month is wider than the threshold (an exact
//!   linear programme, [`crate::lp`]).
//! - A month's decision depends only on that month's events and the
//!   framework's measures, never on the window asked for, so every window,
//!   pack, export and evaluation shows the same figure or the same `[c]`.
//! - Anything spanning several months (an area's total over a window, the
//!   window's grand total) or several areas (a pilot's group) is the sum of
//!   released figures, shown only when every part is shown, and `[c]`
//!   otherwise. It is then worked out from what is shown already, so it
//!   tells an attacker nothing new, and totals always equal their parts.
//!
//! Months share no events, so the attacker's problem over every answer
//! splits into one problem per month and group: the problem each month was
//! protected against. That is why this method was chosen over perturbing
//! cells (the cell-key method of the 2021 Census): bounded noise on
//! arbitrarily overlapping windows still lets an interval solver intersect
//! many noisy answers down to a narrow range, whereas a decision made once
//! on the finest cells gives the solver nothing it did not have. Figures
//! that are shown are exact, so charts and their signals read true figures.

use crate::compute::FactRow;
use crate::lp::{Lp, maximise};
use eip_types::governance::{FactRef, Formula, Framework, MeasureStatus, Published, Scope};
use eip_types::place::LOCAL_AUTHORITIES;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Whom a count is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Whom {
    /// One area (a local authority, or a local measure's area).
    Area(String),
    /// The four local authority areas together.
    AllAreas,
    /// Every event whatever its area (a force-wide measure).
    Force,
}

/// A published count's definition: which events it counts, for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub refs: Vec<FactRef>,
    pub whom: Vec<Whom>,
}

/// The events of the per-area referral report.
pub const SUBMITTED: &str = "referral.submitted";

/// Every count the service publishes: each active count measure (per area
/// and for all areas, or force-wide, or for its one area) and the
/// referrals submitted per area. Every table protects against this same
/// list, so a month's decision is the same wherever it is shown.
pub fn published_counts(framework: &Framework) -> Vec<Counted> {
    let mut out: Vec<Counted> = framework
        .measures
        .iter()
        .filter(|m| m.status == MeasureStatus::Active)
        .filter_map(|m| match &m.formula {
            Some(Formula::Count { of }) => Some(Counted {
                refs: of.clone(),
                whom: whom_of(m.scope, m.area_id.as_deref()),
            }),
            _ => None,
        })
        .collect();
    out.push(Counted {
        refs: vec![FactRef::kind(SUBMITTED)],
        whom: whom_of(Scope::Core, None),
    });
    out
}

/// The figures a measure of this scope publishes per month.
pub fn whom_of(scope: Scope, area: Option<&str>) -> Vec<Whom> {
    match (scope, area) {
        (Scope::Core, _) => LOCAL_AUTHORITIES
            .iter()
            .map(|(a, _)| Whom::Area((*a).to_owned()))
            .chain([Whom::AllAreas])
            .collect(),
        (Scope::Local, Some(a)) => vec![Whom::Area(a.to_owned())],
        _ => vec![Whom::Force],
    }
}

/// The row of the table a measure's `areas_of` entry stands for.
pub fn whom_of_row(area: Option<&str>, scope: Scope) -> Whom {
    match (area, scope) {
        (Some(a), _) => Whom::Area(a.to_owned()),
        (None, Scope::Force) => Whom::Force,
        (None, _) => Whom::AllAreas,
    }
}

/// A canonical key for a list of fact references.
fn refs_key(refs: &[FactRef]) -> Vec<(String, Option<String>)> {
    let mut k: Vec<(String, Option<String>)> = refs
        .iter()
        .map(|r| (r.kind.clone(), r.category.clone()))
        .collect();
    k.sort();
    k.dedup();
    k
}

type Key = (Vec<(String, Option<String>)>, Whom, String);

/// What may be published of every count, month by month.
#[derive(Debug, Clone, Default)]
pub struct Released {
    figures: HashMap<Key, (u64, bool)>,
}

impl Released {
    /// A month's count as published: `None` when hidden, or when nothing
    /// was released for it (never shown by mistake).
    pub fn count(&self, refs: &[FactRef], whom: &Whom, month: &str) -> Option<u64> {
        let key = (refs_key(refs), whom.clone(), month.to_owned());
        match self.figures.get(&key) {
            Some(&(v, false)) => Some(v),
            _ => None,
        }
    }

    /// The sum of a count over months: shown only if every month is.
    pub fn over_months(&self, refs: &[FactRef], whom: &Whom, months: &[String]) -> Option<u64> {
        months.iter().map(|m| self.count(refs, whom, m)).sum()
    }

    /// The sum of a month's count over several of the four areas: the
    /// areas' counts added up when all are shown, else the all-areas count
    /// less the other areas' when those are shown, else hidden. Either way
    /// it is worked out from shown figures alone.
    pub fn over_areas(&self, refs: &[FactRef], areas: &[String], month: &str) -> Option<u64> {
        let count = |a: &str| self.count(refs, &Whom::Area(a.to_owned()), month);
        let inside: Option<u64> = LOCAL_AUTHORITIES
            .iter()
            .filter(|(a, _)| areas.iter().any(|x| x == a))
            .map(|(a, _)| count(a))
            .sum();
        if areas
            .iter()
            .any(|a| !LOCAL_AUTHORITIES.iter().any(|(la, _)| la == a))
        {
            return inside;
        }
        inside.or_else(|| {
            let outside: u64 = LOCAL_AUTHORITIES
                .iter()
                .filter(|(a, _)| !areas.iter().any(|x| x == a))
                .map(|(a, _)| count(a))
                .sum::<Option<u64>>()?;
            self.count(refs, &Whom::AllAreas, month)?
                .checked_sub(outside)
        })
    }

    /// As [`Released::count`], as a table shows it.
    pub fn published(&self, refs: &[FactRef], whom: &Whom, month: &str) -> Published {
        shown(self.count(refs, whom, month))
    }

    /// How many figures were released, and how many of them hidden with a
    /// non-zero value.
    pub fn hidden_share(&self) -> (usize, usize) {
        let hidden = self.figures.values().filter(|(_, h)| *h).count();
        (self.figures.len(), hidden)
    }
}

/// A count as a table shows it.
pub fn shown(v: Option<u64>) -> Published {
    v.map_or(Published::Confidential, |v| Published::Number(v as f64))
}

/// One group of definitions that share event kinds.
struct Group<'a> {
    counted: Vec<&'a Counted>,
    kinds: BTreeSet<String>,
}

fn groups(counted: &[Counted]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for c in counted {
        let kinds: BTreeSet<String> = c.refs.iter().map(|r| r.kind.clone()).collect();
        let (joined, rest): (Vec<Group<'_>>, Vec<Group<'_>>) = groups
            .into_iter()
            .partition(|g| !g.kinds.is_disjoint(&kinds));
        let mut g = Group {
            counted: vec![c],
            kinds,
        };
        for j in joined {
            g.counted.extend(j.counted);
            g.kinds.extend(j.kinds);
        }
        groups = rest;
        groups.push(g);
    }
    groups
}

/// Releases every definition's counts for each of `months`. `facts` must
/// hold every fact of those months (any other months are ignored).
pub fn release(counted: &[Counted], facts: &[FactRow], months: &[String], up_to: u64) -> Released {
    let mut by_month: HashMap<&str, Vec<&FactRow>> = HashMap::new();
    for f in facts {
        by_month.entry(f.period.as_str()).or_default().push(f);
    }
    let mut out = Released::default();
    for g in groups(counted) {
        for m in months {
            let rows = by_month.get(m.as_str()).map_or(&[][..], Vec::as_slice);
            release_month(&g, rows, m, up_to, &mut out);
        }
    }
    out
}

fn release_month(g: &Group<'_>, facts: &[&FactRow], month: &str, up_to: u64, out: &mut Released) {
    // Atoms: for each kind, each category some definition names, and the
    // rest of the kind. Rows: each local authority, each local measure's
    // area, and any other area events arrived for.
    let mut named: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in &g.counted {
        for r in &c.refs {
            let cats = named.entry(r.kind.as_str()).or_default();
            if let Some(cat) = &r.category {
                cats.insert(cat.as_str());
            }
        }
    }
    let atoms: Vec<(&str, Option<&str>)> = named
        .iter()
        .flat_map(|(k, cats)| {
            cats.iter()
                .map(|c| (*k, Some(*c)))
                .chain([(*k, None)])
                .collect::<Vec<_>>()
        })
        .collect();
    let mut rows: BTreeSet<String> = LOCAL_AUTHORITIES
        .iter()
        .map(|(a, _)| (*a).to_owned())
        .collect();
    for c in &g.counted {
        for w in &c.whom {
            if let Whom::Area(a) = w {
                rows.insert(a.clone());
            }
        }
    }
    let facts: Vec<&FactRow> = facts
        .iter()
        .copied()
        .filter(|f| g.kinds.contains(&f.kind))
        .collect();
    for f in &facts {
        rows.insert(f.area_id.clone());
    }
    let rows: Vec<String> = rows.into_iter().collect();
    let var = |row: usize, atom: usize| row * atoms.len() + atom;
    let mut values = vec![0u64; rows.len() * atoms.len()];
    for f in &facts {
        let Some(row) = rows.iter().position(|r| *r == f.area_id) else {
            continue;
        };
        let cats = &named[f.kind.as_str()];
        let atom = if cats.contains(f.category.as_str()) {
            atoms
                .iter()
                .position(|(k, c)| *k == f.kind && *c == Some(&f.category))
        } else {
            atoms.iter().position(|(k, c)| *k == f.kind && c.is_none())
        };
        if let Some(atom) = atom {
            values[var(row, atom)] += f.n.max(0) as u64;
        }
    }
    let is_la = |r: &str| LOCAL_AUTHORITIES.iter().any(|(a, _)| *a == r);
    // Figures, one per distinct set of cells, with every key that reads it.
    let mut figures: Vec<Figure> = Vec::new();
    let mut keys: Vec<(Key, usize)> = Vec::new();
    for c in &g.counted {
        let refs = refs_key(&c.refs);
        let in_refs: Vec<usize> = (0..atoms.len())
            .filter(|&i| {
                let (k, cat) = atoms[i];
                refs.iter()
                    .any(|(rk, rc)| rk == k && (rc.is_none() || rc.as_deref() == cat))
            })
            .collect();
        for w in &c.whom {
            let in_rows: Vec<usize> = (0..rows.len())
                .filter(|&r| match w {
                    Whom::Area(a) => rows[r] == *a,
                    Whom::AllAreas => is_la(&rows[r]),
                    Whom::Force => true,
                })
                .collect();
            let mut vars: Vec<usize> = in_rows
                .iter()
                .flat_map(|&r| in_refs.iter().map(move |&a| var(r, a)))
                .collect();
            vars.sort_unstable();
            let index = match figures.iter().position(|f| f.vars == vars) {
                Some(i) => i,
                None => {
                    figures.push(Figure {
                        value: vars.iter().map(|&v| values[v]).sum(),
                        total: !matches!(w, Whom::Area(_)),
                        vars,
                    });
                    figures.len() - 1
                }
            };
            keys.push(((refs.clone(), w.clone(), month.to_owned()), index));
        }
    }
    let hidden = protect(&values, &figures, up_to);
    for (key, i) in keys {
        out.figures.insert(key, (figures[i].value, hidden[i]));
    }
}

/// A count that may be published: the sum of some cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// Indices of the cells it adds up, sorted.
    pub vars: Vec<usize>,
    pub value: u64,
    /// A total over areas: hidden only when no single area will do.
    pub total: bool,
}

fn small(v: u64, up_to: u64) -> bool {
    v >= 1 && v <= up_to
}

/// The range of the sum of `target`'s cells given the shown figures.
pub fn range(values_len: usize, shown: &[(&[usize], u64)], target: &[usize]) -> (f64, f64) {
    let a: Vec<Vec<f64>> = shown
        .iter()
        .map(|(vars, _)| {
            let mut row = vec![0.0; values_len];
            for &v in *vars {
                row[v] = 1.0;
            }
            row
        })
        .collect();
    let b: Vec<f64> = shown.iter().map(|(_, v)| *v as f64).collect();
    let mut c = vec![0.0; values_len];
    for &v in target {
        c[v] = 1.0;
    }
    let high = match maximise(&a, &b, &c) {
        Lp::Optimal(v) => v,
        Lp::Unbounded | Lp::Infeasible => f64::INFINITY,
    };
    for v in &mut c {
        *v = -*v;
    }
    let low = match maximise(&a, &b, &c) {
        Lp::Optimal(v) => -v,
        Lp::Unbounded | Lp::Infeasible => 0.0,
    };
    (low, high)
}

/// Chooses which figures to hide: every small one, then more until every
/// hidden figure, and every small cell that is in some figure, can only be
/// narrowed to a range wider than `up_to`. Returns whether each is hidden.
pub fn protect(values: &[u64], figures: &[Figure], up_to: u64) -> Vec<bool> {
    let mut hidden: Vec<bool> = figures.iter().map(|f| small(f.value, up_to)).collect();
    if up_to == 0 {
        return hidden;
    }
    let published: BTreeSet<usize> = figures.iter().flat_map(|f| f.vars.clone()).collect();
    // Only cells some figure reads matter; the programme is over them.
    let cells: Vec<usize> = published.iter().copied().collect();
    let local = |v: usize| cells.iter().position(|c| *c == v).unwrap_or(0);
    let small_cells: Vec<Vec<usize>> = cells
        .iter()
        .filter(|&&v| small(values[v], up_to))
        .map(|&v| vec![v])
        .collect();
    for _ in 0..=figures.len() {
        let shown: Vec<(Vec<usize>, u64)> = figures
            .iter()
            .zip(&hidden)
            .filter(|(_, h)| !**h)
            .map(|(f, _)| (f.vars.iter().map(|&v| local(v)).collect(), f.value))
            .collect();
        let shown_refs: Vec<(&[usize], u64)> =
            shown.iter().map(|(v, n)| (v.as_slice(), *n)).collect();
        let targets = figures
            .iter()
            .zip(&hidden)
            .filter(|(f, h)| **h && f.value > 0)
            .map(|(f, _)| f.vars.clone())
            .chain(small_cells.iter().cloned());
        let failing = targets.into_iter().find(|t| {
            let local_t: Vec<usize> = t.iter().map(|&v| local(v)).collect();
            let (low, high) = range(cells.len(), &shown_refs, &local_t);
            high - low <= up_to as f64 + 1e-6
        });
        let Some(t) = failing else {
            return hidden;
        };
        // Hide a sibling: the smallest shown non-zero figure that is part
        // of a shown figure containing the target (an area's figure before
        // a total), else the smallest shown figure containing it.
        let shown_at = |i: usize| !hidden[i] && figures[i].value > 0;
        let containing: Vec<usize> = (0..figures.len())
            .filter(|&i| shown_at(i) && figures[i].vars.iter().any(|v| t.contains(v)))
            .collect();
        let sibling = (0..figures.len())
            .filter(|&i| shown_at(i) && !containing.contains(&i))
            .filter(|&i| {
                containing.iter().any(|&s| {
                    figures[i]
                        .vars
                        .iter()
                        .all(|v| figures[s].vars.binary_search(v).is_ok())
                })
            })
            .min_by_key(|&i| (figures[i].total, figures[i].value, i));
        let partner = sibling.or_else(|| {
            containing
                .iter()
                .copied()
                .min_by_key(|&i| (figures[i].total, figures[i].value, i))
        });
        match partner {
            Some(i) => hidden[i] = true,
            None => break,
        }
    }
    // Nothing left to hide near it: hide every non-zero figure. Safe, and
    // not reached on realistic months.
    figures.iter().map(|f| f.value > 0).collect()
}

/// The months `facts` hold, in order.
pub fn months_of(facts: &[FactRow]) -> Vec<String> {
    let set: BTreeSet<&str> = facts.iter().map(|f| f.period.as_str()).collect();
    set.into_iter().map(str::to_owned).collect()
}

/// The referrals submitted per area over all time, as released: each area
/// shown only if every month of it is.
pub fn submitted_per_area(
    released: &Released,
    months: &[String],
) -> (Vec<Option<u64>>, Option<u64>) {
    let refs = [FactRef::kind(SUBMITTED)];
    let areas = LOCAL_AUTHORITIES
        .iter()
        .map(|(a, _)| released.over_months(&refs, &Whom::Area((*a).to_owned()), months))
        .collect();
    (areas, released.over_months(&refs, &Whom::AllAreas, months))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(kind: &str, area: &str, period: &str, category: &str, n: i64) -> FactRow {
        FactRow {
            kind: kind.into(),
            area_id: area.into(),
            period: period.into(),
            category: category.into(),
            n,
            timed: 0,
            elapsed_seconds: 0,
        }
    }

    fn areas(counts: [i64; 4], kind: &str, category: &str, period: &str) -> Vec<FactRow> {
        LOCAL_AUTHORITIES
            .iter()
            .zip(counts)
            .map(|((a, _), n)| fact(kind, a, period, category, n))
            .collect()
    }

    #[test]
    fn a_small_area_is_hidden_with_a_partner_and_the_total_kept() {
        let counted = vec![Counted {
            refs: vec![FactRef::kind(SUBMITTED)],
            whom: whom_of(Scope::Core, None),
        }];
        let facts = areas([12, 7, 3, 9], SUBMITTED, "", "2026-12");
        let months = vec!["2026-12".to_owned()];
        let r = release(&counted, &facts, &months, 4);
        let refs = &counted[0].refs;
        let got: Vec<Option<u64>> = LOCAL_AUTHORITIES
            .iter()
            .map(|(a, _)| r.count(refs, &Whom::Area((*a).to_owned()), "2026-12"))
            .collect();
        assert_eq!(got, [Some(12), None, None, Some(9)]);
        assert_eq!(r.count(refs, &Whom::AllAreas, "2026-12"), Some(31));
    }

    #[test]
    fn a_nested_measure_cannot_be_differenced_from_its_parent() {
        // All calls 30 in Hull, of which 28 anti-social behaviour: the 2
        // other calls would fall out of the two shown figures.
        let calls = Counted {
            refs: vec![FactRef::kind("engagement.demand_recorded")],
            whom: whom_of(Scope::Core, None),
        };
        let asb = Counted {
            refs: vec![FactRef::category(
                "engagement.demand_recorded",
                "anti_social_behaviour",
            )],
            whom: whom_of(Scope::Core, None),
        };
        let mut facts = areas(
            [28, 20, 25, 30],
            "engagement.demand_recorded",
            "anti_social_behaviour",
            "2026-01",
        );
        facts.extend(areas(
            [2, 10, 10, 10],
            "engagement.demand_recorded",
            "burglary",
            "2026-01",
        ));
        let months = vec!["2026-01".to_owned()];
        let r = release(&[calls.clone(), asb.clone()], &facts, &months, 4);
        let hull = Whom::Area("hull".into());
        let both = (
            r.count(&calls.refs, &hull, "2026-01"),
            r.count(&asb.refs, &hull, "2026-01"),
        );
        assert!(both.0.is_none() || both.1.is_none(), "{both:?}");
    }

    #[test]
    fn sums_over_months_and_areas_are_shown_only_when_every_part_is() {
        let counted = vec![Counted {
            refs: vec![FactRef::kind(SUBMITTED)],
            whom: whom_of(Scope::Core, None),
        }];
        let mut facts = areas([12, 7, 3, 9], SUBMITTED, "", "2026-11");
        facts.extend(areas([12, 7, 13, 9], SUBMITTED, "", "2026-12"));
        let months = vec!["2026-11".to_owned(), "2026-12".to_owned()];
        let r = release(&counted, &facts, &months, 4);
        let refs = &counted[0].refs;
        let nl = Whom::Area("north-lincolnshire".into());
        assert_eq!(r.over_months(refs, &nl, &months), None);
        assert_eq!(r.over_months(refs, &nl, &months[1..]), Some(13));
        assert_eq!(r.over_months(refs, &Whom::AllAreas, &months), Some(72));
        let pair = ["hull".to_owned(), "north-lincolnshire".to_owned()];
        assert_eq!(r.over_areas(refs, &pair, "2026-11"), None);
        // The other three are the total less Hull's.
        let three = [
            "east-riding".to_owned(),
            "north-lincolnshire".to_owned(),
            "north-east-lincolnshire".to_owned(),
        ];
        assert_eq!(r.over_areas(refs, &three, "2026-11"), Some(19));
        assert_eq!(r.over_areas(refs, &pair, "2026-12"), Some(25));
    }
}
