//! Drawing a [`Figure`] with plotters: SVG (the default) or PNG at twice
//! the size, for print. Text is laid out with DejaVu Sans from
//! `assets/fonts`, registered with plotters' own font support (and, in
//! SVG, written as that font's outlines: `outline.rs`), so the same figure
//! gives the same bytes, and looks the same, on every machine.

use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Figure, Kind};

/// The font every chart uses, under the name SVG files give it.
const FONT: &str = "DejaVu Sans";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics.
    Svg,
    /// PNG at twice the width (for print).
    Png,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

fn register_fonts() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let regular: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        let bold: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
        // The shipped files are valid fonts; a failure here would show as
        // missing text in every chart and in the snapshot tests.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, regular);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, bold);
    });
}

/// Okabe and Ito's colour-blind-safe palette (without black), then greys.
/// Bluish green is kept for what is good ([`MEANING`]).
const PALETTE: &[(u8, u8, u8)] = &[
    (0, 114, 178),
    (230, 159, 0),
    (86, 180, 233),
    (213, 94, 0),
    (204, 121, 167),
    (240, 228, 66),
    (120, 120, 120),
    (170, 170, 170),
    (60, 60, 60),
    (210, 210, 210),
];

/// Categories whose colour carries meaning, whatever their position.
const MEANING: &[(&str, (u8, u8, u8))] = &[
    ("TLS completed", (0, 158, 115)),
    ("trusted", (0, 158, 115)),
    ("ok", (0, 158, 115)),
    ("trusted / ok", (0, 158, 115)),
    ("logged", (0, 158, 115)),
    ("no connection", (215, 215, 215)),
    ("skipped", (160, 160, 160)),
    ("not_logged", (190, 190, 190)),
    ("not_recorded", (190, 190, 190)),
    ("unknown", (150, 150, 150)),
    ("untrusted", (150, 60, 20)),
    // Protocol versions, oldest (worst) to newest.
    ("SSLv2", (150, 60, 20)),
    ("SSLv3", (213, 94, 0)),
    ("TLSv1.0", (230, 159, 0)),
    ("TLSv1.1", (240, 228, 66)),
    ("TLSv1.2", (0, 114, 178)),
    ("TLSv1.3", (0, 158, 115)),
    // testssl.sh buckets, worst to best.
    ("null", (213, 94, 0)),
    ("anon", (213, 94, 0)),
    ("export", (213, 94, 0)),
    ("low", (230, 159, 0)),
    ("3des_idea", (240, 228, 66)),
    ("cbc", (86, 180, 233)),
    ("aead_no_fs", (0, 114, 178)),
    ("aead_fs", (0, 158, 115)),
];

fn colour(label: &str, index: usize) -> RGBColor {
    let (r, g, b) = MEANING
        .iter()
        .find(|(l, _)| *l == label)
        .map(|(_, c)| *c)
        .unwrap_or(PALETTE[index % PALETTE.len()]);
    RGBColor(r, g, b)
}

/// Black or white, whichever reads on `c`.
fn ink_on(c: RGBColor) -> RGBColor {
    let luminance = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
    if luminance > 150.0 {
        BLACK
    } else {
        WHITE
    }
}

const GREY: RGBColor = RGBColor(90, 90, 90);

/// The figure's height at `width` pixels.
fn height(figure: &Figure, width: u32) -> u32 {
    match &figure.kind {
        Kind::Ranked { bars, .. } => 190 + 30 * bars.len() as u32,
        _ => width * 9 / 16 + 40,
    }
}

/// Draws `figure` `width` pixels wide (PNG: twice that) and returns the file's bytes.
pub fn render(figure: &Figure, format: Format, width: u32) -> Result<Vec<u8>> {
    register_fonts();
    let width = width.max(480);
    let height = height(figure, width);
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, (width, height)).into_drawing_area();
                draw(figure, &root, 1.0)?;
                root.present()
                    .map_err(|e| anyhow!("drawing {}: {e}", figure.stem))?;
            }
            Ok(super::outline::outline_text(&text).into_bytes())
        }
        Format::Png => {
            let (w, h) = (width * 2, height * 2);
            let mut pixels = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
                draw(figure, &root, 2.0)?;
                root.present()
                    .map_err(|e| anyhow!("drawing {}: {e}", figure.stem))?;
            }
            let mut png = Vec::new();
            {
                let mut encoder = png::Encoder::new(&mut png, w, h);
                encoder.set_color(png::ColorType::Rgb);
                encoder.set_depth(png::BitDepth::Eight);
                let mut writer = encoder.write_header()?;
                writer.write_image_data(&pixels)?;
            }
            Ok(png)
        }
    }
}

/// Text styles at a scale.
struct Look {
    scale: f64,
}

impl Look {
    fn px(&self, v: f64) -> i32 {
        (v * self.scale).round() as i32
    }

    fn font(&self, size: f64) -> FontDesc<'static> {
        (FONT, size * self.scale).into_font()
    }

    fn text(&self, size: f64, colour: RGBColor) -> TextStyle<'static> {
        self.font(size).color(&colour)
    }

    fn bold(&self, size: f64) -> TextStyle<'static> {
        self.font(size).style(FontStyle::Bold).color(&BLACK)
    }
}

type Area<'a, DB> = DrawingArea<DB, Shift>;

fn fail<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// Splits `text` into lines no wider than `max` pixels in `style`.
fn wrap<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
    max: u32,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        let fits = area
            .estimate_text_size(&candidate, style)
            .map_or(true, |(w, _)| w <= max);
        if fits || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn draw<DB: DrawingBackend>(figure: &Figure, root: &Area<DB>, scale: f64) -> Result<()> {
    let look = Look { scale };
    root.fill(&WHITE).map_err(fail)?;
    let (width, height) = root.dim_in_pixel();
    let inner = width - 2 * look.px(18.0) as u32;
    let subtitle_style = look.text(12.5, GREY);
    let footer_style = look.text(10.0, GREY);
    let subtitle = wrap(root, &figure.subtitle, &subtitle_style, inner);
    let footer = wrap(root, &figure.footer, &footer_style, inner);
    let mut y = look.px(14.0);
    root.draw(&Text::new(
        figure.title.clone(),
        (look.px(18.0), y),
        look.bold(19.0),
    ))
    .map_err(fail)?;
    y += look.px(30.0);
    for line in &subtitle {
        root.draw(&Text::new(
            line.clone(),
            (look.px(18.0), y),
            subtitle_style.clone(),
        ))
        .map_err(fail)?;
        y += look.px(17.0);
    }
    let header = y + look.px(6.0);
    let footer_height = look.px(8.0) + footer.len() as i32 * look.px(14.0);
    let mut fy = height as i32 - footer_height;
    for line in &footer {
        root.draw(&Text::new(
            line.clone(),
            (look.px(18.0), fy),
            footer_style.clone(),
        ))
        .map_err(fail)?;
        fy += look.px(14.0);
    }
    let (_, rest) = root.split_vertically(header);
    let body_height = height as i32 - header - footer_height - look.px(6.0);
    let (body, _) = rest.split_vertically(body_height.max(look.px(100.0)));
    let empty = match &figure.kind {
        Kind::Stacked { groups, .. } | Kind::Shares { groups, .. } => groups.is_empty(),
        Kind::Ranked { bars, .. } => bars.is_empty(),
        Kind::Lines { series, .. } => series.is_empty(),
    };
    if empty {
        let (w, h) = body.dim_in_pixel();
        let style = look
            .text(14.0, GREY)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let message = "No rows: this dataset holds nothing this chart counts.";
        body.draw(&Text::new(
            message.to_owned(),
            (w as i32 / 2, h as i32 / 2),
            style,
        ))
        .map_err(fail)?;
        return Ok(());
    }
    match &figure.kind {
        Kind::Stacked { groups, segments } => stacked(&body, &look, groups, segments),
        Kind::Shares { groups, values } => {
            let segments = vec![("share".to_owned(), values.clone())];
            bars(&body, &look, groups, &segments, false)
        }
        Kind::Ranked {
            bars,
            classes,
            axis,
        } => ranked(&body, &look, bars, classes, axis),
        Kind::Lines { series, axis } => lines(&body, &look, series, axis),
    }
}

fn stacked<DB: DrawingBackend>(
    body: &Area<DB>,
    look: &Look,
    groups: &[String],
    segments: &[(String, Vec<f64>)],
) -> Result<()> {
    bars(body, look, groups, segments, true)
}

/// Vertical bars per group: stacked segments with a legend, or one share
/// per bar with its value above it.
fn bars<DB: DrawingBackend>(
    body: &Area<DB>,
    look: &Look,
    groups: &[String],
    segments: &[(String, Vec<f64>)],
    legend: bool,
) -> Result<()> {
    let (width, _) = body.dim_in_pixel();
    let legend_width = if legend { look.px(210.0) } else { 0 };
    let (plot_area, legend_area) = body.split_horizontally(width as i32 - legend_width);
    let n = groups.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(look.px(10.0))
        .margin_right(look.px(10.0))
        .margin_top(look.px(8.0))
        .x_label_area_size(look.px(52.0))
        .y_label_area_size(look.px(58.0))
        // Room above single bars for their value labels.
        .build_cartesian_2d(0f64..n, 0f64..if legend { 100.0 } else { 106.0 })
        .map_err(fail)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // The group labels are drawn below, on two lines each.
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format!("{v:.0} %"))
        .y_desc("share (%)")
        .label_style(look.text(11.0, BLACK))
        .axis_desc_style(look.text(12.0, BLACK))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(fail)?;
    for (i, label) in groups.iter().enumerate() {
        let (left, right, middle) = (i as f64 + 0.18, i as f64 + 0.82, i as f64 + 0.5);
        let mut bottom = 0.0;
        for (k, (name, values)) in segments.iter().enumerate() {
            let share = values.get(i).copied().unwrap_or(0.0) * 100.0;
            if share <= 0.0 {
                continue;
            }
            let c = if legend {
                colour(name, k)
            } else {
                colour("", 0)
            };
            let rect = Rectangle::new([(left, bottom), (right, bottom + share)], c.filled());
            chart.draw_series(std::iter::once(rect)).map_err(fail)?;
            if legend && share >= 4.5 {
                let style = look
                    .text(10.0, ink_on(c))
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series(std::iter::once(Text::new(
                        percent(share),
                        (middle, bottom + share / 2.0),
                        style,
                    )))
                    .map_err(fail)?;
            }
            if !legend {
                let style = look
                    .text(11.0, BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                chart
                    .draw_series(std::iter::once(Text::new(
                        percent(share),
                        (middle, bottom + share + 1.0),
                        style,
                    )))
                    .map_err(fail)?;
            }
            bottom += share;
        }
        // Group labels under the axis, a line each: the name in black,
        // then (what the bar is and) N in grey.
        let (x, y) = chart.backend_coord(&(middle, 0.0));
        let base = body.get_base_pixel();
        let (x, mut y) = (x - base.0, y - base.1 + look.px(7.0));
        for (line, text) in label.split('\n').enumerate() {
            let style = if line == 0 {
                look.text(11.0, BLACK)
            } else {
                look.text(10.0, GREY)
            };
            body.draw(&Text::new(
                text.to_owned(),
                (x, y),
                style.pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(fail)?;
            y += look.px(14.0);
        }
    }
    if legend {
        // Top of the legend = top of the stack.
        let mut y = look.px(14.0);
        for (k, (name, _)) in segments.iter().enumerate().rev() {
            let c = colour(name, k);
            legend_area
                .draw(&Rectangle::new(
                    [(look.px(6.0), y), (look.px(20.0), y + look.px(14.0))],
                    c.filled(),
                ))
                .map_err(fail)?;
            legend_area
                .draw(&Text::new(
                    name.clone(),
                    (look.px(26.0), y + look.px(7.0)),
                    look.text(11.0, BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(fail)?;
            y += look.px(20.0);
        }
    }
    Ok(())
}

/// Horizontal bars, largest on top, with value labels and a legend of classes.
fn ranked<DB: DrawingBackend>(
    body: &Area<DB>,
    look: &Look,
    bars: &[(String, f64, u64, String)],
    classes: &[String],
    axis: &str,
) -> Result<()> {
    let n = bars.len().max(1) as i32;
    let label_style = look.text(11.0, BLACK);
    let longest = bars
        .iter()
        .filter_map(|(l, ..)| body.estimate_text_size(l, &label_style).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);
    let top = bars.iter().map(|b| b.1).fold(0.0, f64::max) * 100.0;
    let x_max = (top * 1.25).max(1.0);
    let mut chart = ChartBuilder::on(body)
        .margin_left(look.px(10.0))
        .margin_right(look.px(24.0))
        .margin_top(look.px(8.0))
        .x_label_area_size(look.px(40.0))
        .y_label_area_size(longest as i32 + look.px(14.0))
        .build_cartesian_2d(0f64..x_max, 0f64..f64::from(n))
        .map_err(fail)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        // The bar labels are drawn beside each bar.
        .disable_y_axis()
        .x_labels(6)
        .x_label_formatter(&|v| {
            if x_max < 10.0 {
                format!("{v:.1} %")
            } else {
                format!("{v:.0} %")
            }
        })
        .x_desc(axis)
        .label_style(label_style.clone())
        .axis_desc_style(look.text(12.0, BLACK))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(fail)?;
    for (k, (_, share, count, class)) in bars.iter().enumerate() {
        let j = f64::from(n - 1 - k as i32);
        let index = classes.iter().position(|c| c == class).unwrap_or(0);
        let c = if classes.is_empty() {
            colour("", 0)
        } else {
            colour(class, index)
        };
        let rect = Rectangle::new([(0.0, j + 0.15), (share * 100.0, j + 0.85)], c.filled());
        chart.draw_series(std::iter::once(rect)).map_err(fail)?;
        let (x, y) = chart.backend_coord(&(0.0, j + 0.5));
        let base = body.get_base_pixel();
        body.draw(&Text::new(
            bars[k].0.clone(),
            (x - base.0 - look.px(8.0), y - base.1),
            label_style.clone().pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(fail)?;
        let style = look
            .text(10.0, BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(
                format!(
                    "{} ({})",
                    percent(share * 100.0),
                    super::figures::thousands(*count as f64)
                ),
                (share * 100.0 + x_max * 0.01, j + 0.5),
                style,
            )))
            .map_err(fail)?;
    }
    if !classes.is_empty() {
        let (width, height) = body.dim_in_pixel();
        let mut y = height as i32 - look.px(60.0) - classes.len() as i32 * look.px(18.0);
        let x = width as i32 - look.px(190.0);
        body.draw(&Text::new(
            "testssl.sh bucket".to_owned(),
            (x, y),
            look.bold(11.0),
        ))
        .map_err(fail)?;
        y += look.px(18.0);
        for (index, class) in classes.iter().enumerate() {
            let c = colour(class, index);
            body.draw(&Rectangle::new(
                [(x, y), (x + look.px(14.0), y + look.px(13.0))],
                c.filled(),
            ))
            .map_err(fail)?;
            body.draw(&Text::new(
                class.clone(),
                (x + look.px(20.0), y + look.px(6.0)),
                look.text(11.0, BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(fail)?;
            y += look.px(18.0);
        }
    }
    Ok(())
}

/// Lines over scan dates.
fn lines<DB: DrawingBackend>(
    body: &Area<DB>,
    look: &Look,
    series: &[(String, Vec<(i64, f64)>)],
    axis: &str,
) -> Result<()> {
    let days = series.iter().flat_map(|(_, p)| p.iter().map(|(d, _)| *d));
    let (first, last) = days.fold((i64::MAX, i64::MIN), |(a, b), d| (a.min(d), b.max(d)));
    let span = ((last - first) as f64).max(1.0);
    let mut chart = ChartBuilder::on(body)
        .margin_left(look.px(10.0))
        .margin_right(look.px(30.0))
        .margin_top(look.px(8.0))
        .x_label_area_size(look.px(40.0))
        .y_label_area_size(look.px(58.0))
        .build_cartesian_2d(
            first as f64 - span * 0.05..last as f64 + span * 0.05,
            0f64..100f64,
        )
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&|d| {
            chrono::DateTime::from_timestamp((*d as i64) * 86_400, 0)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        })
        .y_label_formatter(&|v| format!("{v:.0} %"))
        .y_desc(axis)
        .x_desc("scan date")
        .label_style(look.text(11.0, BLACK))
        .axis_desc_style(look.text(12.0, BLACK))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(fail)?;
    for (k, (name, points)) in series.iter().enumerate() {
        let c = colour(name, k);
        let width = look.px(2.0) as u32;
        let data: Vec<(f64, f64)> = points.iter().map(|(d, v)| (*d as f64, v * 100.0)).collect();
        chart
            .draw_series(LineSeries::new(data.clone(), c.stroke_width(width)))
            .map_err(fail)?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
        chart
            .draw_series(
                data.iter()
                    .map(|p| Circle::new(*p, look.px(3.0), c.filled())),
            )
            .map_err(fail)?;
    }
    chart
        .configure_series_labels()
        .label_font(look.text(11.0, BLACK))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(fail)?;
    Ok(())
}

/// A share in percent, as a label: one decimal under 10 %.
fn percent(p: f64) -> String {
    if p < 10.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.0} %")
    }
}
