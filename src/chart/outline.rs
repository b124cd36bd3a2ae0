//! SVG text as glyph outlines, so a chart reads the same in every viewer.
//!
//! plotters writes each label as a `<text>` element naming a font family;
//! a viewer without that font would substitute another and the labels
//! would change width. Here each `<text>` becomes a `<g>` of `<use>`
//! references to glyph outlines of the shipped DejaVu Sans, defined once
//! per file in `<defs>`, and placed exactly as a browser would place the
//! text in that font (anchor, baseline shift, rotation).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve};

/// DejaVu Sans' x-height in em (1,120 of 2,048 units): what `ex` means in
/// the `dy` plotters writes.
const X_HEIGHT_EM: f32 = 1120.0 / 2048.0;

/// The two faces, regular and bold.
struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> Option<Faces> {
    Some(Faces {
        regular: FontRef::try_from_slice(include_bytes!("../../assets/fonts/DejaVuSans.ttf"))
            .ok()?,
        bold: FontRef::try_from_slice(include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"))
            .ok()?,
    })
}

/// Replaces every `<text>` element of `svg` by its outlines.
pub fn outline_text(svg: &str) -> String {
    let Some(faces) = faces() else {
        return svg.to_owned();
    };
    let mut glyphs: BTreeMap<(bool, u16), String> = BTreeMap::new();
    let mut order: Vec<(bool, u16)> = Vec::new();
    let mut body = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        body.push_str(&rest[..start]);
        let Some(open_end) = rest[start..].find('>').map(|i| start + i) else {
            break;
        };
        let Some(close) = rest[open_end..].find("</text>").map(|i| open_end + i) else {
            break;
        };
        let attrs = attributes(&rest[start + 5..open_end]);
        // plotters puts the text on a line of its own.
        let text = unescape(rest[open_end + 1..close].trim_matches(['\n', '\r']));
        body.push_str(&place(&faces, &attrs, &text, &mut glyphs, &mut order));
        rest = &rest[close + "</text>".len()..];
    }
    body.push_str(rest);
    let mut defs = String::from("<defs>");
    for key in &order {
        let _ = write!(
            defs,
            r#"<path id="{}" d="{}"/>"#,
            glyph_id(*key),
            glyphs[key]
        );
    }
    defs.push_str("</defs>");
    // The definitions go right after the opening <svg …> tag.
    match body
        .find("<svg")
        .and_then(|s| body[s..].find('>').map(|e| s + e + 1))
    {
        Some(at) => {
            body.insert_str(at, &defs);
            body
        }
        None => body,
    }
}

fn glyph_id((bold, id): (bool, u16)) -> String {
    format!("{}{id}", if bold { "gb" } else { "g" })
}

/// `key="value"` pairs of a tag, in order.
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].trim().to_owned();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        out.insert(key, after[..end].to_owned());
        rest = &after[end + 1..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The outlines of one `<text>` element, as a group of glyph references.
fn place(
    faces: &Faces,
    attrs: &BTreeMap<String, String>,
    text: &str,
    glyphs: &mut BTreeMap<(bool, u16), String>,
    order: &mut Vec<(bool, u16)>,
) -> String {
    let number = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.parse::<f32>().ok())
            .unwrap_or(0.0)
    };
    let bold = attrs.get("font-weight").is_some_and(|w| w == "bold");
    let font = if bold { &faces.bold } else { &faces.regular };
    let size = number("font-size");
    let units = font.units_per_em().unwrap_or(2048.0);
    let scale = size / units;
    let ids: Vec<GlyphId> = text.chars().map(|c| font.glyph_id(c)).collect();
    let mut advances = Vec::with_capacity(ids.len());
    let mut width = 0.0;
    for (i, id) in ids.iter().enumerate() {
        advances.push(width);
        width += font.h_advance_unscaled(*id);
        if let Some(next) = ids.get(i + 1) {
            width += font.kern_unscaled(*id, *next);
        }
    }
    let (x, y) = (number("x"), number("y"));
    let left = match attrs.get("text-anchor").map(String::as_str) {
        Some("middle") => x - width * scale / 2.0,
        Some("end") => x - width * scale,
        _ => x,
    };
    let baseline = y + match attrs.get("dy").map(String::as_str) {
        Some(d) if d.ends_with("em") => {
            d.trim_end_matches("em").parse::<f32>().unwrap_or(0.0) * size
        }
        Some(d) if d.ends_with("ex") => {
            d.trim_end_matches("ex").parse::<f32>().unwrap_or(0.0) * X_HEIGHT_EM * size
        }
        _ => 0.0,
    };
    // The text stays readable to screen readers, search and tests.
    let label = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    let mut out = format!(r#"<g aria-label="{label}""#);
    for key in ["fill", "opacity", "transform"] {
        if let Some(v) = attrs.get(key) {
            let _ = write!(out, r#" {key}="{v}""#);
        }
    }
    out.push('>');
    for (id, advance) in ids.iter().zip(advances) {
        let key = (bold, id.0);
        if let std::collections::btree_map::Entry::Vacant(slot) = glyphs.entry(key) {
            let Some(d) = outline(font, *id) else {
                continue;
            };
            slot.insert(d);
            order.push(key);
        }
        let _ = write!(
            out,
            r##"<use href="#{}" transform="translate({:.2} {:.2}) scale({:.5} {:.5})"/>"##,
            glyph_id(key),
            left + advance * scale,
            baseline,
            scale,
            -scale
        );
    }
    out.push_str("</g>");
    out
}

/// A glyph's outline as SVG path data, in font units (y up).
fn outline(font: &FontRef, id: GlyphId) -> Option<String> {
    let outline = font.outline(id)?;
    let mut d = String::new();
    let mut at: Option<(f32, f32)> = None;
    let mut start: Option<(f32, f32)> = None;
    for curve in &outline.curves {
        let (from, to) = match curve {
            OutlineCurve::Line(a, b) => (*a, *b),
            OutlineCurve::Quad(a, _, c) => (*a, *c),
            OutlineCurve::Cubic(a, _, _, d) => (*a, *d),
        };
        if at != Some((from.x, from.y)) {
            if start.is_some() {
                d.push('Z');
            }
            let _ = write!(d, "M{} {}", from.x, from.y);
            start = Some((from.x, from.y));
        }
        match curve {
            OutlineCurve::Line(_, b) => {
                let _ = write!(d, "L{} {}", b.x, b.y);
            }
            OutlineCurve::Quad(_, b, c) => {
                let _ = write!(d, "Q{} {} {} {}", b.x, b.y, c.x, c.y);
            }
            OutlineCurve::Cubic(_, b, c, e) => {
                let _ = write!(d, "C{} {} {} {} {} {}", b.x, b.y, c.x, c.y, e.x, e.y);
            }
        }
        at = Some((to.x, to.y));
    }
    if start.is_some() {
        d.push('Z');
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_outlines_placed_by_anchor() {
        let svg = r##"<svg width="100" height="50"><text x="50" y="20" dy="0.76em" text-anchor="middle" font-family="DejaVu Sans" font-size="10" opacity="1" fill="#000000">A &amp; A</text></svg>"##;
        let out = outline_text(svg);
        assert!(!out.contains("<text"));
        // Two references to one definition of `A`, one to `&`; spaces draw nothing.
        assert_eq!(out.matches(r#"<path id=""#).count(), 2);
        assert_eq!(out.matches("<use ").count(), 3, "{out}");
        assert!(out.starts_with(r#"<svg width="100" height="50"><defs>"#));
        // Centred on x = 50: the first glyph starts left of it.
        let first = out.find("translate(").unwrap();
        let x: f32 = out[first + 10..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(x < 50.0 && x > 30.0, "{x}");
    }
}
