//! The PDF report pack: the period, areas and measures chosen printed on the
//! first page, every measure's XmR chart drawn as vector graphics with its
//! icons and their text alternatives, and its table paginated with the
//! header row repeated. The document is tagged (headings, paragraphs,
//! figures with alternative text, tables with header cells) so a screen
//! reader can follow it.
//!
//! Rendering is a pure function of the pack and its figures: a signed pack
//! renders from its frozen snapshot, so its PDF stays the same after the
//! source data is corrected. Nothing time-dependent is written into it.
//!
//! Layout happens first, into pages of marked runs and a structure tree
//! that refers to them; drawing then walks the pages once. That way the
//! footer can say "page 2 of 5" and the tag tree is built from the
//! identifiers the drawing hands out.

use crate::svg::{self, Frame};
use eip_types::governance::{
    Assurance, Dashboard, FOOTNOTES, MeasureReport, Pack, PackStatus, Published, Signal, Unit,
    Variation,
};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{SerializeSettings, configure::Configuration};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use std::num::NonZeroU16;

/// DejaVu Sans (Bitstream Vera licence, beside the file): wide coverage,
/// openly licensed, embedded as a subset.
static FONT_DATA: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// A4 landscape, in points: wide tables read better across the page.
const PAGE_W: f32 = 841.89;
const PAGE_H: f32 = 595.28;
const MARGIN: f32 = 40.0;
const BODY_TOP: f32 = MARGIN + 18.0;
const BODY_BOTTOM: f32 = PAGE_H - MARGIN - 16.0;
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The height of one table row.
pub const ROW_H: f32 = 15.0;
/// Months per table part: longer periods continue in a further part.
pub const MONTHS_PER_PART: usize = 12;
const AREA_W: f32 = 170.0;
const CHART_H: f32 = 210.0;
const TEXT: (u8, u8, u8) = (11, 12, 12);
const MUTED: (u8, u8, u8) = (80, 90, 95);

/// Rows of a table that fit below its header on an otherwise empty page.
pub fn rows_per_page() -> usize {
    ((BODY_BOTTOM - BODY_TOP - ROW_H) / ROW_H) as usize
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font cannot be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The pack as a tagged PDF.
pub fn render(pack: &Pack, board_name: &str, content: &Dashboard) -> Result<Vec<u8>, PdfError> {
    let metrics = Metrics::new()?;
    let mut l = Layout::new(&metrics);
    let tree = content_tree(&mut l, pack, board_name, content);
    let header = format!(
        "{board_name} · {} to {} · version {} ({})",
        content.from,
        content.to,
        pack.version,
        pack.status.as_str()
    );
    draw(l.pages, tree, &header, &title(board_name, content))
}

fn title(board_name: &str, content: &Dashboard) -> String {
    format!(
        "{board_name}: report pack, {} to {}",
        content.from, content.to
    )
}

// ---------------------------------------------------------------------------
// Text measurement
// ---------------------------------------------------------------------------

struct Metrics {
    font: skrifa::FontRef<'static>,
}

impl Metrics {
    fn new() -> Result<Self, PdfError> {
        Ok(Self {
            font: skrifa::FontRef::new(FONT_DATA).map_err(|_| PdfError::Font)?,
        })
    }

    /// The advance width of `text` at `size` points (kerning ignored: close
    /// enough to align and wrap).
    fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.font.charmap();
        let glyphs = self
            .font
            .glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| glyphs.advance_width(g))
                    .unwrap_or(size * 0.6)
            })
            .sum()
    }

    /// `text` broken into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(&candidate, size) > width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

// ---------------------------------------------------------------------------
// Layout: pages of marked runs, and a structure tree over them
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Paint {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        colour: (u8, u8, u8),
    },
    Line {
        points: Vec<(f32, f32)>,
        width: f32,
        colour: (u8, u8, u8),
        dash: Option<[f32; 2]>,
    },
    Circle {
        cx: f32,
        cy: f32,
        r: f32,
        colour: (u8, u8, u8),
    },
}

#[derive(Debug, Clone)]
enum Mark {
    /// Text, with the words it says (kept for copying and reading aloud).
    Span(String),
    /// A drawing: its words live on the figure's structure element.
    Figure,
    /// Page furniture a screen reader skips.
    Artifact(ArtifactType),
}

#[derive(Debug)]
struct Run {
    mark: Mark,
    /// The structure leaf this run fills; none for artifacts.
    leaf: Option<usize>,
    paints: Vec<Paint>,
}

enum SNode {
    Group(TagKind, Vec<SNode>),
    Leaf(usize),
}

struct Layout<'m> {
    metrics: &'m Metrics,
    pages: Vec<Vec<Run>>,
    y: f32,
    leaves: usize,
}

impl<'m> Layout<'m> {
    fn new(metrics: &'m Metrics) -> Self {
        Self {
            metrics,
            pages: vec![Vec::new()],
            y: BODY_TOP,
            leaves: 0,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `height` fits on this one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.new_page();
        }
    }

    fn push(&mut self, run: Run) {
        if let Some(page) = self.pages.last_mut() {
            page.push(run);
        }
    }

    fn leaf(&mut self, mark: Mark, paints: Vec<Paint>) -> SNode {
        let id = self.leaves;
        self.leaves += 1;
        self.push(Run {
            mark,
            leaf: Some(id),
            paints,
        });
        SNode::Leaf(id)
    }

    fn artifact(&mut self, kind: ArtifactType, paints: Vec<Paint>) {
        self.push(Run {
            mark: Mark::Artifact(kind),
            leaf: None,
            paints,
        });
    }

    /// A run of text at (`x`, baseline `y`).
    fn span(&mut self, x: f32, y: f32, size: f32, text: &str, colour: (u8, u8, u8)) -> SNode {
        self.leaf(
            Mark::Span(text.to_owned()),
            vec![Paint::Text {
                x,
                y,
                size,
                text: text.to_owned(),
                colour,
            }],
        )
    }

    /// Wrapped text as one structure element of `kind`.
    fn block(&mut self, kind: TagKind, text: &str, size: f32, after: f32) -> SNode {
        let leading = size * 1.35;
        let lines = self.metrics.wrap(text, size, BODY_W);
        let mut children = Vec::new();
        for line in lines {
            self.ensure(leading);
            let baseline = self.y + size;
            children.push(self.span(MARGIN, baseline, size, &line, TEXT));
            self.y += leading;
        }
        self.y += after;
        SNode::Group(kind, children)
    }

    fn heading(&mut self, level: u16, text: &str) -> SNode {
        let size = if level == 1 { 18.0 } else { 13.0 };
        // Keep a heading with at least a few lines of what follows.
        self.ensure(size * 1.35 + 4.0 * ROW_H);
        self.y += if level == 1 { 0.0 } else { 6.0 };
        let level = NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN);
        self.block(
            Tag::Hn(level, Some(text.to_owned())).into(),
            text,
            size,
            4.0,
        )
    }

    fn paragraph(&mut self, text: &str) -> SNode {
        self.block(Tag::P.into(), text, 10.0, 4.0)
    }
}

// ---------------------------------------------------------------------------
// Content
// ---------------------------------------------------------------------------

fn content_tree(l: &mut Layout, pack: &Pack, board_name: &str, content: &Dashboard) -> Vec<SNode> {
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
        format!(
            "Small numbers: counts from 1 to {} are hidden, with any figure they could be worked out from, and shown as [c].",
            content.suppress_up_to
        ),
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

fn rgb_of(signal: Option<Signal>) -> (u8, u8, u8) {
    match signal {
        None => (160, 160, 160),
        Some(Signal::Improving) => (0, 94, 184),
        Some(Signal::Concerning) => (237, 139, 0),
        Some(Signal::Neither) => (124, 40, 85),
    }
}

/// The XmR chart, drawn as paths: the same picture as the portal's SVG.
fn chart_figure(l: &mut Layout, pack: &Pack, report: &MeasureReport) -> SNode {
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
        let series: Vec<(f32, f32)> = pts
            .iter()
            .filter_map(|pt| index(&pt.period).map(|i| (x(i), y(pt.value))))
            .collect();
        if series.len() > 1 {
            p.push(line(&series, 1.2, axis, None));
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
fn icons(l: &mut Layout, report: &MeasureReport) -> SNode {
    const BLUE: (u8, u8, u8) = (0, 94, 184);
    const ORANGE: (u8, u8, u8) = (237, 139, 0);
    const GREY: (u8, u8, u8) = (160, 160, 160);
    const PURPLE: (u8, u8, u8) = (124, 40, 85);
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

/// The measure's table, in parts of at most twelve months, each paginated
/// with its header row repeated on every page.
fn tables(l: &mut Layout, report: &MeasureReport) -> Vec<SNode> {
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

fn text(x: f32, y: f32, size: f32, t: &str, colour: (u8, u8, u8)) -> Paint {
    Paint::Text {
        x,
        y,
        size,
        text: t.to_owned(),
        colour,
    }
}

fn line(points: &[(f32, f32)], width: f32, colour: (u8, u8, u8), dash: Option<[f32; 2]>) -> Paint {
    Paint::Line {
        points: points.to_vec(),
        width,
        colour,
        dash,
    }
}

// ---------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------

fn draw(
    pages: Vec<Vec<Run>>,
    tree: Vec<SNode>,
    header: &str,
    title: &str,
) -> Result<Vec<u8>, PdfError> {
    let font = Font::new(FONT_DATA.to_vec().into(), 0).ok_or(PdfError::Font)?;
    let settings = SerializeSettings {
        enable_tagging: true,
        configuration: Configuration::default(),
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let leaves = pages.iter().flatten().filter(|r| r.leaf.is_some()).count();
    let mut ids: Vec<Option<Identifier>> = vec![None; leaves];
    let total = pages.len();
    for (n, runs) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let furniture = [
            (
                ArtifactType::Header,
                text(MARGIN, MARGIN, 8.0, header, MUTED),
            ),
            (
                ArtifactType::Footer,
                text(
                    MARGIN,
                    PAGE_H - MARGIN + 4.0,
                    8.0,
                    &format!("Page {} of {total}", n + 1),
                    MUTED,
                ),
            ),
        ];
        for (kind, paint) in furniture {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
            paint_one(&mut surface, &font, &paint);
            surface.end_tagged();
        }
        for run in runs {
            let id = match &run.mark {
                Mark::Span(words) => Some(surface.start_tagged(ContentTag::Span(
                    SpanTag::empty().with_actual_text(Some(words)),
                ))),
                Mark::Figure => Some(surface.start_tagged(ContentTag::Other)),
                Mark::Artifact(kind) => {
                    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(*kind)));
                    None
                }
            };
            for paint in &run.paints {
                paint_one(&mut surface, &font, paint);
            }
            surface.end_tagged();
            if let (Some(leaf), Some(id)) = (run.leaf, id)
                && let Some(slot) = ids.get_mut(leaf)
            {
                *slot = Some(id);
            }
        }
        surface.finish();
        page.finish();
    }
    let mut tag_tree = TagTree::new().with_lang(Some("en-GB".into()));
    for node in tree {
        if let Some(node) = to_node(node, &mut ids) {
            tag_tree.push(node);
        }
    }
    document.set_tag_tree(tag_tree);
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("en-GB".into())
            .creator("Early Intervention Platform".into()),
    );
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn to_node(node: SNode, ids: &mut [Option<Identifier>]) -> Option<Node> {
    match node {
        SNode::Leaf(i) => ids.get_mut(i).and_then(Option::take).map(Node::from),
        SNode::Group(kind, children) => {
            let children: Vec<Node> = children
                .into_iter()
                .filter_map(|c| to_node(c, ids))
                .collect();
            (!children.is_empty()).then(|| TagGroup::with_children(kind, children).into())
        }
    }
}

fn colour_of((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn paint_one(surface: &mut Surface, font: &Font, paint: &Paint) {
    match paint {
        Paint::Text {
            x,
            y,
            size,
            text,
            colour,
        } => {
            if text.is_empty() {
                return;
            }
            surface.set_fill(Some(Fill {
                paint: colour_of(*colour).into(),
                ..Fill::default()
            }));
            surface.set_stroke(None);
            surface.draw_text(
                Point::from_xy(*x, *y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Paint::Line {
            points,
            width,
            colour,
            dash,
        } => {
            let mut pb = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(*x, *y);
                } else {
                    pb.line_to(*x, *y);
                }
            }
            let Some(path) = pb.finish() else { return };
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: colour_of(*colour).into(),
                width: *width,
                dash: dash.map(|[on, off]| StrokeDash {
                    array: vec![on, off],
                    offset: 0.0,
                }),
                ..Stroke::default()
            }));
            surface.draw_path(&path);
        }
        Paint::Circle { cx, cy, r, colour } => {
            // Four cubic arcs: the usual circle approximation.
            const K: f32 = 0.552_284_8;
            let (x, y, r) = (*cx, *cy, *r);
            let k = K * r;
            let mut pb = PathBuilder::new();
            pb.move_to(x + r, y);
            pb.cubic_to(x + r, y + k, x + k, y + r, x, y + r);
            pb.cubic_to(x - k, y + r, x - r, y + k, x - r, y);
            pb.cubic_to(x - r, y - k, x - k, y - r, x, y - r);
            pb.cubic_to(x + k, y - r, x + r, y - k, x + r, y);
            pb.close();
            let Some(path) = pb.finish() else { return };
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: colour_of(*colour).into(),
                opacity: NormalizedF32::ONE,
                ..Fill::default()
            }));
            surface.draw_path(&path);
        }
    }
}
