//! A measure's table, in parts of at most twelve months, paginated with
//! the header row repeated.

use super::layout::{Layout, SNode, line, text};
use super::{AREA_W, BODY_BOTTOM, BODY_W, MARGIN, MONTHS_PER_PART, MUTED, ROW_H, TEXT};
use eip_types::governance::{MeasureReport, Published, Unit};
use krilla::tagging::{ArtifactType, TableHeaderScope, Tag};

/// The measure's table, in parts of at most twelve months, each paginated
/// with its header row repeated on every page.
pub(super) fn tables(l: &mut Layout, report: &MeasureReport) -> Vec<SNode> {
    let t = &report.table;
    let unit = report.measure.unit;
    let parts: Vec<(usize, usize)> = (0..t.months.len().max(1))
        .step_by(MONTHS_PER_PART)
        .map(|s| (s, (s + MONTHS_PER_PART).min(t.months.len())))
        .collect();
    let last_part = parts.len().saturating_sub(1);
    let mut out = Vec::new();
    for (n, (start, end)) in parts.into_iter().enumerate() {
        let with_total = n == last_part;
        let mut header = vec!["Area".to_owned()];
        header.extend(t.months[start..end].iter().cloned());
        if with_total {
            header.push("All months".into());
        }
        let mut rows: Vec<(String, Vec<Published>)> = t
            .rows
            .iter()
            .map(|r| {
                let mut cells = slice(&r.cells, start, end);
                if with_total {
                    cells.push(r.total);
                }
                (r.area_name.clone(), cells)
            })
            .collect();
        let mut totals = slice(&t.month_totals, start, end);
        if with_total {
            totals.push(t.grand_total);
        }
        rows.push(("All areas".into(), totals));
        let caption = if t.months.is_empty() {
            format!("{}: no months in the period.", report.measure.name)
        } else {
            format!(
                "Table: {} ({}), {} to {}.",
                report.measure.name,
                unit.as_str(),
                t.months.get(start).map_or("", String::as_str),
                t.months
                    .get(end.saturating_sub(1))
                    .map_or("", String::as_str)
            )
        };
        l.ensure(12.0 + 3.0 * ROW_H);
        let caption = l.block(Tag::Caption.into(), &caption, 10.0, 2.0);
        out.push(table(l, caption, &header, &rows, unit));
        l.y += 8.0;
    }
    if report
        .table
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().chain([&r.total]))
        .chain(&report.table.month_totals)
        .any(|c| c.symbol().is_some())
    {
        out.push(l.block(
            Tag::Note.into(),
            "[c] confidential, [x] not available, [z] not applicable: see Symbols at the end.",
            8.5,
            6.0,
        ));
    }
    out
}

/// Cells `start..end`, as many as there are.
fn slice(cells: &[Published], start: usize, end: usize) -> Vec<Published> {
    cells
        .iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .copied()
        .collect()
}

fn columns(header: &[String]) -> Vec<(f32, f32)> {
    let n = header.len().saturating_sub(1).max(1) as f32;
    let w = ((BODY_W - AREA_W) / n).min(64.0);
    let mut cols = vec![(MARGIN, AREA_W)];
    cols.extend((0..header.len().saturating_sub(1)).map(|i| (MARGIN + AREA_W + w * i as f32, w)));
    cols
}

fn table(
    l: &mut Layout,
    caption: SNode,
    header: &[String],
    rows: &[(String, Vec<Published>)],
    unit: Unit,
) -> SNode {
    let cols = columns(header);
    let right_edge = cols.last().map_or(MARGIN + AREA_W, |(x, w)| x + w);
    let size = 8.5;
    // Header row: real structure the first time, furniture on later pages.
    let header_cells = |l: &mut Layout, tagged: bool| -> Option<SNode> {
        let mut cells = Vec::new();
        for (i, (label, (x, w))) in header.iter().zip(&cols).enumerate() {
            let tx = if i == 0 {
                *x + 2.0
            } else {
                x + w - 3.0 - l.metrics.width(label, size)
            };
            let baseline = l.y + ROW_H - 4.0;
            if tagged {
                let leaf = l.span(tx, baseline, size, label, TEXT);
                cells.push(SNode::Group(
                    Tag::TH(TableHeaderScope::Column).into(),
                    vec![leaf],
                ));
            } else {
                l.artifact(
                    ArtifactType::PaginationOther,
                    vec![text(tx, baseline, size, label, TEXT)],
                );
            }
        }
        let rule = line(
            &[(MARGIN, l.y + ROW_H), (right_edge, l.y + ROW_H)],
            0.8,
            MUTED,
            None,
        );
        l.artifact(ArtifactType::Layout, vec![rule]);
        l.y += ROW_H;
        tagged.then(|| SNode::Group(Tag::TR.into(), cells))
    };
    l.ensure(2.0 * ROW_H);
    let head = header_cells(l, true);
    let mut body = Vec::new();
    for (r, (area, cells)) in rows.iter().enumerate() {
        if l.y + ROW_H > BODY_BOTTOM {
            l.new_page();
            header_cells(l, false);
        }
        let baseline = l.y + ROW_H - 4.0;
        let last = r + 1 == rows.len();
        if last {
            l.artifact(
                ArtifactType::Layout,
                vec![line(&[(MARGIN, l.y), (right_edge, l.y)], 0.5, MUTED, None)],
            );
        }
        let name = l.span(cols[0].0 + 2.0, baseline, size, area, TEXT);
        let mut tr = vec![SNode::Group(
            Tag::TH(TableHeaderScope::Row).into(),
            vec![name],
        )];
        for (cell, (x, w)) in cells.iter().zip(cols.iter().skip(1)) {
            let shown = cell.display(unit);
            let tx = x + w - 3.0 - l.metrics.width(&shown, size);
            let leaf = l.span(tx, baseline, size, &shown, TEXT);
            tr.push(SNode::Group(Tag::TD.into(), vec![leaf]));
        }
        body.push(SNode::Group(Tag::TR.into(), tr));
        l.y += ROW_H;
    }
    let mut children = vec![caption];
    children.extend(head.map(|h| SNode::Group(Tag::THead.into(), vec![h])));
    children.push(SNode::Group(Tag::TBody.into(), body));
    SNode::Group(Tag::Table.into(), children)
}
