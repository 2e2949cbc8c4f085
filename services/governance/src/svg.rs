//! XmR charts as inline SVG: accessible (a title and a description that
//! say what the icons say), vector, and identical for identical input.

use eip_types::governance::{Annotation, MeasureReport, Signal, Unit};
use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Where a chart's values and months fall in a drawing area: shared by
/// the SVG chart and the PDF pack so both draw the same picture.
pub(crate) struct Frame {
    lo: f64,
    hi: f64,
    n: usize,
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Frame {
    /// The value range of the chart (points, limits, target, and zero),
    /// laid over the box from (`left`, `top`) to (`right`, `bottom`).
    pub fn of(report: &MeasureReport, left: f64, top: f64, right: f64, bottom: f64) -> Self {
        let c = &report.chart;
        let mut values: Vec<f64> = c.points.iter().map(|p| p.value).collect();
        for s in &c.segments {
            values.extend([Some(s.mean), s.upper, s.lower].into_iter().flatten());
        }
        values.extend(c.target);
        let lo = values
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .min(0.0);
        let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !hi.is_finite() || hi <= lo {
            hi = lo + 1.0;
        }
        Self {
            lo,
            hi,
            n: report.table.months.len().max(1),
            left,
            top,
            right,
            bottom,
        }
    }

    /// The horizontal centre of the `i`th month.
    pub fn x(&self, i: usize) -> f64 {
        self.left + (self.right - self.left) * (i as f64 + 0.5) / self.n as f64
    }

    pub fn y(&self, v: f64) -> f64 {
        self.top + (self.bottom - self.top) * (1.0 - (v - self.lo) / (self.hi - self.lo))
    }

    /// The values labelled on the vertical axis.
    pub fn ticks(&self) -> [f64; 3] {
        [self.lo, (self.lo + self.hi) / 2.0, self.hi]
    }

    /// Every how many months the horizontal axis is labelled.
    pub fn month_step(&self) -> usize {
        self.n.div_ceil(6)
    }
}

/// Points split where a month is missing between them: each run of
/// consecutive months, as the line joins them.
pub fn runs<T: Copy>(placed: &[(usize, T)]) -> Vec<Vec<(usize, T)>> {
    let mut out: Vec<Vec<(usize, T)>> = Vec::new();
    for &(i, v) in placed {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|(j, _)| j + 1 == i) => run.push((i, v)),
            _ => out.push(vec![(i, v)]),
        }
    }
    out
}

/// What a chart says, in words: its text alternative.
pub(crate) fn description(report: &MeasureReport) -> String {
    let c = &report.chart;
    let mut desc = format!("{}. {}.", report.measure.name, c.variation.text());
    if let Some(a) = c.assurance {
        let _ = write!(desc, " {}.", a.text());
    }
    if c.segments.iter().any(|s| s.trial) {
        desc.push_str(" Trial limits: fewer than twelve points.");
    }
    let hidden = report.table.months.len().saturating_sub(c.points.len());
    if c.points.is_empty() {
        desc.push_str(" No published points in this period.");
    } else if hidden > 0 {
        let _ = write!(
            desc,
            " {hidden} hidden month{} left as gaps: the line is not joined across them, and no \
             moving range is taken across them.",
            if hidden == 1 { " is" } else { "s are" }
        );
    }
    if !c.points.is_empty() && c.segments.iter().all(|s| s.upper.is_none()) {
        desc.push_str(" Too few consecutive published months for process limits.");
    }
    desc
}

pub(crate) fn fmt(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

/// The charts of a page's measures, in order, each with the annotations.
pub fn charts(reports: &[MeasureReport], annotations: &[Annotation]) -> Vec<String> {
    reports
        .iter()
        .enumerate()
        .map(|(i, m)| chart(m, annotations, &format!("chart-{i}")))
        .collect()
}

/// The chart of one measure over the table's months. `id` makes element
/// ids unique on a page holding several charts.
pub fn chart(report: &MeasureReport, annotations: &[Annotation], id: &str) -> String {
    let months = &report.table.months;
    let c = &report.chart;
    let unit = report.measure.unit;
    let frame = Frame::of(report, LEFT, TOP, W - RIGHT, H - BOTTOM);
    let x = |i: usize| frame.x(i);
    let y = |v: f64| frame.y(v);
    let index = |period: &str| months.iter().position(|m| m == period);
    let desc = description(report);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="spc-chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(&report.measure.name),
        esc(&desc)
    );
    // Axes and y labels.
    let _ = write!(
        s,
        r##"<g class="axis" stroke="#505a5f" stroke-width="1"><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{}"/><line x1="{LEFT}" y1="{}" x2="{}" y2="{}"/></g>"##,
        H - BOTTOM,
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM
    );
    for v in frame.ticks() {
        let _ = write!(
            s,
            r##"<text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            LEFT - 6.0,
            y(v) + 4.0,
            fmt(v, unit)
        );
    }
    let step = frame.month_step();
    for (i, m) in months.iter().enumerate().filter(|(i, _)| i % step == 0) {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="#0b0c0c">{m}</text>"##,
            x(i),
            H - BOTTOM + 16.0
        );
    }
    // Target: a line only; points are coloured by the rules alone.
    if let Some(t) = c.target {
        let _ = write!(
            s,
            r##"<line class="target" x1="{LEFT}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#d4351c" stroke-dasharray="2 3" stroke-width="1.5"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end" fill="#0b0c0c">target {}</text>"##,
            W - RIGHT,
            y(t),
            y(t),
            W - RIGHT,
            y(t) - 3.0,
            fmt(t, unit)
        );
    }
    // Per segment: mean and limits over its own points; lines break at a rebase.
    for seg in &c.segments {
        let pts = &c.points[seg.start..seg.start + seg.len];
        let (Some(first), Some(last)) = (
            pts.first().and_then(|p| index(&p.period)),
            pts.last().and_then(|p| index(&p.period)),
        ) else {
            continue;
        };
        let (x1, x2) = (x(first) - 8.0, x(last) + 8.0);
        let _ = write!(
            s,
            r##"<line class="mean" x1="{x1:.1}" x2="{x2:.1}" y1="{:.1}" y2="{:.1}" stroke="#505a5f" stroke-width="1.5"/>"##,
            y(seg.mean),
            y(seg.mean)
        );
        for limit in [seg.upper, seg.lower].into_iter().flatten() {
            let _ = write!(
                s,
                r##"<line class="limit" x1="{x1:.1}" x2="{x2:.1}" y1="{:.1}" y2="{:.1}" stroke="#505a5f" stroke-dasharray="6 4" stroke-width="1"/>"##,
                y(limit),
                y(limit)
            );
        }
        if let Some(r) = &seg.rebase {
            let _ = write!(
                s,
                r##"<text x="{x1:.1}" y="{}" font-size="10" fill="#0b0c0c">rebased: {}</text>"##,
                TOP - 6.0,
                esc(&r.reason)
            );
        }
        // The line joins consecutive months only: a hidden month is a gap.
        let placed: Vec<(usize, f64)> = pts
            .iter()
            .filter_map(|p| index(&p.period).map(|i| (i, p.value)))
            .collect();
        for run in runs(&placed) {
            let path: Vec<String> = run
                .iter()
                .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
                .collect();
            let _ = write!(
                s,
                r##"<polyline class="series" fill="none" stroke="#505a5f" stroke-width="1.5" points="{}"/>"##,
                path.join(" ")
            );
        }
    }
    for p in &c.points {
        let Some(i) = index(&p.period) else { continue };
        let (class, colour) = match p.signal {
            None => ("common", "#a0a0a0"),
            Some(Signal::Improving) => ("improving", "#005eb8"),
            Some(Signal::Concerning) => ("concerning", "#ed8b00"),
            Some(Signal::Neither) => ("neither", "#7c2855"),
        };
        let _ = write!(
            s,
            r#"<circle class="point {class}" cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"><title>{}: {}</title></circle>"#,
            x(i),
            y(p.value),
            p.period,
            fmt(p.value, unit)
        );
    }
    for a in annotations {
        let Some(i) = a.date.get(..7).and_then(index) else {
            continue;
        };
        let _ = write!(
            s,
            r##"<g class="annotation"><line x1="{:.1}" x2="{:.1}" y1="{TOP}" y2="{}" stroke="#1d70b8" stroke-width="1"/><text x="{:.1}" y="{}" font-size="10" fill="#1d70b8">{}</text></g>"##,
            x(i),
            x(i),
            H - BOTTOM,
            x(i) + 3.0,
            TOP + 10.0,
            esc(&a.text)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::FactRow;
    use crate::framework::seeded;
    use eip_types::governance::Rebase;

    #[test]
    fn charts_are_accessible_break_at_rebases_and_draw_targets_and_annotations() {
        let months: Vec<String> = (1..=6).map(|m| format!("2026-{m:02}")).collect();
        let facts: Vec<FactRow> = months
            .iter()
            .enumerate()
            .flat_map(|(i, m)| {
                crate::compute::areas_of(
                    seeded()
                        .measures
                        .iter()
                        .find(|x| x.id == "referrals-submitted")
                        .unwrap_or_else(|| panic!("seeded")),
                )
                .into_iter()
                .flatten()
                .map(move |a| FactRow {
                    kind: "referral.submitted".into(),
                    area_id: a,
                    period: m.clone(),
                    category: "none".into(),
                    n: 10 + i as i64,
                    timed: 0,
                    elapsed_seconds: 0,
                })
            })
            .collect();
        let mut measure = seeded()
            .measures
            .into_iter()
            .find(|x| x.id == "referrals-submitted")
            .unwrap_or_else(|| panic!("seeded"));
        measure.target = Some(eip_types::governance::Target {
            value: 50.0,
            unit: Unit::Count,
        });
        let rebase = Rebase {
            period: "2026-04".into(),
            reason: "New <triage> rota".into(),
            recorded_by: "a".into(),
            recorded_at: "t".into(),
        };
        let report = crate::report::measure_report(&measure, &facts, &months, 4, &[rebase])
            .unwrap_or_else(|| panic!("active"));
        let note = Annotation {
            date: "2026-03-15".into(),
            text: "Pilot starts".into(),
        };
        let svg = chart(&report, std::slice::from_ref(&note), "c1");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"aria-labelledby="c1-t c1-d""#));
        assert!(svg.contains("<title id=\"c1-t\">Referrals submitted</title>"));
        assert!(svg.contains("Trial limits"));
        // Two segments: two mean lines, two polylines.
        assert_eq!(svg.matches("class=\"mean\"").count(), 2);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("rebased: New &lt;triage&gt; rota"));
        assert!(svg.contains("class=\"target\""));
        assert!(svg.contains("Pilot starts"));
        assert_eq!(svg.matches("<circle").count(), 6);
        // The same input draws the same chart.
        assert_eq!(svg, chart(&report, &[note], "c1"));
    }

    #[test]
    fn the_line_breaks_at_a_hidden_month() {
        let placed = [(0, 1.0), (1, 2.0), (3, 3.0), (5, 4.0), (6, 5.0)];
        assert_eq!(
            runs(&placed),
            [
                vec![(0, 1.0), (1, 2.0)],
                vec![(3, 3.0)],
                vec![(5, 4.0), (6, 5.0)]
            ]
        );
    }
}
