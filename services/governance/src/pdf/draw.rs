//! Drawing: the pages walked once, each run tagged as it is painted, then
//! the structure tree built from the identifiers the drawing handed out.

use super::layout::{Mark, Paint, Run, SNode, text};
use super::{FONT_DATA, MARGIN, MUTED, PAGE_H, PAGE_W, PdfError};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, TagGroup, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{SerializeSettings, configure::Configuration};

pub(super) fn draw(
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
