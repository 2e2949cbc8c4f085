//! The CSV files the service hands out: the skills matrix, coverage, and a
//! practitioner's renewal pack. Pure: each is written into memory.

use crate::evidence::uncorrected;
use chrono::NaiveDate;
use eip_types::training::{Coverage, Evidence, Matrix};

/// Writing CSV into memory failed.
#[derive(Debug)]
pub struct CsvError(String);

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "writing CSV: {}", self.0)
    }
}

impl std::error::Error for CsvError {}

fn csv_error(e: impl std::fmt::Display) -> CsvError {
    CsvError(e.to_string())
}

/// A cell as a spreadsheet will not run as a formula.
pub fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The matrix: one row per person, one status column per competency.
pub fn matrix_csv(m: &Matrix) -> Result<Vec<u8>, CsvError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = ["name", "team", "area", "role", "agency"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    head.extend(m.competencies.iter().map(|c| c.id.clone()));
    w.write_record(&head).map_err(csv_error)?;
    for r in &m.rows {
        let mut line = vec![
            cell(&r.name),
            cell(&r.team),
            r.area.clone(),
            r.role_id.clone(),
            cell(r.agency.as_deref().unwrap_or_default()),
        ];
        line.extend(r.cells.iter().map(|c| c.status.as_str().to_owned()));
        w.write_record(&line).map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

/// Coverage, the percentage written as every view shows it.
pub fn coverage_csv(coverage: &[Coverage]) -> Result<Vec<u8>, CsvError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scope",
        "scope_id",
        "competency_id",
        "required",
        "current",
        "coverage",
    ])
    .map_err(csv_error)?;
    for c in coverage {
        w.write_record([
            c.scope.clone(),
            cell(&c.scope_id),
            c.competency_id.clone().unwrap_or_default(),
            c.required.to_string(),
            c.current.to_string(),
            c.display(),
        ])
        .map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

/// A renewal pack for the window from `from` to the day before `until`:
/// each CPD, process, supervision and observed-practice entry of the log
/// that counts, by date, then the totals (CPD hours approved and other,
/// processes delivered).
pub fn renewal_pack_csv(
    log: &[Evidence],
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<u8>, CsvError> {
    let mut lines: Vec<&Evidence> = uncorrected(log)
        .filter(|e| e.occurred_on >= from && e.occurred_on < until)
        .filter(|e| {
            matches!(
                e.activity.as_str(),
                "cpd" | "process" | "supervision" | "observation"
            )
        })
        .collect();
    lines.sort_by_key(|e| (e.occurred_on, e.activity.clone()));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "activity",
        "date",
        "competency_id",
        "hours",
        "approved",
        "note",
    ])
    .map_err(csv_error)?;
    let (mut approved, mut other, mut processes) = (0.0, 0.0, 0u32);
    for e in &lines {
        let hours = e.hours.unwrap_or(0.0);
        match (e.activity.as_str(), e.approved) {
            ("cpd", true) => approved += hours,
            ("cpd", false) => other += hours,
            ("process", _) => processes += 1,
            _ => {}
        }
        w.write_record([
            e.activity.clone(),
            e.occurred_on.to_string(),
            e.competency_id.clone(),
            e.hours.map(|h| format!("{h:.2}")).unwrap_or_default(),
            if e.activity == "cpd" {
                if e.approved { "yes" } else { "no" }
            } else {
                ""
            }
            .to_owned(),
            cell(e.note.as_deref().unwrap_or_default()),
        ])
        .map_err(csv_error)?;
    }
    let last_day = until.pred_opt().unwrap_or(until);
    for (label, value) in [
        ("total_cpd_approved_hours", format!("{approved:.2}")),
        ("total_cpd_other_hours", format!("{other:.2}")),
        ("total_processes_delivered", processes.to_string()),
    ] {
        w.write_record([label, &format!("{from}..{last_day}"), "", &value, "", ""])
            .map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_quoted() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("Alex Demo"), "Alex Demo");
    }
}
