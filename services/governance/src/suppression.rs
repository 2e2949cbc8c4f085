//! Small-number suppression for published tables.
//!
//! Primary: every count from 1 to `up_to` is hidden. Secondary: where one
//! hidden cell could be worked out from the shown total and the other cells,
//! the next smallest shown cell is hidden too; a total made only of hidden
//! cells is hidden itself. Zero is shown: it identifies nobody.

use crate::release::{self, Released};
use eip_types::governance::{AreaCount, Cell, SubmittedPerArea};
use eip_types::place::LOCAL_AUTHORITIES;

/// Returns the cells as published and the published total.
pub fn suppress(counts: &[u64], up_to: u64) -> (Vec<Cell>, Cell) {
    let total: u64 = counts.iter().sum();
    let mut hidden: Vec<bool> = counts.iter().map(|&c| c >= 1 && c <= up_to).collect();

    let total_cell = if total >= 1 && total <= up_to {
        Cell::Suppressed
    } else {
        Cell::Shown(total)
    };
    if matches!(total_cell, Cell::Shown(_)) && hidden.iter().filter(|h| **h).count() == 1 {
        // Hide the smallest other non-zero cell so the first cannot be derived.
        if let Some((i, _)) = counts
            .iter()
            .enumerate()
            .filter(|(i, c)| !hidden[*i] && **c > 0)
            .min_by_key(|(_, c)| **c)
        {
            hidden[i] = true;
        }
    }
    let cells = counts
        .iter()
        .zip(&hidden)
        .map(|(&c, &h)| if h { Cell::Suppressed } else { Cell::Shown(c) })
        .collect();
    (cells, total_cell)
}

/// Referrals submitted per local authority area over `months`, as
/// `released`: every area listed, an area (or the total) shown only when
/// every month of it is.
pub fn per_area(released: &Released, months: &[String], up_to: u64) -> SubmittedPerArea {
    let (areas, total) = release::submitted_per_area(released, months);
    let cell = |v: Option<u64>| v.map_or(Cell::Suppressed, Cell::Shown);
    let rows = LOCAL_AUTHORITIES
        .iter()
        .zip(areas)
        .map(|((id, name), count)| AreaCount {
            area_id: (*id).to_owned(),
            area_name: (*name).to_owned(),
            count: cell(count),
        })
        .collect();
    SubmittedPerArea {
        rows,
        total: cell(total),
        suppress_up_to: up_to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Cell::{Shown, Suppressed};

    #[test]
    fn small_counts_are_hidden_and_zero_and_large_shown() {
        let (cells, total) = suppress(&[0, 3, 12, 9], 4);
        assert_eq!(cells, [Shown(0), Suppressed, Shown(12), Suppressed]);
        assert_eq!(total, Shown(24));
    }

    #[test]
    fn two_small_cells_need_no_secondary_suppression() {
        let (cells, total) = suppress(&[2, 3, 12, 9], 4);
        assert_eq!(cells, [Suppressed, Suppressed, Shown(12), Shown(9)]);
        assert_eq!(total, Shown(26));
    }

    #[test]
    fn a_small_total_is_hidden() {
        let (cells, total) = suppress(&[0, 3, 0, 0], 4);
        assert_eq!(cells, [Shown(0), Suppressed, Shown(0), Shown(0)]);
        assert_eq!(total, Suppressed);
    }

    #[test]
    fn the_threshold_is_configurable() {
        let (cells, _) = suppress(&[5, 10, 11], 10);
        assert_eq!(cells, [Suppressed, Suppressed, Shown(11)]);
        let (cells, total) = suppress(&[1, 2], 0);
        assert_eq!(cells, [Shown(1), Shown(2)]);
        assert_eq!(total, Shown(3));
    }

    /// No hidden cell can be recovered as total minus the shown cells.
    #[test]
    fn no_hidden_cell_is_derivable_from_the_total() {
        let mut state = 0x9e37_79b9_u64;
        for _ in 0..5_000 {
            let counts: Vec<u64> = (0..5)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state % 15
                })
                .collect();
            let (cells, total) = suppress(&counts, 4);
            let hidden = cells.iter().filter(|c| **c == Suppressed).count();
            if let Shown(t) = total {
                assert_eq!(t, counts.iter().sum::<u64>());
                assert_ne!(hidden, 1, "{counts:?} -> {cells:?}");
            }
            for (c, cell) in counts.iter().zip(&cells) {
                if (1..=4).contains(c) {
                    assert_eq!(*cell, Suppressed, "{counts:?}");
                }
            }
        }
    }
}
