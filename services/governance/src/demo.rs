//! Demonstration data: the demo board member may sign every board's packs,
//! and the Early Intervention Police Governance Board has a current pack,
//! written by the demo analyst and reviewed by the demo administrator, so
//! the demonstration shows sign-off end to end. Loaded only when no pack
//! exists yet; approvers already named are left as they are.

use crate::store::packs;
use chrono::{Datelike, Months, NaiveDate};
use eip_platform::db::{Db, now_text};
use eip_types::governance::{Annotation, Pack, PackInput, PackStatus};

/// The demo board member (user ids equal usernames in the demo).
pub const APPROVER: &str = "board";
pub const BOARD: &str = "ei-police-governance-board";

/// The twelve months up to and including `today`'s.
pub fn current_period(today: NaiveDate) -> (String, String) {
    let first = today.with_day(1).unwrap_or(today);
    let from = first.checked_sub_months(Months::new(11)).unwrap_or(first);
    (
        from.format("%Y-%m").to_string(),
        first.format("%Y-%m").to_string(),
    )
}

pub async fn seed(db: &Db, today: NaiveDate) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    if packs::count(&mut tx).await? > 0 {
        return tx.rollback().await;
    }
    for board in packs::board_ids(&mut tx).await? {
        if packs::approver_count(&mut tx, &board).await? == 0 {
            packs::add_approver(&mut tx, &board, APPROVER).await?;
        }
    }
    let (from, to) = current_period(today);
    let input = PackInput {
        board_id: BOARD.into(),
        from: from.clone(),
        annotations: vec![Annotation {
            date: format!("{from}-01"),
            text: "Demonstration data begins".into(),
        }],
        to,
        measure_ids: Vec::new(),
        commentary: "Demonstration pack: every figure comes from generated demonstration data. \
            Read the charts for signals, not single months."
            .into(),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_text();
    let pack = Pack {
        status: PackStatus::Reviewed,
        reviewed_by: Some("admin".into()),
        reviewed_at: Some(now.clone()),
        ..crate::packs::draft(id.clone(), id, 1, input, "analyst", now)
    };
    packs::insert(&mut tx, &pack).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_period_is_the_twelve_months_to_this_one() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        assert_eq!(
            current_period(day),
            ("2025-12".to_owned(), "2026-11".to_owned())
        );
    }
}
