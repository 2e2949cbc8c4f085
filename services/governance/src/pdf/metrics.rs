//! Text measurement: widths from the embedded font's advances, and
//! wrapping to a width.

use super::{FONT_DATA, PdfError};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

pub(super) struct Metrics {
    font: skrifa::FontRef<'static>,
}

impl Metrics {
    pub(super) fn new() -> Result<Self, PdfError> {
        Ok(Self {
            font: skrifa::FontRef::new(FONT_DATA).map_err(|_| PdfError::Font)?,
        })
    }

    /// The advance width of `text` at `size` points (kerning ignored: close
    /// enough to align and wrap).
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
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
    pub(super) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
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
