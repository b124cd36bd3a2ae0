//! Article-ready charts of the catalogue tables.
//!
//! A catalogue answer becomes one or more [`Figure`]s (`figures.rs`: which
//! chart each table wants, as data about its columns), and a figure is
//! drawn to SVG or PNG (`draw.rs`, with plotters and the DejaVu Sans font
//! shipped in `assets/fonts`, never the system's). Every figure carries its
//! title, what was counted and over which denominator, N, and a footer
//! naming the data's source, scan dates, trust setting and the mailtls
//! version; a synthetic dataset says so.

mod draw;
mod figures;
mod outline;

use std::path::Path;

use anyhow::{bail, Context as _, Result};

use crate::catalogue::{self, CATALOGUE};
use crate::dataset::manifest::Manifest;

pub use draw::{render, Format};
pub use figures::{figures, thousands};

/// One chart, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File name without extension (`key_exchange`, `key_exchange-dh_prime_bits`).
    pub stem: String,
    /// Headline.
    pub title: String,
    /// What was counted, over which denominator, and N.
    pub subtitle: String,
    /// The chart.
    pub kind: Kind,
    /// Data source, scan dates, trust setting, tool version.
    pub footer: String,
}

/// The kinds of chart the catalogue's tables want.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// One bar per group, its segments stacked to 100 %.
    Stacked {
        /// Bar labels (a port, a scan), with N on a second line.
        groups: Vec<String>,
        /// Segments in stacking order: label and each group's share (0–1).
        segments: Vec<(String, Vec<f64>)>,
    },
    /// One bar per group: a share (0–1) and its label.
    Shares {
        /// Bar labels, with N.
        groups: Vec<String>,
        /// Shares, 0–1.
        values: Vec<f64>,
    },
    /// Horizontal bars, largest first: label, share (0–1), count, and the
    /// class that colours it.
    Ranked {
        /// (label, share, count, class).
        bars: Vec<(String, f64, u64, String)>,
        /// Classes in legend order (empty: one colour, no legend).
        classes: Vec<String>,
        /// What the share is of, for the axis.
        axis: String,
    },
    /// Lines over scan dates: one per series, (day since the epoch, share 0–1).
    Lines {
        /// (series label, points).
        series: Vec<(String, Vec<(i64, f64)>)>,
        /// What the share is of, for the axis.
        axis: String,
    },
}

/// What the footer says of a dataset.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Input file names (the first few) and their number.
    pub inputs: String,
    /// First and last scan date.
    pub dates: String,
    /// The trust setting the catalogue uses.
    pub trust: String,
    /// The dataset came from `mailtls synth`.
    pub synthetic: bool,
}

impl Provenance {
    /// Reads a dataset's provenance from its manifest.
    pub fn of(manifest: &Manifest) -> Provenance {
        let names: Vec<String> = manifest
            .inputs
            .iter()
            .filter(|i| i.failed.is_none())
            .map(|i| {
                Path::new(&i.path)
                    .file_name()
                    .map_or_else(|| i.path.clone(), |n| n.to_string_lossy().into_owned())
            })
            .collect();
        let inputs = match names.len() {
            0 => "no inputs".to_owned(),
            1 => names[0].clone(),
            n => format!("{n} files ({}, …)", names[0]),
        };
        let days: Vec<String> = manifest
            .scans
            .values()
            .filter_map(|s| s.run_start_us.or(s.first_seen_us))
            .filter_map(|us| chrono::DateTime::from_timestamp(us.div_euclid(1_000_000), 0))
            .map(|t| t.format("%Y-%m-%d").to_string())
            .collect();
        let dates = match (days.iter().min(), days.iter().max()) {
            (Some(a), Some(b)) if a == b => a.clone(),
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "undated".to_owned(),
        };
        Provenance {
            inputs,
            dates,
            trust: manifest
                .trust
                .first()
                .map(|t| t.label())
                .unwrap_or_default(),
            synthetic: crate::report::synthetic_inputs(manifest),
        }
    }

    /// The footer line.
    pub fn footer(&self) -> String {
        let mut text = format!(
            "Source: {} · scans {} · trust {} · mailtls {}",
            self.inputs,
            self.dates,
            self.trust,
            env!("CARGO_PKG_VERSION")
        );
        if self.synthetic {
            text.push_str(" · SYNTHETIC DATA (mailtls synth), not real servers");
        }
        text
    }
}

/// The figures of catalogue table `name` over a dataset; `condition`
/// filters the table's rows first (SQL, as `mailtls table --where`).
pub fn of_table(dataset: &Path, name: &str, condition: Option<&str>) -> Result<Vec<Figure>> {
    let entry = catalogue::find(name)?;
    let mut answer = catalogue::run(dataset, name)?;
    if let Some(c) = condition {
        answer = crate::query::filter(answer, c)?;
    }
    let manifest = Manifest::load(dataset)?;
    figures(entry, &answer, &Provenance::of(&manifest))
}

/// Draws every figure of every catalogue table into `dir` as `STEM.EXT`;
/// returns the files written, table by table.
pub fn write_all(
    dataset: &Path,
    dir: &Path,
    format: Format,
    width: u32,
) -> Result<Vec<(String, Vec<String>)>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for entry in CATALOGUE {
        let mut files = Vec::new();
        for figure in of_table(dataset, entry.name, None)? {
            let file = format!("{}.{}", figure.stem, format.extension());
            let bytes = render(&figure, format, width)?;
            std::fs::write(dir.join(&file), bytes)
                .with_context(|| format!("cannot write {}", dir.join(&file).display()))?;
            files.push(file);
        }
        written.push((entry.name.to_owned(), files));
    }
    Ok(written)
}

/// The format a file name asks for.
pub fn format_of(path: &Path) -> Result<Format> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => Ok(Format::Svg),
        Some("png") => Ok(Format::Png),
        _ => bail!(
            "{}: give a file name ending in .svg or .png",
            path.display()
        ),
    }
}
