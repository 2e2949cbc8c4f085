//! Safe small numbers for an area × month table of counts with its margins
//! (each area's total over the months, each month's total over the areas,
//! and the grand total).
//!
//! Primary suppression hides every count from 1 to the threshold, margins
//! included; zero is shown. Secondary suppression then hides further cells
//! until the audit passes: for every hidden cell, the range of values
//! consistent with everything published (shown cells, shown margins,
//! non-negativity) is wider than the threshold. The audit solves that range
//! exactly, as two linear programmes per hidden cell, so it also catches
//! recovery by differencing across areas or months.

use crate::lp::{Lp, maximise};

/// Which cells of a table are hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// `[area][month]`.
    pub cells: Vec<Vec<bool>>,
    /// Each area's total over the months.
    pub area_totals: Vec<bool>,
    /// Each month's total over the areas.
    pub month_totals: Vec<bool>,
    pub grand_total: bool,
}

/// A cell of the table, for naming audit results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Cell(usize, usize),
    AreaTotal(usize),
    MonthTotal(usize),
    Grand,
}

/// What an attacker can work out about one hidden cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub place: Place,
    pub low: f64,
    /// `f64::INFINITY` when nothing published bounds it.
    pub high: f64,
}

impl Range {
    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

fn small(v: u64, up_to: u64) -> bool {
    v >= 1 && v <= up_to
}

fn totals(values: &[Vec<u64>]) -> (Vec<u64>, Vec<u64>, u64) {
    let months = values.first().map_or(0, Vec::len);
    let area: Vec<u64> = values.iter().map(|r| r.iter().sum()).collect();
    let month: Vec<u64> = (0..months)
        .map(|m| values.iter().map(|r| r[m]).sum())
        .collect();
    let grand = area.iter().sum();
    (area, month, grand)
}

/// The linear programmes of a pattern: one variable per hidden cell and
/// margin, one equality per published sum.
struct Programme {
    vars: Vec<Place>,
    a_rows: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Programme {
    /// The feasible range of variable `i`.
    fn range(&self, i: usize) -> Range {
        let mut c = vec![0.0; self.vars.len()];
        c[i] = 1.0;
        let high = match maximise(&self.a_rows, &self.b, &c) {
            Lp::Optimal(v) => v,
            Lp::Unbounded | Lp::Infeasible => f64::INFINITY,
        };
        c[i] = -1.0;
        let low = match maximise(&self.a_rows, &self.b, &c) {
            Lp::Optimal(v) => -v,
            Lp::Unbounded | Lp::Infeasible => 0.0,
        };
        Range {
            place: self.vars[i],
            low,
            high,
        }
    }

    fn ranges(&self) -> impl Iterator<Item = Range> + '_ {
        (0..self.vars.len()).map(|i| self.range(i))
    }
}

/// The feasible range of every hidden cell and margin.
pub fn ranges(values: &[Vec<u64>], p: &Pattern) -> Vec<Range> {
    programme(values, p).ranges().collect()
}

fn programme(values: &[Vec<u64>], p: &Pattern) -> Programme {
    let (area_tot, month_tot, grand) = totals(values);
    // Variables: hidden cells, then hidden area totals, hidden month totals,
    // and the grand total if hidden.
    let mut vars: Vec<Place> = Vec::new();
    for (a, row) in p.cells.iter().enumerate() {
        for (m, &h) in row.iter().enumerate() {
            if h {
                vars.push(Place::Cell(a, m));
            }
        }
    }
    vars.extend(
        (0..p.area_totals.len())
            .filter(|&a| p.area_totals[a])
            .map(Place::AreaTotal),
    );
    vars.extend(
        (0..p.month_totals.len())
            .filter(|&m| p.month_totals[m])
            .map(Place::MonthTotal),
    );
    if p.grand_total {
        vars.push(Place::Grand);
    }
    if vars.is_empty() {
        return Programme {
            vars,
            a_rows: Vec::new(),
            b: Vec::new(),
        };
    }
    let index = |place: Place| vars.iter().position(|v| *v == place);
    let mut a_rows: Vec<Vec<f64>> = Vec::new();
    let mut b: Vec<f64> = Vec::new();
    // Each constraint: Σ parts − whole = 0, with known values moved across.
    let mut constraint = |parts: Vec<(Place, u64)>, whole: (Place, u64)| {
        let mut row = vec![0.0; vars.len()];
        let mut rhs = 0.0;
        for (place, v) in parts {
            match index(place) {
                Some(i) => row[i] += 1.0,
                None => rhs -= v as f64,
            }
        }
        match index(whole.0) {
            Some(i) => row[i] -= 1.0,
            None => rhs += whole.1 as f64,
        }
        a_rows.push(row);
        b.push(rhs);
    };
    let months = month_tot.len();
    for (a, row) in values.iter().enumerate() {
        constraint(
            (0..months).map(|m| (Place::Cell(a, m), row[m])).collect(),
            (Place::AreaTotal(a), area_tot[a]),
        );
    }
    for m in 0..months {
        constraint(
            (0..values.len())
                .map(|a| (Place::Cell(a, m), values[a][m]))
                .collect(),
            (Place::MonthTotal(m), month_tot[m]),
        );
    }
    constraint(
        (0..values.len())
            .map(|a| (Place::AreaTotal(a), area_tot[a]))
            .collect(),
        (Place::Grand, grand),
    );
    constraint(
        (0..months)
            .map(|m| (Place::MonthTotal(m), month_tot[m]))
            .collect(),
        (Place::Grand, grand),
    );
    Programme { vars, a_rows, b }
}

fn fails(r: &Range, up_to: u64) -> bool {
    r.width() <= up_to as f64 + 1e-6
}

/// Hidden cells an attacker could narrow to within `up_to` of the truth.
pub fn audit(values: &[Vec<u64>], p: &Pattern, up_to: u64) -> Vec<Range> {
    ranges(values, p)
        .into_iter()
        .filter(|r| fails(r, up_to))
        .collect()
}

/// The first hidden cell `audit` would name, solving no more programmes
/// than it takes to find it.
fn first_failing(values: &[Vec<u64>], p: &Pattern, up_to: u64) -> Option<Range> {
    programme(values, p).ranges().find(|r| fails(r, up_to))
}

/// Chooses what to hide so that no small count is shown and every hidden
/// cell passes the audit. Two strategies are tried (hide neighbouring cells
/// first, or the margins first) and the one that hides less is kept: with
/// sparse tables, hiding one total often saves hiding a whole column.
pub fn protect(values: &[Vec<u64>], up_to: u64) -> Pattern {
    let cells_first = protect_with(values, up_to, false);
    let margins_first = protect_with(values, up_to, true);
    if hidden_weight(values, &margins_first) < hidden_weight(values, &cells_first) {
        margins_first
    } else {
        cells_first
    }
}

/// How much a pattern hides: the number of non-zero figures (cells and
/// margins) it keeps from the reader.
fn hidden_weight(values: &[Vec<u64>], p: &Pattern) -> usize {
    let (area_tot, month_tot, grand) = totals(values);
    let count =
        |vals: &mut dyn Iterator<Item = (u64, bool)>| vals.filter(|(v, h)| *h && *v > 0).count();
    count(
        &mut values
            .iter()
            .flatten()
            .copied()
            .zip(p.cells.iter().flatten().copied()),
    ) + count(&mut area_tot.iter().copied().zip(p.area_totals.iter().copied()))
        + count(
            &mut month_tot
                .iter()
                .copied()
                .zip(p.month_totals.iter().copied()),
        )
        + usize::from(p.grand_total && grand > 0)
}

fn protect_with(values: &[Vec<u64>], up_to: u64, margins_first: bool) -> Pattern {
    let (area_tot, month_tot, grand) = totals(values);
    let mut p = Pattern {
        cells: values
            .iter()
            .map(|r| r.iter().map(|&v| small(v, up_to)).collect())
            .collect(),
        area_totals: area_tot.iter().map(|&v| small(v, up_to)).collect(),
        month_totals: month_tot.iter().map(|&v| small(v, up_to)).collect(),
        grand_total: small(grand, up_to),
    };
    if up_to == 0 {
        return p;
    }
    // Each round hides one more thing, so this many rounds always suffice.
    let mut rounds = values.len() * (month_tot.len() + 1) + month_tot.len() + 2;
    loop {
        // With one month, an area's total is its only cell; with one area,
        // a month's total is that area's cell: each is shown or hidden once.
        if month_tot.len() == 1 {
            p.area_totals = p.cells.iter().map(|r| r[0]).collect();
        }
        if values.len() == 1 {
            p.month_totals.clone_from(&p.cells[0]);
        }
        let Some(worst) = first_failing(values, &p, up_to) else {
            return p;
        };
        rounds = rounds.saturating_sub(1);
        let hid = (margins_first && hide_margin(values, &mut p, worst.place))
            || hide_partner(values, &mut p, worst.place);
        if rounds == 0 || !hid {
            // Nothing left to hide near it: hide every non-zero cell and
            // margin. Never reached on realistic tables; safe if it is.
            for (a, row) in values.iter().enumerate() {
                for (m, &v) in row.iter().enumerate() {
                    p.cells[a][m] |= v > 0;
                }
            }
            p.area_totals = area_tot.iter().map(|&v| v > 0).collect();
            p.month_totals = month_tot.iter().map(|&v| v > 0).collect();
            p.grand_total = grand > 0;
            return p;
        }
    }
}

/// Hides a shown non-zero margin that `place` adds up to: its month's total,
/// else its area's total, else the grand total. Returns whether it hid anything.
fn hide_margin(values: &[Vec<u64>], p: &mut Pattern, place: Place) -> bool {
    let (area_tot, month_tot, grand) = totals(values);
    let Place::Cell(a, m) = place else {
        return false;
    };
    if !p.month_totals[m] && month_tot[m] > 0 && values.len() > 1 {
        p.month_totals[m] = true;
        return true;
    }
    if !p.area_totals[a] && area_tot[a] > 0 && month_tot.len() > 1 {
        p.area_totals[a] = true;
        return true;
    }
    if !p.grand_total && grand > 0 {
        p.grand_total = true;
        return true;
    }
    false
}

/// Hides the smallest shown non-zero cell sharing an area or month with
/// `place`, else a margin it adds up to. Returns whether it hid anything.
fn hide_partner(values: &[Vec<u64>], p: &mut Pattern, place: Place) -> bool {
    let months = p.month_totals.len();
    let (areas, month_set): (Vec<usize>, Vec<usize>) = match place {
        Place::Cell(a, m) => (vec![a], vec![m]),
        Place::AreaTotal(a) => (vec![a], Vec::new()),
        Place::MonthTotal(m) => (Vec::new(), vec![m]),
        Place::Grand => ((0..values.len()).collect(), (0..months).collect()),
    };
    let mut candidates: Vec<(u64, usize, usize)> = Vec::new();
    for &a in &areas {
        candidates.extend(values[a].iter().enumerate().map(|(m, &v)| (v, a, m)));
    }
    for &m in &month_set {
        for (a, row) in values.iter().enumerate() {
            candidates.push((row[m], a, m));
        }
    }
    candidates.retain(|&(v, a, m)| v > 0 && !p.cells[a][m]);
    candidates.sort();
    if let Some(&(_, a, m)) = candidates.first() {
        p.cells[a][m] = true;
        return true;
    }
    let (area_tot, month_tot, grand) = totals(values);
    for &a in &areas {
        if !p.area_totals[a] && area_tot[a] > 0 {
            p.area_totals[a] = true;
            return true;
        }
    }
    for &m in &month_set {
        if !p.month_totals[m] && month_tot[m] > 0 {
            p.month_totals[m] = true;
            return true;
        }
    }
    if !p.grand_total && grand > 0 {
        p.grand_total = true;
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn a_single_hidden_cell_beside_a_shown_total_is_joined_by_another() {
        let values = vec![vec![6], vec![2], vec![0], vec![5]];
        let p = protect(&values, 4);
        assert_eq!(p.cells, [[false], [true], [false], [true]]);
        assert!(!p.grand_total);
        assert_eq!(audit(&values, &p, 4), []);
    }

    #[test]
    fn two_tiny_cells_do_not_protect_each_other() {
        // 1 + 1 = 2 shown as a total would pin both between 0 and 2.
        let values = vec![vec![1, 9], vec![1, 20], vec![30, 7]];
        let p = protect(&values, 4);
        assert_eq!(audit(&values, &p, 4), []);
        assert!(p.cells[0][0] && p.cells[1][0]);
        // Something beyond the two ones is hidden: a third cell or a margin.
        let more = p.cells.iter().flatten().filter(|h| **h).count() > 2
            || p.month_totals[0]
            || p.area_totals[0]
            || p.area_totals[1];
        assert!(more, "{p:?}");
    }

    #[test]
    fn a_sparse_table_hides_a_total_rather_than_every_area() {
        // One active month: protecting the 3 by hiding the month's total
        // keeps every other area's figure.
        let values = vec![vec![0, 12], vec![0, 7], vec![0, 3], vec![0, 9]];
        let p = protect(&values, 4);
        assert_eq!(audit(&values, &p, 4), []);
        let hidden: Vec<bool> = p.cells.iter().map(|r| r[1]).collect();
        assert_eq!(hidden, [false, false, true, false], "{p:?}");
        assert!(p.month_totals[1] && p.grand_total, "{p:?}");
    }

    #[test]
    fn differencing_across_months_is_caught() {
        // One hidden cell in a month, the rest of its area shown, and the
        // area total shown: the audit must see it can be recovered.
        let values = vec![vec![3, 10], vec![12, 11]];
        let naive = Pattern {
            cells: vec![vec![true, false], vec![true, false]],
            area_totals: vec![false, false],
            month_totals: vec![false, false],
            grand_total: false,
        };
        let failing = audit(&values, &naive, 4);
        assert!(failing.iter().any(|r| r.place == Place::Cell(0, 0)));
        let p = protect(&values, 4);
        assert_eq!(audit(&values, &p, 4), []);
    }

    /// On generated tables, no small count is ever shown, shown margins are
    /// the true sums, and every hidden cell's feasible range is wider than
    /// the threshold.
    #[test]
    fn the_audit_passes_on_generated_tables() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..300 {
            let areas = 1 + (rng.next() % 4) as usize;
            let months = 1 + (rng.next() % 6) as usize;
            let up_to = [3, 4, 5][(rng.next() % 3) as usize];
            let values: Vec<Vec<u64>> = (0..areas)
                .map(|_| {
                    (0..months)
                        .map(|_| match rng.next() % 4 {
                            0 => 0,
                            1 => 1 + rng.next() % up_to,
                            _ => rng.next() % 30,
                        })
                        .collect()
                })
                .collect();
            let p = protect(&values, up_to);
            for (a, row) in values.iter().enumerate() {
                for (m, &v) in row.iter().enumerate() {
                    if small(v, up_to) {
                        assert!(p.cells[a][m], "round {round}: {values:?}");
                    }
                    if v == 0 && p.cells[a][m] {
                        panic!("round {round}: a zero was hidden");
                    }
                }
            }
            let failing = audit(&values, &p, up_to);
            assert_eq!(failing, [], "round {round}: {values:?} {p:?}");
            for r in ranges(&values, &p) {
                let truth = match r.place {
                    Place::Cell(a, m) => values[a][m],
                    Place::AreaTotal(a) => values[a].iter().sum(),
                    Place::MonthTotal(m) => values.iter().map(|row| row[m]).sum(),
                    Place::Grand => values.iter().flatten().sum(),
                } as f64;
                assert!(
                    r.low - 1e-6 <= truth && truth <= r.high + 1e-6,
                    "{r:?} {truth}"
                );
            }
        }
    }
}
