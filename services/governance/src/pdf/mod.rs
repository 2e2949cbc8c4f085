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

mod chart;
mod content;
mod draw;
mod layout;
mod metrics;
mod tables;

use eip_types::governance::{Dashboard, Pack};
use layout::Layout;
use metrics::Metrics;

/// DejaVu Sans (Bitstream Vera licence, beside the file): wide coverage,
/// openly licensed, embedded as a subset.
static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

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
    let tree = content::tree(&mut l, pack, board_name, content);
    let header = format!(
        "{board_name} · {} to {} · version {} ({})",
        content.from,
        content.to,
        pack.version,
        pack.status.as_str()
    );
    draw::draw(l.pages, tree, &header, &title(board_name, content))
}

fn title(board_name: &str, content: &Dashboard) -> String {
    format!(
        "{board_name}: report pack, {} to {}",
        content.from, content.to
    )
}
