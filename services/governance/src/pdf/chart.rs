//! A measure's XmR chart and its icons, drawn as paths.

use super::layout::{Layout, Mark, Paint, SNode, line, text};
use super::{BODY_W, CHART_H, MARGIN, MUTED, TEXT};
use crate::svg::{self, Frame};
use eip_types::governance::{Assurance, MeasureReport, Pack, Signal, Variation};
use krilla::tagging::Tag;

/// The palette of signals and icons: improving, concerning, neither, none.
const BLUE: (u8, u8, u8) = (0, 94, 184);
const ORANGE: (u8, u8, u8) = (237, 139, 0);
const PURPLE: (u8, u8, u8) = (124, 40, 85);
const GREY: (u8, u8, u8) = (160, 160, 160);

fn rgb_of(signal: Option<Signal>) -> (u8, u8, u8) {
    match signal {
        None => GREY,
        Some(Signal::Improving) => BLUE,
        Some(Signal::Concerning) => ORANGE,
        Some(Signal::Neither) => PURPLE,
    }
}

/// The XmR chart, drawn as paths: the same picture as the portal's SVG.
pub(super) fn chart_figure(l: &mut Layout, pack: &Pack, report: &MeasureReport) -> SNode {
    l.ensure(CHART_H + 8.0);
    let top = f64::from(l.y);
    let left = f64::from(MARGIN) + 48.0;
    let right = f64::from(MARGIN + BODY_W) - 16.0;
    let frame = Frame::of(
        report,
        left,
        top + 20.0,
        right,
        top + f64::from(CHART_H) - 24.0,
    );
    let (x, y) = (|i: usize| frame.x(i) as f32, |v: f64| frame.y(v) as f32);
    let unit = report.measure.unit;
    let months = &report.table.months;
    let index = |period: &str| months.iter().position(|m| m == period);
    let c = &report.chart;
    let axis = MUTED;
    let mut p = vec![
        line(
            &[
                (left as f32, y_top(&frame)),
                (left as f32, frame.bottom as f32),
            ],
            1.0,
            axis,
            None,
        ),
        line(
            &[
                (left as f32, frame.bottom as f32),
                (right as f32, frame.bottom as f32),
            ],
            1.0,
            axis,
            None,
        ),
    ];
    for v in frame.ticks() {
        let label = svg::fmt(v, unit);
        let w = l.metrics.width(&label, 8.0);
        p.push(text(left as f32 - 6.0 - w, y(v) + 3.0, 8.0, &label, TEXT));
    }
    for (i, m) in months
        .iter()
        .enumerate()
        .filter(|(i, _)| i % frame.month_step() == 0)
    {
        let w = l.metrics.width(m, 8.0);
        p.push(text(
            x(i) - w / 2.0,
            frame.bottom as f32 + 12.0,
            8.0,
            m,
            TEXT,
        ));
    }
    if let Some(t) = c.target {
        p.push(line(
            &[(left as f32, y(t)), (right as f32, y(t))],
            1.2,
            (212, 53, 28),
            Some([2.0, 3.0]),
        ));
        let label = format!("target {}", svg::fmt(t, unit));
        let w = l.metrics.width(&label, 7.5);
        p.push(text(right as f32 - w, y(t) - 3.0, 7.5, &label, TEXT));
    }
    for seg in &c.segments {
        let Some(pts) = c.points.get(seg.start..seg.start + seg.len) else {
            continue;
        };
        let (Some(first), Some(last)) = (
            pts.first().and_then(|p| index(&p.period)),
            pts.last().and_then(|p| index(&p.period)),
        ) else {
            continue;
        };
        let (x1, x2) = (x(first) - 6.0, x(last) + 6.0);
        p.push(line(
            &[(x1, y(seg.mean)), (x2, y(seg.mean))],
            1.2,
            axis,
            None,
        ));
        for limit in [seg.upper, seg.lower].into_iter().flatten() {
            p.push(line(
                &[(x1, y(limit)), (x2, y(limit))],
                0.8,
                axis,
                Some([5.0, 3.0]),
            ));
        }
        if let Some(r) = &seg.rebase {
            p.push(text(
                x1,
                y_top(&frame) - 6.0,
                7.5,
                &format!("rebased: {}", r.reason),
                TEXT,
            ));
        }
        // Joined between consecutive months only: a hidden month is a gap.
        let placed: Vec<(usize, f64)> = pts
            .iter()
            .filter_map(|pt| index(&pt.period).map(|i| (i, pt.value)))
            .collect();
        for run in crate::svg::runs(&placed) {
            let series: Vec<(f32, f32)> = run.iter().map(|(i, v)| (x(*i), y(*v))).collect();
            if series.len() > 1 {
                p.push(line(&series, 1.2, axis, None));
            }
        }
    }
    for pt in &c.points {
        if let Some(i) = index(&pt.period) {
            p.push(Paint::Circle {
                cx: x(i),
                cy: y(pt.value),
                r: 3.0,
                colour: rgb_of(pt.signal),
            });
        }
    }
    for a in &pack.input.annotations {
        if let Some(i) = a.date.get(..7).and_then(index) {
            p.push(line(
                &[(x(i), y_top(&frame)), (x(i), frame.bottom as f32)],
                0.8,
                (29, 112, 184),
                None,
            ));
            p.push(text(
                x(i) + 3.0,
                y_top(&frame) + 8.0,
                7.5,
                &a.text,
                (29, 112, 184),
            ));
        }
    }
    let leaf = l.leaf(Mark::Figure, p);
    l.y += CHART_H;
    SNode::Group(
        Tag::Figure(Some(svg::description(report))).into(),
        vec![leaf],
    )
}

fn y_top(frame: &Frame) -> f32 {
    frame.top as f32
}

/// The variation and assurance icons, each with its words beside it.
pub(super) fn icons(l: &mut Layout, report: &MeasureReport) -> SNode {
    let c = &report.chart;
    let (colour, letter) = match c.variation {
        Variation::CommonCause => (GREY, "~"),
        Variation::ImprovingHigh => (BLUE, "H"),
        Variation::ImprovingLow => (BLUE, "L"),
        Variation::ConcerningHigh => (ORANGE, "H"),
        Variation::ConcerningLow => (ORANGE, "L"),
        Variation::NeitherHigh => (PURPLE, "H"),
        Variation::NeitherLow => (PURPLE, "L"),
    };
    let mut icons = vec![(colour, letter, c.variation.text())];
    if let Some(a) = c.assurance {
        icons.push(match a {
            Assurance::ConsistentlyPass => (BLUE, "P", a.text()),
            Assurance::ConsistentlyFail => (ORANGE, "F", a.text()),
            Assurance::HitAndMiss => (GREY, "?", a.text()),
        });
    }
    let mut children = Vec::new();
    for (colour, letter, words) in icons {
        l.ensure(20.0);
        let (cx, cy) = (MARGIN + 8.0, l.y + 8.0);
        let w = l.metrics.width(letter, 8.0);
        let icon = l.leaf(
            Mark::Figure,
            vec![
                Paint::Circle {
                    cx,
                    cy,
                    r: 7.0,
                    colour,
                },
                text(cx - w / 2.0, cy + 3.0, 8.0, letter, (255, 255, 255)),
            ],
        );
        // The picture carries its words as alternative text, and the words
        // are printed beside it too: nothing is said by colour alone.
        children.push(SNode::Group(
            Tag::Figure(Some(words.to_owned())).into(),
            vec![icon],
        ));
        let said = l.span(MARGIN + 22.0, cy + 3.5, 10.0, words, TEXT);
        children.push(SNode::Group(Tag::P.into(), vec![said]));
        l.y += 20.0;
    }
    l.y += 4.0;
    SNode::Group(Tag::Div.into(), children)
}
