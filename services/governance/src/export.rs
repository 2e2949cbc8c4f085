//! CSV export of a pack's tables: the period, area and board are printed
//! above the table, symbols stay symbols, and the footnotes follow it.

use eip_types::governance::{Dashboard, FOOTNOTES, MeasureReport, Pack, method_statement};

/// One measure's table as CSV.
pub fn csv(report: &MeasureReport, pack: &Pack, content: &Dashboard) -> Result<String, csv::Error> {
    let unit = report.measure.unit;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record([report.measure.name.as_str()])?;
    w.write_record(["Period", &format!("{} to {}", content.from, content.to)])?;
    w.write_record([
        "Pack",
        &format!("version {} ({})", pack.version, pack.status.as_str()),
    ])?;
    w.write_record(["Unit", unit.as_str()])?;
    w.write_record([
        "Suppression",
        &format!("counts from 1 to {} hidden", content.suppress_up_to),
    ])?;
    w.write_record(["Method", &method_statement(content.suppress_up_to)])?;
    let mut header = vec!["Area".to_owned()];
    header.extend(report.table.months.iter().cloned());
    header.push("All months".into());
    w.write_record(&header)?;
    for row in &report.table.rows {
        let mut line = vec![row.area_name.clone()];
        line.extend(row.cells.iter().map(|c| c.display(unit)));
        line.push(row.total.display(unit));
        w.write_record(&line)?;
    }
    let mut line = vec!["All areas".to_owned()];
    line.extend(report.table.month_totals.iter().map(|c| c.display(unit)));
    line.push(report.table.grand_total.display(unit));
    w.write_record(&line)?;
    for (symbol, text) in FOOTNOTES {
        w.write_record([symbol, text])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
