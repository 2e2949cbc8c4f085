//! The document's content: the front matter, the commentary and
//! annotations, a section per measure, and the symbols.

use super::CHART_H;
use super::chart::{chart_figure, icons};
use super::layout::{Layout, SNode};
use super::tables::tables;
use eip_types::governance::{
    Dashboard, FOOTNOTES, MeasureReport, Pack, PackStatus, method_statement,
};
use krilla::tagging::Tag;

pub(super) fn tree(
    l: &mut Layout,
    pack: &Pack,
    board_name: &str,
    content: &Dashboard,
) -> Vec<SNode> {
    let mut doc = vec![l.heading(1, &format!("{board_name}: report pack"))];
    for line in front_matter(pack, content) {
        doc.push(l.paragraph(&line));
    }
    if !content.validation.valid {
        doc.push(l.paragraph(&format!(
            "Not publishable for {}: {} core figure(s) missing.",
            content.validation.period,
            content.validation.missing.len()
        )));
    }
    let commentary = pack.input.commentary.trim();
    if !commentary.is_empty() {
        doc.push(l.heading(2, "Commentary"));
        for para in commentary
            .split('\n')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            doc.push(l.paragraph(para));
        }
    }
    if !pack.input.annotations.is_empty() {
        doc.push(l.heading(2, "Annotations"));
        for a in &pack.input.annotations {
            doc.push(l.paragraph(&format!("{}: {}", a.date, a.text)));
        }
    }
    for report in &content.measures {
        doc.push(measure_section(l, pack, report));
    }
    if !content.planned.is_empty() {
        doc.push(l.heading(2, "Measures not collected yet"));
        for m in &content.planned {
            let awaiting = m.awaiting.as_deref().unwrap_or("its source events");
            doc.push(l.paragraph(&format!("{}: awaiting {awaiting}.", m.name)));
        }
    }
    doc.push(l.heading(2, "Symbols"));
    for (symbol, text) in FOOTNOTES {
        doc.push(l.paragraph(&format!("{symbol} {text}")));
    }
    doc
}

/// The lines under the title: what the pack covers and where it stands.
fn front_matter(pack: &Pack, content: &Dashboard) -> Vec<String> {
    let mut areas: Vec<&str> = Vec::new();
    for row in content.measures.iter().flat_map(|m| &m.table.rows) {
        if !areas.contains(&row.area_name.as_str()) {
            areas.push(&row.area_name);
        }
    }
    let measures = if pack.input.measure_ids.is_empty() {
        "every active measure of the framework".to_owned()
    } else {
        content
            .measures
            .iter()
            .map(|m| m.measure.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![
        format!("Period: {} to {}", content.from, content.to),
        format!(
            "Areas: {}",
            if areas.is_empty() {
                "none reported".to_owned()
            } else {
                areas.join(", ")
            }
        ),
        format!("Measures: {measures}"),
        method_statement(content.suppress_up_to),
    ];
    let mut status = format!(
        "Version {}, {}. Written by {} on {}.",
        pack.version,
        pack.status.as_str(),
        pack.created_by,
        pack.created_at
    );
    if let (Some(by), Some(at)) = (&pack.reviewed_by, &pack.reviewed_at) {
        status.push_str(&format!(" Reviewed by {by} on {at}."));
    }
    if let (Some(by), Some(at)) = (&pack.signed_by, &pack.signed_at) {
        status.push_str(&format!(" Signed by {by} on {at}."));
    }
    lines.push(status);
    lines.push(match (&pack.status, &pack.snapshot_sha256) {
        (PackStatus::Signed, Some(hash)) => {
            format!("Figures frozen at signing; snapshot SHA-256 {hash}.")
        }
        _ => "Figures are live until the pack is signed, and may change.".to_owned(),
    });
    lines
}

fn measure_section(l: &mut Layout, pack: &Pack, report: &MeasureReport) -> SNode {
    // A measure starts on a page with room for its heading, definition and
    // chart, so the heading is never left alone at the foot of a page.
    l.ensure(CHART_H + 70.0);
    let mut section = vec![l.heading(2, &report.measure.name)];
    section.push(l.paragraph(&format!(
        "{} Unit: {}.",
        report.measure.definition,
        report.measure.unit.as_str()
    )));
    section.push(chart_figure(l, pack, report));
    section.push(icons(l, report));
    section.extend(tables(l, report));
    SNode::Group(Tag::Section.into(), section)
}
