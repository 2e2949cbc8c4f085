//! A small dense simplex solver, enough to audit suppressed tables: the
//! range a hidden cell can take given everything published is a pair of
//! linear programmes. Tables are a few areas by a few dozen months, so a
//! dense tableau with Bland's rule (which cannot cycle) is plenty.

const EPS: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lp {
    Optimal(f64),
    Unbounded,
    Infeasible,
}

struct Tableau {
    t: Vec<Vec<f64>>,
    basis: Vec<usize>,
    rhs: usize,
}

impl Tableau {
    fn pivot(&mut self, row: usize, col: usize) {
        let p = self.t[row][col];
        for v in &mut self.t[row] {
            *v /= p;
        }
        let pivot_row = self.t[row].clone();
        for (i, r) in self.t.iter_mut().enumerate() {
            if i != row {
                let f = r[col];
                if f.abs() > EPS {
                    for (v, pv) in r.iter_mut().zip(&pivot_row) {
                        *v -= f * pv;
                    }
                }
            }
        }
        self.basis[row] = col;
    }

    fn objective(&self, cost: &[f64]) -> f64 {
        self.basis
            .iter()
            .zip(&self.t)
            .map(|(&b, r)| cost[b] * r[self.rhs])
            .sum()
    }

    /// Maximises `cost` letting only columns below `allowed` enter.
    /// `None` when unbounded.
    fn run(&mut self, cost: &[f64], allowed: usize) -> Option<f64> {
        loop {
            let entering = (0..allowed).find(|&j| {
                let reduced: f64 = cost[j]
                    - self
                        .basis
                        .iter()
                        .zip(&self.t)
                        .map(|(&b, r)| cost[b] * r[j])
                        .sum::<f64>();
                reduced > EPS
            });
            let Some(j) = entering else {
                return Some(self.objective(cost));
            };
            let mut leave: Option<(usize, f64)> = None;
            for (i, r) in self.t.iter().enumerate() {
                if r[j] > EPS {
                    let ratio = r[self.rhs] / r[j];
                    let better = match leave {
                        None => true,
                        Some((l, best)) => {
                            ratio < best - EPS
                                || ((ratio - best).abs() <= EPS && self.basis[i] < self.basis[l])
                        }
                    };
                    if better {
                        leave = Some((i, ratio));
                    }
                }
            }
            let (i, _) = leave?;
            self.pivot(i, j);
        }
    }
}

/// Maximises `c·x` subject to `A x = b`, `x ≥ 0`.
pub fn maximise(a: &[Vec<f64>], b: &[f64], c: &[f64]) -> Lp {
    let (m, n) = (a.len(), c.len());
    let rhs = n + m;
    let mut t = vec![vec![0.0; rhs + 1]; m];
    for (i, row) in t.iter_mut().enumerate() {
        let sign = if b[i] < 0.0 { -1.0 } else { 1.0 };
        for (j, v) in a[i].iter().enumerate().take(n) {
            row[j] = sign * v;
        }
        row[n + i] = 1.0;
        row[rhs] = sign * b[i];
    }
    let mut tab = Tableau {
        t,
        basis: (n..n + m).collect(),
        rhs,
    };
    // Phase one: drive the artificial variables to zero.
    let mut phase_one = vec![0.0; rhs];
    for v in &mut phase_one[n..] {
        *v = -1.0;
    }
    match tab.run(&phase_one, rhs) {
        Some(v) if v < -1e-7 => return Lp::Infeasible,
        None => return Lp::Infeasible,
        _ => {}
    }
    // Pivot artificials still basic (at zero) out where possible; a row
    // where that is impossible is redundant and never blocks a pivot.
    for i in 0..m {
        if tab.basis[i] >= n
            && let Some(j) = (0..n).find(|&j| tab.t[i][j].abs() > EPS)
        {
            tab.pivot(i, j);
        }
    }
    let mut cost = c.to_vec();
    cost.resize(rhs, 0.0);
    match tab.run(&cost, n) {
        Some(v) => Lp::Optimal(v),
        None => Lp::Unbounded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_small_programmes() {
        // x + y = 5, x - z = 1 (z slack for x ≥ 1): max x = 5, max -x = -1.
        let a = vec![vec![1.0, 1.0, 0.0], vec![1.0, 0.0, -1.0]];
        let b = [5.0, 1.0];
        assert_eq!(maximise(&a, &b, &[1.0, 0.0, 0.0]), Lp::Optimal(5.0));
        assert_eq!(maximise(&a, &b, &[-1.0, 0.0, 0.0]), Lp::Optimal(-1.0));
        // x - y = 0 leaves x unbounded above.
        assert_eq!(
            maximise(&[vec![1.0, -1.0]], &[0.0], &[1.0, 0.0]),
            Lp::Unbounded
        );
        // x + y = -1 has no non-negative solution.
        assert_eq!(
            maximise(&[vec![1.0, 1.0]], &[-1.0], &[1.0, 0.0]),
            Lp::Infeasible
        );
        // A redundant constraint (the second is twice the first).
        let a = vec![vec![1.0, 1.0], vec![2.0, 2.0]];
        assert_eq!(maximise(&a, &[3.0, 6.0], &[0.0, 1.0]), Lp::Optimal(3.0));
    }
}
