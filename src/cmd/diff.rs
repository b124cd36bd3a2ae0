//! `mailtls diff --dataset DS SCAN_A SCAN_B [--table …]`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::catalogue::{self, PAIR_TABLES};
use crate::render;

/// Prints the comparison tables for two scans.
pub fn execute(
    dataset: &Path,
    earlier: &str,
    later: &str,
    table: Option<&str>,
    format: &str,
) -> Result<()> {
    let tables: Vec<&str> = match table {
        Some(t) => vec![t],
        None => PAIR_TABLES.to_vec(),
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    for name in tables {
        let entry = catalogue::find(name)?;
        let mut df = catalogue::diff::run(dataset, earlier, later, name)?;
        if format == "table" || format == "md" {
            writeln!(out, "{} — {}", entry.name, entry.title)?;
            writeln!(
                out,
                "{earlier} → {later}; denominator: {}",
                entry.denominator
            )?;
        }
        render::write(&mut df, format, &mut out, None)?;
        writeln!(out)?;
    }
    Ok(())
}
