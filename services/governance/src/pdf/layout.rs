//! Layout: pages of marked runs, and a structure tree over them.

use super::metrics::Metrics;
use super::{BODY_BOTTOM, BODY_TOP, BODY_W, MARGIN, ROW_H, TEXT};
use krilla::tagging::{ArtifactType, Tag, TagKind};
use std::num::NonZeroU16;

#[derive(Debug, Clone)]
pub(super) enum Paint {
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
pub(super) enum Mark {
    /// Text, with the words it says (kept for copying and reading aloud).
    Span(String),
    /// A drawing: its words live on the figure's structure element.
    Figure,
    /// Page furniture a screen reader skips.
    Artifact(ArtifactType),
}

#[derive(Debug)]
pub(super) struct Run {
    pub(super) mark: Mark,
    /// The structure leaf this run fills; none for artifacts.
    pub(super) leaf: Option<usize>,
    pub(super) paints: Vec<Paint>,
}

pub(super) enum SNode {
    Group(TagKind, Vec<SNode>),
    Leaf(usize),
}

pub(super) struct Layout<'m> {
    pub(super) metrics: &'m Metrics,
    pub(super) pages: Vec<Vec<Run>>,
    pub(super) y: f32,
    leaves: usize,
}

impl<'m> Layout<'m> {
    pub(super) fn new(metrics: &'m Metrics) -> Self {
        Self {
            metrics,
            pages: vec![Vec::new()],
            y: BODY_TOP,
            leaves: 0,
        }
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `height` fits on this one.
    pub(super) fn ensure(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.new_page();
        }
    }

    fn push(&mut self, run: Run) {
        if let Some(page) = self.pages.last_mut() {
            page.push(run);
        }
    }

    pub(super) fn leaf(&mut self, mark: Mark, paints: Vec<Paint>) -> SNode {
        let id = self.leaves;
        self.leaves += 1;
        self.push(Run {
            mark,
            leaf: Some(id),
            paints,
        });
        SNode::Leaf(id)
    }

    pub(super) fn artifact(&mut self, kind: ArtifactType, paints: Vec<Paint>) {
        self.push(Run {
            mark: Mark::Artifact(kind),
            leaf: None,
            paints,
        });
    }

    /// A run of text at (`x`, baseline `y`).
    pub(super) fn span(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        text: &str,
        colour: (u8, u8, u8),
    ) -> SNode {
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
    pub(super) fn block(&mut self, kind: TagKind, text: &str, size: f32, after: f32) -> SNode {
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

    pub(super) fn heading(&mut self, level: u16, text: &str) -> SNode {
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

    pub(super) fn paragraph(&mut self, text: &str) -> SNode {
        self.block(Tag::P.into(), text, 10.0, 4.0)
    }
}

pub(super) fn text(x: f32, y: f32, size: f32, t: &str, colour: (u8, u8, u8)) -> Paint {
    Paint::Text {
        x,
        y,
        size,
        text: t.to_owned(),
        colour,
    }
}

pub(super) fn line(
    points: &[(f32, f32)],
    width: f32,
    colour: (u8, u8, u8),
    dash: Option<[f32; 2]>,
) -> Paint {
    Paint::Line {
        points: points.to_vec(),
        width,
        colour,
        dash,
    }
}
