//! `mailtls tables`, `mailtls table NAME` and `mailtls sql QUERY`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};

use crate::catalogue::{self, CATALOGUE};
use crate::render;

/// Lists the catalogue: name, title, what a row is, the denominator.
pub fn list() -> Result<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    for e in CATALOGUE {
        writeln!(out, "{:<20} {}", e.name, e.title)?;
        writeln!(out, "{:<20}   row: {}", "", e.row)?;
        writeln!(out, "{:<20}   denominator: {}", "", e.denominator)?;
        writeln!(out, "{:<20}   paper: {}", "", e.paper)?;
    }
    Ok(())
}

/// Runs a catalogue table, optionally filtered by a SQL condition, and
/// optionally once per scan (`--by scan`).
pub fn table(
    name: &str,
    dataset: &Path,
    format: &str,
    filter: Option<&str>,
    output: Option<&Path>,
    by_scan: bool,
) -> Result<()> {
    let entry = catalogue::find(name)?;
    let mut df = if by_scan {
        catalogue::run_by_scan(dataset, name)?
    } else {
        catalogue::run(dataset, name)?
    };
    if let Some(cond) = filter {
        df = crate::query::filter(df, cond)
            .with_context(|| format!("--where {cond:?} on table {name}"))?;
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    if format == "table" {
        writeln!(out, "{} — {}", entry.name, entry.title)?;
        writeln!(
            out,
            "one row: {}; denominator: {}",
            entry.row, entry.denominator
        )?;
    }
    render::write(&mut df, format, &mut out, output)
}

/// Runs an ad-hoc query over the dataset's tables.
pub fn sql(query: &str, dataset: &Path, format: &str, output: Option<&Path>) -> Result<()> {
    let mut df = crate::query::run(dataset, query)?;
    let out = std::io::stdout();
    let mut out = out.lock();
    render::write(&mut df, format, &mut out, output)
}
