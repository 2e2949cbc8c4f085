//! Report packs: a board's measures for a period with commentary and
//! annotations, taken from draft through review to signature by a named
//! approver. A signed pack is frozen: its figures are a stored snapshot
//! with a SHA-256 hash, so it re-renders identically after source data is
//! corrected; changing it makes a new version. Every view and download is
//! recorded. This module holds the rules; the handlers are in
//! `api::packs` and `api::boards`, the storage in `store::packs`.

use crate::period::{self, MAX_MONTHS};
use eip_types::governance::{
    Board, Dashboard, Framework, MeasureStatus, Pack, PackInput, PackStatus, ReportValidation,
};
use eip_types::{FieldError, Principal, Role};
use sha2::{Digest, Sha256};

/// The months a pack covers, or every problem with its content.
pub fn validate(
    input: &PackInput,
    boards: &[Board],
    framework: &Framework,
) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !boards.iter().any(|b| b.id == input.board_id) {
        errors.push(FieldError::new("board_id", "Choose a board."));
    }
    let mut months = None;
    if input.from.trim().is_empty() {
        errors.push(FieldError::new(
            "from",
            "A pack needs a period: give its first month.",
        ));
    }
    if input.to.trim().is_empty() {
        errors.push(FieldError::new(
            "to",
            "A pack needs a period: give its last month.",
        ));
    }
    if !input.from.trim().is_empty() && !input.to.trim().is_empty() {
        match period::parse_range(Some(&input.from), Some(&input.to)) {
            Ok(m) => months = Some(m),
            Err(e) => errors.push(e),
        }
    }
    for (i, id) in input.measure_ids.iter().enumerate() {
        match framework.measures.iter().find(|m| m.id == *id) {
            None => errors.push(FieldError::new(
                format!("measure_ids[{i}]"),
                format!("There is no measure '{id}'."),
            )),
            Some(m) if m.status != MeasureStatus::Active => errors.push(FieldError::new(
                format!("measure_ids[{i}]"),
                format!("'{}' is not measured yet.", m.name),
            )),
            Some(_) => {}
        }
    }
    if input.commentary.chars().count() > 20_000 {
        errors.push(FieldError::new(
            "commentary",
            "Keep the commentary under 20,000 characters.",
        ));
    }
    if input.annotations.len() > 50 {
        errors.push(FieldError::new("annotations", "At most 50 annotations."));
    }
    for (i, a) in input.annotations.iter().enumerate() {
        if chrono::NaiveDate::parse_from_str(&a.date, "%Y-%m-%d").is_err() {
            errors.push(FieldError::new(
                format!("annotations[{i}].date"),
                "Give the date as YYYY-MM-DD.",
            ));
        }
        let len = a.text.trim().chars().count();
        if len == 0 || len > 200 {
            errors.push(FieldError::new(
                format!("annotations[{i}].text"),
                "Describe the event in 1 to 200 characters.",
            ));
        }
    }
    match months {
        Some(m) if errors.is_empty() && m.len() <= MAX_MONTHS => Ok(m),
        _ => Err(errors),
    }
}

/// A new draft: the first version of a series, or the next version of a
/// signed pack.
pub fn draft(
    id: String,
    series_id: String,
    version: i64,
    input: PackInput,
    created_by: &str,
    created_at: String,
) -> Pack {
    Pack {
        id,
        series_id,
        version,
        status: PackStatus::Draft,
        input,
        created_by: created_by.to_owned(),
        created_at,
        reviewed_by: None,
        reviewed_at: None,
        signed_by: None,
        signed_at: None,
        snapshot_sha256: None,
    }
}

/// The dashboard narrowed to the measures a pack reports, in the pack's
/// order; a pack of no chosen measures reports them all.
pub fn narrow(mut d: Dashboard, input: &PackInput) -> Dashboard {
    if !input.measure_ids.is_empty() {
        // A pack is validated for the measures it reports, not the others.
        d.validation
            .missing
            .retain(|m| input.measure_ids.contains(&m.measure_id));
        d.validation.valid = d.validation.missing.is_empty();
        d.measures
            .retain(|m| input.measure_ids.contains(&m.measure.id));
        d.measures
            .sort_by_key(|m| input.measure_ids.iter().position(|id| *id == m.measure.id));
    }
    d
}

/// Why a pack's figures are not yet a report: each core figure missing.
pub fn missing_figures(validation: &ReportValidation) -> Vec<FieldError> {
    validation
        .missing
        .iter()
        .map(|m| {
            FieldError::new(
                "measures",
                format!(
                    "{} has no data for {}: {}.",
                    m.measure_id, m.area_id, m.reason
                ),
            )
        })
        .collect()
}

/// Whether `user` may sign the board's packs: a board member it names.
pub fn is_approver(user: &Principal, board: Option<&Board>) -> bool {
    user.has_role(Role::Board) && board.is_some_and(|b| b.approvers.contains(&user.user_id))
}

/// Every problem with a list of approvers.
pub fn validate_approvers(approvers: &[String]) -> Vec<FieldError> {
    approvers
        .iter()
        .enumerate()
        .filter(|(_, a)| a.trim().is_empty() || a.len() > 100)
        .map(|(i, _)| FieldError::new(format!("approvers[{i}]"), "Give the user's id."))
        .collect()
}

/// The approvers to store: each named once, in order.
pub fn unique_approvers(approvers: &[String]) -> Vec<String> {
    let mut unique = approvers.to_vec();
    unique.sort();
    unique.dedup();
    unique
}

/// The canonical bytes of a snapshot and their SHA-256, hex.
pub fn seal(content: &Dashboard) -> Result<(String, String), serde_json::Error> {
    let text = serde_json::to_string(content)?;
    let hash = sha256_hex(&text);
    Ok((text, hash))
}

/// Whether a signed pack's stored snapshot still has the hash it was
/// signed with.
pub fn verified(pack: &Pack, snapshot: &str) -> bool {
    pack.snapshot_sha256.as_deref() == Some(sha256_hex(snapshot).as_str())
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
